"""Multiple choice: one option label (``"B"``) or a set of labels (every right one, nothing
else); case-insensitive."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from course.base import i18n
from course.base.errors import AnswerError
from course.base.i18n import Text

from .base import AnswerSpace, Check, ChoiceField, Field
from .portable import summary


def choice_form(x, p):
    """An option label, or a list of option labels."""
    if type(x) is str or (type(x) in (list, tuple) and all(type(v) is str for v in x)):
        return None
    return ["not-choice", {"got": summary(x)}]


def choice_compare(x, want, p):
    """The same set of labels, ignoring case and spaces."""
    def norm(v):
        return frozenset([v.strip().upper()]) if type(v) is str else frozenset(s.strip().upper() for s in v)

    return None if norm(x) == norm(want) else ["wrong-value", {}]


@dataclass(frozen=True)
class ChoiceCheck(Check):
    """Multiple choice among ``options`` (labels such as ``A``..``D``)."""

    kind: ClassVar[str] = "choice"
    REASONS: ClassVar[dict[str, Text]] = {
        "not-choice": {"fr": "attendu : une lettre ou une liste de lettres ({got})",
                       "en": "expected a letter or a list of letters ({got})"},
    }
    form_fn: ClassVar[Any] = choice_form
    compare_fn: ClassVar[Any] = choice_compare
    text_answer: ClassVar[bool] = True
    options: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(options=("A", "B", "C", "D")), "B"
        return check, value, value

    def parse(self, text: str) -> Any:
        labels = [p.strip().upper() for p in re.split(r"[\s,;]+", str(text)) if p.strip()]
        if not labels:
            raise AnswerError(i18n.text("aucune option donnée", "no option given"))
        return labels[0] if len(labels) == 1 else labels

    def describe(self, lang: str) -> str:
        return "une ou plusieurs lettres" if lang == "fr" else "one or more option letters"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        labels = [value] if isinstance(value, str) else list(value)
        return ", ".join(f"**{x}**" for x in labels)

    def answer_space(self, value: Any, lang: str) -> AnswerSpace:
        return AnswerSpace(options=tuple(self.options))

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        """The options as a :class:`ChoiceField`; a named mistake that picks one wrong option
        (a single choice) becomes that option's feedback. The option *texts* are the variant's
        (``context["options"]``, see :func:`course.documents.moodle.variant_field`)."""
        right = (value,) if isinstance(value, str) else tuple(value)
        options = tuple(self.options) or tuple(sorted(right))
        why = {v.strip().upper(): fb for v, fb in wrong if isinstance(v, str)}
        feedback = tuple(why.get(o.upper(), "") if o not in right else "" for o in options)
        return ChoiceField(options, right, multiple=not isinstance(value, str),
                           feedback=feedback if any(feedback) else ())
