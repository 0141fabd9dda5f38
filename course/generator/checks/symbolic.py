"""A symbolic expression (``W1*X + b1``), accepted when sympy proves it equal to the expected one.

Answers are parsed on the trusted side from hostile text: a whitelist of characters and names,
a check of Python's syntax tree (``ast.parse`` evaluates nothing) that bounds exponents and the
size of the expansion, and only then sympy. Matrices are non-commutative symbols.
"""

from __future__ import annotations

import ast
import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from course.base.i18n import Text

from .base import Check, Field, TextField
from .portable import summary

_ALLOWED = re.compile(r"^[A-Za-z0-9_\s+\-*/^().,\[\]]*$")
#: an exponent is a number literal of at most this magnitude (``9**9**9`` computes a number of
#: 370 million digits at parse time) ...
MAX_EXPONENT = 8
#: ... and the terms ``expand`` can produce, estimated on the syntax tree before sympy sees the
#: text, stay under this (``(W1+b1)**40`` expands to 2**40 non-commutative products; 256 terms
#: take about 0.1 s)
MAX_TERMS = 256
MAX_CHARS = 500


def symbolic_form(x, p):
    """A non-empty string (the expression is read on the trusted side only)."""
    if type(x) is not str or not x.strip():
        return ["not-text", {"got": summary(x)}]
    return None


def bounded_expression(text: str, functions: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless ``text`` is arithmetic on names and number literals with
    small literal exponents, calls of the allowed ``functions`` (one argument) and a bounded
    expansion size (no list, attribute, subscript or other Python construct)."""
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ValueError(f"cannot read the expression {text!r}") from None
    work = 0

    def number(node: ast.AST) -> float | None:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            node = node.operand
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return abs(node.value)
        return None

    def terms(node: ast.AST, depth: int) -> int:
        nonlocal work
        if depth > 100:
            raise ValueError("expression nested too deeply")
        if isinstance(node, ast.Constant) and type(node.value) in (int, float) or isinstance(node, ast.Name):
            n = 1
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            n = terms(node.operand, depth + 1)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            e = number(node.right)
            if e is None or e > MAX_EXPONENT:
                raise ValueError(f"exponents must be numbers up to {MAX_EXPONENT}")
            n = terms(node.left, depth + 1) ** max(1, math.ceil(e))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            a, b = terms(node.left, depth + 1), terms(node.right, depth + 1)
            n = a + b if isinstance(node.op, (ast.Add, ast.Sub)) else a * b
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions
              and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)):
            work += terms(node.args[0], depth + 1)  # expand works inside the call too
            n = 1
        else:
            raise ValueError(f"not an allowed expression: {text!r}")
        if n > MAX_TERMS or work > MAX_TERMS:
            raise ValueError(f"expression too large to compare: {text!r}")
        return n

    work += terms(tree.body, 0)
    if work > MAX_TERMS:
        raise ValueError(f"expression too large to compare: {text!r}")


@dataclass(frozen=True)
class SymbolicCheck(Check):
    """A symbolic expression. ``matrices``: non-commutative symbols (``W1*X`` is not ``X*W1``,
    but ``W1*X + b1 == b1 + W1*X``); ``functions``: undefined functions (``g1``, ``sigma``);
    ``scalars``: commutative symbols."""

    kind: ClassVar[str] = "symbolic"
    REASONS: ClassVar[dict[str, Text]] = {
        "not-text": {"fr": "attendu : une expression écrite comme texte ({got})",
                     "en": "expected an expression written as text ({got})"},
        "bad-expression": {"fr": "expression illisible : {why}", "en": "unreadable expression: {why}"},
    }
    form_fn: ClassVar[Any] = symbolic_form
    text_answer: ClassVar[bool] = True
    matrices: tuple[str, ...] = field(default_factory=tuple)
    functions: tuple[str, ...] = field(default_factory=tuple)
    scalars: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(matrices=("W1", "X", "b1")), "W1*X + b1"
        return check, value, value

    def parse(self, text: str) -> str:
        if type(text) is not str:
            raise ValueError("an expression must be given as text")
        self.sympify(text)
        return text

    def sympify(self, text: str) -> Any:
        """The sympy expression of ``text`` (cached); ``ValueError`` for anything not allowed."""
        return _sympify_cached(self, text)

    def _sympify_uncached(self, text: str) -> Any:
        import sympy
        from sympy.parsing.sympy_parser import parse_expr, standard_transformations

        if len(text) > MAX_CHARS or not _ALLOWED.match(text) or "__" in text:
            raise ValueError(f"not an allowed expression: {text!r}")
        names: dict[str, Any] = {n: sympy.Symbol(n, commutative=False) for n in self.matrices}
        names.update({n: sympy.Symbol(n) for n in self.scalars})
        names.update({n: sympy.Function(n) for n in self.functions})
        for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
            if tok not in names:
                raise ValueError(f"unknown name {tok!r} in {text!r}")
        bounded_expression(text.replace("^", "**"), self.functions)  # before any evaluation
        try:
            return parse_expr(text.replace("^", "**"), local_dict=names,
                              global_dict={"Integer": sympy.Integer, "Float": sympy.Float,
                                           "Symbol": sympy.Symbol, "Rational": sympy.Rational},
                              transformations=standard_transformations, evaluate=True)
        except Exception as exc:  # noqa: BLE001 - sympy raises many kinds
            raise ValueError(f"cannot read the expression {text!r}: {exc}") from None

    def compare(self, submitted: Any, expected: Any) -> Any:
        from .base import Verdict

        if len(submitted) > MAX_CHARS:  # rejected anyway; keeps huge strings out of the caches
            return Verdict(False, "bad-expression", {"why": "too long"})
        try:
            self.sympify(submitted)
        except ValueError as exc:
            return Verdict(False, "bad-expression", {"why": str(exc)[:120]})
        return Verdict(True) if _symbolic_equal(self, submitted, str(expected)) \
            else Verdict(False, "wrong-value")

    def describe(self, lang: str) -> str:
        return "une expression" if lang == "fr" else "an expression"

    def key_md(self, value: Any, lang: str) -> str:
        import sympy

        try:
            return "$" + sympy.latex(self.sympify(str(value))) + "$"
        except ValueError:
            return "`" + str(value) + "`"

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        return TextField((str(value),))


@functools.lru_cache(maxsize=4096)
def _sympify_cached(check: SymbolicCheck, text: str) -> Any:
    """Parsed expressions are cached: families and graders compare the same few texts often."""
    return check._sympify_uncached(text)


@functools.lru_cache(maxsize=4096)
def _symbolic_equal(check: SymbolicCheck, submitted: str, expected: str) -> bool:
    """``submitted - expected`` expands to zero (cached per check and pair of texts)."""
    import sympy

    try:
        s = check.sympify(submitted)
        e = check.sympify(expected)
    except ValueError:
        return False
    return bool(sympy.expand(s - e) == 0)
