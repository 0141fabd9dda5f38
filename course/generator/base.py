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

from course.base.errors import ParameterError, line_of
from course.base.i18n import LANGS, Text, text
from course.base.plain import plain as to_plain

from .checks import Check, check_from_json

__all__ = ["LANGS", "Text"]  # re-exported: families and templates name them from here


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

    def parse(self, name: str, raw: str) -> Any:
        """Parse a command-line value; raises :class:`ParameterError` naming ``name``."""
        t = raw.strip()
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
            raise ParameterError(name, text(f"attendu : {self.kind}, reçu : {raw!r}", f"expected {self.kind}, got {raw!r}")) from None
        if self.choices is not None:
            vals = v if isinstance(v, list) else [v]
            for x in vals:
                if x not in self.choices:
                    raise ParameterError(name, text(f"doit être l'un de {', '.join(self.choices)}, reçu : {x!r}", f"must be one of {', '.join(self.choices)}, got {x!r}"))
        return v


#: the parameter kinds whose value is itself a list (a constraint list is then one value, or a
#: list of such lists for a choice)
LIST_KINDS = ("ints", "floats", "strs", "matrix", "json")


class _Recorded(dict):
    """The raw constraints, noting which parameter names the family's draw looked at."""

    def __init__(self, raw: dict[str, Any], used: set[str]) -> None:
        super().__init__(raw)
        self._used = used

    def get(self, key: Any, default: Any = None) -> Any:
        self._used.add(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._used.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._used.add(key)  # type: ignore[arg-type]
        return super().__contains__(key)


def _typed(name: str, param: Param, v: Any) -> None:
    """A constraint value must be of the parameter's kind (and among its choices)."""
    kind = param.kind
    ok = {"int": type(v) is int, "float": type(v) in (int, float), "bool": type(v) is bool,
          "str": type(v) is str}.get(kind, kind not in ("ints", "floats", "strs") or type(v) is list)
    if not ok:
        raise ParameterError(name, text(f"attendu : {kind}, reçu : {v!r}", f"expected {kind}, got {v!r}"))
    if param.choices is not None:
        for x in (v if isinstance(v, list) else [v]):
            if x not in param.choices:
                raise ParameterError(name, text(f"doit être l'un de {', '.join(param.choices)}, reçu : {x!r}", f"must be one of {', '.join(param.choices)}, got {x!r}"))


class Constraints:
    """Instructor constraints on a family's draw (from ``exercises/*.yml``).

    Each key is a parameter name; its value is a fixed value, a list of choices, or a range
    ``{min: .., max: ..}`` (numeric parameters drawn from a range only). Families draw through
    these helpers so that a constraint, when given, overrides the default distribution, and no
    other randomness source is ever used. Constraints are checked when made (unknown parameter
    or key, wrong type, empty list, empty range), and :attr:`used` records which parameters the
    draw looked at, so that an ignored constraint can be reported
    (:meth:`Family.check_constraints`).
    """

    def __init__(self, family_id: str, params: dict[str, Param], raw: dict[str, Any] | None = None):
        raw = dict(raw or {})
        unknown = sorted(set(raw) - set(params))
        if unknown:
            raise ParameterError(unknown[0], text(f"la famille « {family_id} » n'a pas ce paramètre (connus : {', '.join(params)})", f"family '{family_id}' has no such parameter "
                                 f"(known: {', '.join(params)})"))
        for name, c in raw.items():
            self._check(name, params[name], c)
        self.family_id = family_id
        self.params = params
        self.used: set[str] = set()
        self.raw = _Recorded(raw, self.used)

    @staticmethod
    def _check(name: str, param: Param, c: Any) -> None:
        if isinstance(c, dict):
            extra = sorted(set(c) - {"min", "max"})
            if extra:
                raise ParameterError(name, text(f"clé {extra[0]!r} inconnue dans un intervalle (un intervalle s'écrit {{min: .., max: ..}})", f"unknown key {extra[0]!r} in a range (a range is "
                                     "{min: .., max: ..})"))
            if param.kind not in ("int", "float"):
                raise ParameterError(name, text(f"un intervalle {{min, max}} demande un paramètre numérique (celui-ci est de type {param.kind}) : donnez une valeur ou une liste de choix", f"a range {{min, max}} needs a number parameter "
                                     f"(this one is {param.kind}): give a value or a list of choices"))
            for k, v in c.items():
                if type(v) not in (int, float):
                    raise ParameterError(name, text(f"{k} : attendu un nombre, reçu : {v!r}", f"{k}: expected a number, got {v!r}"))
            if "min" in c and "max" in c and c["min"] > c["max"]:
                raise ParameterError(name, text(f"intervalle vide : min={c['min']} > max={c['max']}", f"empty range min={c['min']} > max={c['max']}"))
        elif isinstance(c, list) and (param.kind not in LIST_KINDS or (c and isinstance(c[0], list))):
            if not c:
                raise ParameterError(name, text("une liste de choix vide", "an empty list of choices"))
            for v in c:
                _typed(name, param, v)
        elif c is None:
            raise ParameterError(name, text("aucune valeur donnée (retirez la clé, ou donnez une valeur)", "no value given (remove the key, or give a value)"))
        else:
            _typed(name, param, c)

    def _range(self, name: str, lo: float, hi: float) -> tuple[float, float]:
        c = self.raw.get(name)
        if isinstance(c, dict):
            lo2, hi2 = c.get("min", lo), c.get("max", hi)
            if lo2 > hi2:
                raise ParameterError(name, text(f"intervalle vide : min={lo2} > max={hi2}", f"empty range min={lo2} > max={hi2}"))
            return lo2, hi2
        return lo, hi

    def fixed(self, name: str) -> tuple[bool, Any]:
        """``(True, value)`` when the instructor fixed or listed values for ``name``."""
        c = self.raw.get(name)
        if c is None or isinstance(c, dict):
            return False, None
        return True, c

    def _no_range(self, name: str) -> None:
        if isinstance(self.raw.get(name), dict):
            raise ParameterError(name, text("cette famille le tire d'une liste, pas d'un intervalle : donnez une valeur ou une liste de choix au lieu de {min, max}", "this family draws it from a list, not a range: give a "
                                 "value or a list of choices instead of {min, max}"))

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
        self._no_range(name)
        has, c = self.fixed(name)
        if has:
            return c[rng.integers(len(c))] if isinstance(c, list) else c
        return options[int(rng.integers(len(options)))]

    def value(self, name: str, default: Any) -> Any:
        """The instructor's fixed value for ``name`` (structured, e.g. a list of layers), else ``default``."""
        self._no_range(name)
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
    """The verdict on one part: ``misconception`` when a wrong answer matches a named mistake,
    ``reason`` (fr/en) when the answer could not be compared (wrong form, missing)."""

    part: str
    correct: bool
    misconception: Misconception | None = None
    reason: Text | None = None

    def message(self, lang: str) -> str:
        if self.correct:
            return "Correct."
        head = "Incorrect: " if lang == "en" else "Incorrect : "
        if self.misconception is not None:
            return head + self.misconception.explanation[lang]
        if self.reason is not None:
            return head + self.reason[lang]
        return "Incorrect."


#: why a part could not be compared (see :meth:`Variant.check`)
NOT_A_DICT: Text = {"fr": "attendu : un dictionnaire avec une clé par partie",
                    "en": "expected a dict with one key per part"}
PART_MISSING: Text = {"fr": "partie manquante", "en": "part missing"}


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
                raise ParameterError("part", text(f"partie {part!r} inconnue (parties : {', '.join(self.parts)})", f"unknown part {part!r} (parts: {', '.join(self.parts)})"))
            return [grade_part(part, self.parts[part], submitted)]
        if len(self.parts) == 1:
            name = next(iter(self.parts))
            if type(submitted) is dict and set(submitted) == {name}:
                submitted = submitted[name]
            return [grade_part(name, self.parts[name], submitted)]
        if type(submitted) is not dict:
            return [Feedback(k, False, reason=NOT_A_DICT) for k in self.parts]
        return [grade_part(k, p, submitted[k]) if k in submitted else Feedback(k, False, reason=PART_MISSING)
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
    """Compare one submitted value with the part's answer; name the misconception if any, or
    say why the value could not be compared."""
    verdict = part.check.verdict(submitted, part.answer)
    if verdict.ok:
        return Feedback(name, True)
    for m in part.misconceptions:
        if part.check.accepts(submitted, m.value):
            return Feedback(name, False, m)
    if verdict.code in ("wrong-value", "wrong-values"):
        return Feedback(name, False)
    return Feedback(name, False, reason={lang: verdict.text(part.check, lang) for lang in LANGS})


# --------------------------------------------------------------------------- families
def plain(x: Any) -> Any:
    """``x`` as JSON-native values (:func:`course.base.plain.plain`); a non-finite float
    anywhere makes the draw :class:`Degenerate`."""
    out = to_plain(x)

    def finite(v: Any) -> None:
        if isinstance(v, float) and not math.isfinite(v):
            raise Degenerate(f"non-finite value {v}")
        if isinstance(v, dict):
            for w in v.values():
                finite(w)
        elif isinstance(v, list):
            for w in v:
                finite(w)

    finite(out)
    return out


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
            raise ParameterError(missing[0], text(f"manquant (la famille « {self.id} » demande : {', '.join(self.params)})", f"missing (family '{self.id}' needs: {', '.join(self.params)})"))
        unknown = sorted(set(full) - set(self.params))
        if unknown:
            raise ParameterError(unknown[0], text(f"la famille « {self.id} » n'a pas ce paramètre", f"family '{self.id}' has no such parameter"))
        sol = self.solve(full)
        parts = {k: Part(plain(p.answer), p.check, p.label,
                         tuple(Misconception(m.key, plain(m.value), m.explanation) for m in p.misconceptions))
                 for k, p in sol.parts.items()}
        return Variant(self.id, plain(full), parts, plain(sol.context), seed)

    def check_constraints(self, constraints: dict[str, Any] | None, draws: int = 12) -> None:
        """Raise :class:`ParameterError` naming the parameter unless ``constraints`` can be
        drawn from: each listed choice alone gives a valid variant, a few draws succeed, and
        every constrained parameter is looked at by the draw (none is silently ignored)."""
        c0 = Constraints(self.id, self.params, constraints)  # the static checks
        used: set[str] = set()
        trials: list[dict[str, Any]] = [dict(c0.raw) for _ in range(draws)]
        for name, v in c0.raw.items():
            if isinstance(v, list) and (self.params[name].kind not in LIST_KINDS or (v and isinstance(v[0], list))):
                trials += [{**c0.raw, name: [x]} for x in v]
        for i, raw in enumerate(trials):
            c = Constraints(self.id, self.params, raw)
            try:
                self.generate(np.random.Generator(np.random.PCG64(i)), c)
            except ParameterError as exc:
                one = [k for k, v in raw.items() if raw.get(k) != c0.raw.get(k)]
                if one and exc.name == "constraints":
                    raise ParameterError(one[0], text(f"le choix {raw[one[0]][0]!r} ne donne aucune variante valide ({line_of(exc, 'fr')})", f"the choice {raw[one[0]][0]!r} gives no valid "
                                         f"variant ({exc})")) from None
                raise
            used |= c.used
        ignored = sorted(set(c0.raw) - used)
        if ignored:
            raise ParameterError(ignored[0], text(f"la famille « {self.id} » n'utilise pas ce paramètre pour tirer ses variantes : la contrainte serait ignorée", f"family '{self.id}' does not use this parameter "
                                 "when drawing: the constraint would be ignored"))

    def generate(self, rng: np.random.Generator, constraints: dict[str, Any] | Constraints | None = None,
                 seed: dict[str, Any] | None = None) -> Variant:
        """Draw and solve, redrawing degenerate variants (a misconception equal to the answer,
        a non-finite value, or a :class:`Degenerate` raised by ``solve``)."""
        c = constraints if isinstance(constraints, Constraints) else \
            Constraints(self.id, self.params, constraints)
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
        raise ParameterError("constraints", text(f"famille « {self.id} » : aucune variante valide en {self.max_tries} tirages ({line_of(last, 'fr') if last is not None else last})", f"family '{self.id}': no valid variant in "
                             f"{self.max_tries} draws ({last})"))
