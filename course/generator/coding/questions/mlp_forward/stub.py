import numpy as np


def mlp_forward(X, params, activations):
    """Forward pass A[0] = X; Z[l] = W[l] A[l-1] + b[l]; A[l] = g[l](Z[l]).

    X: (n0, m); params: {"W1": (n1, n0), "b1": (n1, 1), ...}; activations: list of L
    names ("relu", "sigmoid", "tanh", "softmax" along axis 0, "linear").
    Returns (AL, caches): AL (nL, m); caches: a list with what you keep per layer.
    """
    raise NotImplementedError("mlp_forward")
