"""Dense layers and L-layer MLPs in the course's notation (001, 002).

``X = A[0]`` is ``n[0] x m`` (one example per column), ``W[l]`` is ``n[l] x n[l-1]``, ``b[l]`` is
``n[l] x 1`` broadcast over the columns, ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``.
Backward (002's delta rule): ``dW[l] = dZ[l] A[l-1]^T``, ``db[l] = sum over columns of dZ[l]``,
``dA[l-1] = W[l]^T dZ[l]``, ``dZ[l] = dA[l] * g'(Z[l])``. The loss is the mean over the m
examples (see :mod:`course.reference.losses`), so the 1/m lives in ``dA[L]`` / ``dZ[L]``.
With a sigmoid output and BCE, or a softmax output and CCE, ``dZ[L] = (A[L] - Y) / m``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError

from . import losses as _losses
from .activations import ACTIVATIONS, activation_backward, activation_forward
from .data import init_weights

Array = np.ndarray


def dense_forward(a_prev: Any, W: Any, b: Any) -> tuple[Array, tuple[Array, Array, Array]]:
    """``z = W a_prev + b``: a_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1) -> z (n_l, m)."""
    a_prev = np.asarray(a_prev, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a_prev.ndim != 2 or W.ndim != 2:
        raise ParameterError("W", f"expected 2-D W and A[l-1], got {W.shape} and {a_prev.shape}")
    if W.shape[1] != a_prev.shape[0]:
        raise ParameterError("W", f"W is {W.shape} but A[l-1] has {a_prev.shape[0]} rows "
                                  "(W[l] must be n[l] x n[l-1])")
    if b.shape != (W.shape[0], 1):
        raise ParameterError("b", f"expected shape ({W.shape[0]}, 1), got {b.shape}")
    return W @ a_prev + b, (a_prev, W, b)


def dense_backward(dz: Any, cache: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
    """Gradients of a dense layer: ``(dA_prev = W^T dz, dW = dz A_prev^T, db = sum_cols dz)``."""
    a_prev, W, _ = cache
    dz = np.asarray(dz, dtype=np.float64)
    if dz.shape != (W.shape[0], a_prev.shape[1]):
        raise ParameterError("dz", f"expected shape {(W.shape[0], a_prev.shape[1])}, got {dz.shape}")
    return W.T @ dz, dz @ a_prev.T, np.sum(dz, axis=1, keepdims=True)


def _check_layers(layers: Any) -> list[int]:
    if (not isinstance(layers, (list, tuple)) or len(layers) < 2
            or any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0
                   for n in layers)):
        raise ParameterError("layers", f"needs at least two positive layer sizes, got {layers!r}")
    return [int(n) for n in layers]


def mlp_shapes(layers: list[int], m: int) -> list[dict[str, tuple[int, int]]]:
    """Shapes per layer l = 1..L for m examples (001):
    ``{"W": (n_l, n_{l-1}), "b": (n_l, 1), "Z": (n_l, m), "A": (n_l, m)}``."""
    layers = _check_layers(layers)
    if not isinstance(m, (int, np.integer)) or m <= 0:
        raise ParameterError("m", f"must be a positive integer, got {m!r}")
    return [{"W": (n, p), "b": (n, 1), "Z": (n, int(m)), "A": (n, int(m))}
            for p, n in zip(layers[:-1], layers[1:])]


def mlp_init(layers: list[int], rng: np.random.Generator, scheme: str = "he") -> dict[str, Array]:
    """Parameters ``{"W1", "b1", ..., "WL", "bL"}``: weights from ``init_weights(scheme)``
    (fan_in = n[l-1], fan_out = n[l]), biases zero (001: "aucun problème à initialiser les
    biais à zéro")."""
    layers = _check_layers(layers)
    params: dict[str, Array] = {}
    for l, (p, n) in enumerate(zip(layers[:-1], layers[1:]), start=1):
        params[f"W{l}"] = init_weights(scheme, p, n, rng)
        params[f"b{l}"] = np.zeros((n, 1))
    return params


def _n_layers(params: dict[str, Any]) -> int:
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    if L == 0:
        raise ParameterError("params", "no weights W1, W2, ... found")
    return L


def mlp_forward(X: Any, params: dict[str, Any], activations: list[str]) -> tuple[Array, list[dict]]:
    """Forward pass ``A[0] = X``; for l = 1..L: ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``.

    ``activations[l-1]`` names g[l] (a key of ACTIVATIONS, or "softmax").
    Returns ``(A[L], caches)``; ``caches[l-1]`` holds ``"A_prev", "Z", "A"`` and the layer caches.
    """
    L = _n_layers(params)
    if len(activations) != L:
        raise ParameterError("activations", f"{len(activations)} activations for {L} layers")
    A = np.asarray(X, dtype=np.float64)
    caches: list[dict] = []
    for l in range(1, L + 1):
        Z, lin = dense_forward(A, params[f"W{l}"], params[f"b{l}"])
        A_new, act = activation_forward(Z, activations[l - 1])
        caches.append({"A_prev": A, "Z": Z, "A": A_new, "linear": lin, "activation": act})
        A = A_new
    return A, caches


def mlp_backward(AL: Any, Y: Any, caches: list[dict], activations: list[str],
                 loss: str) -> dict[str, Array]:
    """Gradients ``{"dW1", "db1", ...}`` of the mean loss ``loss`` ("mse", "bce", "cce").

    For sigmoid + "bce" and softmax + "cce" the output delta is the fused ``(A[L] - Y) / m``
    (002); otherwise ``dA[L]`` from the loss goes through ``g'[L]``.
    """
    if loss not in _losses.LOSSES:
        raise ParameterError("loss", f"unknown loss {loss!r} (known: {', '.join(_losses.LOSSES)})")
    L = len(caches)
    if len(activations) != L:
        raise ParameterError("activations", f"{len(activations)} activations for {L} layers")
    AL = np.asarray(AL, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.shape != AL.shape:
        raise ParameterError("Y", f"shape {Y.shape} differs from A[L]'s {AL.shape}")
    m = AL.shape[1]
    fused = (activations[-1], loss) in (("sigmoid", "bce"), ("softmax", "cce"))
    if fused:
        dZ = (AL - Y) / m
    else:
        _, dA = _losses.LOSSES[loss](AL, Y)
        dZ = activation_backward(dA, caches[-1]["activation"])
    grads: dict[str, Array] = {}
    for l in range(L, 0, -1):
        dA_prev, dW, db = dense_backward(dZ, caches[l - 1]["linear"])
        grads[f"dW{l}"], grads[f"db{l}"] = dW, db
        if l > 1:
            dZ = activation_backward(dA_prev, caches[l - 2]["activation"])
    return grads


def gd_update(params: dict[str, Any], grads: dict[str, Any], lr: float) -> dict[str, Array]:
    """One gradient-descent step ``W = W - lr dW``, ``b = b - lr db`` (a new dict; no mutation)."""
    out: dict[str, Array] = {}
    for key, value in params.items():
        g = grads.get(f"d{key}")
        if g is None:
            raise ParameterError("grads", f"missing d{key}")
        out[key] = np.asarray(value, dtype=np.float64) - lr * np.asarray(g, dtype=np.float64)
    return out


def collapse_linear(params: dict[str, Any]) -> tuple[Array, Array]:
    """001: with identity activations an MLP collapses into one linear layer,
    ``Z[L] = W' X + b'`` with ``W' = W[L] ... W[1]`` and ``b' = W[L] (... (W[2] b[1] + b[2]) ...) + b[L]``
    (for 2 layers ``W' = W[2] W[1]``, ``b' = W[2] b[1] + b[2]``). Returns ``(W', b')``."""
    L = _n_layers(params)
    W = np.asarray(params["W1"], dtype=np.float64)
    b = np.asarray(params["b1"], dtype=np.float64).reshape(-1, 1)
    for l in range(2, L + 1):
        Wl = np.asarray(params[f"W{l}"], dtype=np.float64)
        if Wl.shape[1] != W.shape[0]:
            raise ParameterError(f"W{l}", f"needs {W.shape[0]} columns, got shape {Wl.shape}")
        W, b = Wl @ W, Wl @ b + np.asarray(params[f"b{l}"], dtype=np.float64).reshape(-1, 1)
    return W, b


def mlp_loss(AL: Any, Y: Any, loss: str) -> float:
    """The mean loss of an output ``A[L]`` against ``Y`` (see :mod:`losses`)."""
    if loss not in _losses.LOSSES:
        raise ParameterError("loss", f"unknown loss {loss!r} (known: {', '.join(_losses.LOSSES)})")
    return _losses.LOSSES[loss](AL, Y)[0]


__all__ = ["ACTIVATIONS", "dense_forward", "dense_backward", "mlp_shapes", "mlp_init",
           "mlp_forward", "mlp_backward", "gd_update", "mlp_loss", "collapse_linear"]
