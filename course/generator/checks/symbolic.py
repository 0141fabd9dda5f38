"""A symbolic expression (``W1*X + b1``), accepted when sympy proves it equal to the expected one.

Answers are parsed on the trusted side from hostile text: a whitelist of characters and names,
a check of Python's syntax tree (``ast.parse`` evaluates nothing) that bounds exponents and the
size of the expansion, and only then sympy. Matrices are non-commutative symbols.
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from course.base import i18n
from course.base.errors import AnswerError
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
        raise AnswerError(i18n.text(f"expression illisible : {text!r}", f"cannot read the expression {text!r}")) from None
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
            raise AnswerError(i18n.text("expression trop profondément imbriquée", "expression nested too deeply"))
        if isinstance(node, ast.Constant) and type(node.value) in (int, float) or isinstance(node, ast.Name):
            n = 1
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            n = terms(node.operand, depth + 1)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            e = number(node.right)
            if e is None or e > MAX_EXPONENT:
                raise AnswerError(i18n.text(f"les exposants doivent être des nombres d'au plus {MAX_EXPONENT}", f"exponents must be numbers up to {MAX_EXPONENT}"))
            n = terms(node.left, depth + 1) ** max(1, math.ceil(e))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            a, b = terms(node.left, depth + 1), terms(node.right, depth + 1)
            n = a + b if isinstance(node.op, (ast.Add, ast.Sub)) else a * b
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions
              and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)):
            work += terms(node.args[0], depth + 1)  # expand works inside the call too
            n = 1
        else:
            raise AnswerError(i18n.text(f"expression non permise : {text!r}", f"not an allowed expression: {text!r}"))
        if n > MAX_TERMS or work > MAX_TERMS:
            raise AnswerError(i18n.text(f"expression trop grande pour être comparée : {text!r}", f"expression too large to compare: {text!r}"))
        return n

    work += terms(tree.body, 0)
    if work > MAX_TERMS:
        raise AnswerError(i18n.text(f"expression trop grande pour être comparée : {text!r}", f"expression too large to compare: {text!r}"))


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
            raise AnswerError(i18n.text("une expression doit être donnée sous forme de texte", "an expression must be given as text"))
        self.sympify(text)
        return text

    def sympify(self, text: str) -> Any:
        """The sympy expression of ``text`` (cached); ``ValueError`` for anything not allowed."""
        return _sympify_cached(self, text)

    def _sympify_uncached(self, text: str) -> Any:
        import sympy
        from sympy.parsing.sympy_parser import parse_expr, standard_transformations

        if len(text) > MAX_CHARS or not _ALLOWED.match(text) or "__" in text:
            raise AnswerError(i18n.text(f"expression non permise : {text!r}", f"not an allowed expression: {text!r}"))
        names: dict[str, Any] = {n: sympy.Symbol(n, commutative=False) for n in self.matrices}
        names.update({n: sympy.Symbol(n) for n in self.scalars})
        names.update({n: sympy.Function(n) for n in self.functions})
        for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
            if tok not in names:
                raise AnswerError(i18n.text(f"nom {tok!r} inconnu dans {text!r}", f"unknown name {tok!r} in {text!r}"))
        bounded_expression(text.replace("^", "**"), self.functions)  # before any evaluation
        try:
            return parse_expr(text.replace("^", "**"), local_dict=names,
                              global_dict={"Integer": sympy.Integer, "Float": sympy.Float,
                                           "Symbol": sympy.Symbol, "Rational": sympy.Rational},
                              transformations=standard_transformations, evaluate=True)
        except Exception as exc:  # noqa: BLE001 - sympy raises many kinds
            raise AnswerError(i18n.text(f"expression illisible : {text!r} : {exc}", f"cannot read the expression {text!r}: {exc}")) from None

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

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        try:
            return "$" + latex(self.sympify(str(value))) + "$"
        except ValueError:
            return "`" + str(value) + "`"

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        """The expression and the equivalent ways students write it (:func:`written_forms`):
        an LMS compares texts, not expressions."""
        return TextField(written_forms(str(value)))


@functools.cache
def _printer() -> Any:
    from sympy.printing.latex import LatexPrinter

    class Printer(LatexPrinter):
        """sympy's LaTeX, except that a name with an underscore is one identifier: ``leaky_relu``
        is typeset ``\\operatorname{leaky\\_relu}`` (sympy makes ``relu`` a subscript of
        ``leaky``) and a symbol ``b_out`` is ``\\mathrm{b\\_out}``; ``W1`` stays ``W_{1}``."""

        def _hprint_Function(self, func: str) -> str:
            if "_" in func and not func.startswith("\\"):
                return r"\operatorname{" + func.replace("_", r"\_") + "}"
            return super()._hprint_Function(func)

        def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
            if "_" in expr.name:
                return r"\mathrm{" + expr.name.replace("_", r"\_") + "}"
            return super()._print_Symbol(expr, style)

    return Printer()


def latex(expr: Any) -> str:
    """``expr`` in LaTeX (math mode) for answer keys: identifiers with an underscore stay one
    name (see :func:`_printer`)."""
    return _printer().doprint(expr)


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


#: at most this many accepted texts per expression (an LMS lists each one as an answer)
MAX_FORMS = 48
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}


def written_forms(text: str, limit: int = MAX_FORMS) -> tuple[str, ...]:
    """``text`` and the texts equivalent to it that students write, for an LMS short answer,
    which compares strings (Moodle's shortanswer only trims the answer and ignores case;
    Canvas's ignores case): the terms of every sum in any order (``b1 + W1*X``; products keep
    their order, the factors being matrices) and three spacings (``W1*X + b1`` as the course
    writes it, ``W1*X+b1``, ``W1 * X + b1``), ``**`` as ``^`` too. ``text`` comes first;
    at most ``limit`` texts. A text that is not a plain expression is returned alone."""
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return (text,)

    def terms(node: ast.AST) -> list[ast.AST]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return terms(node.left) + terms(node.right)
        return [node]

    def orders(node: ast.AST) -> list[Any]:
        """Every writing of ``node`` as a small tree: ("sum", [terms]), ("op", sym, l, r),
        ("call", name, arg), ("neg", x), ("atom", text)."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts = [orders(t) for t in terms(node)]
            out: list[Any] = []
            for perm in itertools.permutations(range(len(parts))):
                for combo in itertools.product(*(parts[i] for i in perm)):
                    out.append(("sum", list(combo)))
                    if len(out) >= limit:
                        return out
            return out
        if isinstance(node, ast.BinOp) and type(node.op) in _SYMBOL:
            return [("op", type(node.op), a, b) for a in orders(node.left)
                    for b in orders(node.right)][:limit]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1:
            return [("call", node.func.id, a) for a in orders(node.args[0])]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return [("neg", a) for a in orders(node.operand)]
        if isinstance(node, ast.Name):
            return [("atom", node.id)]
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return [("atom", repr(node.value))]
        raise ValueError(ast.dump(node))

    def prec(t: Any) -> int:
        return {"sum": 1, "neg": 3, "call": 5, "atom": 5}.get(t[0]) or _PRECEDENCE[t[1]]

    def write(t: Any, style: str, power: str) -> str:
        plus = "+" if style == "tight" else " + "
        if t[0] == "sum":
            return plus.join(write(x, style, power) for x in t[1])
        if t[0] == "atom":
            return t[1]
        if t[0] == "call":
            return f"{t[1]}({write(t[2], style, power)})"
        if t[0] == "neg":
            inner = write(t[1], style, power)
            return "-" + (f"({inner})" if prec(t[1]) < 3 else inner)
        op, left, right = t[1], t[2], t[3]
        p = _PRECEDENCE[op]
        a, b = write(left, style, power), write(right, style, power)
        if prec(left) < p or (op is ast.Pow and prec(left) <= p):
            a = f"({a})"
        if prec(right) < p or (prec(right) == p and op in (ast.Sub, ast.Div, ast.Mult)):
            b = f"({b})"
        sym = power if op is ast.Pow else _SYMBOL[op]
        if op in (ast.Add, ast.Sub):
            sym = sym if style == "tight" else f" {sym} "
        elif style == "spaced":
            sym = f" {sym} "
        return a + sym + b

    try:
        trees = orders(tree)
    except ValueError:
        return (text,)
    powers = ("^", "**") if "^" in text or "**" in text else ("^",)
    seen: dict[str, None] = {text: None}
    for style in ("course", "tight", "spaced"):
        for power in powers:
            for t in trees:
                seen.setdefault(write(t, style, power), None)
                if len(seen) >= limit:
                    return tuple(seen)
    return tuple(seen)
