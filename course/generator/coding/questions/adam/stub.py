import numpy as np


def adam_step(w, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update with bias correction.

    w, g: arrays of the same shape; state: {"m": array, "v": array, "t": int}
    (zeros and t = 0 before the first step). Returns (w_new, new_state).
    """
    raise NotImplementedError("adam_step")
