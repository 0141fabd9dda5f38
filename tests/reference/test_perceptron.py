"""Perceptron with Heaviside and Widrow-Hoff (003): the OR table, convergence, XOR."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference.perceptron import LOGIC_GATES, perceptron_predict, perceptron_train

# 003, "Exemple introductif (4/4)": iteration, w1, w2, b, x1, x2, d, Y, f(Y), w1', w2', b'
# (eta = 1, w1 = 1, w2 = -1, b = 0), with row 9 corrected: f(0) = 1, not 0 (the printed
# update on that row, b -> -1, is the one for f(Y) = 1).
OR_TABLE_003 = [
    (1, 1, -1, 0, 0, 0, 0, 0, 1, 1, -1, -1),
    (2, 1, -1, -1, 0, 1, 1, -2, 0, 1, 0, 0),
    (3, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0),
    (4, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0),
    (5, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, -1),
    (6, 1, 0, -1, 0, 1, 1, -1, 0, 1, 1, 0),
    (7, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0),
    (8, 1, 1, 0, 1, 1, 1, 2, 1, 1, 1, 0),
    (9, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, -1),  # printed f(Y) = 0: the slip
    (10, 1, 1, -1, 0, 1, 1, 0, 1, 1, 1, -1),
    (11, 1, 1, -1, 1, 0, 1, 0, 1, 1, 1, -1),
    (12, 1, 1, -1, 1, 1, 1, 1, 1, 1, 1, -1),
    (13, 1, 1, -1, 0, 0, 0, -1, 0, 1, 1, -1),
]


def _flat(row) -> tuple:
    return (row.iteration, *row.w, row.b, *row.x, row.d, row.y, row.fy, *row.w_new, row.b_new)


def test_or_table_003_row_by_row() -> None:
    X, d = LOGIC_GATES["or"]
    res = perceptron_train(X, d, w0=[1, -1], b0=0, eta=1.0)
    assert [_flat(r) for r in res.rows[:13]] == [tuple(float(v) for v in r) for r in OR_TABLE_003]
    # epoch 4 (iterations 13-16) changes nothing: converged
    assert res.converged and res.epochs == 4 and len(res.rows) == 16
    assert [r.epoch for r in res.rows] == [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4
    assert not any(r.updated for r in res.rows[12:])
    np.testing.assert_array_equal(res.w, [1, 1])
    assert res.b == -1
    np.testing.assert_array_equal(perceptron_predict(X, res.w, res.b), d)


def test_xor_never_converges() -> None:
    X, d = LOGIC_GATES["xor"]
    res = perceptron_train(X, d, w0=[0, 0], b0=0, max_epochs=30)
    assert not res.converged and res.epochs == 30 and len(res.rows) == 120


@pytest.mark.parametrize("gate", ["and", "or", "nand", "nor"])
@given(w1=st.integers(-3, 3), w2=st.integers(-3, 3), b=st.integers(-3, 3),
       eta=st.sampled_from([0.1, 0.5, 1.0]))
def test_linearly_separable_gates_converge(gate: str, w1: int, w2: int, b: int, eta: float) -> None:
    X, d = LOGIC_GATES[gate]
    res = perceptron_train(X, d, w0=[w1, w2], b0=b, eta=eta, max_epochs=200)
    assert res.converged
    np.testing.assert_array_equal(perceptron_predict(X, res.w, res.b), d)
    for r in res.rows:  # the Widrow-Hoff rule on every row
        np.testing.assert_allclose(r.w_new, r.w + eta * (r.d - r.fy) * r.x)
        assert r.b_new == pytest.approx(r.b + eta * (r.d - r.fy))
        assert r.fy == (1.0 if r.y >= 0 else 0.0)


def test_quiz_003_observation_does_not_change_weights() -> None:
    # 003 quiz: z = (4, 6, 7, class 1), all weights 1, eta = 1 -> no change (Y = 18 >= 0)
    res = perceptron_train([[4, 6, 7]], [1], w0=[1, 1, 1], b0=1, eta=1.0, max_epochs=1)
    assert res.converged and not res.rows[0].updated


def test_bad_inputs() -> None:
    X, d = LOGIC_GATES["or"]
    with pytest.raises(ParameterError, match="'d'"):
        perceptron_train(X, [0, 1, 2, 1], [0, 0], 0)
    with pytest.raises(ParameterError, match="w0"):
        perceptron_train(X, d, [0, 0, 0], 0)
    with pytest.raises(ParameterError, match="eta"):
        perceptron_train(X, d, [0, 0], 0, eta=0)


def test_perceptron_accuracy_of_the_003_activity() -> None:
    """003's activity (its data and printed weights b = -0.3, w1 = 0.2, w2 = 2 w1, w3 = -0.1):
    the Heaviside outputs, recomputed with PyTorch, misclassify observation 1 (so the weights
    cannot have been stable over the last 10 iterations)."""
    import torch

    from course.reference.perceptron import perceptron_accuracy, perceptron_predict

    X = [[2, 0.8, 1.2], [0.7, 1.9, 0.1], [1.4, 3.3, 0.8], [2.1, 2.5, 0.9], [1.1, 2.9, 2],
         [1.7, 3, 0.5], [1.8, 2.9, 2], [0.4, 3, 1.5], [2.1, 2.8, 1.4], [1.6, 0.3, 2.7]]
    d = [1, 0, 1, 0, 0, 1, 1, 0, 1, 1]  # Oui = 1, Non = 0
    w, b = [0.2, 2 * 0.2, -0.1], -0.3
    ref = (torch.tensor(X, dtype=torch.float64) @ torch.tensor(w, dtype=torch.float64) + b >= 0).double()
    pred = perceptron_predict(X, w, b)
    np.testing.assert_array_equal(pred, ref.numpy())
    assert pred[1] != d[1]  # observation 1 (Non) is classified Oui
    assert perceptron_accuracy(X, d, w, b) == float((ref == torch.tensor(d)).double().mean())
