"""Optimisers (functional, one step at a time), regularisation penalties and dropout (003).

Each ``*_step(w, g, state, ...)`` returns ``(new_w, new_state)`` and never mutates its inputs;
start with ``state = {}``. The update rules are PyTorch's (torch.optim, no weight decay):

- SGD: ``w -= lr g``.
- Momentum (``torch.optim.SGD(momentum=beta)``, dampening 0): ``v = beta v + g`` (``v = g`` at
  the first step), ``w -= lr v``. (Keras' form ``v = beta v - lr g; w += v`` gives the same
  iterates for a constant lr.)
- Adagrad: ``s += g^2``, ``w -= lr g / (sqrt(s) + eps)`` (eps = 1e-10, PyTorch's default).
- RMSprop: ``s = rho s + (1 - rho) g^2``, ``w -= lr g / (sqrt(s) + eps)``. PyTorch calls rho
  ``alpha`` (default 0.99); Keras calls it ``rho`` (default 0.9); eps = 1e-8 like PyTorch.
- Adadelta (003 names it, "Adaptive Learning Rate Method"; Zeiler 2012, torch.optim.Adadelta):
  ``s = rho s + (1 - rho) g^2``, ``delta = sqrt(u + eps) / sqrt(s + eps) g``,
  ``u = rho u + (1 - rho) delta^2``, ``w -= lr delta`` (``s`` and ``u`` start at 0; PyTorch's
  defaults lr = 1, rho = 0.9, eps = 1e-6; Keras' rho = 0.95, eps = 1e-7, lr = 0.001).
- Adam (003): ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g^2``,
  ``m_hat = m / (1 - beta1^t)``, ``v_hat = v / (1 - beta2^t)``,
  ``w -= lr m_hat / (sqrt(v_hat) + eps)``. 003 prints ``m / (1 - beta1)`` (a slip: the
  correction needs the power ``t``) and eps = 1e-7 (Keras' default; PyTorch's is 1e-8,
  used here by default).

Regularisation (003): ``L1 = lam sum |w|`` (gradient ``lam sign(w)``, sign(0) = 0) and
``L2 = lam sum w^2`` (gradient ``2 lam w``), as 003 and Keras' ``regularizers.l1/l2`` write
them (no 1/2 factor).

Dropout (003): rate ``p`` = fraction of units dropped, ``M = n p`` units dropped (rounded to
the nearest integer when n p is not whole); the masks here are *inverted dropout* (Keras and
PyTorch): kept units are scaled by ``1 / (1 - p)`` during training, nothing at inference.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

from .conventions import iterations_per_epoch

Array = np.ndarray
State = dict[str, Any]


def _arr(x: Any) -> Array:
    return np.asarray(x, dtype=np.float64)


def _check_lr(lr: float) -> None:
    if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ParameterError("lr", text(f"le taux d'apprentissage doit être un nombre positif, reçu : {lr!r}", f"the learning rate must be a positive number, got {lr!r}"))


def _check_unit(name: str, v: float) -> None:
    if not 0 <= v < 1:
        raise ParameterError(name, text(f"doit être dans [0, 1), reçu : {v!r}", f"must lie in [0, 1), got {v!r}"))


def sgd_step(w: Any, g: Any, lr: float) -> Array:
    """One SGD step ``w - lr g``.

    Inputs:
    - w: parameters, any shape.
    - g: gradient, the shape of w.
    - lr: the learning rate.

    Returns:
    - w: the updated parameters (a new array).
    """
    _check_lr(lr)
    return _arr(w) - lr * _arr(g)


def momentum_step(w: Any, g: Any, state: State, lr: float, beta: float = 0.9) -> tuple[Array, State]:
    """Heavy-ball momentum as ``torch.optim.SGD(momentum=beta)``: ``v = beta v + g; w -= lr v``
    (``v = g`` at the first step).

    Inputs:
    - w: parameters, any shape.
    - g: gradient, the shape of w.
    - state: ``{}`` at the first step, then the returned state.
    - lr: the learning rate.
    - beta: the momentum, in [0, 1).

    Returns a tuple of:
    - w: the updated parameters.
    - state: ``{"v"}``, the velocity (the shape of w).
    """
    _check_lr(lr)
    _check_unit("beta", beta)
    g = _arr(g)
    v = g.copy() if "v" not in state else beta * _arr(state["v"]) + g
    return _arr(w) - lr * v, {"v": v}


def adagrad_step(w: Any, g: Any, state: State, lr: float, eps: float = 1e-10) -> tuple[Array, State]:
    """Adagrad: ``s += g^2; w -= lr g / (sqrt(s) + eps)`` (eps = 1e-10, PyTorch's default).

    Inputs:
    - w: parameters, any shape.
    - g: gradient, the shape of w.
    - state: ``{}`` at the first step, then the returned state.
    - lr: the learning rate.
    - eps: added to the denominator.

    Returns a tuple of:
    - w: the updated parameters.
    - state: ``{"s"}``, the sum of squared gradients.
    """
    _check_lr(lr)
    g = _arr(g)
    s = _arr(state.get("s", 0.0)) + g * g
    return _arr(w) - lr * g / (np.sqrt(s) + eps), {"s": s}


def rmsprop_step(w: Any, g: Any, state: State, lr: float, rho: float = 0.9,
                 eps: float = 1e-8) -> tuple[Array, State]:
    """RMSprop: ``s = rho s + (1 - rho) g^2; w -= lr g / (sqrt(s) + eps)`` (PyTorch calls rho alpha).

    Inputs:
    - w: parameters, any shape.
    - g: gradient, the shape of w.
    - state: ``{}`` at the first step, then the returned state.
    - lr: the learning rate.
    - rho: decay of the squared-gradient average, in [0, 1) (Keras' default 0.9).
    - eps: added to the denominator.

    Returns a tuple of:
    - w: the updated parameters.
    - state: ``{"s"}``, the average of squared gradients.
    """
    _check_lr(lr)
    _check_unit("rho", rho)
    g = _arr(g)
    s = rho * _arr(state.get("s", 0.0)) + (1 - rho) * g * g
    return _arr(w) - lr * g / (np.sqrt(s) + eps), {"s": s}


def adadelta_step(w: Any, g: Any, state: State, lr: float = 1.0, rho: float = 0.9,
                  eps: float = 1e-6) -> tuple[Array, State]:
    """Adadelta as torch.optim.Adadelta (003): ``s = rho s + (1 - rho) g^2``,
    ``delta = sqrt(u + eps) / sqrt(s + eps) g``, ``u = rho u + (1 - rho) delta^2``,
    ``w -= lr delta``.

    Inputs:
    - w: weights, any shape.
    - g: their gradient, the shape of w.
    - state: ``{"s", "u"}`` (empty before the first step).
    - lr, rho, eps: PyTorch's names and defaults.

    Returns a tuple of:
    - w: the new weights.
    - state: ``{"s", "u", "delta"}`` (``delta``: the last step, for display).
    """
    _check_lr(lr)
    _check_unit("rho", rho)
    g = _arr(g)
    s = rho * _arr(state.get("s", 0.0)) + (1 - rho) * g * g
    u_old = _arr(state.get("u", 0.0))
    delta = np.sqrt(u_old + eps) / np.sqrt(s + eps) * g
    u = rho * u_old + (1 - rho) * delta * delta
    return _arr(w) - lr * delta, {"s": s, "u": u, "delta": delta}


def adam_step(w: Any, g: Any, state: State, lr: float = 1e-3, beta1: float = 0.9,
              beta2: float = 0.999, eps: float = 1e-8) -> tuple[Array, State]:
    """Adam (003) with the standard bias correction ``1 - beta^t`` (conventions.py: 003 prints
    ``1 - beta1``, a slip).

    Inputs:
    - w: parameters, any shape.
    - g: gradient, the shape of w.
    - state: ``{}`` at the first step, then the returned state.
    - lr: the learning rate.
    - beta1: decay of the first moment, in [0, 1).
    - beta2: decay of the second moment, in [0, 1).
    - eps: added to the denominator (PyTorch's 1e-8; Keras uses 1e-7).

    Returns a tuple of:
    - w: the updated parameters.
    - state: ``{"m", "v", "t"}``: the moments (the shape of w) and the step count.
    """
    _check_lr(lr)
    _check_unit("beta1", beta1)
    _check_unit("beta2", beta2)
    g = _arr(g)
    t = int(state.get("t", 0)) + 1
    m = beta1 * _arr(state.get("m", 0.0)) + (1 - beta1) * g
    v = beta2 * _arr(state.get("v", 0.0)) + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return _arr(w) - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}


def l1_penalty(w: Any, lam: float) -> float:
    """L1 penalty ``lam sum |w|`` (003, LASSO).

    Inputs:
    - w: weights, any shape.
    - lam: the regularisation strength.

    Returns:
    - penalty: a float.
    """
    return float(lam * np.sum(np.abs(_arr(w))))


def l1_grad(w: Any, lam: float) -> Array:
    """Gradient of the L1 penalty, ``lam sign(w)`` with sign(0) = 0 (003).

    Inputs:
    - w: weights, any shape.
    - lam: the regularisation strength.

    Returns:
    - dw: the shape of w.
    """
    return lam * np.sign(_arr(w))


def l2_penalty(w: Any, lam: float) -> float:
    """L2 penalty ``lam sum w^2`` (003, Ridge; Keras' l2; no 1/2).

    Inputs:
    - w: weights, any shape.
    - lam: the regularisation strength.

    Returns:
    - penalty: a float.
    """
    w = _arr(w)
    return float(lam * np.sum(w * w))


def l2_grad(w: Any, lam: float) -> Array:
    """Gradient of the L2 penalty, ``2 lam w`` (003).

    Inputs:
    - w: weights, any shape.
    - lam: the regularisation strength.

    Returns:
    - dw: the shape of w.
    """
    return 2.0 * lam * _arr(w)


def dropped_units(n: int, p: float) -> int:
    """``M = n p`` units dropped (003), rounded to the nearest integer (half up).

    Inputs:
    - n: units in the layer.
    - p: the dropout rate, in [0, 1].

    Returns:
    - M: units dropped (int).
    """
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise ParameterError("n", text(f"doit être un entier positif, reçu : {n!r}", f"must be a positive integer, got {n!r}"))
    if not 0 <= p <= 1:
        raise ParameterError("p", text(f"le taux de dropout doit être dans [0, 1], reçu : {p!r}", f"the dropout rate must lie in [0, 1], got {p!r}"))
    return int(math.floor(n * p + 0.5 + 1e-12))


def inverted_dropout_scale(p: float) -> float:
    """Factor ``1 / (1 - p)`` applied to the kept units during training (inverted dropout, as Keras
    and PyTorch do), so that nothing changes at inference.

    Inputs:
    - p: the dropout rate, in [0, 1).

    Returns:
    - scale: a float >= 1.
    """
    if not 0 <= p < 1:
        raise ParameterError("p", text(f"le taux de dropout doit être dans [0, 1), reçu : {p!r}", f"the dropout rate must lie in [0, 1), got {p!r}"))
    return 1.0 / (1.0 - p)


def dropout_mask(shape: Any, p: float, rng: np.random.Generator) -> Array:
    """Inverted-dropout mask: each unit kept with probability ``1 - p`` and then worth
    ``1 / (1 - p)``, dropped units 0 (so ``E[mask] = 1``); ``p = 1`` drops everything.

    Inputs:
    - shape: the shape of the layer's activations.
    - p: the dropout rate, in [0, 1].
    - rng: the generator the mask is drawn from.

    Returns:
    - mask: an array of the given shape, values 0 or ``1 / (1 - p)``.
    """
    if not 0 <= p <= 1:
        raise ParameterError("p", text(f"le taux de dropout doit être dans [0, 1], reçu : {p!r}", f"the dropout rate must lie in [0, 1], got {p!r}"))
    keep = rng.random(shape) >= p
    if p == 1:
        return np.zeros(shape)
    return keep * inverted_dropout_scale(p)


def gd_variant_counts(n: int, batch_size: int, epochs: int = 1) -> dict[str, int]:
    """Weight updates of the three variants of 003 on n observations: BGD one per epoch, SGD n per
    epoch, mini-batch ``ceil(n / batch_size)`` per epoch (the last batch may be smaller).

    Inputs:
    - n: number of observations.
    - batch_size: observations per mini-batch.
    - epochs: number of epochs.

    Returns:
    - counts: a dict of ints: "iterations_per_epoch" (mini-batch), "bgd_updates",
      "sgd_updates", "minibatch_updates", "last_batch_size".
    """
    if not isinstance(epochs, (int, np.integer)) or epochs <= 0:
        raise ParameterError("epochs", text(f"doit être un entier positif, reçu : {epochs!r}", f"must be a positive integer, got {epochs!r}"))
    k = iterations_per_epoch(n, batch_size)  # raises ParameterError naming n or batch_size
    return {"iterations_per_epoch": k, "bgd_updates": int(epochs), "sgd_updates": int(n * epochs),
            "minibatch_updates": int(k * epochs), "last_batch_size": int(n - (k - 1) * batch_size)}


__all__ = ["sgd_step", "momentum_step", "adagrad_step", "rmsprop_step", "adam_step",
           "l1_penalty", "l1_grad", "l2_penalty", "l2_grad", "dropout_mask", "dropped_units",
           "iterations_per_epoch", "gd_variant_counts"]
