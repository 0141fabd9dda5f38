"""Dense layers and L-layer MLPs in the course's column layout (001, 002; conventions.py,
"Layout of each module").

``X = A[0]`` is ``n[0] x m`` (one example per column), ``W[l]`` is ``n[l] x n[l-1]``, ``b[l]`` is
``n[l] x 1`` broadcast over the columns, ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``.
Backward (002's delta rule): ``dW[l] = dZ[l] A[l-1]^T``, ``db[l] = sum over columns of dZ[l]``,
``dA[l-1] = W[l]^T dZ[l]``, ``dZ[l] = dA[l] * g'(Z[l])``. The loss is the mean over the m
examples (see :mod:`course.reference.losses`), so the 1/m lives in ``dA[L]`` / ``dZ[L]``.

The output delta of 002, ``dZ[L] = (A[L] - Y) / m`` for a sigmoid output with BCE or a softmax
output with CCE, is the gradient of the loss with respect to the logits ``Z[L]``
(``losses.sigmoid_bce`` and ``losses.softmax_cce``, like cs231n's ``softmax_loss`` on the
scores): end the network with a ``"linear"`` layer, so that its output is ``Z[L]``, and pass
that gradient as ``dout``; ``A[L]`` is then ``sigmoid(Z[L])`` (or the softmax over axis 0)::

    ZL, cache = mlp_forward(X, params, ["relu", "linear"])
    loss, dZL = sigmoid_bce(ZL, Y)          # dZL = (sigmoid(ZL) - Y) / m
    grads = mlp_backward(dZL, cache)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

from . import losses as _losses
from .activations import ACTIVATIONS, ActivationCache, activation_backward, activation_forward
from .data import init_weights

Array = np.ndarray


class DenseCache(NamedTuple):
    """What :func:`dense_backward` needs from :func:`dense_forward`."""

    a_prev: Array  #: A[l-1], (n[l-1], m)
    W: Array  #: W[l], (n[l], n[l-1])
    b: Array  #: b[l], (n[l], 1)


class DenseGrads(NamedTuple):
    """The gradients of a dense layer, in the order of :func:`dense_forward`'s arguments."""

    dA_prev: Array  #: (n[l-1], m)
    dW: Array  #: (n[l], n[l-1])
    db: Array  #: (n[l], 1)


def dense_forward(a_prev: Any, W: Any, b: Any) -> tuple[Array, DenseCache]:
    """``Z = W A[l-1] + b``, the course's column layout (001, conventions.py).

    Inputs:
    - a_prev: (n[l-1], m) A[l-1], one example per column.
    - W: (n[l], n[l-1]) weights W[l].
    - b: (n[l], 1) biases b[l], broadcast over the m columns.

    Returns a tuple of:
    - out: (n[l], m) Z[l].
    - cache: DenseCache(a_prev, W, b).
    """
    a_prev = np.asarray(a_prev, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a_prev.ndim != 2 or W.ndim != 2:
        raise ParameterError("W", text(f"attendu W et A[l-1] en 2-D, reçu {W.shape} et {a_prev.shape}", f"expected 2-D W and A[l-1], got {W.shape} and {a_prev.shape}"))
    if W.shape[1] != a_prev.shape[0]:
        raise ParameterError("W", text(f"W est {W.shape} mais A[l-1] a {a_prev.shape[0]} lignes (W[l] doit être n[l] x n[l-1])", f"W is {W.shape} but A[l-1] has {a_prev.shape[0]} rows "
                                  "(W[l] must be n[l] x n[l-1])"))
    if b.shape != (W.shape[0], 1):
        raise ParameterError("b", text(f"attendu la forme ({W.shape[0]}, 1), reçu : {b.shape}", f"expected shape ({W.shape[0]}, 1), got {b.shape}"))
    return W @ a_prev + b, DenseCache(a_prev, W, b)


def dense_backward(dout: Any, cache: DenseCache) -> DenseGrads:
    """Gradients of a dense layer (002): ``dA[l-1] = W^T dZ``, ``dW = dZ A[l-1]^T``,
    ``db = sum over the columns of dZ``.

    Inputs:
    - dout: (n[l], m) upstream gradient dZ[l] = dJ/dZ[l].
    - cache: DenseCache from :func:`dense_forward`.

    Returns:
    - grads: DenseGrads(dA_prev (n[l-1], m), dW (n[l], n[l-1]), db (n[l], 1)).
    """
    a_prev, W, _ = cache
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != (W.shape[0], a_prev.shape[1]):
        raise ParameterError("dout", text(f"attendu la forme {(W.shape[0], a_prev.shape[1])}, reçu : {dout.shape}", f"expected shape {(W.shape[0], a_prev.shape[1])}, got {dout.shape}"))
    return DenseGrads(W.T @ dout, dout @ a_prev.T, np.sum(dout, axis=1, keepdims=True))


def _check_layers(layers: Any) -> list[int]:
    if (not isinstance(layers, (list, tuple)) or len(layers) < 2
            or any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0
                   for n in layers)):
        raise ParameterError("layers", text(f"demande au moins deux tailles de couche positives, reçu : {layers!r}", f"needs at least two positive layer sizes, got {layers!r}"))
    return [int(n) for n in layers]


