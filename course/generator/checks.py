"""Typed checks (DESIGN.md rule 5): how one answer part is compared with the expected value.

Every check is a small frozen dataclass with

- ``parse(text) -> value``: read a value typed by a person (CLI ``--answer``), raising
  ``ValueError`` with a readable message;
- ``accepts(submitted, expected) -> bool``: the comparison, run on the trusted side;
- ``to_json()`` / :func:`check_from_json`: the check travels in manifests.

Submitted values are plain data (int, float, str, bool, lists, NumPy arrays). Nothing
from the submission is trusted: exact types are validated (``type(x) is float``
style, no subclasses, no object arrays) before any comparison is made.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np

_PLAIN_SCALARS = (int, float, bool, str)


def _plain_number(x: Any) -> float | None:
    """``x`` as a float if it is a genuine number (exact builtin or NumPy scalar type), else None."""
    if type(x) is int and abs(x) > 2**1023:
        return None  # float() would raise OverflowError on the trusted side (10**400 from a student)
    if type(x) in (int, float):
        v = float(x)
    elif type(x) in (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                     np.uint8, np.uint16, np.uint32, np.uint64):
        v = float(x)
    elif type(x) is np.ndarray and x.dtype.kind in "iuf" and x.shape == ():
        v = float(x)
    else:
        return None
    return v


def _plain_array(x: Any) -> np.ndarray | None:
    """``x`` as a float64 ndarray if it is genuine numeric data (nested lists or ndarray)."""
    if type(x) is np.ndarray:
        if x.dtype.kind not in "iufb":
            return None
        return x.astype(np.float64)
    if type(x) in (list, tuple):
        try:
            arr = np.array(x, dtype=object)
        except (ValueError, TypeError):
            return None
        flat = arr.reshape(-1) if arr.ndim else [arr.item()]
        vals = []
        for v in flat:
            f = _plain_number(v)
            if f is None:
                return None
            vals.append(f)
        if arr.dtype == object and arr.ndim and any(type(v) in (list, tuple) for v in flat):
            return None  # ragged
        return np.array(vals, dtype=np.float64).reshape(arr.shape)
    f = _plain_number(x)
    return None if f is None else np.array(f)


def _parse_number(text: str) -> float:
    t = str(text).strip().replace(" ", "").replace("\u2212", "-")
    if re.fullmatch(r"[-+]?\d+,\d+", t):  # French decimal comma
        t = t.replace(",", ".")
    m = re.fullmatch(r"([-+]?\d+)/(\d+)", t)
    if m:
        return int(m.group(1)) / int(m.group(2))
    try:
        return float(t)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None


def _parse_nested(text: str) -> Any:
    t = str(text).strip()
    try:
        return json.loads(t)
    except json.JSONDecodeError:
        pass
    # "1 2; 3 4" matrix syntax or "1,2,3"
    rows = [r for r in t.split(";") if r.strip()]
    out = [[_parse_number(v) for v in re.split(r"[\s,]+", r.strip().strip("[]()")) if v] for r in rows]
    return out[0] if len(out) == 1 and ";" not in t else out


@dataclass(frozen=True)
class Check:
    """Base class. ``kind`` names the check in JSON."""

    kind: ClassVar[str] = "check"

    def parse(self, text: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError()

    def accepts(self, submitted: Any, expected: Any) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError()

    def to_json(self) -> dict[str, Any]:
        # tuples (columns, options, ...) as lists, so that the JSON form round-trips
        return {"kind": self.kind, **{k: list(v) if isinstance(v, tuple) else v
                                      for k, v in asdict(self).items()}}

    def describe(self, lang: str) -> str:
        """A short human description of what is expected (no expected value)."""
        return self.kind


@dataclass(frozen=True)
class IntCheck(Check):
    """Exact integer. Floats equal to an integer (``13.0``) are accepted."""

    kind: ClassVar[str] = "int"

    def parse(self, text: str) -> int:
        v = _parse_number(text)
        if not float(v).is_integer():
            raise ValueError(f"not an integer: {text!r}")
        return int(v)

    def accepts(self, submitted: Any, expected: Any) -> bool:
        v = _plain_number(submitted)
        return v is not None and math.isfinite(v) and v == int(expected)

    def describe(self, lang: str) -> str:
        return "un entier" if lang == "fr" else "an integer"


@dataclass(frozen=True)
class FloatCheck(Check):
    """A number with PrairieLearn-style relabs tolerance: ``|s - e| <= max(atol, rtol |e|)``."""

    kind: ClassVar[str] = "float"
    rtol: float = 1e-2
    atol: float = 1e-3

    def parse(self, text: str) -> float:
        return _parse_number(text)

    def accepts(self, submitted: Any, expected: Any) -> bool:
        v = _plain_number(submitted)
        if v is None or not math.isfinite(v):
            return False
        e = float(expected)
        return abs(v - e) <= max(self.atol, self.rtol * abs(e))

    def describe(self, lang: str) -> str:
        return "un nombre" if lang == "fr" else "a number"


@dataclass(frozen=True)
class BoolCheck(Check):
    """True/false (accepts oui/non, yes/no, vrai/faux, 1/0 when parsing)."""

    kind: ClassVar[str] = "bool"

    def parse(self, text: str) -> bool:
        t = str(text).strip().lower()
        if t in ("true", "yes", "oui", "vrai", "1", "y", "o", "v"):
            return True
        if t in ("false", "no", "non", "faux", "0", "n", "f"):
            return False
        raise ValueError(f"not a yes/no answer: {text!r}")

    def accepts(self, submitted: Any, expected: Any) -> bool:
        return type(submitted) in (bool, np.bool_) and bool(submitted) == bool(expected)

    def describe(self, lang: str) -> str:
        return "vrai ou faux" if lang == "fr" else "true or false"


@dataclass(frozen=True)
class ShapeCheck(Check):
    """A shape: a tuple of positive integers, compared exactly (``(3, 4)`` != ``(4, 3)``)."""

    kind: ClassVar[str] = "shape"

    def parse(self, text: str) -> list[int]:
        parts = [p for p in re.split(r"[\s,x×()\[\]]+", str(text).strip()) if p]
        if not parts:
            raise ValueError(f"not a shape: {text!r}")
        return [IntCheck().parse(p) for p in parts]

    def accepts(self, submitted: Any, expected: Any) -> bool:
        if type(submitted) not in (list, tuple):
            return False
        if len(submitted) != len(expected):
            return False
        return all(IntCheck().accepts(s, e) for s, e in zip(submitted, expected))

    def describe(self, lang: str) -> str:
        return "une forme (dimensions)" if lang == "fr" else "a shape"


@dataclass(frozen=True)
class ArrayCheck(Check):
    """An array of numbers: same shape, then ``|s - e| <= atol + rtol |e|`` element-wise."""

    kind: ClassVar[str] = "array"
    rtol: float = 1e-2
    atol: float = 1e-3

    def parse(self, text: str) -> Any:
        return _parse_nested(text)

    def accepts(self, submitted: Any, expected: Any) -> bool:
        s = _plain_array(submitted)
        if s is None:
            return False
        e = np.asarray(expected, dtype=np.float64)
        if s.shape != e.shape or not np.all(np.isfinite(s)):
            return False
        return bool(np.all(np.abs(s - e) <= self.atol + self.rtol * np.abs(e)))

    def describe(self, lang: str) -> str:
        return "un tableau de nombres" if lang == "fr" else "an array of numbers"


@dataclass(frozen=True)
class TableCheck(Check):
    """A table: a list of rows, each a list of cells (numbers or strings), compared cell by cell.

    Numeric cells use relabs tolerance; string cells compare stripped and case-folded.
    ``columns`` names the columns (for statements and error messages).
    """

    kind: ClassVar[str] = "table"
    columns: tuple[str, ...] = field(default_factory=tuple)
    rtol: float = 1e-2
    atol: float = 1e-3

    def parse(self, text: str) -> Any:
        return _parse_nested(text)

    def accepts(self, submitted: Any, expected: Any) -> bool:
        if type(submitted) not in (list, tuple) or len(submitted) != len(expected):
            return False
        cell = FloatCheck(self.rtol, self.atol)
        for srow, erow in zip(submitted, expected):
            if type(srow) not in (list, tuple) or len(srow) != len(erow):
                return False
            for s, e in zip(srow, erow):
                if isinstance(e, str):
                    if type(s) is not str or s.strip().casefold() != e.strip().casefold():
                        return False
                elif not cell.accepts(s, e):
                    return False
        return True

    def describe(self, lang: str) -> str:
        return "un tableau" if lang == "fr" else "a table"


_SYMPY_ALLOWED = re.compile(r"^[A-Za-z0-9_\s+\-*/^().,\[\]]*$")
#: bounds that keep sympy's work small on hostile text (answers are parsed on the trusted side):
#: an exponent is a number literal of at most this magnitude (``9**9**9`` computes a number
#: of 370 million digits at parse time) ...
_SYMPY_MAX_EXPONENT = 8
#: ... and the terms ``expand`` can produce, estimated on the syntax tree before sympy sees the
#: text, stay under this (``(W1+b1)**40`` or ``(W1+X)*(W1+X)*...`` expand to 2**40 terms of
#: non-commutative products; 256 terms take about 0.1 s)
_SYMPY_MAX_TERMS = 256


def _bounded_expression(text: str, functions: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless ``text`` is arithmetic on names and number literals with
    small literal exponents, calls of the allowed ``functions`` (one argument) and a bounded
    expansion size. Checked on Python's syntax tree (``ast.parse`` evaluates nothing), so no
    list, tuple, attribute, subscript, ``//`` or other Python construct reaches sympy's eval."""
    import ast

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
            if e is None or e > _SYMPY_MAX_EXPONENT:
                raise ValueError(f"exponents must be numbers up to {_SYMPY_MAX_EXPONENT}")
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
        if n > _SYMPY_MAX_TERMS or work > _SYMPY_MAX_TERMS:
            raise ValueError(f"expression too large to compare: {text!r}")
        return n

    work += terms(tree.body, 0)
    if work > _SYMPY_MAX_TERMS:
        raise ValueError(f"expression too large to compare: {text!r}")


