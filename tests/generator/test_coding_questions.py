"""Coding questions: solutions pass every hidden case against the reference, stubs and known
mistakes fail, cases are deterministic data (issue 5).

The grader runs student code in a sandbox; here the *trusted* solutions run in-process through
course.generator.coding.engine.evaluate_case, which compares with the reference exactly as the
grader's trusted side does (expected values + each case's typed check). Stubs and solutions are
real Python files of each question's folder: they are imported here as modules too.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from course.generator.coding.engine import Case, coding_rng, evaluate_case, expected_values
from course.generator.coding.registry import coding_registry
from course.generator.coding.torch_models import TORCH_SETUP

CODING = coding_registry()

SEED = 20261121
FAST = [q for q in CODING if not CODING[q].torch]
TORCH = [q for q in CODING if CODING[q].torch]


def _namespace(cq, source: str) -> dict:
    ns: dict = {"__name__": "__student__"}
    if cq.torch:
        exec(TORCH_SETUP, ns)
    exec(source, ns)
    return ns


def _cases(cq, student: str = "etu001") -> list[Case]:
    return cq.hidden_cases(coding_rng(SEED, student, cq.id))


def test_every_exercise_of_the_issue_is_there() -> None:
    assert set(CODING) == {"activations", "dense-layer", "mlp-forward", "losses", "gd-step",
                           "perceptron", "conv2d", "maxpool", "batchnorm", "rnn-cell", "lstm-cell",
                           "adam", "metrics", "torch-cnn", "torch-rnn"}
    for cq in CODING.values():
        assert "course" not in cq.solution.replace("# ", "")  # solutions never import course
        assert cq.stub.count("raise NotImplementedError") >= len(cq.names)
        assert set(cq.reference) >= {n for n in cq.names if not n.startswith("train_")}


@pytest.mark.parametrize("qid", FAST)
def test_solution_passes_hidden_and_public_cases(qid: str) -> None:
    cq = CODING[qid]
    ns = _namespace(cq, cq.solution)
    for student in ("etu001", "etu002"):
        cases = _cases(cq, student) + cq.public_cases
        assert len(cases) >= 2
        for case in cases:
            r = evaluate_case(cq.reference, case, ns)
            assert r.passed, f"{qid} {student} {case.id}: {r.text('en')}"


@pytest.mark.parametrize("qid", FAST + TORCH)
def test_stub_fails_every_case(qid: str) -> None:
    cq = CODING[qid]
    ns = _namespace(cq, cq.stub)
    cases = [c for c in _cases(cq) if c.id != "training"] + cq.public_cases
    assert not any(evaluate_case(cq.reference, c, ns).passed for c in cases)


@pytest.mark.parametrize("qid", TORCH)
def test_torch_solution_passes_hidden_cases(qid: str) -> None:
    import torch

    torch.manual_seed(0)
    cq = CODING[qid]
    ns = _namespace(cq, cq.solution)
    cases = _cases(cq) + cq.public_cases
    assert {c.id for c in cases} >= {"architecture", "forward", "forward-one", "training"}
    for case in cases:
        r = evaluate_case(cq.reference, case, ns)
        assert r.passed, f"{qid} {case.id}: {r.text('en')}"


@pytest.mark.parametrize("qid", FAST)
def test_stub_and_solution_are_importable_modules(qid: str) -> None:
    """stub.py and solution.py import as ordinary modules and define the question's names."""
    import importlib

    pkg = CODING[qid].folder.name
    for part in ("stub", "solution"):
        mod = importlib.import_module(f"course.generator.coding.questions.{pkg}.{part}")
        assert all(callable(getattr(mod, n)) for n in CODING[qid].names), (qid, part)


def test_hidden_cases_are_deterministic_plain_data_and_per_student() -> None:
    for cq in CODING.values():
        a = json.dumps([c.to_json() for c in _cases(cq, "etu001")])
        assert a == json.dumps([c.to_json() for c in _cases(cq, "etu001")])
        assert a != json.dumps([c.to_json() for c in _cases(cq, "etu002")])
        for case in _cases(cq):
            assert case.points > 0 and case.feedback["fr"] and case.feedback["en"]


