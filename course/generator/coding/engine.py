"""The trusted-side engine of coding questions: cases as data, and how they are run and compared.

A case (:class:`Case`) is a list of calls (:class:`Call`) into the student's namespace and the
results to compare (:class:`Expect`), each with a typed check (:mod:`course.generator.checks`).
Expected values are never stored: :func:`expected_values` runs the same calls against the
question's reference (the same names and signatures as the student's code) or computes a
centred-difference gradient, on the trusted side, at grading time. The grading contract
(what crosses the sandbox boundary) is docs/grading.md.

Inputs are drawn from the one door (DESIGN.md rule 2): :func:`coding_rng` gives the generator
of a (course seed, student, coding question); public cases (the notebook's own checks) use the
fixed student id ``"public"`` and are the same for every student.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.plain import jsonable
from course.base.rng import make_rng
from course.generator.checks import ArrayCheck, Check, Verdict

#: the default check of a result: an array within 1e-6 relative (float64 round-off allows it)
EXACT = ArrayCheck(rtol=1e-6, atol=1e-9)


@dataclass
class Call:
    """One call: ``func(*args, **kwargs)`` (``func`` a top-level name of the student's code or
    of the assignment's setup cell), or ``target.method(*args, **kwargs)`` when ``method`` is
    set and ``func`` is ``{"$ref": k}``. Values ``{"$ref": k}`` / ``{"$ref": k, "item": i}`` in
    args/kwargs stand for the result of call ``k`` (or its item ``i``)."""

    func: str | dict[str, Any]
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    method: str | None = None


@dataclass
class Expect:
    """What to compare: the result of call ``call`` (its item ``item`` when set), with ``check``.

    ``target``: "reference" (run the same calls on the reference), "numerical" (a
    centred-difference gradient, see ``grad``) or "value" (``value`` itself, e.g. for an
    :class:`~course.generator.checks.AccuracyCheck`: ``{"labels": [...], "min": 0.85}``).
    ``grad`` (numerical only): ``{"call": c, "arg": a, "item": i, "upstream": {"call": u,
    "arg": j} | None}``: the gradient, with respect to argument ``a`` of reference call ``c``,
    of ``sum(upstream * item i of that call's result)`` (or of the scalar item when
    ``upstream`` is None).
    """

    call: int
    item: int | str | None = None
    check: Check = EXACT
    target: str = "reference"
    value: Any = None
    grad: dict[str, Any] | None = None

    def to_json(self, summarize: bool = False) -> dict[str, Any]:
        return {"call": self.call, "item": self.item, "check": self.check.to_json(),
                "target": self.target, "value": jsonable(self.value, summarize), "grad": self.grad}


@dataclass
class Case:
    """One test case: calls, expectations, points, and a text (fr/en) that reveals no value.

    ``time_limit_s``: wall-clock seconds for the whole case (training questions), measured on
    the trusted side; None means the grader's default per request."""

    id: str
    calls: list[Call]
    expect: list[Expect]
    points: float
    feedback: Text
    time_limit_s: float | None = None

    def to_json(self, summarize: bool = False) -> dict[str, Any]:
        """Plain data; arrays as ``{"$array", "dtype", "shape"}`` (:func:`jsonable`)."""
        return {"id": self.id, "points": self.points, "feedback": dict(self.feedback),
                "time_limit_s": self.time_limit_s,
                "calls": [{"func": jsonable(c.func, summarize), "args": jsonable(c.args, summarize),
                           "kwargs": jsonable(c.kwargs, summarize), "method": c.method}
                          for c in self.calls],
                "expect": [e.to_json(summarize) for e in self.expect]}


def coding_rng(course_seed: int, student_id: str, coding_id: str) -> np.random.Generator:
    """The generator of a student's hidden cases for one coding question (the one door)."""
    return make_rng(course_seed, student_id, f"coding:{coding_id}")


def public_rng(coding_id: str) -> np.random.Generator:
    """The generator of a coding question's public cases (the same for every student)."""
    return make_rng(0, "public", f"coding:{coding_id}")


# --------------------------------------------------------------------------- running calls
def resolve(value: Any, results: list[Any]) -> Any:
    """``value`` with every ``{"$ref": k[, "item": i]}`` replaced by call ``k``'s result;
    arrays are copied (a callee that mutates its input must not change the case)."""
    if isinstance(value, dict):
        if "$ref" in value and set(value) <= {"$ref", "item"}:
            r = results[value["$ref"]]
            return r[value["item"]] if "item" in value else r
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def run_calls(namespace: dict[str, Any], calls: list[Call]) -> list[Any]:
    """Run ``calls`` against ``namespace`` (the reference, a mistaken reference, or a trusted
    in-process namespace such as a solution in the tests; never student code)."""
    results: list[Any] = []
    for c in calls:
        args = [resolve(a, results) for a in c.args]
        kwargs = {k: resolve(v, results) for k, v in c.kwargs.items()}
        if c.method is not None:
            fn = getattr(resolve(c.func, results), c.method)
        else:
            fn = namespace[c.func]  # type: ignore[index]
        results.append(fn(*args, **kwargs))
    return results


def select(result: Any, item: int | str | None) -> Any:
    """The item of a result an :class:`Expect` looks at."""
    return result if item is None else result[item]


def numerical_expectation(reference: dict[str, Any], calls: list[Call], ref_results: list[Any],
                          spec: dict[str, Any]) -> np.ndarray:
    """The centred-difference gradient an ``Expect(target="numerical")`` asks for."""
    from course.reference.gradcheck import numerical_gradient

    c = calls[spec["call"]]
    args = [resolve(a, ref_results) for a in c.args]
    kwargs = {k: resolve(v, ref_results) for k, v in c.kwargs.items()}
    arg = spec["arg"]
    x0 = args[arg] if isinstance(arg, int) else kwargs[arg]
    up = spec.get("upstream")
    upstream = None
    if up is not None:
        upstream = np.asarray(resolve(calls[up["call"]].args[up["arg"]], ref_results), dtype=np.float64)
    fn = reference[c.func]  # type: ignore[index]

    def f(x: np.ndarray) -> float:
        a, k = list(args), dict(kwargs)
        if isinstance(arg, int):
            a[arg] = x
        else:
            k[arg] = x
        out = np.asarray(select(fn(*a, **k), spec.get("item")), dtype=np.float64)
        return float(out) if upstream is None else float(np.sum(upstream * out))

    return numerical_gradient(f, np.asarray(x0, dtype=np.float64), h=1e-5)


def expected_values(reference: dict[str, Any], case: Case, own_gradients: bool = False) -> list[Any]:
    """The expected value of each :class:`Expect` of ``case`` under ``reference`` (trusted side
    only: the question's reference, or one of its mistaken variants).

    ``own_gradients`` (a mistaken variant): a numerical expectation is the result the variant's
    own code returns, not a centred difference of its forward pass: a student who forgot the
    bias in the forward pass still returns ``db = sum(dZ)``, and the mistake is in the code,
    not in the calculus."""
    need_ref = any(e.target in ("reference", "numerical") for e in case.expect)
    ref_results = run_calls(reference, case.calls) if need_ref else []
    out: list[Any] = []
    for e in case.expect:
        if e.target == "reference" or (e.target == "numerical" and own_gradients):
            out.append(select(ref_results[e.call], e.item))
        elif e.target == "numerical":
            out.append(numerical_expectation(reference, case.calls, ref_results, e.grad or {}))
        elif e.target == "value":
            out.append(e.value)
        else:  # pragma: no cover - a question bug
            raise AssertionError(f"unknown target {e.target!r}")
    return out


def tensor_free(x: Any) -> Any:
    """Tensors (anything with ``detach``) as NumPy arrays, as the sandbox converts them."""
    return x.detach().cpu().numpy() if hasattr(x, "detach") else x


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case run in-process: passed, points, and the first failing verdict."""

    case: str
    passed: bool
    points: float
    max_points: float
    verdict: Verdict | None = None
    check: Check | None = None
    error: str = ""

    def text(self, lang: str) -> str:
        if self.error:
            return self.error
        return self.verdict.text(self.check, lang) if self.verdict and self.check else ""


def evaluate_case(reference: dict[str, Any], case: Case, namespace: dict[str, Any]) -> CaseResult:
    """Run ``case`` in-process against a trusted ``namespace`` (a solution, in the tests) and
    compare with ``reference``. Never used on student code (that runs in the sandbox)."""
    t0 = time.perf_counter()
    try:
        results = run_calls(namespace, case.calls)
    except Exception as exc:  # noqa: BLE001 - a wrong solution may raise anything
        return CaseResult(case.id, False, 0.0, case.points, error=f"{type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - t0
    if case.time_limit_s is not None and elapsed > case.time_limit_s:
        return CaseResult(case.id, False, 0.0, case.points, error=f"too slow ({elapsed:.1f} s)")
    for e, want in zip(case.expect, expected_values(reference, case)):
        v = e.check.verdict(tensor_free(select(results[e.call], e.item)), want)
        if not v.ok:
            return CaseResult(case.id, False, 0.0, case.points, v, e.check)
    return CaseResult(case.id, True, case.points, case.points)


# --------------------------------------------------------------------------- writing cases
def ref(k: int, item: int | str | None = None) -> dict[str, Any]:
    """The result of call ``k`` (or its item ``item``) as an argument of a later call."""
    return {"$ref": k} if item is None else {"$ref": k, "item": item}


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Standard normal inputs of ``shape`` times ``scale`` (float64)."""
    return scale * rng.standard_normal(shape)
