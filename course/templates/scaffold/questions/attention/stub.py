import numpy as np


def attention(Q, K, V):
    """Scaled dot-product attention.

    Q: (n_q, d) queries; K: (n_k, d) keys; V: (n_k, d_v) values.
    Returns (out, weights): weights (n_q, n_k), each row a softmax of Q K^T / sqrt(d);
    out (n_q, d_v) = weights V.
    """
    raise NotImplementedError("attention")
