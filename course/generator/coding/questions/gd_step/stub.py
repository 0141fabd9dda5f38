import numpy as np


def gd_update(params, grads, lr):
    """One step W = W - lr dW, b = b - lr db for every parameter.

    params: {"W1": array, "b1": array, ...}; grads: {"dW1": ..., "db1": ...} (same shapes);
    lr: float. Returns a new dict with the keys of params (params is not modified).
    """
    raise NotImplementedError("gd_update")
