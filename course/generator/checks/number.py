"""A real number within a tolerance (the one rule of :func:`.portable.close`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from course.generator.render import answer_number

from ._parsing import parse_number
from .base import Check, Field, NumberField, Tolerance, numeric_wrong
from .portable import close, plain_number, summary


def float_form(x, p):
    """A genuine finite number."""
    f = plain_number(x)
    if f is None:
        return ["not-number", {"got": summary(x)}]
    if f != f or f in (float("inf"), float("-inf")):
        return ["not-finite", {}]
    return None


def float_compare(x, want, p):
    """Within ``atol + rtol * |want|`` of the expected number."""
    return None if close(plain_number(x), float(want), p["rtol"], p["atol"]) else ["wrong-value", {}]


@dataclass(frozen=True)
class FloatCheck(Tolerance, Check):
    """A number: accepted when ``|s - e| <= atol + rtol * |e|``."""

    kind: ClassVar[str] = "float"
    form_fn: ClassVar[Any] = float_form
    compare_fn: ClassVar[Any] = float_compare
    rtol: float = 1e-2
    atol: float = 1e-3

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(), 0.7054
        return check, value, value


    def parse(self, text: str) -> float:
        return parse_number(text)

    def describe(self, lang: str) -> str:
        return "un nombre" if lang == "fr" else "a number"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        return f"${answer_number(value, decimals)}$"

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        return NumberField(value, self.tolerance(value), numeric_wrong(wrong))