@dataclass(frozen=True)
class SymbolicCheck(Check):
    """A symbolic expression, accepted when sympy proves it equal to the expected one.

    ``matrices`` are non-commutative symbols (so ``W1*X`` is not ``X*W1``, but
    ``W1*X + b1 == b1 + W1*X``); ``functions`` are undefined functions such as ``g1``
    or ``sigma``. Answers are parsed with a whitelist of characters and names, never
    evaluated as Python.
    """

    kind: ClassVar[str] = "symbolic"
    matrices: tuple[str, ...] = field(default_factory=tuple)
    functions: tuple[str, ...] = field(default_factory=tuple)
    scalars: tuple[str, ...] = field(default_factory=tuple)

    def parse(self, text: str) -> str:
        if type(text) is not str:
            raise ValueError("an expression must be given as text")
        self._sympify(text)
        return text

    def _sympify(self, text: str) -> Any:
        return _sympify_cached(self, text)

    def _sympify_uncached(self, text: str) -> Any:
        import sympy
        from sympy.parsing.sympy_parser import parse_expr, standard_transformations

        if len(text) > 500 or not _SYMPY_ALLOWED.match(text) or "__" in text:
            raise ValueError(f"not an allowed expression: {text!r}")
        names: dict[str, Any] = {n: sympy.Symbol(n, commutative=False) for n in self.matrices}
        names.update({n: sympy.Symbol(n) for n in self.scalars})
        names.update({n: sympy.Function(n) for n in self.functions})
        for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
            if tok not in names:
                raise ValueError(f"unknown name {tok!r} in {text!r}")
        _bounded_expression(text.replace("^", "**"), self.functions)  # before any evaluation
        try:
            return parse_expr(text.replace("^", "**"), local_dict=names,
                              global_dict={"Integer": sympy.Integer, "Float": sympy.Float,
                                           "Symbol": sympy.Symbol, "Rational": sympy.Rational},
                              transformations=standard_transformations, evaluate=True)
        except Exception as exc:  # sympy raises many kinds
            raise ValueError(f"cannot read the expression {text!r}: {exc}") from None

    def accepts(self, submitted: Any, expected: Any) -> bool:
        if type(submitted) is not str or not isinstance(expected, str):
            return False
        if len(submitted) > 500:  # rejected anyway; keeps huge student strings out of the caches
            return False
        return _symbolic_equal(self, submitted, expected)

    def describe(self, lang: str) -> str:
        return "une expression" if lang == "fr" else "an expression"


