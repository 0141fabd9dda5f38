import numpy as np


def rnn_cell_forward(x_t, h_prev, Wx, Wh, b):
    """One simple-RNN step h = tanh(x_t Wx + h_prev Wh + b).

    x_t: (N, D); h_prev: (N, H); Wx: (D, H); Wh: (H, H); b: (H,).
    Returns (h (N, H), cache).
    """
    raise NotImplementedError("rnn_cell_forward")
