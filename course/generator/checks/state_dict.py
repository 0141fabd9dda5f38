"""A model's weights as ``{name: array}`` (PyTorch's ``state_dict`` keys): the same keys, then
every array as an :class:`~.array.ArrayCheck`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from course.base.i18n import Text

from .array import ArrayCheck, array_compare, array_form
from .base import Check
from .portable import summary


def state_dict_form(x, p):
    """A dict of string keys to numeric arrays."""
    if type(x) is not dict or any(type(k) is not str for k in x):
        return ["not-dict", {"got": summary(x)}]
    for k, v in x.items():
        r = array_form(v, p)
        if r is not None:
            return ["key-wrong", {"key": k, "why": r[0], "inner": r[1]}]
    return None


def state_dict_compare(x, want, p):
    """The same keys (the missing and the unexpected ones are named), then each array."""
    missing = sorted(set(want) - set(x))
    extra = sorted(set(x) - set(want))
    if missing or extra:
        return ["wrong-keys", {"missing": ", ".join(missing) or "-", "extra": ", ".join(extra) or "-"}]
    for k in want:
        r = array_compare(x[k], want[k], p)
        if r is not None:
            return ["key-wrong", {"key": k, "why": r[0], "inner": r[1]}]
    return None


@dataclass(frozen=True)
class StateDictCheck(Check):
    """Weights ``{state_dict key: array}``."""

    exam: ClassVar[bool] = False
    kind: ClassVar[str] = "state-dict"
    REASONS: ClassVar[dict[str, Text]] = {
        **ArrayCheck.REASONS,
        "not-dict": {"fr": "attendu : un dictionnaire {{nom: tableau}} ({got})",
                     "en": "expected a dict {{name: array}} ({got})"},
        "wrong-keys": {"fr": "clés manquantes : {missing} ; clés inattendues : {extra}",
                       "en": "missing keys: {missing}; unexpected keys: {extra}"},
        "key-wrong": {"fr": "{key} : {why}", "en": "{key}: {why}"},
    }
    form_fn: ClassVar[Any] = state_dict_form
    compare_fn: ClassVar[Any] = state_dict_compare
    rtol: float = 1e-6
    atol: float = 1e-9

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(), {"fc.weight": [[0.5, -0.5]], "fc.bias": [0.1]}
        return check, value, value

    def reason_text(self, code: str, args: dict[str, Any], lang: str) -> str:
        if code == "key-wrong":  # the inner reason is an array reason code
            args = {**args, "why": super().reason_text(args["why"], args.get("inner", {}), lang)}
        return super().reason_text(code, args, lang)

    def describe(self, lang: str) -> str:
        return "des poids {nom: tableau}" if lang == "fr" else "weights {name: array}"

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        return ", ".join(f"`{k}`" for k in value)
