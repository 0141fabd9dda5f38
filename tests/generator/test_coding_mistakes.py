"""Named mistakes of the coding questions, on the trusted side: each mistake's own code (the
question's solution with the mistake written in, as a student writes it) is run in-process as a
student's answer, graded on the hidden cases by the engine, and named; the correct solution is
never taken for a mistake; no mistake coincides with the reference on every hidden case of a
student, whatever the course seed and the student (hypothesis). Also: the explanations.

The same recognition runs in the grader (``course.grader.grading.grade_coding_case``, tested end
to end in tests/grader/test_grader_mistakes.py) and in the notebook's public checks
(tests/notebooks).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course.base.errors import CourseError
from course.generator.coding.engine import (
    Case,
    coding_rng,
    expected_values,
    run_calls,
    select,
    tensor_free,
)
from course.generator.coding.question import distinct, mistaken_values, recognise
from course.generator.coding.registry import coding_registry
from course.generator.coding.torch_models import TORCH_SETUP

CODING = coding_registry()
SEED = 20261121
PAIRS = [(qid, m.key) for qid, cq in CODING.items() for m in cq.mistakes]


def _mistake(qid: str, key: str):
    return next(m for m in CODING[qid].mistakes if m.key == key)


def _student(cq, source: str) -> dict:
    """A student's namespace, in-process (trusted code only: a solution, with or without a
    mistake written in)."""
    ns: dict = {"__name__": "__student__"}
    if cq.torch:
        exec(TORCH_SETUP, ns)
    exec(source, ns)
    return ns


def _hidden(cq, student: str, seed: int = SEED) -> list[Case]:
    """The hidden cases that run in-process (training aside: its value is an accuracy, which no
    mistake names, and it takes seconds)."""
    return [c for c in cq.hidden_cases(coding_rng(seed, student, cq.id)) if c.id != "training"]


def _results(ns: dict, case: Case) -> list | None:
    """What the student's code returns for each expectation of ``case`` (as the sandbox sends
    it: tensors as arrays), or None when it raises."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = run_calls(ns, case.calls)
            return [tensor_free(select(res[e.call], e.item)) for e in case.expect]
        except Exception:  # noqa: BLE001 - a mistaken student's code may raise
            return None


def _graded(cq, ns: dict, case: Case) -> tuple[bool, str | None]:
    """(passed, the key of the mistake named) for one case, as grade_coding_case decides."""
    got = _results(ns, case)
    if got is None:
        return False, None
    wants = expected_values(cq.reference, case)
    if all(e.check.accepts(g, w) for e, g, w in zip(case.expect, got, wants)):
        return True, None
    m = recognise(cq.mistakes, case, got, wants)
    return False, m.key if m else None


# ------------------------------------------------------------------ every question has mistakes
def test_every_question_has_at_least_two_named_mistakes() -> None:
    assert len(CODING) == 15
    for qid, cq in CODING.items():
        keys = [m.key for m in cq.mistakes]
        assert len(keys) >= 2, qid
        assert len(set(keys)) == len(keys), qid
        names = {n for n in cq.names if not n.startswith("train_")}
        for m in cq.mistakes:
            assert m.edits, (qid, m.key)  # written into the solution, as a student writes it
            assert set(m.reference) >= names, (qid, m.key)  # the reference's names
            assert m.student_source(cq.solution) != cq.solution


@pytest.mark.parametrize(("qid", "key"), PAIRS)
def test_mistake_is_named_when_a_student_makes_it(qid: str, key: str) -> None:
    """The mistake's own code, run as a student's answer, fails some hidden case of each of two
    students and is named there; any case it is named on, it is named as itself."""
    cq, m = CODING[qid], _mistake(qid, key)
    ns = _student(cq, m.student_source(cq.solution))
    for student in ("etu001", "etu002"):
        named = [_graded(cq, ns, c)[1] for c in _hidden(cq, student)]
        assert key in named, (qid, key, student)
        assert set(named) <= {key, None}, (qid, key, named)