def mlp_shapes(layers: list[int], m: int) -> list[dict[str, tuple[int, int]]]:
    """Shapes per layer l = 1..L for m examples (001).

    Inputs:
    - layers: the layer sizes ``[n0, n1, ..., nL]`` (input first).
    - m: the number of examples (columns).

    Returns:
    - shapes: one dict per layer, ``{"W": (n_l, n_{l-1}), "b": (n_l, 1), "Z": (n_l, m),
      "A": (n_l, m)}``.
    """
    layers = _check_layers(layers)
    if not isinstance(m, (int, np.integer)) or m <= 0:
        raise ParameterError("m", text(f"doit être un entier positif, reçu : {m!r}", f"must be a positive integer, got {m!r}"))
    return [{"W": (n, p), "b": (n, 1), "Z": (n, int(m)), "A": (n, int(m))}
            for p, n in zip(layers[:-1], layers[1:])]


def mlp_init(layers: list[int], rng: np.random.Generator, scheme: str = "he") -> dict[str, Array]:
    """Initial parameters: weights from ``init_weights(scheme)`` (fan_in = n[l-1], fan_out =
    n[l]), biases zero (001: "aucun problème à initialiser les biais à zéro").

    Inputs:
    - layers: the layer sizes ``[n0, n1, ..., nL]`` (input first).
    - rng: the generator the weights are drawn from.
    - scheme: a key of :data:`course.reference.data.INIT_SCHEMES`.

    Returns:
    - params: ``{"W1": (n1, n0), "b1": (n1, 1), ..., "WL", "bL"}``.
    """
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
        raise ParameterError("params", text("aucun poids W1, W2, ... trouvé", "no weights W1, W2, ... found"))
    return L


class MLPLayerCache(NamedTuple):
    """One layer l of :func:`mlp_forward`: its dense and activation caches."""

    linear: DenseCache  #: A[l-1], W[l], b[l]
    activation: ActivationCache  #: g[l]'s name, Z[l], A[l]

    @property
    def A_prev(self) -> Array:
        """A[l-1], (n[l-1], m)."""
        return self.linear.a_prev

    @property
    def Z(self) -> Array:
        """Z[l], (n[l], m)."""
        return self.activation.z

    @property
    def A(self) -> Array:
        """A[l], (n[l], m)."""
        return self.activation.a


class MLPCache(NamedTuple):
    """What :func:`mlp_backward` needs from :func:`mlp_forward`."""

    layers: tuple[MLPLayerCache, ...]  #: layers[l - 1] is layer l = 1..L


def mlp_forward(X: Any, params: dict[str, Any], activations: list[str]) -> tuple[Array, MLPCache]:
    """Forward pass ``A[0] = X``; for l = 1..L: ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``
    (001, the course's column layout).

    Inputs:
    - X: (n[0], m) inputs, one example per column.
    - params: ``{"W1": (n1, n0), "b1": (n1, 1), ..., "WL", "bL"}``.
    - activations: L names, ``activations[l-1]`` is g[l] (a key of ACTIVATIONS, or "softmax"
      along axis 0).

    Returns a tuple of:
    - out: (n[L], m) A[L].
    - cache: MLPCache(layers); ``cache.layers[l-1].Z`` and ``.A`` are Z[l] and A[l].
    """
    L = _n_layers(params)
    if len(activations) != L:
        raise ParameterError("activations", text(f"{len(activations)} activations pour {L} couches", f"{len(activations)} activations for {L} layers"))
    A = np.asarray(X, dtype=np.float64)
    layers: list[MLPLayerCache] = []
    for l in range(1, L + 1):
        Z, lin = dense_forward(A, params[f"W{l}"], params[f"b{l}"])
        A, act = activation_forward(Z, activations[l - 1])
        layers.append(MLPLayerCache(lin, act))
    return A, MLPCache(tuple(layers))


