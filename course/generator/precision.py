"""The precision a statement asks for, and the tolerance of its checks: one rule, one place.

**The rule.** A numeric part asked "to ``d`` decimal places" is checked with the relabs
rule of numpy and PrairieLearn, ``|s - e| <= atol + rtol |e|``, with

    rtol = 0,   atol = 10**-d   (one unit of the last asked decimal)

so that

- the answer rounded to the asked ``d`` decimals (an error of at most half a unit) is
  accepted, even after a little rounding of intermediate results;
- anything off by more than one unit of the last asked decimal is rejected.

With ``rtol = 0`` the rule reads the same under ``max(atol, rtol |e|)``. A part whose answer
is exact (integers, or the few decimals that the data carry, e.g. a perceptron table with
eta = 0.5) asks for the exact value: ``decimals=None``, ``atol = EXACT_ATOL`` (float noise
only).

**Separation.** A wrong value that the statement's precision cannot tell apart from the answer
is useless as a misconception and dangerous as a pre-update value (a student who did nothing
would be graded correct). A wrong value is *separated* from the answer when some entry differs
by at least ``SEPARATION`` units of the last asked decimal: then the wrong value and the wrong
value rounded to ``d`` decimals are both rejected. A family calls :func:`misconceptions` and
:func:`require_separated`, which raise :class:`Indistinct` (a
:class:`~course.generator.base.Degenerate`: the variant is drawn again) when a mistake or the
pre-update value is not separated. Only a mistake that gives *exactly* the right number for
particular data (floor = ceil when the stride divides) is dropped instead: that is not a
matter of precision. With explicit parameters (``Family.variant``, ``course solve``), which
cannot be drawn again, an inseparable mistake is left out and the pre-update value is not
checked (the data are the instructor's); only draws (``Family.generate``, see
:data:`~course.generator.base.DRAWING`) are held to the rule.

**What a variant records** (in ``Variant.context``, read by templates and by the stress
test, ``tests/generator/test_stress.py``):

- ``context["decimals"]`` (:data:`DECIMALS`): ``{part name: d}`` for every part with a
  numeric tolerance check (FloatCheck, ArrayCheck, TableCheck); ``d`` is an int, or ``None``
  for an exact value. The part's check is ``check_for(d)``'s.
- ``context["before"]`` (:data:`BEFORE`): ``{part name: value}``, the value of the quantity
  before the update the part asks for (the weights before a gradient step, the moving
  averages before the batch, ...), for the parts that have one.

Statements say the precision with :func:`asked` (``render`` exposes it to templates), so that
the words and the tolerance come from the same ``d``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import Text, pick, text

from .base import DRAWING, Degenerate, Misconception
from .checks import ArrayCheck, FloatCheck, TableCheck

#: context key: ``{part: decimals}`` (int, or None for an exact value)
DECIMALS = "decimals"
#: context key: ``{part: value before the update}``
BEFORE = "before"
#: a wrong value must differ from the answer by this many units of the last asked decimal
SEPARATION = 2.0
#: the tolerance of an exact value (float noise only: 0.1 + 0.2)
EXACT_ATOL = 1e-6
#: below this, a mistake gives *exactly* the answer (for these data): it is dropped, not redrawn
COINCIDENT = 1e-9


class Indistinct(Degenerate, ParameterError):
    """A wrong value (a misconception, the value before the update) that the asked precision
    cannot tell from the answer. ``Family.generate`` draws again (it is a ``Degenerate``);
    ``course solve`` with explicit parameters reports it in one line (a ``ParameterError``)."""

    def __init__(self, what: str | Text, decimals: int | None) -> None:
        precision = "exactly" if decimals is None else f"at {decimals} decimals"
        precision_fr = "exactement" if decimals is None else f"à {decimals} décimales"
        ParameterError.__init__(self, "params", text(
            f"{pick(what, 'fr')} ne se distingue pas de la réponse {precision_fr} : choisissez "
            "d'autres valeurs",
            f"{pick(what, 'en')} cannot be told from the answer {precision}: choose other values"))


def tolerance(decimals: int | None) -> tuple[float, float]:
    """``(rtol, atol)`` for a value asked to ``decimals`` decimal places (None: exact).

    ``rtol`` is 0 and ``atol`` is one unit of the last asked decimal: a value rounded to
    ``decimals`` is accepted, a value off by more than one unit is rejected."""
    if decimals is None:
        return 0.0, EXACT_ATOL
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 12:
        raise ValueError(f"decimals must be an integer in [0, 12] or None, got {decimals!r}")
    return 0.0, 10.0 ** -decimals


def float_check(decimals: int | None) -> FloatCheck:
    """The check of a number asked to ``decimals`` places."""
    rtol, atol = tolerance(decimals)
    return FloatCheck(rtol=rtol, atol=atol)


def array_check(decimals: int | None) -> ArrayCheck:
    """The check of an array whose entries are asked to ``decimals`` places."""
    rtol, atol = tolerance(decimals)
    return ArrayCheck(rtol=rtol, atol=atol)


def table_check(decimals: int | None, columns: tuple[str, ...]) -> TableCheck:
    """The check of a table whose numeric cells are asked to ``decimals`` places."""
    rtol, atol = tolerance(decimals)
    return TableCheck(columns=columns, rtol=rtol, atol=atol)


def check_for(decimals: int | None, kind: str = "float", columns: tuple[str, ...] = ()) -> Any:
    """The check of kind ``float``, ``array`` or ``table`` for ``decimals``."""
    if kind == "float":
        return float_check(decimals)
    if kind == "array":
        return array_check(decimals)
    if kind == "table":
        return table_check(decimals, columns)
    raise ValueError(f"unknown check kind {kind!r}")


def round_to(value: Any, decimals: int | None) -> Any:
    """``value`` (a number, or nested lists / arrays of numbers; strings kept) rounded to
    ``decimals`` places, as a student who rounds the final result writes it."""
    if decimals is None or isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, np.ndarray):
        return round_to(value.tolist(), decimals)
    if isinstance(value, (list, tuple)):
        return [round_to(v, decimals) for v in value]
    if isinstance(value, (int, np.integer)):
        return int(value)
    return round(float(value), decimals)


def _numbers(value: Any) -> list[float] | None:
    """The numeric entries of ``value`` (flattened; strings skipped), or None if not numeric."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return [float(value)]
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        out: list[float] = []
        for v in value:
            if isinstance(v, str):
                out.append(math.nan)  # a string cell: compared apart
                continue
            sub = _numbers(v)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return None


