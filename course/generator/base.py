"""The generator's data model: parameters, constraints, parts, misconceptions, variants, families.

A *family* (one module in ``course/generator/families/``) turns a ``numpy.random.Generator``
into parameters (:meth:`Family.draw`) and parameters into a solution
(:meth:`Family.solve`), computed by the reference implementation. :meth:`Family.generate`
combines both and redraws degenerate variants. A :class:`Variant` is plain data (JSON
round-trips) plus its typed checks; statements and worked solutions are rendered from
``templates/families/<id>.<lang>.md.j2`` (see :mod:`course.generator.render`).
"""

from __future__ import annotations

import json
import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from course.base.errors import ParameterError

from .checks import Check, check_from_json

LANGS = ("fr", "en")
Text = dict[str, str]  # {"fr": ..., "en": ...}


class Degenerate(Exception):
    """Raised by ``solve`` (or checked by ``generate``) for a draw that must be redrawn."""


#: True while :meth:`Family.generate` draws: :mod:`course.generator.precision` then treats a
#: wrong value that the asked precision cannot tell from the answer as a degenerate draw; with
#: explicit parameters (:meth:`Family.variant`) it only leaves that misconception out.
DRAWING: ContextVar[bool] = ContextVar("drawing", default=False)


# --------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Param:
    """A parameter a family takes (``course solve FAMILY key=value``).

    ``kind``: ``int``, ``float``, ``str``, ``bool``, ``ints`` (``2,3,1``), ``floats``
    (``5,4,2``), ``strs`` (``relu,sigmoid``), ``matrix`` (``1,2;3,4`` or JSON), or
    ``json`` (any JSON value). ``choices`` restricts str values. ``default`` (if not None)
    makes the parameter optional for ``solve``.
    """

    kind: str
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None

    def parse(self, name: str, text: str) -> Any:
        """Parse a command-line value; raises :class:`ParameterError` naming ``name``."""
        t = text.strip()
        try:
            if self.kind == "int":
                v: Any = int(t)
            elif self.kind == "float":
                v = float(t.replace(",", ".")) if t.count(",") == 1 and "." not in t else float(t)
            elif self.kind == "bool":
                low = t.lower()
                if low not in ("true", "false", "yes", "no", "1", "0", "oui", "non"):
                    raise ValueError(t)
                v = low in ("true", "yes", "1", "oui")
            elif self.kind == "str":
                v = t
            elif self.kind == "ints":
                v = [int(x) for x in t.replace("-", ",").split(",") if x.strip()] if not t.startswith("[") else json.loads(t)
            elif self.kind == "floats":
                v = json.loads(t) if t.startswith("[") else [float(x) for x in t.split(",") if x.strip()]
            elif self.kind == "strs":
                v = [x.strip() for x in t.split(",") if x.strip()]
            elif self.kind == "matrix":
                v = json.loads(t) if t.startswith("[") else [
                    [float(x) for x in row.split(",") if x.strip()] for row in t.split(";") if row.strip()
                ]
            elif self.kind == "json":
                v = json.loads(t)
            else:  # pragma: no cover - a family bug
                raise AssertionError(f"unknown parameter kind {self.kind}")
        except (ValueError, json.JSONDecodeError):
            raise ParameterError(name, f"expected {self.kind}, got {text!r}") from None
        if self.choices is not None:
            vals = v if isinstance(v, list) else [v]
            for x in vals:
                if x not in self.choices:
                    raise ParameterError(name, f"must be one of {', '.join(self.choices)}, got {x!r}")
        return v


