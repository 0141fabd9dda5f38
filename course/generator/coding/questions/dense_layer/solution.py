import numpy as np


def dense_forward(a_prev, W, b):
    """Z = W a_prev + b; the cache keeps the inputs."""
    a_prev, W, b = (np.asarray(v, dtype=np.float64) for v in (a_prev, W, b))
    return W @ a_prev + b, (a_prev, W, b)


def dense_backward(dZ, cache):
    """dA_prev = W^T dZ, dW = dZ a_prev^T, db = sum of dZ over the examples."""
    a_prev, W, _ = cache
    dZ = np.asarray(dZ, dtype=np.float64)
    return W.T @ dZ, dZ @ a_prev.T, dZ.sum(axis=1, keepdims=True)
