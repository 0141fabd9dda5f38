"""Parameter validation shared by the families (not a family: the registry skips ``_`` modules).

Every helper raises :class:`course.base.errors.ParameterError` naming the parameter.
"""

from __future__ import annotations

import math
from typing import Any

from course.base.errors import ParameterError
from course.base.i18n import text


def layers_param(params: dict[str, Any], name: str = "layers", min_len: int = 2) -> list[int]:
    """A list of at least ``min_len`` positive layer sizes, input first (e.g. ``2,3,1``)."""
    layers = params[name]
    if (not isinstance(layers, list) or len(layers) < min_len
            or any(not isinstance(n, int) or isinstance(n, bool) or n <= 0 for n in layers)):
        raise ParameterError(name, text(f"demande au moins {min_len} tailles de couche positives, p. ex. 2,3,1", f"needs at least {min_len} positive layer sizes, e.g. 2,3,1"))
    return layers


def positive_int(params: dict[str, Any], name: str, lo: int = 1, hi: int | None = None) -> int:
    """``params[name]`` as an int in ``[lo, hi]``; :class:`ParameterError` naming ``name`` otherwise."""
    v = params[name]
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool):
        raise ParameterError(name, text(f"doit être un entier, reçu : {v!r}", f"must be an integer, got {v!r}"))
    if v < lo:
        raise ParameterError(name, text(f"doit être >= {lo}, reçu : {v}", f"must be >= {lo}, got {v}"))
    if hi is not None and v > hi:
        raise ParameterError(name, text(f"doit être <= {hi}, reçu : {v}", f"must be <= {hi}, got {v}"))
    return v


def finite_float(params: dict[str, Any], name: str) -> float:
    """A finite number."""
    v = params[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ParameterError(name, text(f"doit être un nombre fini, reçu : {v!r}", f"must be a finite number, got {v!r}"))
    return float(v)


def float_list(params: dict[str, Any], name: str, length: int | None = None,
               min_len: int = 1) -> list[float]:
    """A list of finite numbers (of exactly ``length`` items when given)."""
    v = params[name]
    if (not isinstance(v, list) or any(isinstance(x, bool) or not isinstance(x, (int, float))
                                       or not math.isfinite(x) for x in v)):
        raise ParameterError(name, text(f"doit être une liste de nombres, reçu : {v!r}", f"must be a list of numbers, got {v!r}"))
    if length is not None and len(v) != length:
        raise ParameterError(name, text(f"demande {length} valeurs, reçu : {len(v)}", f"needs {length} values, got {len(v)}"))
    if len(v) < min_len:
        raise ParameterError(name, text(f"demande au moins {min_len} valeurs, reçu : {len(v)}", f"needs at least {min_len} values, got {len(v)}"))
    return [float(x) for x in v]


def float_matrix(params: dict[str, Any], name: str, shape: tuple[int, int] | None = None) -> list[list[float]]:
    """A rectangular list of rows of finite numbers (of ``shape`` when given)."""
    v = params[name]
    if not isinstance(v, list) or not v or any(not isinstance(r, list) for r in v):
        raise ParameterError(name, text(f"doit être une matrice (lignes séparées par ';'), reçu : {v!r}", f"must be a matrix (rows separated by ';'), got {v!r}"))
    rows = [float_list({name: r}, name) for r in v]
    if len({len(r) for r in rows}) != 1:
        raise ParameterError(name, text("les lignes n'ont pas toutes la même longueur", "rows have different lengths"))
    if shape is not None and (len(rows), len(rows[0])) != shape:
        raise ParameterError(name, text(f"attendu une matrice {shape[0]} x {shape[1]}, reçu : {len(rows)} x {len(rows[0])}", f"expected a {shape[0]} x {shape[1]} matrix, "
                                   f"got {len(rows)} x {len(rows[0])}"))
    return rows


def one_decimal(rng: Any, lo: float, hi: float, nonzero: bool = True) -> float:
    """A number with one decimal in ``[lo, hi]`` (not 0 when ``nonzero``), drawn with ``rng``."""
    while True:
        v = round(float(rng.integers(round(lo * 10), round(hi * 10) + 1)) / 10, 1)
        if v != 0 or not nonzero:
            return v


def padding_param(params: dict[str, Any], name: str = "padding") -> str:
    """The Keras padding ``'valid'`` or ``'same'`` (case-insensitive)."""
    v = params[name]
    if not isinstance(v, str) or v.strip().lower() not in ("valid", "same"):
        raise ParameterError(name, text(f"doit être 'valid' ou 'same', reçu : {v!r}", f"must be 'valid' or 'same', got {v!r}"))
    return v.strip().lower()
