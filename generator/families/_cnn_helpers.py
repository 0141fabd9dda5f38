"""Small helpers shared by the CNN/RNN families (not a family: the registry skips ``_`` modules).

- :func:`positive_int` validates one integer parameter and names it in the error;
- :func:`padding_param` validates a Keras padding name.
"""

from __future__ import annotations

from typing import Any

from course.errors import ParameterError


def positive_int(params: dict[str, Any], name: str, lo: int = 1, hi: int | None = None) -> int:
    """``params[name]`` as an int in ``[lo, hi]``; :class:`ParameterError` naming ``name`` otherwise."""
    v = params[name]
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool):
        raise ParameterError(name, f"must be an integer, got {v!r}")
    if v < lo:
        raise ParameterError(name, f"must be >= {lo}, got {v}")
    if hi is not None and v > hi:
        raise ParameterError(name, f"must be <= {hi}, got {v}")
    return v


def padding_param(params: dict[str, Any], name: str = "padding") -> str:
    """The Keras padding ``'valid'`` or ``'same'`` (case-insensitive)."""
    v = params[name]
    if not isinstance(v, str) or v.strip().lower() not in ("valid", "same"):
        raise ParameterError(name, f"must be 'valid' or 'same', got {v!r}")
    return v.strip().lower()
