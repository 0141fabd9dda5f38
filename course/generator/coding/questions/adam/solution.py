import numpy as np


def adam_step(w, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Moments, bias correction, update."""
    g = np.asarray(g, dtype=np.float64)
    t = int(state["t"]) + 1
    m = beta1 * np.asarray(state["m"]) + (1 - beta1) * g
    v = beta2 * np.asarray(state["v"]) + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return np.asarray(w, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