def gap(wrong: Any, right: Any) -> float:
    """The largest absolute difference between two numeric values of the same shape
    (``inf`` when the shapes, or any string cell, differ)."""
    if isinstance(wrong, (list, tuple, np.ndarray)) or isinstance(right, (list, tuple, np.ndarray)):
        w_arr, r_arr = np.asarray(wrong, dtype=object), np.asarray(right, dtype=object)
        if w_arr.shape != r_arr.shape:
            return math.inf
    w, r = _numbers(wrong), _numbers(right)
    if w is None or r is None or len(w) != len(r):
        return math.inf
    if _strings(wrong) != _strings(right):
        return math.inf
    diffs = [abs(a - b) for a, b in zip(w, r) if not (math.isnan(a) and math.isnan(b))]
    return max(diffs, default=0.0)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip().casefold()]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def separated(wrong: Any, right: Any, decimals: int | None) -> bool:
    """Can a student's ``wrong`` value be told from ``right`` at the asked precision?

    True when some entry differs by at least :data:`SEPARATION` units of the last asked
    decimal (for an exact value: by more than its tolerance), so that ``wrong`` and ``wrong``
    rounded to ``decimals`` are both rejected."""
    g = gap(wrong, right)
    if decimals is None:
        return g > 2 * EXACT_ATOL
    return g >= SEPARATION * 10.0 ** -decimals * (1 - 1e-9)


def require_separated(wrong: Any, right: Any, decimals: int | None, what: str) -> None:
    """Raise :class:`Indistinct` (a :class:`Degenerate`: draw again) unless ``wrong`` is
    :func:`separated` from ``right``; with explicit parameters (not drawing), do nothing."""
    if DRAWING.get() and not separated(wrong, right, decimals):
        raise Indistinct(what, decimals)


def misconceptions(answer: Any, mistakes: list[Misconception], decimals: int | None
                   ) -> tuple[Misconception, ...]:
    """The misconceptions of one numeric part, under the rule of this module.

    A mistake that gives exactly the answer for these data is dropped (it is not a mistake
    here); a mistake that the precision cannot tell from the answer raises
    :class:`Indistinct` while drawing (the family draws again) and is dropped with explicit
    parameters; of two mistakes giving values that cannot be told apart, the first is kept
    (the feedback names one mistake)."""
    kept: list[Misconception] = []
    for m in mistakes:
        g = gap(m.value, answer)
        if g <= COINCIDENT * max(1.0, _scale(answer)):
            continue
        if not separated(m.value, answer, decimals):
            if DRAWING.get():
                raise Indistinct(text(f"l'erreur classique {m.key!r}", f"misconception {m.key!r}"), decimals)
            continue
        if any(not separated(m.value, k.value, decimals) for k in kept):
            continue
        kept.append(m)
    return tuple(kept)


def _scale(value: Any) -> float:
    nums = _numbers(value) or [0.0]
    return max((abs(v) for v in nums if not math.isnan(v)), default=0.0)


def asked(decimals: int | None, lang: str) -> str:
    """How a statement says the precision: ``"à 4 décimales"`` / ``"to 4 decimal places"``
    (``""`` for an exact value). The stress test looks for these words in every statement."""
    if decimals is None:
        return ""
    if lang == "fr":
        return "à l'unité" if decimals == 0 else f"à {decimals} décimale{'s' if decimals > 1 else ''}"
    return ("to the nearest integer" if decimals == 0
            else f"to {decimals} decimal place{'s' if decimals > 1 else ''}")
