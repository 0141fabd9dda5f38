import numpy as np


def maxpool_forward(x, size, stride=None):
    """The maximum of every window."""
    x = np.asarray(x, dtype=np.float64)
    s = size if stride is None else stride
    n, c, h, w = x.shape
    ho, wo = (h - size) // s + 1, (w - size) // s + 1
    out = np.empty((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = x[:, :, i * s:i * s + size, j * s:j * s + size].max(axis=(2, 3))
    return out, (x, size, s)
