"""The coding-question registry: every package in ``course.generator.coding.questions`` that
defines ``QUESTION`` is registered under its id (adding one touches no other code)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from course.base.errors import UsageError
from course.base.i18n import text

from . import questions as _questions_pkg
from .question import CodingQuestion


@cache
def coding_registry() -> dict[str, CodingQuestion]:
    """``{coding id: CodingQuestion}`` of the built-in questions, sorted by id."""
    found: dict[str, CodingQuestion] = {}
    for mod in pkgutil.iter_modules(_questions_pkg.__path__):
        if mod.name.startswith("_") or not mod.ispkg:
            continue
        module = importlib.import_module(f"{_questions_pkg.__name__}.{mod.name}")
        q = getattr(module, "QUESTION", None)
        if not isinstance(q, CodingQuestion):
            raise RuntimeError(f"{module.__name__} defines no QUESTION")
        if q.id in found:
            raise RuntimeError(f"coding question id {q.id!r} defined twice")
        found[q.id] = q
    return dict(sorted(found.items()))


def get_coding(coding_id: str) -> CodingQuestion:
    """The coding question ``coding_id``; a :class:`UsageError` listing the known ids otherwise."""
    reg = coding_registry()
    if coding_id not in reg:
        raise UsageError(text(f"question de code « {coding_id} » inconnue (connues : {', '.join(reg)})", f"unknown coding question '{coding_id}' (known: {', '.join(reg)})"))
    return reg[coding_id]
