"""A trained classifier's accuracy: logits (N, classes) whose arg-max matches the labels at
least ``min`` of the time (the labels and threshold are the expected value)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from course.base.i18n import Text

from .base import Check
from .portable import plain_array, summary


def accuracy_form(x, p):
    """Logits: a 2-D array of finite numbers."""
    a = plain_array(x)
    if a is None or a.ndim != 2:
        return ["bad-logits", {"got": summary(x)}]
    if not np.all(np.isfinite(a)):
        return ["nan", {}]
    return None


def accuracy_compare(x, want, p):
    """One row per label, and ``mean(argmax == labels) >= want["min"]``."""
    a = plain_array(x)
    labels = np.asarray(want["labels"])
    if a.shape[0] != labels.shape[0]:
        return ["bad-logits", {"got": summary(x)}]
    acc = float(np.mean(a.argmax(axis=1) == labels))
    return None if acc >= want["min"] else ["low-accuracy", {"accuracy": acc, "min": want["min"]}]


@dataclass(frozen=True)
class AccuracyCheck(Check):
    """Accuracy of logits against labels, at least a threshold."""

    exam: ClassVar[bool] = False
    kind: ClassVar[str] = "accuracy"
    REASONS: ClassVar[dict[str, Text]] = {
        "bad-logits": {"fr": "attendu : des logits de forme (N, classes) ({got})",
                       "en": "expected logits of shape (N, classes) ({got})"},
        "nan": {"fr": "contient NaN ou l'infini", "en": "contains NaN or infinity"},
        "low-accuracy": {"fr": "exactitude {accuracy:.0%} inférieure aux {min:.0%} demandés",
                         "en": "accuracy {accuracy:.0%} below the required {min:.0%}"},
    }
    form_fn: ClassVar[Any] = accuracy_form
    compare_fn: ClassVar[Any] = accuracy_compare

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        return cls(), {"labels": [0, 1], "min": 0.5}, [[2.0, -1.0], [0.0, 3.0]]

    def reason_text(self, code: str, args: dict[str, Any], lang: str) -> str:
        text = super().reason_text(code, args, lang)
        return text.replace("%", " %") if lang == "fr" else text

    def describe(self, lang: str) -> str:
        return "des logits (N, classes)" if lang == "fr" else "logits (N, classes)"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        return (f"exactitude ≥ {value['min']:.0%}".replace("%", " %") if lang == "fr"
                else f"accuracy ≥ {value['min']:.0%}")