class Constraints:
    """Instructor constraints on a family's draw (from ``exercises/*.yml``).

    Each key is a parameter name; its value is a fixed value, a list of choices, or a
    mapping ``{min: .., max: ..}``. Families draw through these helpers so that a
    constraint, when given, overrides the default distribution, and no other randomness
    source is ever used.
    """

    def __init__(self, family_id: str, params: dict[str, Param], raw: dict[str, Any] | None = None):
        raw = dict(raw or {})
        unknown = sorted(set(raw) - set(params))
        if unknown:
            raise ParameterError(unknown[0], f"family '{family_id}' has no such parameter "
                                 f"(known: {', '.join(params)})")
        self.family_id = family_id
        self.raw = raw

    def _range(self, name: str, lo: float, hi: float) -> tuple[float, float]:
        c = self.raw.get(name)
        if isinstance(c, dict):
            lo2, hi2 = c.get("min", lo), c.get("max", hi)
            if lo2 > hi2:
                raise ParameterError(name, f"empty range min={lo2} > max={hi2}")
            return lo2, hi2
        return lo, hi

    def fixed(self, name: str) -> tuple[bool, Any]:
        """``(True, value)`` when the instructor fixed or listed values for ``name``."""
        c = self.raw.get(name)
        if c is None or isinstance(c, dict):
            return False, None
        return True, c

    def int(self, rng: np.random.Generator, name: str, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]`` (inclusive), or the instructor's value/choices/range."""
        has, c = self.fixed(name)
        if has:
            return int(c[rng.integers(len(c))]) if isinstance(c, list) else int(c)
        lo, hi = self._range(name, lo, hi)
        return int(rng.integers(int(lo), int(hi) + 1))

    def float(self, rng: np.random.Generator, name: str, lo: float, hi: float, decimals: int) -> float:
        """A float uniform in ``[lo, hi]`` rounded to ``decimals`` (rule 3: rounded once)."""
        has, c = self.fixed(name)
        if has:
            return float(c[rng.integers(len(c))]) if isinstance(c, list) else float(c)
        lo, hi = self._range(name, lo, hi)
        return round(float(rng.uniform(lo, hi)), decimals)

    def choice(self, rng: np.random.Generator, name: str, options: list[Any]) -> Any:
        """One of ``options`` (or of the instructor's list / their fixed value)."""
        has, c = self.fixed(name)
        if has:
            return c[rng.integers(len(c))] if isinstance(c, list) else c
        return options[int(rng.integers(len(options)))]

    def value(self, name: str, default: Any) -> Any:
        """The instructor's fixed value for ``name`` (structured, e.g. a list of layers), else ``default``."""
        return self.raw.get(name, default)


# --------------------------------------------------------------------------- answers
@dataclass(frozen=True)
class Misconception:
    """A wrong answer that a named mistake produces, computed by running the mistaken formula."""

    key: str
    value: Any
    explanation: Text

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "explanation": self.explanation}