@functools.lru_cache(maxsize=4096)
def _sympify_cached(check: SymbolicCheck, text: str) -> Any:
    """Parsed expressions are cached: families and graders compare the same few texts often."""
    return check._sympify_uncached(text)


@functools.lru_cache(maxsize=4096)
def _symbolic_equal(check: SymbolicCheck, submitted: str, expected: str) -> bool:
    """``submitted - expected`` expands to zero (cached per check and pair of texts)."""
    import sympy

    try:
        s = check._sympify(submitted)
        e = check._sympify(expected)
    except ValueError:
        return False
    return bool(sympy.expand(s - e) == 0)


@dataclass(frozen=True)
class ChoiceCheck(Check):
    """Multiple choice: the expected value is an option label (``"B"``) or a list of labels
    (all correct options must be selected, nothing else). Case-insensitive."""

    kind: ClassVar[str] = "choice"
    options: tuple[str, ...] = field(default_factory=tuple)

    def parse(self, text: str) -> Any:
        labels = [p.strip().upper() for p in re.split(r"[\s,;]+", str(text)) if p.strip()]
        if not labels:
            raise ValueError("no option given")
        return labels[0] if len(labels) == 1 else labels

    def accepts(self, submitted: Any, expected: Any) -> bool:
        def norm(v: Any) -> frozenset[str] | None:
            if type(v) is str:
                return frozenset([v.strip().upper()])
            if type(v) in (list, tuple) and all(type(x) is str for x in v):
                return frozenset(x.strip().upper() for x in v)
            return None

        s = norm(submitted)
        return s is not None and s == norm(expected)

    def describe(self, lang: str) -> str:
        return "une ou plusieurs lettres" if lang == "fr" else "one or more option letters"


CHECKS: dict[str, type[Check]] = {
    c.kind: c
    for c in (IntCheck, FloatCheck, BoolCheck, ShapeCheck, ArrayCheck, TableCheck,
              SymbolicCheck, ChoiceCheck)
}


def check_from_json(data: dict[str, Any]) -> Check:
    """Rebuild a check from :meth:`Check.to_json` output."""
    data = dict(data)
    kind = data.pop("kind")
    cls = CHECKS[kind]
    for key, value in list(data.items()):
        if isinstance(value, list):
            data[key] = tuple(value)
    return cls(**data)
