import numpy as np


def rnn_cell_forward(x_t, h_prev, Wx, Wh, b):
    """tanh of the affine combination of the input and the previous state."""
    x_t, h_prev = np.asarray(x_t, dtype=np.float64), np.asarray(h_prev, dtype=np.float64)
    h = np.tanh(x_t @ Wx + h_prev @ Wh + b)
    return h, (x_t, h_prev, Wx, Wh, h)