def mlp_backward(dout: Any, cache: MLPCache) -> dict[str, Array]:
    """Backward pass (002): ``dZ[l] = dA[l] * g'[l](Z[l])``, then :func:`dense_backward` for
    l = L..1. For 002's output delta ``(A[L] - Y) / m`` take the loss on the logits (module
    docstring).

    Inputs:
    - dout: (n[L], m) upstream gradient dJ/dA[L] (from :mod:`course.reference.losses`).
    - cache: MLPCache from :func:`mlp_forward`.

    Returns:
    - grads: ``{"dW1": (n1, n0), "db1": (n1, 1), ..., "dWL", "dbL"}``, keyed like the
      parameters (``gd_update`` reads them).
    """
    grads: dict[str, Array] = {}
    dA = dout
    for l in range(len(cache.layers), 0, -1):
        layer = cache.layers[l - 1]
        dA, grads[f"dW{l}"], grads[f"db{l}"] = dense_backward(
            activation_backward(dA, layer.activation), layer.linear)
    return grads


def gd_update(params: dict[str, Any], grads: dict[str, Any], lr: float) -> dict[str, Array]:
    """One gradient-descent step ``W = W - lr dW``, ``b = b - lr db`` (a new dict; no mutation).

    Inputs:
    - params: ``{"W1", "b1", ...}`` arrays.
    - grads: ``{"dW1", "db1", ...}``, one per parameter, of the same shapes.
    - lr: the learning rate.

    Returns:
    - params: the updated ``{"W1", "b1", ...}``.
    """
    out: dict[str, Array] = {}
    for key, value in params.items():
        g = grads.get(f"d{key}")
        if g is None:
            raise ParameterError("grads", text(f"d{key} manquant", f"missing d{key}"))
        out[key] = np.asarray(value, dtype=np.float64) - lr * np.asarray(g, dtype=np.float64)
    return out


def collapse_linear(params: dict[str, Any]) -> tuple[Array, Array]:
    """001: with identity activations an MLP collapses into one linear layer,
    ``Z[L] = W' X + b'`` with ``W' = W[L] ... W[1]`` and ``b' = W[L] (... (W[2] b[1] + b[2]) ...) + b[L]``
    (for 2 layers ``W' = W[2] W[1]``, ``b' = W[2] b[1] + b[2]``).

    Inputs:
    - params: ``{"W1": (n1, n0), "b1": (n1, 1), ..., "WL", "bL"}``.

    Returns a tuple of:
    - W: (nL, n0), the product of the weights.
    - b: (nL, 1), the collapsed bias.
    """
    L = _n_layers(params)
    W = np.asarray(params["W1"], dtype=np.float64)
    b = np.asarray(params["b1"], dtype=np.float64).reshape(-1, 1)
    for l in range(2, L + 1):
        Wl = np.asarray(params[f"W{l}"], dtype=np.float64)
        if Wl.shape[1] != W.shape[0]:
            raise ParameterError(f"W{l}", text(f"demande {W.shape[0]} colonnes, reçu la forme {Wl.shape}", f"needs {W.shape[0]} columns, got shape {Wl.shape}"))
        W, b = Wl @ W, Wl @ b + np.asarray(params[f"b{l}"], dtype=np.float64).reshape(-1, 1)
    return W, b


def mlp_loss(AL: Any, Y: Any, loss: str) -> float:
    """The mean loss of an output ``A[L]`` against ``Y`` (see :mod:`course.reference.losses`).

    Inputs:
    - AL: (n[L], m) network output A[L].
    - Y: (n[L], m) targets.
    - loss: "mse", "bce" or "cce".

    Returns:
    - J: the loss, mean over the m examples (float).
    """
    if loss not in _losses.LOSSES:
        raise ParameterError("loss", text(f"perte {loss!r} inconnue (connues : {', '.join(_losses.LOSSES)})", f"unknown loss {loss!r} (known: {', '.join(_losses.LOSSES)})"))
    return _losses.LOSSES[loss](AL, Y)[0]


__all__ = ["ACTIVATIONS", "DenseCache", "DenseGrads", "MLPCache", "MLPLayerCache",
           "dense_forward", "dense_backward", "mlp_shapes", "mlp_init", "mlp_forward",
           "mlp_backward", "gd_update", "mlp_loss", "collapse_linear"]