@dataclass(frozen=True)
class Part:
    """One answer part: its expected value, its check, a label, and its misconceptions."""

    answer: Any
    check: Check
    label: Text
    misconceptions: tuple[Misconception, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"answer": self.answer, "check": self.check.to_json(), "label": self.label,
                "misconceptions": [m.to_json() for m in self.misconceptions]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Part:
        return cls(d["answer"], check_from_json(d["check"]), d["label"],
                   tuple(Misconception(m["key"], m["value"], m["explanation"]) for m in d["misconceptions"]))


@dataclass(frozen=True)
class Solution:
    """What ``solve`` returns: the parts, plus intermediate values for the worked solution."""

    parts: dict[str, Part]
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Feedback:
    """The verdict on one part (``misconception`` is set when a wrong answer matches one)."""

    part: str
    correct: bool
    misconception: Misconception | None = None
    error: str | None = None

    def message(self, lang: str) -> str:
        if self.correct:
            return "Correct." if lang == "en" else "Correct."
        if self.error:
            return self.error
        if self.misconception is not None:
            head = "Incorrect: " if lang == "en" else "Incorrect : "
            return head + self.misconception.explanation[lang]
        return "Incorrect." if lang == "en" else "Incorrect."


@dataclass
class Variant:
    """One problem instance: plain data + checks; render statements with :mod:`.render`."""

    family: str
    params: dict[str, Any]
    parts: dict[str, Part]
    context: dict[str, Any]
    seed: dict[str, Any] | None = None  # {"course_seed", "student", "exercise"} when drawn

    @property
    def answer(self) -> Any:
        """The answer: the single part's value, or a dict keyed by part name."""
        if len(self.parts) == 1:
            return next(iter(self.parts.values())).answer
        return {k: p.answer for k, p in self.parts.items()}

    def check(self, submitted: Any, part: str | None = None) -> list[Feedback]:
        """Grade a submitted answer (a bare value for single-part variants, else a dict)."""
        if part is not None:
            if part not in self.parts:
                raise ParameterError("part", f"unknown part {part!r} (parts: {', '.join(self.parts)})")
            return [grade_part(part, self.parts[part], submitted)]
        if len(self.parts) == 1:
            name = next(iter(self.parts))
            if type(submitted) is dict and set(submitted) == {name}:
                submitted = submitted[name]
            return [grade_part(name, self.parts[name], submitted)]
        if type(submitted) is not dict:
            return [Feedback(k, False, error="expected a dict of parts") for k in self.parts]
        return [grade_part(k, p, submitted[k]) if k in submitted else Feedback(k, False, error="missing")
                for k, p in self.parts.items()]

    def to_json(self) -> dict[str, Any]:
        """Plain data (no statements); see :func:`course.generator.render.variant_document`."""
        return {"family": self.family, "params": self.params, "answer": self.answer,
                "parts": {k: p.to_json() for k, p in self.parts.items()},
                "context": self.context, "seed": self.seed}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Variant:
        return cls(d["family"], d["params"], {k: Part.from_json(p) for k, p in d["parts"].items()},
                   d["context"], d.get("seed"))


def wrong_only(check: Check, answer: Any, mistakes: list[Misconception]) -> tuple[Misconception, ...]:
    """The misconceptions a family offers for one part: those whose value ``check`` does not
    accept as ``answer`` (a mistake can give the right number for particular data: floor = ceil
    when the stride divides), and only the first of mistakes giving the same value."""
    kept: list[Misconception] = []
    for m in mistakes:
        if check.accepts(m.value, answer):
            continue
        if any(check.accepts(m.value, k.value) and check.accepts(k.value, m.value) for k in kept):
            continue
        kept.append(m)
    return tuple(kept)


def grade_part(name: str, part: Part, submitted: Any) -> Feedback:
    """Compare one submitted value with the part's answer; name the misconception if any."""
    if part.check.accepts(submitted, part.answer):
        return Feedback(name, True)
    for m in part.misconceptions:
        if part.check.accepts(submitted, m.value):
            return Feedback(name, False, m)
    return Feedback(name, False)


# --------------------------------------------------------------------------- families
def plain(x: Any) -> Any:
    """Convert NumPy scalars/arrays (nested) to JSON-native Python values."""
    if isinstance(x, np.ndarray):
        return plain(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        raise Degenerate(f"non-finite value {x}")
    return x


class Family:
    """Base class of a problem family. Subclasses set the class attributes and implement
    :meth:`draw` and :meth:`solve`; subclasses are registered by
    :mod:`course.generator.registry` when their module is imported.
    """

    id: ClassVar[str]
    title: ClassVar[Text]
    params: ClassVar[dict[str, Param]]
    #: can the family be asked as a computed notebook question (q = value)?
    notebook: ClassVar[bool] = True
    max_tries: ClassVar[int] = 200

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:  # pragma: no cover
        """Draw parameters (JSON-native, rounded as the statement shows them)."""
        raise NotImplementedError()

    def solve(self, params: dict[str, Any]) -> Solution:  # pragma: no cover
        """Validate ``params`` (raise :class:`ParameterError` naming the bad one) and solve
        them with the reference implementation. May raise :class:`Degenerate`."""
        raise NotImplementedError()

    # ----------------------------------------------------------------- provided
    def variant(self, params: dict[str, Any], seed: dict[str, Any] | None = None) -> Variant:
        """Solve explicit parameters (``course solve``) into a :class:`Variant`."""
        full = {k: p.default for k, p in self.params.items() if p.default is not None}
        full.update(params)
        missing = [k for k in self.params if k not in full]
        if missing:
            raise ParameterError(missing[0], f"missing (family '{self.id}' needs: {', '.join(self.params)})")
        unknown = sorted(set(full) - set(self.params))
        if unknown:
            raise ParameterError(unknown[0], f"family '{self.id}' has no such parameter")
        sol = self.solve(full)
        parts = {k: Part(plain(p.answer), p.check, p.label,
                         tuple(Misconception(m.key, plain(m.value), m.explanation) for m in p.misconceptions))
                 for k, p in sol.parts.items()}
        return Variant(self.id, plain(full), parts, plain(sol.context), seed)

    def generate(self, rng: np.random.Generator, constraints: dict[str, Any] | None = None,
                 seed: dict[str, Any] | None = None) -> Variant:
        """Draw and solve, redrawing degenerate variants (a misconception equal to the answer,
        a non-finite value, or a :class:`Degenerate` raised by ``solve``)."""
        c = Constraints(self.id, self.params, constraints)
        last: Exception | None = None
        for _ in range(self.max_tries):
            params = self.draw(rng, c)
            token = DRAWING.set(True)
            try:
                v = self.variant(params, seed)
            except Degenerate as exc:
                last = exc
                continue
            finally:
                DRAWING.reset(token)
            if any(p.check.accepts(m.value, p.answer) for p in v.parts.values() for m in p.misconceptions):
                last = Degenerate("a misconception gives the right answer")
                continue
            return v
        raise ParameterError("constraints", f"family '{self.id}': no valid variant in "
                             f"{self.max_tries} draws ({last})")
