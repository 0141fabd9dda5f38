"""The check abstraction (DESIGN.md rule 5): how one answer is compared with its expected value,
and how it is shown in every output.

One kind of check is one class in one module of this package; the registry
(:func:`check_class`) finds it by its ``kind``. A check class owns, for its kind:

- ``parse(text)``: reading a value typed by a person (``course check --answer``);
- ``verdict(submitted, expected)``: the comparison on the trusted side, as a :class:`Verdict`
  (accepted, or a reason code with its arguments); ``accepts`` is its boolean;
- ``REASONS``: the text of each reason code, in French and English (no expected value of a
  hidden case ever appears in them);
- ``form_fn`` / ``compare_fn``: the portable functions (:mod:`.portable`) behind ``verdict``
  that the student's notebook runs too (the public form check and public sample cases);
- ``key_md(value, lang, decimals)``: the answer in an answer key (Markdown with LaTeX math),
  numbers with the decimals the statement asks;
- ``answer_space(value, lang)``: what an exam sheet leaves for the answer;
- ``lms_field(value, lang, wrong)``: the answer as a format-neutral LMS field
  (:class:`NumberField`, :class:`ChoiceField`, :class:`TextField` or a :class:`GroupField` of
  them) that the Moodle and QTI exports render, each in its own module.

So a new kind is one module here, and a new output format is one function over the four
field types. ``tests/test_checks.py`` asserts that every kind is rendered by every output.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, ClassVar

from course.base.i18n import Text

# --------------------------------------------------------------------------- verdicts
#: reason codes shared by several kinds; a class adds its own in its ``REASONS``
COMMON_REASONS: dict[str, Text] = {
    "missing": {"fr": "pas encore de réponse", "en": "not answered yet"},
    "not-number": {"fr": "ce n'est pas un nombre ({got})", "en": "not a number ({got})"},
    "not-finite": {"fr": "ce n'est pas un nombre fini", "en": "not a finite number"},
    "wrong-value": {"fr": "valeur incorrecte", "en": "wrong value"},
    "wrong-values": {"fr": "valeurs incorrectes", "en": "wrong values"},
    "malformed": {"fr": "réponse mal formée ({got})", "en": "malformed answer ({got})"},
}


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing one value: ``ok``, else ``code`` (a reason) and its ``args``."""

    ok: bool
    code: str | None = None
    args: dict[str, Any] = field(default_factory=dict)

    def text(self, check: Check, lang: str) -> str:
        """The reason in ``lang`` ("" when accepted)."""
        if self.ok or self.code is None:
            return ""
        return check.reason_text(self.code, self.args, lang)


def verdict_of(result: Any) -> Verdict:
    """A :class:`Verdict` from a portable function's result (None or ``[code, args]``)."""
    if result is None:
        return Verdict(True)
    code, args = result
    return Verdict(False, code, dict(args))


# --------------------------------------------------------------------------- LMS fields
@dataclass(frozen=True)
class NumberField:
    """A number to type: accepted within ``tolerance`` (absolute) of ``value``; ``wrong``
    lists named mistakes as (value, feedback Markdown) pairs worth nothing; ``decimals``: the
    decimals the statement asks (the value is then written with exactly that many, 0.9610),
    None: written as it is (an exact value, an integer). See :func:`at_precision`."""

    value: float
    tolerance: float
    wrong: tuple[tuple[float, str], ...] = ()
    decimals: int | None = None


@dataclass(frozen=True)
class ChoiceField:
    """Options to pick from (``options``, in display order); ``correct`` are the right ones;
    ``multiple``: several may be right; ``truefalse``: a true/false question. ``texts``: what
    each option says (Markdown), when the options are labels of texts shown elsewhere (the
    letters A-D of a quiz question); ``feedback``: per option, why picking it is wrong
    (Markdown, "" when nothing is said)."""

    options: tuple[str, ...]
    correct: tuple[str, ...]
    multiple: bool = False
    truefalse: bool = False
    texts: tuple[str, ...] = ()
    feedback: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextField:
    """A short text to type; any of ``accepted`` is right (exact, case-sensitive)."""

    accepted: tuple[str, ...]


@dataclass(frozen=True)
class GroupField:
    """Several fields shown together: a ``tuple`` (one row), a ``matrix`` or a ``table``
    (rows of fields, with an optional ``header``)."""

    layout: str  # "tuple" | "matrix" | "table"
    rows: tuple[tuple[Field, ...], ...]
    header: tuple[str, ...] = ()


Field = NumberField | ChoiceField | TextField | GroupField


def at_precision(f: Field, decimals: int | None) -> Field:
    """``f`` with its numbers as the statement asks them (:mod:`course.generator.precision`):
    each float value, and each named mistake, rounded to ``decimals`` and marked to be written
    with exactly that many decimals (an LMS shows the answer as 0.9610, not 0.96102837...).
    The tolerance stays one unit of the last asked decimal, so that an answer rounded as asked
    is accepted, and a mistake (at least two units away from the answer, the separation rule)
    is not. Integers and exact values (``decimals`` None) are left as they are."""
    if decimals is None:
        return f
    if isinstance(f, NumberField):
        if isinstance(f.value, bool) or not isinstance(f.value, float):
            return f
        return NumberField(round(f.value, decimals), f.tolerance,
                           tuple((round(float(v), decimals), fb) for v, fb in f.wrong), decimals)
    if isinstance(f, GroupField):
        return GroupField(f.layout, tuple(tuple(at_precision(c, decimals) for c in row) for row in f.rows),
                          f.header)
    return f


def numeric_wrong(wrong: tuple[tuple[Any, str], ...]) -> tuple[tuple[float, str], ...]:
    """The named mistakes whose value is a number (an LMS numerical field can hold only those)."""
    return tuple((v, fb) for v, fb in wrong if isinstance(v, (int, float)) and not isinstance(v, bool))


