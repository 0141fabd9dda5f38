import numpy as np


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), element-wise.

    z: array of any shape. Returns a float array of the same shape, values in [0, 1].
    Stable: no overflow for large |z| (hint: exp(-|z|) never overflows).
    """
    raise NotImplementedError("sigmoid")


def tanh(z):
    """Hyperbolic tangent, element-wise. z: any shape -> same shape, values in [-1, 1]."""
    raise NotImplementedError("tanh")


def relu(z):
    """ReLU max(0, z), element-wise. z: any shape -> float array of the same shape."""
    raise NotImplementedError("relu")


def softmax(z):
    """Softmax along axis 0 (classes): z (C, m) -> (C, m), each column sums to 1.

    Stable: subtract each column's maximum before exponentiating.
    """
    raise NotImplementedError("softmax")
