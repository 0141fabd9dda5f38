import numpy as np


def attention(Q, K, V):
    """softmax(Q K^T / sqrt(d)) along the keys, then the weighted sum of the values."""
    Q, K, V = (np.asarray(x, dtype=np.float64) for x in (Q, K, V))
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = e / e.sum(axis=1, keepdims=True)
    return weights @ V, weights
