"""An answer part as Markdown with LaTeX math, for keys (LaTeX and Markdown) and Moodle feedback.

The form follows the part's check (DESIGN.md rule 5): integers and numbers in math mode,
shapes as tuples, 1-D arrays as tuples, matrices as ``bmatrix``, tables as pipe tables
(with the check's column names), choices as letters, booleans as words, symbolic
expressions through sympy's LaTeX printer. Values are only formatted, never computed
(rule 3): they come from the variant, i.e. from the reference.
"""

from __future__ import annotations

import math
from typing import Any

from course.generator.base import Part
from course.generator.checks import SymbolicCheck, TableCheck
from course.generator.render import fmt, mdtable

WORDS = {"fr": {True: "Vrai", False: "Faux"}, "en": {True: "True", False: "False"}}


def number(x: Any) -> str:
    """A number for math mode: integers plainly, floats with up to 4 decimals (``fmt``),
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


def _depth(v: Any) -> int:
    d = 0
    while isinstance(v, (list, tuple)):
        if not v:
            return d + 1
        v = v[0]
        d += 1
    return d


def _nested(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_nested(x) for x in v) + "]"
    return number(v)


def _symbolic(check: SymbolicCheck, expr: str) -> str:
    import sympy

    try:
        return "$" + sympy.latex(check._sympify(expr)) + "$"
    except ValueError:
        return "`" + expr + "`"


def answer_md(part: Part, lang: str) -> str:
    """The part's expected answer as Markdown (may be a block: matrix or table)."""
    kind = part.check.kind
    v = part.answer
    if kind in ("int", "float"):
        return f"${number(v)}$"
    if kind == "bool":
        return WORDS[lang][bool(v)]
    if kind == "choice":
        labels = [v] if isinstance(v, str) else list(v)
        return ", ".join(f"**{x}**" for x in labels)
    if kind == "symbolic":
        assert isinstance(part.check, SymbolicCheck)
        return _symbolic(part.check, str(v))
    if kind == "shape":
        return "$(" + ", ".join(str(int(x)) for x in v) + ")$"
    if kind == "table":
        assert isinstance(part.check, TableCheck)
        ncol = len(v[0]) if v else len(part.check.columns)
        header = list(part.check.columns) or [str(i + 1) for i in range(ncol)]
        rows = [[f"${number(c)}$" if isinstance(c, (int, float)) and not isinstance(c, bool)
                 else str(c) for c in row] for row in v]
        return mdtable(header, rows)
    if kind == "array":
        d = _depth(v)
        if d == 0:
            return f"${number(v)}$"
        if d == 1:
            return "$(" + ", ".join(number(x) for x in v) + ")$"
        if d == 2:
            body = r" \\ ".join(" & ".join(number(x) for x in row) for row in v)
            return "$$\n\\begin{bmatrix} " + body + " \\end{bmatrix}\n$$"
        return "`" + _nested(v) + "`"
    return "`" + str(v) + "`"


def is_block(md: str) -> bool:
    """Does the answer need its own lines (a matrix or a table)?"""
    return md.startswith("$$") or md.startswith("|")


def answers_md(parts: dict[str, Part], lang: str) -> str:
    """All parts as a Markdown bullet list ``- **label** : answer`` (blocks indented)."""
    colon = " :" if lang == "fr" else ":"
    lines = []
    for p in parts.values():
        md = answer_md(p, lang)
        head = f"- **{p.label[lang]}**{colon}"
        if is_block(md):
            lines.append(head + "\n\n" + "\n".join("  " + ln for ln in md.splitlines()) + "\n")
        else:
            lines.append(f"{head} {md}")
    return "\n".join(lines).strip() + "\n"
