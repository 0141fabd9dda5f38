import numpy as np


def gd_update(params, grads, lr):
    """A new dict: each parameter minus lr times its gradient."""
    return {k: np.asarray(v, dtype=np.float64) - lr * np.asarray(grads["d" + k], dtype=np.float64)
            for k, v in params.items()}
