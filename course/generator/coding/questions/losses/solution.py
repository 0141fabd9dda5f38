import numpy as np


def bce_loss(y_hat, y):
    """-(1/m) sum [y ln y_hat + (1 - y) ln(1 - y_hat)] and its gradient."""
    y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    m = y_hat.shape[-1]
    loss = -np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)) / m
    return float(loss), (-y / y_hat + (1 - y) / (1 - y_hat)) / m


def cce_loss(y_hat, y):
    """-(1/m) sum y ln y_hat and its gradient -y / (m y_hat)."""
    y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    m = y_hat.shape[-1]
    return float(-np.sum(y * np.log(y_hat)) / m), -y / y_hat / m
