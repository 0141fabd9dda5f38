"""Answers as Markdown with LaTeX math, for answer keys (LaTeX and Markdown) and LMS feedback.

Each part's answer is written by its check (``Check.key_md``, DESIGN.md rule 5): the values are
only formatted here, never computed (rule 3), with the decimals the statement asks
(:mod:`course.generator.precision`: a value asked to 4 decimals is written 0.9610).
"""

from __future__ import annotations

from course.base.i18n import colon
from course.generator.base import Part


def is_block(md: str) -> bool:
    """Does an answer need its own lines (a matrix or a table)?"""
    return md.startswith("$$") or md.startswith("|")


def answers_md(parts: dict[str, Part], lang: str, decimals: dict[str, int | None] | None = None) -> str:
    """All parts as a Markdown bullet list ``- **label** : answer`` (blocks indented); ``decimals``:
    the decimals each part's statement asks (``Variant.context["decimals"]``), with which its
    numbers are written (``0.9610`` for 4 decimals)."""
    lines = []
    for name, p in parts.items():
        md = p.check.key_md(p.answer, lang, (decimals or {}).get(name))
        head = f"- **{p.label[lang]}**{colon(lang)}"
        if is_block(md):
            lines.append(head + "\n\n" + "\n".join("  " + ln for ln in md.splitlines()) + "\n")
        else:
            lines.append(f"{head} {md}")
    return "\n".join(lines).strip() + "\n"
