"""Render a variant's statement and worked solution (Markdown with LaTeX math).

Each family has one template per language, ``templates/families/<id>.<lang>.md.j2``,
with two blocks, ``statement`` and ``solution`` (and optionally ``lms_statement``, the
statement as an LMS bank shows it: :func:`lms_statement`). Templates receive ``params``,
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
from typing import TYPE_CHECKING, Any

import jinja2

from course.base.i18n import LANGS

if TYPE_CHECKING:  # the checks use the formatting helpers below, and base.py uses the checks
    from .base import Variant



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


def math_number(x: Any) -> str:
    """A number for math mode: integers plainly, floats with up to 4 decimals (:func:`fmt`),
    very small or large floats in scientific notation (``1.2 \\times 10^{-5}``)."""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if x != 0 and math.isfinite(x) and (abs(x) < 1e-3 or abs(x) >= 1e7):
        mant, exp = f"{x:.4e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return fmt(x, 4)


def answer_number(x: Any, decimals: int | None) -> str:
    """A number of an answer for math mode (keys, LMS feedback), as the statement asks it: with
    exactly ``decimals`` decimals (:func:`fix`: ``0.9610``; integers plainly), or, for an exact
    value (``decimals=None``), with up to 6 decimals and no trailing zeros (``0.015625``), very
    small or large ones in scientific notation."""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    if decimals is not None:
        return fix(float(x), decimals)
    x = float(x)
    if x != 0 and math.isfinite(x) and (abs(x) < 1e-6 or abs(x) >= 1e7):
        mant, exp = f"{x:.6e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return fmt(x, None)


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
            fixed: bool | list[bool] = False) -> str:
    """A Markdown pipe table; numbers with up to ``decimals`` decimals, or exactly ``decimals``
    (``fixed``: for every column, or a list with one flag per column: the computed columns
    keep their trailing zeros, the data columns are written as the statement gives them)."""
    flags = list(fixed) if isinstance(fixed, (list, tuple)) else [fixed] * len(header)

    def cell(v: Any, j: int | None) -> str:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return str(v)
        return fmt(v, decimals, j is not None and j < len(flags) and flags[j])
    lines = ["| " + " | ".join(cell(h, None) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v, j) for j, v in enumerate(row)) + " |" for row in rows]
    return "\n".join(lines)


def shape(s: Any) -> str:
    """A shape as ``3 \\times 4`` (for math mode)."""
    return r" \times ".join(str(int(v)) for v in s)


def template_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """A jinja2 environment for statements and notebook cells over ``loader`` (StrictUndefined,
    no autoescape, the formatting helpers as filters and globals)."""
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fmt=fmt, fix=fix, bmatrix=bmatrix, shape=shape)
    from .precision import asked  # precision uses the checks, which use the helpers above

    env.globals.update(mdtable=mdtable, fmt=fmt, fix=fix, answer_number=answer_number, bmatrix=bmatrix, asked=asked, zip=zip,
                       range=range, enumerate=enumerate, len=len, abs=abs, round=round)
    return env


@cache
def environment() -> jinja2.Environment:
    """The environment of the built-in templates (``course/templates``)."""
    return template_environment(jinja2.FileSystemLoader(str(resources.files("course.templates"))))


def _render_block(family: str, lang: str, block: str, variant: Variant,
                  env: jinja2.Environment | None) -> str:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    tmpl = (env or environment()).get_template(f"families/{family}.{lang}.md.j2")
    ctx = tmpl.new_context({"params": variant.params, "answer": variant.answer,
                            "parts": {k: p.answer for k, p in variant.parts.items()},
                            "ctx": variant.context, "lang": lang})
    return "".join(tmpl.blocks[block](ctx)).strip() + "\n"


def statement(variant: Variant, lang: str, env: jinja2.Environment | None = None) -> str:
    """The statement of ``variant`` in ``lang`` (Markdown + LaTeX math); ``env``: the course's
    template environment (``Catalogue.env``; default: the built-in templates)."""
    return _render_block(variant.family, lang, "statement", variant, env)


def lms_statement(variant: Variant, lang: str, env: jinja2.Environment | None = None,
                  default: str | None = None) -> str:
    """The statement as an LMS bank shows it: the template's ``lms_statement`` block when it has
    one (a quiz question whose options become the LMS's own answers, not a list of letters to
    type), else the statement (``default`` when it is already rendered)."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    try:
        tmpl = (env or environment()).get_template(f"families/{variant.family}.{lang}.md.j2")
    except jinja2.TemplateNotFound:
        if default is None:
            raise
        return default  # a variant made by hand, with its statement given
    if "lms_statement" in tmpl.blocks:
        return _render_block(variant.family, lang, "lms_statement", variant, env)
    return default if default is not None else statement(variant, lang, env)


def solution(variant: Variant, lang: str, env: jinja2.Environment | None = None) -> str:
    """The worked solution of ``variant`` in ``lang``: steps with intermediate values."""
    return _render_block(variant.family, lang, "solution", variant, env)


def variant_document(variant: Variant, lang: str, env: jinja2.Environment | None = None) -> dict[str, Any]:
    """The JSON document of ``course generate --format json``."""
    return {**variant.to_json(), "lang": lang,
            "statement": statement(variant, lang, env), "solution": solution(variant, lang, env)}
