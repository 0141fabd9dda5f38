import numpy as np


def bce_loss(y_hat, y):
    """Binary cross-entropy, mean over the m examples.

    y_hat: (1, m) probabilities in ]0, 1[; y: (1, m) labels in {0, 1}.
    Returns (loss: float, dy_hat: (1, m) = dJ/dy_hat).
    """
    raise NotImplementedError("bce_loss")


def cce_loss(y_hat, y):
    """Categorical cross-entropy, mean over the m examples.

    y_hat: (C, m) probabilities (columns sum to 1); y: (C, m) one-hot.
    Returns (loss: float, dy_hat: (C, m) = dJ/dy_hat).
    """
    raise NotImplementedError("cce_loss")