def test_feedback_never_holds_an_expected_value() -> None:
    for cq in (CODING["activations"], CODING["dense-layer"], CODING["metrics"]):
        for case in _cases(cq):
            text = json.dumps(case.feedback)
            for want in expected_values(cq.reference, case):
                for x in np.ravel(np.asarray(want, dtype=float))[:50]:
                    if round(float(x), 3) != float(x):
                        assert f"{x:.4f}" not in text


# ------------------------------------------------------------------ known mistakes are caught
def _failing(qid: str, source: str) -> set[str]:
    cq = CODING[qid]
    ns = _namespace(cq, source)
    return {c.id for c in _cases(cq) if not evaluate_case(cq.reference, c, ns).passed}


def test_unstable_softmax_fails_only_the_large_cases() -> None:
    """NaN where an exponential overflows, zeros where only their sum does."""
    bad = CODING["activations"].solution.replace(
        "e = np.exp(z - z.max(axis=0, keepdims=True))", "e = np.exp(z)")
    with np.errstate(all="ignore"):
        assert _failing("activations", bad) == {"softmax-large", "softmax-overflow"}


def test_db_without_keepdims_fails() -> None:
    bad = CODING["dense-layer"].solution.replace("dZ.sum(axis=1, keepdims=True)", "dZ.sum(axis=1)")
    assert _failing("dense-layer", bad) == {"random", "batch-one", "one-neuron", "large"}


def test_wrong_backward_is_caught_by_the_numerical_gradient() -> None:
    """A factor 2 in dA_prev has the right shape and is caught by the values (reference and
    numerical gradient)."""
    bad = CODING["dense-layer"].solution.replace("return W.T @ dZ,", "return 2 * W.T @ dZ,")
    assert _failing("dense-layer", bad) == {"random", "batch-one", "one-neuron", "large"}


def test_conv_ignoring_the_stride_fails_the_stride_case() -> None:
    bad = CODING["conv2d"].solution.replace(
        "ho = (h + 2 * padding - kh) // stride + 1", "ho = (h + 2 * padding - kh) + 1").replace(
        "wo = (wd + 2 * padding - kw) // stride + 1", "wo = (wd + 2 * padding - kw) + 1").replace(
        "i * stride:i * stride + kh, j * stride:j * stride + kw", "i:i + kh, j:j + kw")
    assert "stride" in _failing("conv2d", bad)


def test_lstm_gate_order_matters() -> None:
    bad = CODING["lstm-cell"].solution.replace(
        "g, o = np.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])",
        "o, g = _sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])")
    assert _failing("lstm-cell", bad) >= {"random", "batch-one"}


def test_adam_without_bias_correction_fails() -> None:
    bad = CODING["adam"].solution.replace("m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)",
                                          "m_hat, v_hat = m, v")
    assert _failing("adam", bad) >= {"steps", "large"}


def test_maxpool_started_at_zero_fails_the_negative_case() -> None:
    bad = CODING["maxpool"].solution.replace(".max(axis=(2, 3))", ".max(axis=(2, 3)).clip(min=0)")
    assert _failing("maxpool", bad) >= {"negative"}


def test_batchnorm_unbiased_variance_fails() -> None:
    bad = CODING["batchnorm"].solution.replace("var = x.var(axis=0)", "var = x.var(axis=0, ddof=1) if len(x) > 1 else x.var(axis=0)")
    assert _failing("batchnorm", bad) >= {"random"}


def test_cnn_with_a_wrong_architecture_fails_architecture_and_forward() -> None:
    bad = CODING["torch-cnn"].solution.replace("nn.Conv2d(4, 8, kernel_size=3, padding=1)",
                                               "nn.Conv2d(4, 8, kernel_size=3, padding=1, bias=False)")
    cq = CODING["torch-cnn"]
    ns = _namespace(cq, bad)
    cases = {c.id: c for c in _cases(cq)}
    assert not evaluate_case(cq.reference, cases["architecture"], ns).passed
    assert not evaluate_case(cq.reference, cases["forward"], ns).passed


def test_training_below_the_accuracy_fails() -> None:
    """A train function that does nothing leaves a random model: the accuracy case fails."""
    bad = CODING["torch-rnn"].solution.replace("    for _ in range(epochs):", "    for _ in range(0):")
    cq = CODING["torch-rnn"]
    ns = _namespace(cq, bad)
    case = next(c for c in _cases(cq) if c.id == "training")
    r = evaluate_case(cq.reference, case, ns)
    assert not r.passed and "accuracy" in r.text('en')
