"""The seeds' worked examples (001-004) as literal cases, each recomputed by the reference;
the backprop activity of 003 is checked against an independent PyTorch autograd computation
written in the handout's own layout (w is 3 x 4, psi is 4 x 1)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course.cli.worked_examples import (
    BACKPROP_PSI_003,
    BACKPROP_W_003,
    BACKPROP_X_003,
    BACKPROP_Y_003,
    backprop_activity_003,
    worked_examples,
)
from course.reference.activations import softmax
from course.reference.conventions import dense_params, iterations_per_epoch, mlp_params
from course.reference.data import COURSE_GRID_001, hyperparam_grid
from course.reference.dense import mlp_init, mlp_shapes
from course.reference.optimizers import dropped_units
from course.reference.perceptron import LOGIC_GATES, perceptron_train


def _example(ex_id: str) -> dict:
    return next(e for e in worked_examples("en") if e["id"] == ex_id)


@pytest.mark.parametrize("layers,total", [([2, 3, 1], 13), ([4, 5, 6, 6, 5, 4, 1], 167)])
def test_001_parameter_counts(layers: list[int], total: int) -> None:
    shapes = mlp_shapes(layers, m=7)
    assert sum(s["W"][0] * s["W"][1] + s["b"][0] for s in shapes) == total
    assert sum(p.size for p in mlp_init(layers, np.random.default_rng(0)).values()) == total
    assert mlp_params(layers) == total
    assert _example("mlp-params-" + "-".join(map(str, layers)))["result"]["total"] == total
    # 001's per-layer sizes of the 2-3-1 network: W1 3x2 -> 6, b1 3, W2 1x3 -> 3, b2 1
    if layers == [2, 3, 1]:
        assert [(s["W"], s["b"]) for s in shapes] == [((3, 2), (3, 1)), ((1, 3), (1, 1))]


def test_001_softmax_5_4_2() -> None:
    s = softmax(np.array([5.0, 4.0, 2.0]))
    np.testing.assert_allclose(s, [0.70, 0.26, 0.04], atol=0.006)  # 001, to 2 decimals
    np.testing.assert_allclose(_example("softmax-5-4-2")["result"]["y_hat"], np.round(s, 4))


def test_001_grid_of_60() -> None:
    n, configs = hyperparam_grid(COURSE_GRID_001)
    assert n == 60 and len(configs) == 60  # 001: 4 x 5 x 3 = 60
    assert _example("hyperparam-grid")["result"]["configurations"] == 60


def test_003_or_table_in_the_worked_example() -> None:
    rows = _example("perceptron-or")["result"]["table"]["rows"]
    # 003's printed rows 1-13 (row 9 with f(0) = 1): it, w1, w2, b, x1, x2, d, Y, f(Y), w1', w2', b'
    printed = [
        [1, 1, -1, 0, 0, 0, 0, 0, 1, 1, -1, -1], [2, 1, -1, -1, 0, 1, 1, -2, 0, 1, 0, 0],
        [3, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0], [4, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0],
        [5, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, -1], [6, 1, 0, -1, 0, 1, 1, -1, 0, 1, 1, 0],
        [7, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0], [8, 1, 1, 0, 1, 1, 1, 2, 1, 1, 1, 0],
        [9, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, -1], [10, 1, 1, -1, 0, 1, 1, 0, 1, 1, 1, -1],
        [11, 1, 1, -1, 1, 0, 1, 0, 1, 1, 1, -1], [12, 1, 1, -1, 1, 1, 1, 1, 1, 1, 1, -1],
        [13, 1, 1, -1, 0, 0, 0, -1, 0, 1, 1, -1],
    ]
    assert [[r[0], *r[2:]] for r in rows[:13]] == printed  # column 1 is the epoch
    assert _example("perceptron-or")["result"]["converged"] is True


def test_003_quizzes() -> None:
    assert dense_params(20, 1) == 21  # perceptron on 20 descriptors: 20 weights + 1 bias
    assert iterations_per_epoch(100, 1) == 100  # 100 observations, batch size 1
    assert not perceptron_train(*LOGIC_GATES["xor"], w0=[0, 0], b0=0, max_epochs=100).converged
    assert dropped_units(10, 0.5) == 5  # M = n x p


def test_003_backprop_activity_matches_torch_autograd() -> None:
    # Independent computation in the handout's layout: Y_j = sum_i w_ij x_i, f = sigmoid,
    # Z = sum_j psi_j f(Y_j), sortie = sigmoid(Z), E = BCE (003), biases 0, y = 1.
    w = torch.tensor(BACKPROP_W_003, dtype=torch.float64, requires_grad=True)
    psi = torch.tensor(BACKPROP_PSI_003, dtype=torch.float64, requires_grad=True)
    b_hidden = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    b_out = torch.zeros((), dtype=torch.float64, requires_grad=True)
    x = torch.tensor(BACKPROP_X_003, dtype=torch.float64)
    fy = torch.sigmoid(x @ w + b_hidden)
    out = torch.sigmoid(fy @ psi + b_out)
    E = torch.nn.functional.binary_cross_entropy(out, torch.tensor(BACKPROP_Y_003, dtype=torch.float64))
    E.backward()
    expected = {"w34": w.grad[2, 3].item(), "b4": b_hidden.grad[3].item(),
                "psi1": psi.grad[0].item(), "b5": b_out.grad.item()}
    start = {"w34": BACKPROP_W_003[2][3], "b4": 0.0, "psi1": BACKPROP_PSI_003[0], "b5": 0.0}
    for eta in (1.0, 0.001):
        r = backprop_activity_003(eta)
        assert r["E"] == pytest.approx(E.item(), rel=1e-12)
        assert r["f(Z)"] == pytest.approx(out.item(), rel=1e-12)
        np.testing.assert_allclose(r["f(Y)"], fy.detach().numpy(), rtol=1e-12)
        for k, g in expected.items():
            assert r["gradients"][k] == pytest.approx(g, rel=1e-10), k
            assert r["updated"][k] == pytest.approx(start[k] - eta * g, rel=1e-10, abs=1e-15), k
    # the chain rule of 003: dE/dpsi1 = (f(Z) - y) f(Y1) and dE/db5 = f(Z) - y
    r = backprop_activity_003()
    assert r["gradients"]["b5"] == pytest.approx(r["f(Z)"] - BACKPROP_Y_003, rel=1e-12)
    assert r["gradients"]["psi1"] == pytest.approx((r["f(Z)"] - 1) * r["f(Y)"][0], rel=1e-12)
    rows = _example("backprop-3-4-1")["result"]["table"]["rows"]
    assert {row[0]: row[2] for row in rows} == pytest.approx(r["updated"])


def test_003_cnn_examples_in_the_worked_examples() -> None:
    assert _example("conv-5x5")["result"]["feature map"] == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    vol = _example("conv-volume")["result"]
    assert vol["per-channel"] == [308, -498, 164] and vol["output[0, 0]"] == -25
    assert _example("conv-7x7-stride-2")["result"]["output"] == "3x3"
    maps = [row[1] for row in _example("lenet5-sizes")["result"]["table"]["rows"]]
    assert maps == ["1@32x32", "6@28x28", "6@14x14", "16@10x10", "16@5x5", "120@1x1"]  # 002


def test_004_linreg_first_step_follows_the_formulas() -> None:
    rows = _example("linreg-gd")["result"]["table"]["rows"]
    x = np.arange(11.0)
    y = 3.0 * x + 0.5
    r = 0.58 * x + 0.25 - y
    ga, gb = np.mean(r * x), np.mean(r)  # 004: (1/n) sum (aX + b - y*) X and (1/n) sum (...)
    assert rows[0][:3] == [0, 0.58, 0.25]
    assert rows[1][1] == round(0.58 - 0.01 * ga, 4) and rows[1][2] == round(0.25 - 0.01 * gb, 4)


def test_004_printed_trajectory_cannot_be_recovered() -> None:
    """004's (a, b) trajectory (gamma = 0.01 from (0.58, 0.25)) depends on the data only through
    mean(x), mean(x^2), mean(xy), mean(y). For each (mean(x^2), mean(x)) of a grid over the only
    basin of good fits, the states are affine in (mean(xy), mean(y)), and the exact minimax fit of
    those two (a Chebyshev problem: its optimum is where 3 residuals are equal in size) still
    misses some printed value by more than the 0.005 of rounding. So no data set reproduces the
    printed trajectory, as the worked example says."""
    import itertools

    from course.cli.worked_examples import LINREG_004, LINREG_004_PRINTED

    a, b, lr = np.array(LINREG_004_PRINTED["a"]), np.array(LINREG_004_PRINTED["b"]), LINREG_004["lr"]
    triples = np.array(list(itertools.combinations(range(18), 3)))

    def best_miss(sxx: float, sx: float) -> float:
        M = np.array([[1 - lr * sxx, -lr * sx], [-lr * sx, 1 - lr]])
        c, D, G, H = np.array([LINREG_004["a0"], LINREG_004["b0"]]), np.zeros((2, 2)), [], []
        for k in range(1, 10):  # state_k = c_k + D_k (mean(xy), mean(y))
            c, D = M @ c, M @ D + lr * np.eye(2)
            G += [D[0], D[1]]
            H += [c[0] - a[k], c[1] - b[k]]
        G, H = np.array(G), np.array(H)
        best = np.inf
        for s2, s3 in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            s = np.array([1, s2, s3], dtype=float)
            A = np.concatenate([G[triples], -np.broadcast_to(s[:, None], (len(triples), 3, 1))], axis=2)
            ok = np.abs(np.linalg.det(A)) > 1e-12
            u = np.linalg.solve(A[ok], -H[triples][ok][..., None])[..., 0][:, :2]
            best = min(best, float(np.abs(u @ G.T + H).max(axis=1).min()))
        return best

    misses = [best_miss(sxx, sx) for sxx in np.arange(32.0, 39.01, 0.5) for sx in np.arange(2.5, 4.51, 0.25)]
    assert min(misses) > 0.0075 > 0.005
