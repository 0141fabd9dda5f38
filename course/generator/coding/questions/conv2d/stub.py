import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    """Conv2D forward pass (cross-correlation), NCHW.

    x: (N, C, H, W); w: (F, C, kh, kw); b: (F,); stride: int; padding: int (zeros
    added on every side). Returns (out, cache): out (N, F, H', W') with
    H' = (H + 2 padding - kh) // stride + 1 (same for W').
    """
    raise NotImplementedError("conv2d_forward")
