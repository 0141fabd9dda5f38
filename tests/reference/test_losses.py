"""Losses and gradients: PyTorch parity (float64) over random shapes, centred differences,
and the fused deltas (y_hat - y)/m of 002."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference import losses as Lo
from course.reference.activations import sigmoid, softmax
from course.reference.gradcheck import grad_check

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 9)


def _t(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


@given(seed=seeds, n=sizes, m=sizes, half=st.booleans())
def test_mse_matches_torch(seed: int, n: int, m: int, half: bool) -> None:
    rng = np.random.default_rng(seed)
    y_hat, y = rng.normal(size=(n, m)), rng.normal(size=(n, m))
    loss, grad = Lo.mse_loss(y_hat, y, half=half)
    t = _t(y_hat, True)
    ref = torch.nn.functional.mse_loss(t, _t(y), reduction="sum") / m * (0.5 if half else 1.0)
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)
    if n == 1 and not half:  # one output: exactly torch's default MSELoss (mean)
        assert loss == pytest.approx(torch.nn.MSELoss()(_t(y_hat), _t(y)).item(), rel=1e-12)


@given(seed=seeds, n=sizes, m=sizes)
def test_bce_matches_torch(seed: int, n: int, m: int) -> None:
    rng = np.random.default_rng(seed)
    y_hat = rng.uniform(0.01, 0.99, size=(n, m))
    y = rng.integers(0, 2, size=(n, m)).astype(float)
    loss, grad = Lo.bce_loss(y_hat, y)
    t = _t(y_hat, True)
    ref = torch.nn.functional.binary_cross_entropy(t, _t(y), reduction="sum") / m
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-14)


@given(seed=seeds, c=st.integers(2, 7), m=sizes)
def test_cce_and_softmax_cce_match_torch(seed: int, c: int, m: int) -> None:
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3, size=(c, m))
    labels = rng.integers(0, c, size=m)
    y = np.eye(c)[:, labels]  # one-hot, C x m
    # softmax + CCE on logits: torch's CrossEntropyLoss takes (m, C) logits
    tz = _t(z.T.copy(), True)
    ref = torch.nn.functional.cross_entropy(tz, torch.tensor(labels))
    ref.backward()
    loss, dz = Lo.softmax_cce(z, y)
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dz, tz.grad.numpy().T, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(dz, (softmax(z) - y) / m, rtol=1e-12, atol=1e-15)  # 002
    # CCE on probabilities: NLLLoss of log(p)
    p = softmax(z)
    tp = _t(p.T.copy(), True)
    ref2 = torch.nn.functional.nll_loss(torch.log(tp), torch.tensor(labels))
    ref2.backward()
    loss2, dp = Lo.cce_loss(p, y)
    assert loss2 == pytest.approx(ref2.item(), rel=1e-10)
    np.testing.assert_allclose(dp, tp.grad.numpy().T, rtol=1e-10, atol=1e-14)


@given(seed=seeds, n=sizes, m=sizes)
def test_sigmoid_bce_matches_torch_with_logits(seed: int, n: int, m: int) -> None:
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=5, size=(n, m))
    y = rng.integers(0, 2, size=(n, m)).astype(float)
    t = _t(z, True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(t, _t(y), reduction="sum") / m
    ref.backward()
    loss, dz = Lo.sigmoid_bce(z, y)
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dz, t.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(dz, (sigmoid(z) - y) / m, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["mse", "bce", "cce"])
def test_loss_gradients_numerically(name: str) -> None:
    rng = np.random.default_rng(3)
    if name == "cce":
        y_hat = softmax(rng.normal(size=(3, 4)))
        y = np.eye(3)[:, [0, 2, 1, 2]]
    else:
        y_hat = rng.uniform(0.1, 0.9, size=(2, 5))
        y = rng.integers(0, 2, size=(2, 5)).astype(float)
    f = Lo.LOSSES[name]
    assert grad_check(lambda v: f(v, y)[0], y_hat, f(y_hat, y)[1]) < 1e-7


def test_fused_losses_numerically_and_stable() -> None:
    rng = np.random.default_rng(4)
    z = rng.normal(size=(3, 4))
    y = np.eye(3)[:, [1, 0, 2, 2]]
    assert grad_check(lambda v: Lo.softmax_cce(v, y)[0], z, Lo.softmax_cce(z, y)[1]) < 1e-7
    yb = (rng.random((1, 6)) > 0.5).astype(float)
    zb = rng.normal(size=(1, 6))
    assert grad_check(lambda v: Lo.sigmoid_bce(v, yb)[0], zb, Lo.sigmoid_bce(zb, yb)[1]) < 1e-7
    big = np.array([[800.0, -800.0]])
    loss, _ = Lo.sigmoid_bce(big, np.array([[0.0, 1.0]]))
    assert loss == pytest.approx(800.0)


def test_edge_probabilities() -> None:
    # y_hat = y exactly at 0/1 is a perfect prediction (loss 0), not an error
    assert Lo.bce_loss([[0.0, 1.0]], [[0.0, 1.0]])[0] == 0.0
    with pytest.raises(ParameterError, match="y_hat"):
        Lo.bce_loss([[0.0]], [[1.0]])
    with pytest.raises(ParameterError, match="y_hat"):
        Lo.bce_loss([[1.2]], [[1.0]])
    with pytest.raises(ParameterError, match="y_hat"):
        Lo.mse_loss(np.zeros((2, 3)), np.zeros((3, 2)))


def test_mse_1d_is_one_output() -> None:
    loss, grad = Lo.mse_loss([1.0, 2.0, 4.0], [1.0, 1.0, 1.0])
    assert loss == pytest.approx((0 + 1 + 9) / 3)
    np.testing.assert_allclose(grad, [0, 2 / 3, 2.0])
    assert Lo.mse_loss([1.0, 2.0, 4.0], [1.0, 1.0, 1.0], half=True)[0] == pytest.approx(10 / 6)
