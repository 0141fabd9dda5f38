import numpy as np


def maxpool_forward(x, size, stride=None):
    """Max pooling, NCHW, 'valid' (no padding).

    x: (N, C, H, W); size: window size; stride: step (None: size).
    Returns (out, cache): out (N, C, (H - size) // stride + 1, (W - size) // stride + 1).
    """
    raise NotImplementedError("maxpool_forward")
