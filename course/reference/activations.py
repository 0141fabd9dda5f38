"""Activation functions and their derivatives (course 001 and 003), element-wise on float64.

Conventions (003, "Fonctions d'activation", and PyTorch where the course is silent):

- sigmoid ``1 / (1 + e^-z)``, derivative ``s (1 - s)``;
- tanh, derivative ``1 - tanh^2``;
- ReLU ``max(0, z)``; derivative **1 for z >= 0**, 0 for z < 0, as 003 prints it
  (PyTorch's autograd uses 0 at exactly z = 0; the two differ only at z = 0);
- leaky ReLU ``alpha z`` for z < 0 (``alpha = 0.01``, PyTorch's default), derivative alpha
  for z < 0 and 1 for z >= 0 (003);
- ELU ``alpha (e^z - 1)`` for z < 0, derivative ``f(z) + alpha`` for z < 0 and 1 for z >= 0 (003);
- softplus ``ln(1 + e^z)``, derivative the sigmoid (003);
- Heaviside ``1 if z >= 0 else 0`` (003, ``HEAVISIDE_AT_ZERO``); its derivative is 0 almost
  everywhere and it is never back-propagated (the perceptron uses the Widrow-Hoff rule), so
  ``ACTIVATIONS["heaviside"]`` carries a zero derivative, documented as such;
- softmax ``e^z_i / sum_c e^z_c`` along the class axis (axis 0 in the course's ``C x m`` notation),
  computed stably by subtracting the maximum; Jacobian ``diag(s) - s s^T`` (003).

Layout: element-wise, any shape; the softmax and :func:`activation_forward` read the classes
along axis 0, the course's ``n[l] x m`` column layout (see
:mod:`course.reference.conventions`, "Layout of each module").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

from .conventions import HEAVISIDE_AT_ZERO

Array = np.ndarray


def _f64(z: Any) -> Array:
    return np.asarray(z, dtype=np.float64)


def sigmoid(z: Any) -> Array:
    """Logistic sigmoid ``1 / (1 + e^-z)``, computed without overflow for large ``|z|``.

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - s: array of the shape of z, values in ]0, 1[.
    """
    z = _f64(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z: Any) -> Array:
    """Derivative of the sigmoid, ``s (1 - s)`` with ``s = sigmoid(z)`` (003).

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - ds: array of the shape of z, values in ]0, 0.25].
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: Any) -> Array:
    """Hyperbolic tangent (001).

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - t: array of the shape of z, values in ]-1, 1[.
    """
    return np.tanh(_f64(z))


def tanh_grad(z: Any) -> Array:
    """Derivative of tanh, ``1 - tanh(z)^2``.

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - dt: array of the shape of z, values in ]0, 1].
    """
    t = np.tanh(_f64(z))
    return 1.0 - t * t


def relu(z: Any) -> Array:
    """``max(0, z)`` (003).

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - a: array of the shape of z.
    """
    z = _f64(z)
    return np.where(z >= 0, z, 0.0)


def relu_grad(z: Any) -> Array:
    """Derivative of ReLU: 1 for ``z >= 0``, 0 for ``z < 0`` (003's convention at 0; PyTorch
    uses 0 there, see the module docstring).

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - da: array of the shape of z, values 0 or 1.
    """
    return np.where(_f64(z) >= 0, 1.0, 0.0)


def leaky_relu(z: Any, alpha: float = 0.01) -> Array:
    """``z`` for ``z >= 0``, ``alpha z`` otherwise (003; alpha = 0.01, PyTorch's default).

    Inputs:
    - z: array of any shape (pre-activations).
    - alpha: slope for z < 0.

    Returns:
    - a: array of the shape of z.
    """
    z = _f64(z)
    return np.where(z >= 0, z, alpha * z)


def leaky_relu_grad(z: Any, alpha: float = 0.01) -> Array:
    """Derivative of leaky ReLU: 1 for ``z >= 0``, ``alpha`` otherwise (003's convention at 0).

    Inputs:
    - z: array of any shape (pre-activations).
    - alpha: slope for z < 0.

    Returns:
    - da: array of the shape of z.
    """
    return np.where(_f64(z) >= 0, 1.0, alpha)


