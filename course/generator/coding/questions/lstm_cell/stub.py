import numpy as np


def lstm_cell_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step, gate order i, f, g, o.

    x_t: (N, D); h_prev, c_prev: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,).
    Returns (h (N, H), c (N, H), cache).
    """
    raise NotImplementedError("lstm_cell_forward")
