import numpy as np


def _activation(z, name):
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    if name == "linear":
        return z
    raise ValueError(f"unknown activation {name!r}")


def mlp_forward(X, params, activations):
    """Layer after layer, keeping A[l-1], Z[l] and A[l] in the caches."""
    A = np.asarray(X, dtype=np.float64)
    caches = []
    for l, name in enumerate(activations, start=1):
        Z = np.asarray(params[f"W{l}"]) @ A + np.asarray(params[f"b{l}"])
        A_new = _activation(Z, name)
        caches.append({"A_prev": A, "Z": Z, "A": A_new})
        A = A_new
    return A, caches