@dataclass(frozen=True)
class AnswerSpace:
    """What an exam sheet leaves for one answer: printed ``options`` to tick, or ``lines``."""

    options: tuple[str, ...] = ()
    lines: int = 1


# --------------------------------------------------------------------------- the class
@dataclass(frozen=True)
class Check:
    """Base class of the check kinds (see the module docstring). Subclasses are frozen
    dataclasses whose fields are their parameters (tolerances, options, ...)."""

    kind: ClassVar[str] = ""
    REASONS: ClassVar[dict[str, Text]] = {}
    #: portable functions (:mod:`.portable` rules): ``form_fn(x, p)`` and
    #: ``compare_fn(x, expected, p)`` return None or ``[code, args]``; ``p`` is
    #: :meth:`params`. ``compare_fn`` None: the comparison is trusted-side only.
    form_fn: ClassVar[Any] = None
    compare_fn: ClassVar[Any] = None
    #: is the answer a text to be taken as typed (not parsed) on the command line?
    text_answer: ClassVar[bool] = False
    #: can a part of an exercise (exam sheets, keys, LMS banks) use this kind? False for the
    #: kinds only coding cases use (an accuracy, a model's weights)
    exam: ClassVar[bool] = True

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:  # pragma: no cover - every kind overrides it
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        raise NotImplementedError(cls.kind)

    # ----------------------------------------------------------------- data
    def params(self) -> dict[str, Any]:
        """The check's parameters as plain data (what the portable functions receive)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params()}

    # ----------------------------------------------------------------- comparing
    def parse(self, text: str) -> Any:  # pragma: no cover - every kind overrides it
        raise NotImplementedError(self.kind)

    def coerce(self, value: Any) -> Any:
        """A value from JSON typed by a person: text is parsed unless the answer is text."""
        return self.parse(value) if isinstance(value, str) and not self.text_answer else value

    def form(self, submitted: Any) -> Verdict:
        """Does ``submitted`` have the form this check accepts (no expected value needed)?"""
        if submitted is None or submitted is Ellipsis:
            return Verdict(False, "missing")
        return verdict_of(type(self).form_fn(submitted, self.params()))

    def compare(self, submitted: Any, expected: Any) -> Verdict:
        """Compare a value of the right form with the expected one."""
        return verdict_of(type(self).compare_fn(submitted, expected, self.params()))

    def verdict(self, submitted: Any, expected: Any) -> Verdict:
        """The trusted-side comparison: the form first, then the value."""
        v = self.form(submitted)
        return v if not v.ok else self.compare(submitted, expected)

    def accepts(self, submitted: Any, expected: Any) -> bool:
        return self.verdict(submitted, expected).ok

    def reason_text(self, code: str, args: dict[str, Any], lang: str) -> str:
        """The text of reason ``code`` in ``lang``, its ``{names}`` filled from ``args``."""
        texts = {**COMMON_REASONS, **type(self).REASONS}
        template = texts.get(code, {}).get(lang) or code
        try:
            return template.format(**args)
        except (KeyError, IndexError, ValueError):
            return template

    # ----------------------------------------------------------------- showing
    def describe(self, lang: str) -> str:  # pragma: no cover - every kind overrides it
        """What is expected, in words, with no expected value ("an integer")."""
        raise NotImplementedError(self.kind)

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:  # pragma: no cover - every kind overrides it
        """``value`` as it appears in an answer key (Markdown; may be a block). ``decimals``:
        the decimals the statement asks for this part (``Variant.context["decimals"]``, see
        :mod:`course.generator.precision`): a numeric kind writes its numbers with exactly that
        many (``0.9610``); None: an exact value."""
        raise NotImplementedError(self.kind)

    def answer_space(self, value: Any, lang: str) -> AnswerSpace:
        """What an exam sheet leaves for the answer (default: one line)."""
        return AnswerSpace()

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        """``value`` as an LMS field; ``wrong``: (mistaken value, feedback) pairs."""
        raise NotImplementedError(self.kind)  # pragma: no cover - every kind overrides it


class Tolerance:
    """For numeric kinds with ``rtol``/``atol`` fields: the absolute tolerance the one rule
    (:func:`.portable.close`) gives around an expected number, for LMS numerical answers."""

    rtol: float
    atol: float

    def tolerance(self, expected: float) -> float:
        return self.atol + self.rtol * abs(float(expected))


# --------------------------------------------------------------------------- registry
@cache
def check_classes() -> dict[str, type[Check]]:
    """``{kind: class}`` of every check module in this package (imported once)."""
    package = importlib.import_module(__package__ or "course.generator.checks")
    for mod in pkgutil.iter_modules(package.__path__):
        if not mod.name.startswith("_") and mod.name not in ("base", "portable"):
            importlib.import_module(f"{package.__name__}.{mod.name}")
    found: dict[str, type[Check]] = {}
    stack = list(Check.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.kind:
            if cls.kind in found and found[cls.kind] is not cls:
                raise RuntimeError(f"check kind {cls.kind!r} defined twice")
            found[cls.kind] = cls
    return dict(sorted(found.items()))


def check_class(kind: str) -> type[Check]:
    """The class of check ``kind``; ``KeyError`` naming the known kinds otherwise."""
    classes = check_classes()
    if kind not in classes:
        raise KeyError(f"unknown check kind {kind!r} (known: {', '.join(classes)})")
    return classes[kind]


def check_from_json(data: dict[str, Any]) -> Check:
    """Rebuild a check from :meth:`Check.to_json` (lists become tuples)."""
    data = dict(data)
    cls = check_class(data.pop("kind"))
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
