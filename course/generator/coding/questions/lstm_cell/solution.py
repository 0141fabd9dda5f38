import numpy as np


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def lstm_cell_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    """Gates from one affine map, split in the order i, f, g, o."""
    x_t, h_prev, c_prev = (np.asarray(v, dtype=np.float64) for v in (x_t, h_prev, c_prev))
    H = h_prev.shape[1]
    a = x_t @ Wx + h_prev @ Wh + b
    i, f = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H])
    g, o = np.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x_t, h_prev, c_prev, i, f, g, o, c)