def elu(z: Any, alpha: float = 1.0) -> Array:
    """``z`` for ``z >= 0``, ``alpha (e^z - 1)`` otherwise (003; PyTorch's ELU).

    Inputs:
    - z: array of any shape (pre-activations).
    - alpha: scale of the negative part.

    Returns:
    - a: array of the shape of z, values > -alpha.
    """
    z = _f64(z)
    return np.where(z >= 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_grad(z: Any, alpha: float = 1.0) -> Array:
    """Derivative of ELU: 1 for ``z >= 0``, ``f(z) + alpha = alpha e^z`` otherwise (003).

    Inputs:
    - z: array of any shape (pre-activations).
    - alpha: scale of the negative part.

    Returns:
    - da: array of the shape of z.
    """
    z = _f64(z)
    return np.where(z >= 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def softplus(z: Any) -> Array:
    """``ln(1 + e^z)``, computed as ``max(z, 0) + ln(1 + e^-|z|)`` (no overflow).

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - a: array of the shape of z, values > 0.
    """
    z = _f64(z)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softplus_grad(z: Any) -> Array:
    """Derivative of softplus: the sigmoid (003: "Dérivé de la fonction softplus = fonction
    Sigmoïde").

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - da: array of the shape of z, values in ]0, 1[.
    """
    return sigmoid(z)


def heaviside(z: Any) -> Array:
    """Step function: 1 if ``z >= 0`` else 0 (003: f(0) = 1, ``HEAVISIDE_AT_ZERO`` in
    conventions.py).

    Inputs:
    - z: array of any shape.

    Returns:
    - a: array of the shape of z, values 0.0 or 1.0.
    """
    return np.where(_f64(z) >= 0, float(HEAVISIDE_AT_ZERO), 0.0)


def heaviside_grad(z: Any) -> Array:
    """Zero everywhere: the step is flat; at 0 it is not differentiable and the course never
    back-propagates through it (the perceptron uses the Widrow-Hoff rule).

    Inputs:
    - z: array of any shape.

    Returns:
    - da: zeros of the shape of z.
    """
    return np.zeros_like(_f64(z))


def linear(z: Any) -> Array:
    """Identity ``g(z) = z`` (001: the output activation for regression; also the head of a
    network whose loss takes the logits, see :mod:`course.reference.dense`).

    Inputs:
    - z: array of any shape.

    Returns:
    - a: a copy of z (float64).
    """
    return _f64(z).copy()


def linear_grad(z: Any) -> Array:
    """Derivative of the identity: 1 everywhere.

    Inputs:
    - z: array of any shape.

    Returns:
    - da: ones of the shape of z.
    """
    return np.ones_like(_f64(z))


def softmax(z: Any, axis: int = 0) -> Array:
    """Softmax ``e^z_i / sum_c e^z_c`` along ``axis``, computed stably as
    ``e^(z - max z) / sum e^(z - max z)``. 001's example: ``softmax([5, 4, 2]) = (0.70, 0.26, 0.04)``.

    Inputs:
    - z: array with at least one axis, e.g. (C, m) logits in the course's column layout.
    - axis: the axis of the classes (0 in the course's ``C x m`` notation).

    Returns:
    - s: array of the shape of z; along ``axis`` its values are in ]0, 1] and sum to 1.
    """
    z = _f64(z)
    if z.ndim == 0:
        raise ParameterError("z", text("softmax demande au moins un axe de classes", "softmax needs at least one axis of classes"))
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(s: Any) -> Array:
    """Jacobian ``d s_i / d z_j = s_i (delta_ij - s_j)``, i.e. ``diag(s) - s s^T`` (003).

    Inputs:
    - s: (C,) probability vector, the softmax *output* (as in 003).

    Returns:
    - J: (C, C) symmetric matrix.
    """
    s = _f64(s)
    if s.ndim != 1:
        raise ParameterError("s", text(f"attendu un vecteur de probabilités 1-D, reçu la forme {s.shape}", f"expected a 1-D probability vector, got shape {s.shape}"))
    return np.diag(s) - np.outer(s, s)


ActFn = Callable[[Any], Array]

#: name -> (f, f'); "heaviside" has a zero derivative (see the module docstring).
ACTIVATIONS: dict[str, tuple[ActFn, ActFn]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "softplus": (softplus, softplus_grad),
    "linear": (linear, linear_grad),
    "heaviside": (heaviside, heaviside_grad),
}


def _lookup(name: str) -> tuple[ActFn, ActFn]:
    if name not in ACTIVATIONS:
        raise ParameterError("activation", text(f"activation {name!r} inconnue (connues : {', '.join(ACTIVATIONS)}, softmax)", f"unknown activation {name!r} "
                             f"(known: {', '.join(ACTIVATIONS)}, softmax)"))
    return ACTIVATIONS[name]


class ActivationCache(NamedTuple):
    """What :func:`activation_backward` needs from :func:`activation_forward`."""

    name: str  #: the activation (a key of ACTIVATIONS, or "softmax")
    z: Array  #: the pre-activation, any shape ((C, m) for softmax)
    a: Array  #: the activation g(z), the shape of z


def activation_forward(z: Any, name: str) -> tuple[Array, ActivationCache]:
    """``a = g(z)`` for the activation ``name``; softmax along axis 0 (the classes in the
    course's column layout, see conventions.py).

    Inputs:
    - z: pre-activation of any shape; (C, m) for "softmax".
    - name: a key of ACTIVATIONS, or "softmax".

    Returns a tuple of:
    - out: a = g(z), the shape of z.
    - cache: ActivationCache(name, z, a).
    """
    z = _f64(z)
    a = softmax(z, axis=0) if name == "softmax" else _lookup(name)[0](z)
    return a, ActivationCache(name, z, a)


def activation_backward(dout: Any, cache: ActivationCache) -> Array:
    """``dz = dout * g'(z)``; for softmax, each column ``dz = J^T dout = s * (dout - sum(s dout))``
    (003's Jacobian).

    Inputs:
    - dout: upstream gradient dL/da, the shape of a.
    - cache: ActivationCache from :func:`activation_forward`.

    Returns:
    - dz: dL/dz, the shape of z.
    """
    name, z, a = cache
    dout = _f64(dout)
    if dout.shape != a.shape:
        raise ParameterError("dout", text(f"la forme {dout.shape} diffère de celle de l'activation, {a.shape}", f"shape {dout.shape} differs from the activation's {a.shape}"))
    if name == "softmax":
        return a * (dout - np.sum(a * dout, axis=0, keepdims=True))
    return dout * _lookup(name)[1](z)
