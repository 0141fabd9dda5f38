"""An array of numbers: the same shape, then every element within the tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from course.base.i18n import Text
from course.generator.render import answer_number

from ._parsing import parse_nested
from .base import AnswerSpace, Check, Field, GroupField, NumberField, Tolerance
from .portable import close, plain_array, summary


def array_form(x, p):
    """Numeric data of a regular shape (an array, nested lists, a number), all finite."""
    a = plain_array(x)
    if a is None:
        return ["not-array", {"got": summary(x)}]
    if not np.all(np.isfinite(a)):
        return ["nan", {}]
    return None


def array_compare(x, want, p):
    """Same shape as ``want``, then ``|x - want| <= atol + rtol * |want|`` element-wise."""
    a = plain_array(x)
    w = np.asarray(want, dtype=np.float64)
    if a.shape != w.shape:
        return ["wrong-shape", {"got": list(a.shape)}]
    return None if close(a, w, p["rtol"], p["atol"]) else ["wrong-values", {}]


def _depth(v: Any) -> int:
    d = 0
    while isinstance(v, (list, tuple)):
        if not v:
            return d + 1
        v = v[0]
        d += 1
    return d


@dataclass(frozen=True)
class ArrayCheck(Tolerance, Check):
    """An array (or vector, matrix, number) compared element-wise with the one tolerance rule."""

    kind: ClassVar[str] = "array"
    REASONS: ClassVar[dict[str, Text]] = {
        "not-array": {"fr": "ce n'est pas un tableau de nombres ({got})",
                      "en": "not an array of numbers ({got})"},
        "nan": {"fr": "contient NaN ou l'infini", "en": "contains NaN or infinity"},
        "wrong-shape": {"fr": "forme incorrecte {got}", "en": "wrong shape {got}"},
    }
    form_fn: ClassVar[Any] = array_form
    compare_fn: ClassVar[Any] = array_compare
    rtol: float = 1e-2
    atol: float = 1e-3

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(), [[0.5, -1.0], [2.0, 0.25]]
        return check, value, value


    def parse(self, text: str) -> Any:
        return parse_nested(text)

    def describe(self, lang: str) -> str:
        return "un tableau de nombres" if lang == "fr" else "an array of numbers"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        d = _depth(value)
        if d == 0:
            return f"${answer_number(value, decimals)}$"
        if d == 1:
            return "$(" + ", ".join(answer_number(x, decimals) for x in value) + ")$"
        if d == 2:
            body = r" \\ ".join(" & ".join(answer_number(x, decimals) for x in row) for row in value)
            return "$$\n\\begin{bmatrix} " + body + " \\end{bmatrix}\n$$"

        def nested(v: Any) -> str:
            return "[" + ", ".join(nested(x) for x in v) + "]" if isinstance(v, (list, tuple)) \
                else answer_number(v, decimals)
        return "`" + nested(value) + "`"

    def answer_space(self, value: Any, lang: str) -> AnswerSpace:
        if isinstance(value, list) and value and isinstance(value[0], list):
            return AnswerSpace(lines=min(6, max(1, len(value))))
        return AnswerSpace()

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        def cell(x: Any) -> NumberField:
            return NumberField(x, self.tolerance(x))

        if isinstance(value, list) and value and isinstance(value[0], list):
            return GroupField("matrix", tuple(tuple(cell(x) for x in row) for row in value))
        if isinstance(value, list):
            return GroupField("tuple", (tuple(cell(x) for x in value),))
        return cell(value)
