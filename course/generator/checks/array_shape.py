"""The shape of an array a student's code returned (coding questions): only the shape counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from course.base.i18n import Text

from .array import ArrayCheck, array_form
from .base import Check
from .portable import plain_array


def array_shape_compare(x, want, p):
    """The shape of ``x`` is the shape of ``want`` (an array, or the shape itself as a list)."""
    got = list(plain_array(x).shape)
    w = want["shape"] if type(want) is dict else list(np.shape(want))
    return None if got == list(w) else ["wrong-shape", {"got": got}]


@dataclass(frozen=True)
class ArrayShapeCheck(Check):
    """An array whose shape must be the expected array's (values not compared)."""

    exam: ClassVar[bool] = False
    kind: ClassVar[str] = "array-shape"
    REASONS: ClassVar[dict[str, Text]] = ArrayCheck.REASONS
    form_fn: ClassVar[Any] = array_form
    compare_fn: ClassVar[Any] = array_shape_compare

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(), [[0.0, 1.0, 2.0]]
        return check, value, value

    def describe(self, lang: str) -> str:
        return "un tableau de la bonne forme" if lang == "fr" else "an array of the right shape"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        shape = value["shape"] if isinstance(value, dict) else list(np.shape(value))
        return "forme $(" + ", ".join(str(int(s)) for s in shape) + ")$" if lang == "fr" \
            else "shape $(" + ", ".join(str(int(s)) for s in shape) + ")$"
