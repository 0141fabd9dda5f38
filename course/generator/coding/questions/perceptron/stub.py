import numpy as np


def perceptron_train(X, d, w0, b0, eta=1.0, max_epochs=100):
    """Widrow-Hoff training, one observation at a time.

    X: (n, p), one observation per row; d: (n,) desired classes in {0, 1};
    w0: (p,) initial weights; b0: initial bias; eta: learning rate.
    Returns (w (p,), b float, table (iterations, 2p + 4)): one row per iteration,
    [w_1..w_p, b (both before the update), x_1..x_p, d, Y, f(Y)].
    """
    raise NotImplementedError("perceptron_train")
