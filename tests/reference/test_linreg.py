"""Gradient descent on y = a x + b (004): the loss convention 1/(2n), autograd parity, and
the trajectory of 004's example."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference.gradcheck import numerical_gradient
from course.reference.linreg import linreg_gd, linreg_loss_grad


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), lr=st.sampled_from([0.001, 0.01, 0.1]))
def test_steps_match_torch_sgd(seed: int, n: int, lr: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=n)
    y = 3.0 * x + 0.5 + rng.normal(scale=0.1, size=n)
    steps = linreg_gd(x, y, 0.58, 0.25, lr=lr, steps=5)
    a = torch.tensor(0.58, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.25, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([a, b], lr=lr)
    tx, ty = torch.tensor(x), torch.tensor(y)
    for s in steps:
        opt.zero_grad()
        loss = ((ty - (a * tx + b)) ** 2).sum() / (2 * n)  # 004's L
        loss.backward()
        assert s.loss == pytest.approx(loss.item(), rel=1e-12, abs=1e-15)
        assert s.grad_a == pytest.approx(a.grad.item(), rel=1e-12, abs=1e-15)
        assert s.grad_b == pytest.approx(b.grad.item(), rel=1e-12, abs=1e-15)
        opt.step()
        assert (s.a_new, s.b_new) == pytest.approx((a.item(), b.item()), rel=1e-12, abs=1e-15)


def test_gradients_numerically() -> None:
    x = np.array([0.0, 1.0, 2.0, 5.0])
    y = 3 * x + 0.5
    _, ga, gb = linreg_loss_grad(0.58, 0.25, x, y)
    num = numerical_gradient(lambda p: linreg_loss_grad(p[0], p[1], x, y)[0], np.array([0.58, 0.25]))
    np.testing.assert_allclose([ga, gb], num, rtol=1e-7)


def test_004_example_converges_toward_a3_b05() -> None:
    # 004: gamma = 0.01, a = 0.58, b = 0.25, target a = 3.0, b = 0.5. 004 does not print its
    # data, so only the qualitative trajectory is checked (a rises toward 3, b toward 0.5).
    x = np.linspace(0, 10, 21)
    y = 3.0 * x + 0.5
    steps = linreg_gd(x, y, 0.58, 0.25, lr=0.01, steps=200)
    assert steps[0].a == 0.58 and steps[0].b == 0.25
    assert steps[1].a > steps[0].a and steps[1].b > steps[0].b
    assert steps[-1].a_new == pytest.approx(3.0, abs=0.05)
    assert [s.step for s in steps[:3]] == [0, 1, 2]
    assert steps[-1].loss < steps[0].loss


def test_bad_inputs() -> None:
    with pytest.raises(ParameterError, match="lr"):
        linreg_gd([1.0], [1.0], 0, 0, lr=0)
    with pytest.raises(ParameterError, match="'y'"):
        linreg_gd([1.0, 2.0], [1.0], 0, 0)
