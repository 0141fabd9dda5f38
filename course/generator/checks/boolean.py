"""True or false."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from course.base import i18n
from course.base.errors import AnswerError
from course.base.i18n import Text

from .base import AnswerSpace, Check, ChoiceField, Field
from .portable import summary

#: how a true/false answer is written in each language
WORDS: dict[str, dict[bool, str]] = {"fr": {True: "Vrai", False: "Faux"},
                                     "en": {True: "True", False: "False"}}


def bool_form(x, p):
    """``True`` or ``False`` (Python or NumPy booleans; not 0/1)."""
    return None if type(x) in (bool, np.bool_) else ["not-bool", {"got": summary(x)}]


def bool_compare(x, want, p):
    return None if bool(x) == bool(want) else ["wrong-value", {}]


@dataclass(frozen=True)
class BoolCheck(Check):
    """True/false (``parse`` accepts oui/non, yes/no, vrai/faux, 1/0)."""

    kind: ClassVar[str] = "bool"
    REASONS: ClassVar[dict[str, Text]] = {
        "not-bool": {"fr": "attendu : True ou False ({got})", "en": "expected True or False ({got})"},
    }
    form_fn: ClassVar[Any] = bool_form
    compare_fn: ClassVar[Any] = bool_compare

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(), True
        return check, value, value

    def parse(self, text: str) -> bool:
        t = str(text).strip().lower()
        if t in ("true", "yes", "oui", "vrai", "1", "y", "o", "v"):
            return True
        if t in ("false", "no", "non", "faux", "0", "n", "f"):
            return False
        raise AnswerError(i18n.text(f"pas une réponse oui/non : {text!r}", f"not a yes/no answer: {text!r}"))

    def describe(self, lang: str) -> str:
        return "vrai ou faux" if lang == "fr" else "true or false"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        return WORDS[lang][bool(value)]

    def answer_space(self, value: Any, lang: str) -> AnswerSpace:
        return AnswerSpace(options=(WORDS[lang][True], WORDS[lang][False]))

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        right, other = WORDS[lang][bool(value)], WORDS[lang][not bool(value)]
        return ChoiceField((right, other), (right,), truefalse=True)