@pytest.mark.parametrize("qid", sorted(CODING))
def test_the_solution_is_never_taken_for_a_mistake(qid: str) -> None:
    """The correct solution passes, and its values match no mistake that the case can tell
    from the reference (a mistake is only named where it differs from the reference)."""
    cq = CODING[qid]
    ns = _student(cq, cq.solution)
    for case in _hidden(cq, "etu001") + cq.public_cases:
        got = _results(ns, case)
        wants = expected_values(cq.reference, case)
        assert got is not None
        assert recognise(cq.mistakes, case, got, wants) is None, (qid, case.id)
        for m in cq.mistakes:
            values = mistaken_values(m, case)
            if values is not None and distinct(case, values, wants):
                assert not all(e.check.accepts(g, v) for e, g, v in zip(case.expect, got, values))


def test_a_mistake_that_gives_the_right_values_is_not_named() -> None:
    """On a case where the mistake and the reference agree (ReLU of a matrix with no negative
    value is the same with or without the slope; here: softmax's max shift on small values), a
    wrong answer is never explained by that mistake."""
    cq = CODING["activations"]
    case = next(c for c in cq.public_cases if c.id == "public-softmax")
    m = _mistake("activations", "softmax-no-shift")
    wants = expected_values(cq.reference, case)
    values = mistaken_values(m, case)
    assert values is not None and not distinct(case, values, wants)
    assert recognise((m,), case, values, wants) is None


def test_softmax_without_the_shift_is_named_on_the_overflow_case_only() -> None:
    cq = CODING["activations"]
    ns = _student(cq, _mistake("activations", "softmax-no-shift").student_source(cq.solution))
    verdicts = {c.id: _graded(cq, ns, c) for c in _hidden(cq, "etu001")}
    assert verdicts["softmax-overflow"] == (False, "softmax-no-shift")
    assert verdicts["softmax-large"] == (False, None)  # NaN: no check accepts it
    assert all(ok for cid, (ok, _) in verdicts.items() if cid not in ("softmax-overflow", "softmax-large"))


def test_a_mistake_that_raises_is_simply_not_named() -> None:
    from course.generator.coding.question import Mistake

    def boom() -> dict:
        def f(*_a, **_k):
            raise ValueError("no")
        return {"sigmoid": f, "tanh": f, "relu": f, "softmax": f}

    cq = CODING["activations"]
    case = cq.public_cases[0]
    m = Mistake("boom", {"fr": "x", "en": "x"}, boom)
    assert mistaken_values(m, case) is None
    assert recognise((m,), case, [np.zeros((3, 2))], expected_values(cq.reference, case)) is None


def test_an_edit_that_no_longer_applies_is_a_clear_error() -> None:
    m = _mistake("conv2d", "conv-no-bias")
    with pytest.raises(CourseError, match="occurs 0 times"):
        m.student_source("def conv2d_forward(x, w, b):\n    return x\n")


# ------------------------------------------------------------------ over many seeds
@pytest.mark.parametrize("qid", sorted(CODING))
def test_no_mistake_coincides_with_the_reference_on_every_hidden_case(qid: str) -> None:
    cq = CODING[qid]

    @settings(max_examples=10 if cq.torch else 60, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(0, 2**32 - 1),
           student=st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10))
    def prop(seed: int, student: str) -> None:
        cases = _hidden(cq, student, seed)
        wants = {c.id: expected_values(cq.reference, c) for c in cases}
        for m in cq.mistakes:
            told = [c.id for c in cases
                    if (v := mistaken_values(m, c)) is not None and distinct(c, v, wants[c.id])]
            assert told, f"{qid}: {m.key} gives the reference's values on every hidden case of " \
                         f"{student!r} (seed {seed})"

    prop()


# ------------------------------------------------------------------ explanations
def test_explanations_are_for_students_in_both_languages() -> None:
    for qid, cq in CODING.items():
        for m in cq.mistakes:
            fr, en = m.explanation["fr"], m.explanation["en"]
            assert set(m.explanation) == {"fr", "en"} and fr.strip() and en.strip(), (qid, m.key)
            assert fr != en and fr.endswith(".") and en.endswith("."), (qid, m.key)
            # French typography: a space before : ; ? ! (code such as out[:, 0] aside)
            assert not re.search(r"\S[:;?!](\s|$)", fr), (qid, m.key, fr)
            assert not re.search(r"\s[:;?!](\s|$)", en), (qid, m.key, en)
            assert not re.search(r"\d,\d", fr + en), (qid, m.key)  # a decimal point, as the course
