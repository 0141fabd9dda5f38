"""Render a variant's statement and worked solution (Markdown with LaTeX math).

Each family has one template per language, ``templates/families/<id>.<lang>.md.j2``,
with two blocks, ``statement`` and ``solution``. Templates receive ``params``,
``answer``, ``parts`` (name -> answer), ``ctx`` (the family's intermediate values) and
``lang``; they only format (DESIGN.md rule 3). Undefined variables are errors.
A value asked with ``d`` decimals is printed with ``| fix(d)`` (all ``d`` decimals kept)
and the statement says the precision with ``asked(d, lang)`` (:mod:`.precision`).

Markdown subset (so that the exam renderer can turn it into LaTeX): paragraphs,
``**bold**``, ``*italic*``, ``- `` bullet lists, ``1. `` numbered lists, pipe tables,
inline ``$...$`` and display ``$$...$$`` math (``$$`` on their own lines).
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from .base import LANGS, Variant
from .precision import asked


def fmt(x: Any, decimals: int | None = 4, fixed: bool = False) -> str:
    """A number as the course writes it, always with a decimal point (in both languages, as
    the course material does: 0.70, 0.26).

    By default integers plainly and floats with up to ``decimals`` decimals and no trailing
    zeros (``0.7``, ``-1``, ``0.0432``). With ``fixed=True`` (a value *asked* with
    ``decimals`` decimals, see :mod:`course.generator.precision`), floats keep exactly
    ``decimals`` decimals (``0.9610``, ``2.0000``); integers stay plain. ``decimals=None`` (an
    exact value) writes up to 6 decimals, no trailing zeros."""
    if decimals is None:
        decimals, fixed = 6, False
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        s = f"{x:.{decimals}f}"
        if fixed:
            return s[1:] if s.startswith("-") and float(s) == 0 else s
        s = s.rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    if isinstance(x, (list, tuple)):
        return "(" + ", ".join(fmt(v, decimals, fixed) for v in x) + ")"
    return str(x)


def fix(x: Any, decimals: int | None = 4) -> str:
    """A value asked with ``decimals`` decimals, printed with all of them (``0.9610``);
    ``decimals=None`` (an exact value) prints it as :func:`fmt` does."""
    return fmt(x, decimals, fixed=True)


def bmatrix(rows: Any, decimals: int | None = 4, fixed: bool = False) -> str:
    """A LaTeX ``bmatrix`` of a vector (column) or a matrix (list of rows)."""
    if rows and not isinstance(rows[0], (list, tuple)):
        rows = [[v] for v in rows]
    body = r" \\ ".join(" & ".join(fmt(v, decimals, fixed) for v in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def mdtable(header: list[Any], rows: list[list[Any]], decimals: int | None = 4,
            fixed: bool = False) -> str:
    """A Markdown pipe table."""
    def cell(v: Any) -> str:
        return fmt(v, decimals, fixed) if isinstance(v, (int, float)) else str(v)
    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def shape(s: Any) -> str:
    """A shape as ``3 \\times 4`` (for math mode)."""
    return r" \times ".join(str(int(v)) for v in s)


@cache
def environment() -> jinja2.Environment:
    """The jinja2 environment for family templates (StrictUndefined, no autoescape)."""
    root = resources.files("course.templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fmt=fmt, fix=fix, bmatrix=bmatrix, shape=shape)
    env.globals.update(mdtable=mdtable, fmt=fmt, fix=fix, bmatrix=bmatrix, asked=asked, zip=zip,
                       range=range, enumerate=enumerate, len=len, abs=abs, round=round)
    return env


def _render_block(family: str, lang: str, block: str, variant: Variant) -> str:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    tmpl = environment().get_template(f"families/{family}.{lang}.md.j2")
    ctx = tmpl.new_context({"params": variant.params, "answer": variant.answer,
                            "parts": {k: p.answer for k, p in variant.parts.items()},
                            "ctx": variant.context, "lang": lang})
    return "".join(tmpl.blocks[block](ctx)).strip() + "\n"


def statement(variant: Variant, lang: str) -> str:
    """The statement of ``variant`` in ``lang`` (Markdown + LaTeX math)."""
    return _render_block(variant.family, lang, "statement", variant)


def solution(variant: Variant, lang: str) -> str:
    """The worked solution of ``variant`` in ``lang``: steps with intermediate values."""
    return _render_block(variant.family, lang, "solution", variant)


def variant_document(variant: Variant, lang: str) -> dict[str, Any]:
    """The JSON document of ``course generate --format json``."""
    return {**variant.to_json(), "lang": lang,
            "statement": statement(variant, lang), "solution": solution(variant, lang)}
