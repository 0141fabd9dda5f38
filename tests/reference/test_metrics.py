"""Metrics from the confusion matrix (003, 004) and 003's bias-variance formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference.metrics import bias_variance, confusion_matrix, metrics_from_confusion


@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 6), n=st.integers(1, 80))
def test_metrics_match_counting_definitions(seed: int, c: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    yt, yp = rng.integers(0, c, size=n), rng.integers(0, c, size=n)
    cm = confusion_matrix(yt, yp, c)
    assert cm.sum() == n
    out = metrics_from_confusion(cm)
    assert out["accuracy"] == pytest.approx(np.mean(yt == yp))
    for k in range(c):  # one class against the rest, counted directly from the labels
        tp = np.sum((yt == k) & (yp == k))
        fp = np.sum((yt != k) & (yp == k))
        fn = np.sum((yt == k) & (yp != k))
        tn = np.sum((yt != k) & (yp != k))
        assert cm[k, k] == tp
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        assert out["precision"][k] == pytest.approx(p)
        assert out["recall"][k] == pytest.approx(r)
        assert out["f1"][k] == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)
        assert out["specificity"][k] == pytest.approx(tn / (tn + fp) if tn + fp else 0.0)
    assert out["macro_precision"] == pytest.approx(np.mean(out["precision"]))  # 004
    assert out["macro_recall"] == pytest.approx(np.mean(out["recall"]))


def test_binary_case_003_layout() -> None:
    # rows = desired (1 = yes first in 003's table is class 1 here), cols = predicted
    yt = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    yp = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0])
    cm = confusion_matrix(yt, yp, 2)
    np.testing.assert_array_equal(cm, [[5, 1], [1, 3]])  # [[TN, FP], [FN, TP]]
    out = metrics_from_confusion(cm)
    assert out["binary_precision"] == pytest.approx(3 / 4)  # TP / (TP + FP)
    assert out["binary_recall"] == pytest.approx(3 / 4)  # TP / (TP + FN), sensitivity
    assert out["binary_specificity"] == pytest.approx(5 / 6)  # TN / (FP + TN)
    assert out["accuracy"] == pytest.approx(0.8)


def test_class_never_predicted_is_zero_and_reported() -> None:
    out = metrics_from_confusion(np.array([[2, 0], [1, 0]]))
    assert out["precision"][1] == 0.0 and out["undefined"] == [1]


def test_bias_variance_003() -> None:
    pred = np.array([2.0, 4.0, 6.0])
    desired = np.array([3.0, 3.0, 5.0])
    bv = bias_variance(pred, desired)
    # Y_bar = 4; bias^2 = ((4-3)^2 + (4-3)^2 + (4-5)^2) / 3 = 1; variance = (4 + 0 + 4) / 2 = 4
    assert bv["mean_prediction"] == 4.0
    assert bv["bias2"] == pytest.approx(1.0)
    assert bv["variance"] == pytest.approx(4.0) == np.var(pred, ddof=1)
    noise = np.array([0.1, -0.1, 0.3])
    bv2 = bias_variance(pred, desired, noise)
    assert bv2["irreducible"] == pytest.approx(np.var(noise))
    assert bv2["error"] == pytest.approx(1.0 + 4.0 + np.var(noise))


def test_bad_inputs() -> None:
    with pytest.raises(ParameterError, match="y_true"):
        confusion_matrix([0, 3], [0, 1], 2)
    with pytest.raises(ParameterError, match="cm"):
        metrics_from_confusion(np.zeros((2, 3)))
    with pytest.raises(ParameterError, match="predictions"):
        bias_variance([1.0], [1.0])
