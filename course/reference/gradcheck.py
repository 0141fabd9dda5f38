"""Numerical gradient checking with centred differences (cs231n's gradient check).

``df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)``, error O(h^2). The relative error is
``|a - b| / max(|a|, |b|, floor)`` element-wise (``floor = 1e-12`` avoids 0/0 where both are 0);
in float64 a correct gradient typically gives < 1e-7.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

Array = np.ndarray


def numerical_gradient(f: Callable[[Array], Any], x: Any, h: float = 1e-6) -> Array:
    """Centred-difference gradient ``(f(x + h e_i) - f(x - h e_i)) / (2h)`` of a scalar function
    (cs231n's gradient check); ``f`` receives a float64 copy of x, x itself is never modified.

    Inputs:
    - f: a function of one array (the shape of x) returning a number.
    - x: the point, an array of any shape.
    - h: the step.

    Returns:
    - grad: df/dx, the shape of x.
    """
    if not h > 0:
        raise ParameterError("h", text(f"le pas doit être > 0, reçu : {h}", f"the step must be > 0, got {h}"))
    x = np.array(x, dtype=np.float64)  # a private copy
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = float(f(x.copy()))
        flat[i] = old - h
        fm = float(f(x.copy()))
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * h)
    return grad


def max_relative_error(a: Any, b: Any, floor: float = 1e-12) -> float:
    """``max |a - b| / max(|a|, |b|, floor)`` over all elements (0.0 for empty arrays).

    Inputs:
    - a: array of any shape.
    - b: array of the shape of a.
    - floor: smallest denominator (avoids 0/0 where both are 0).

    Returns:
    - error: the largest relative error (float).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ParameterError("b", text(f"la forme {b.shape} diffère de {a.shape}", f"shape {b.shape} differs from {a.shape}"))
    if a.size == 0:
        return 0.0
    den = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(np.max(np.abs(a - b) / den))


def grad_check(f: Callable[[Array], Any], x: Any, analytic: Any, h: float = 1e-6) -> float:
    """Max relative error between an analytic gradient and the centred-difference gradient of f at x.

    Inputs:
    - f: a function of one array (the shape of x) returning a number.
    - x: the point, an array of any shape.
    - analytic: the gradient to check, the shape of x.
    - h: the step of the centred difference.

    Returns:
    - error: :func:`max_relative_error` of the two (float; < 1e-7 is typical in float64).
    """
    return max_relative_error(analytic, numerical_gradient(f, x, h))
