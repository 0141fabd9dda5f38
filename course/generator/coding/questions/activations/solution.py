import numpy as np


def sigmoid(z):
    """Logistic sigmoid, stable: exp(-|z|) is in (0, 1]."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def tanh(z):
    """Hyperbolic tangent."""
    return np.tanh(np.asarray(z, dtype=np.float64))


def relu(z):
    """max(0, z)."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def softmax(z):
    """Softmax over axis 0, shifted by the column maximum."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
