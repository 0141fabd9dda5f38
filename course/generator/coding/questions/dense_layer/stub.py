import numpy as np


def dense_forward(a_prev, W, b):
    """Z = W a_prev + b.

    a_prev: (n_prev, m); W: (n, n_prev); b: (n, 1).
    Returns (Z, cache): Z (n, m); cache: whatever dense_backward needs.
    """
    raise NotImplementedError("dense_forward")


def dense_backward(dZ, cache):
    """Gradients of Z = W a_prev + b given dZ (n, m) and the cache of dense_forward.

    Returns (da_prev (n_prev, m), dW (n, n_prev), db (n, 1)).
    """
    raise NotImplementedError("dense_backward")
