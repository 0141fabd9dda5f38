"""An exact integer (a count of parameters, a size). Integral floats (``13.0``) are accepted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from course.base import i18n
from course.base.errors import AnswerError
from course.base.i18n import Text
from course.generator.render import math_number

from ._parsing import parse_number
from .base import Check, Field, NumberField, numeric_wrong
from .portable import plain_number, summary


def int_form(x, p):
    """A genuine finite number with an integral value."""
    f = plain_number(x)
    if f is None:
        return ["not-number", {"got": summary(x)}]
    if f != f or f in (float("inf"), float("-inf")):
        return ["not-finite", {}]
    if not f.is_integer():
        return ["not-integer", {"got": summary(x)}]
    return None


def int_compare(x, want, p):
    """Exactly the expected integer."""
    return None if plain_number(x) == int(want) else ["wrong-value", {}]


@dataclass(frozen=True)
class IntCheck(Check):
    """Exact integer."""

    kind: ClassVar[str] = "int"
    REASONS: ClassVar[dict[str, Text]] = {
        "not-integer": {"fr": "ce n'est pas un entier ({got})", "en": "not an integer ({got})"},
    }
    form_fn: ClassVar[Any] = int_form
    compare_fn: ClassVar[Any] = int_compare

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(), 13
        return check, value, value

    def parse(self, text: str) -> int:
        v = parse_number(text)
        if not float(v).is_integer():
            raise AnswerError(i18n.text(f"pas un entier : {text!r}", f"not an integer: {text!r}"))
        return int(v)

    def describe(self, lang: str) -> str:
        return "un entier" if lang == "fr" else "an integer"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        return f"${math_number(value)}$"

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        return NumberField(value, 0, numeric_wrong(wrong))
