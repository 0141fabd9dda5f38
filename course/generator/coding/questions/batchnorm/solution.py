import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-3):
    """Normalise each column with the batch mean and biased variance."""
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return np.asarray(gamma) * x_hat + np.asarray(beta), (x_hat, gamma, var, eps)
