"""The family registry (DESIGN.md rule 6): every module in ``course.generator.families``
is imported and every :class:`Family` subclass with an ``id`` is registered. Adding a
family touches no other code."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from course.base.errors import UsageError
from course.base.i18n import text

from . import families as _families_pkg
from .base import Family


@cache
def registry() -> dict[str, Family]:
    """``{family id: Family instance}``, sorted by id."""
    found: dict[str, Family] = {}
    for mod in pkgutil.iter_modules(_families_pkg.__path__):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_families_pkg.__name__}.{mod.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Family) and obj is not Family
                    and "id" in vars(obj) and obj.__module__ == module.__name__):
                if obj.id in found:
                    raise RuntimeError(f"family id {obj.id!r} defined twice")
                found[obj.id] = obj()
    return dict(sorted(found.items()))


def get_family(family_id: str) -> Family:
    """The family ``family_id``; a :class:`UsageError` listing the known ids otherwise."""
    reg = registry()
    if family_id not in reg:
        raise UsageError(text(f"famille « {family_id} » inconnue (connues : {', '.join(reg)})", f"unknown family '{family_id}' (known: {', '.join(reg)})"))
    return reg[family_id]
