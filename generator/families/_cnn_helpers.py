"""Small helpers shared by the CNN/RNN families (not a family: the registry skips ``_`` modules).

- :func:`positive_int` validates one integer parameter and names it in the error;
- :func:`keep_wrong` keeps only the misconceptions that really give a wrong answer (a
  mistaken formula that happens to agree with the right one on these numbers, such as
  ``floor`` instead of ``ceil`` on an exact division, cannot be recognised and is dropped,
  so that ``generate`` does not have to redraw the variant), without duplicates;
- :func:`padding_param` validates a Keras padding name.
"""

from __future__ import annotations

from typing import Any

from course.errors import ParameterError

from ..base import Misconception
from ..checks import Check


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


def keep_wrong(check: Check, answer: Any, mistakes: list[Misconception]) -> tuple[Misconception, ...]:
    """The misconceptions whose value the check rejects as the answer, first of each value only."""
    kept: list[Misconception] = []
    for m in mistakes:
        if check.accepts(m.value, answer):
            continue
        if any(check.accepts(m.value, k.value) and check.accepts(k.value, m.value) for k in kept):
            continue
        kept.append(m)
    return tuple(kept)
