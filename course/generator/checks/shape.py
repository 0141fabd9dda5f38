"""A shape: a tuple of integers compared exactly and in order (``(3, 4)`` is not ``(4, 3)``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from course.base import i18n
from course.base.errors import AnswerError
from course.base.i18n import Text

from .base import Check, Field, GroupField, NumberField
from .integer import IntCheck, int_form
from .portable import plain_number, summary


def shape_form(x, p):
    """A non-empty list or tuple of integers."""
    if type(x) not in (list, tuple) or not x:
        return ["not-shape", {"got": summary(x)}]
    for v in x:
        if int_form(v, p) is not None:
            return ["not-shape", {"got": summary(x)}]
    return None


def shape_compare(x, want, p):
    """The same integers in the same order."""
    if len(x) != len(want) or any(plain_number(s) != int(w) for s, w in zip(x, want)):
        return ["wrong-value", {}]
    return None


@dataclass(frozen=True)
class ShapeCheck(Check):
    """A shape, e.g. ``[28, 28, 6]``."""

    kind: ClassVar[str] = "shape"
    REASONS: ClassVar[dict[str, Text]] = {
        "not-shape": {"fr": "attendu : une liste d'entiers, par exemple [3, 4] ({got})",
                      "en": "expected a list of integers such as [3, 4] ({got})"},
    }
    form_fn: ClassVar[Any] = shape_form
    compare_fn: ClassVar[Any] = shape_compare

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(), [28, 28, 6]
        return check, value, value

    def parse(self, text: str) -> list[int]:
        parts = [p for p in re.split(r"[\s,x×()\[\]]+", str(text).strip()) if p]
        if not parts:
            raise AnswerError(i18n.text(f"pas une forme : {text!r}", f"not a shape: {text!r}"))
        return [IntCheck().parse(p) for p in parts]

    def describe(self, lang: str) -> str:
        return "une forme (dimensions)" if lang == "fr" else "a shape"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        return "$(" + ", ".join(str(int(x)) for x in value) + ")$"

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        return GroupField("tuple", (tuple(NumberField(int(x), 0) for x in value),))
