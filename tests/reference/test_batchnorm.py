"""Batch normalisation reference: seed formulas, PyTorch parity (train/eval), gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference.batchnorm import (
    BatchNormState,
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_init_state,
    batchnorm_update_state,
)
from course.reference.gradcheck import numerical_gradient


def test_seed_defaults_and_initial_state():
    # 003: momentum 0.99, eps 1e-3, moving_mean 0, moving_variance 1, gamma 1, beta 0
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0], [7.0, 2.0]])
    out, cache = batchnorm_forward(x, np.ones(2), np.zeros(2), None)
    state = batchnorm_update_state(None, cache)
    mean_b = x.sum(axis=0) / 4
    sigma_b = ((x - mean_b) ** 2).sum(axis=0) / 4
    np.testing.assert_allclose(out, (x - mean_b) / np.sqrt(sigma_b + 1e-3), rtol=1e-14)
    np.testing.assert_allclose(state.moving_mean, 0.99 * 0 + 0.01 * mean_b, rtol=1e-14)
    np.testing.assert_allclose(state.moving_var, 0.99 * 1 + 0.01 * sigma_b, rtol=1e-14)
    init = batchnorm_init_state(3)
    assert init.moving_mean.tolist() == [0, 0, 0] and init.moving_var.tolist() == [1, 1, 1]


def test_unbiased_option_scales_the_batch_variance():
    x = np.random.default_rng(0).standard_normal((5, 3))
    _, cache = batchnorm_forward(x, np.ones(3), np.zeros(3), None)
    biased = batchnorm_update_state(None, cache, momentum=0.0)
    unbiased = batchnorm_update_state(None, cache, momentum=0.0, unbiased=True)
    np.testing.assert_allclose(biased.moving_var, x.var(axis=0), rtol=1e-14)
    np.testing.assert_allclose(unbiased.moving_var, x.var(axis=0, ddof=1), rtol=1e-14)


@st.composite
def bn_case(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    images = draw(st.booleans())
    n, c = draw(st.integers(2, 6)), draw(st.integers(1, 4))
    shape = (n, c, draw(st.integers(1, 4)), draw(st.integers(1, 4))) if images else (n, c)
    x = rng.normal(1.0, 2.0, size=shape)
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    momentum = draw(st.sampled_from([0.99, 0.9, 0.5]))
    eps = draw(st.sampled_from([1e-3, 1e-5]))
    return x, gamma, beta, momentum, eps, rng


@settings(max_examples=40, deadline=None)
@given(case=bn_case())
def test_matches_torch_train_then_eval(case):
    x, gamma, beta, momentum, eps, rng = case
    c = x.shape[1]
    bn = (torch.nn.BatchNorm2d if x.ndim == 4 else torch.nn.BatchNorm1d)(
        c, eps=eps, momentum=1 - momentum).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
    state = None
    for step in range(3):  # running statistics over several batches
        xs = x + step
        out, cache = batchnorm_forward(xs, gamma, beta, state, train=True, eps=eps)
        state = batchnorm_update_state(state, cache, momentum=momentum, unbiased=True)
        xt = torch.tensor(xs, requires_grad=True)
        bn.train()
        yt = bn(xt)
        np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(state.moving_mean, bn.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(state.moving_var, bn.running_var.numpy(), rtol=1e-12)
        dout = rng.standard_normal(out.shape)
        bn.zero_grad()
        yt.backward(torch.tensor(dout))
        dx, dgamma, dbeta = batchnorm_backward(dout, cache)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(dgamma, bn.weight.grad.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(dbeta, bn.bias.grad.numpy(), rtol=1e-10, atol=1e-10)
    bn.eval()
    xt = torch.tensor(x * 0.5, requires_grad=True)
    yt = bn(xt)
    out, cache = batchnorm_forward(x * 0.5, gamma, beta, state, train=False, eps=eps)
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    with pytest.raises(ParameterError, match="cache"):  # inference updates nothing
        batchnorm_update_state(state, cache)
    dout = rng.standard_normal(out.shape)
    yt.backward(torch.tensor(dout))
    np.testing.assert_allclose(batchnorm_backward(dout, cache)[0], xt.grad.numpy(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 2, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_numerical_gradient(shape, train):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(shape)
    c = shape[1]
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    state = BatchNormState(rng.standard_normal(c), rng.uniform(0.5, 2, c))
    out, cache = batchnorm_forward(x, gamma, beta, state, train=train)
    dout = rng.standard_normal(out.shape)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)

    def loss(xx, g, b):
        return float((batchnorm_forward(xx, g, b, state, train=train)[0] * dout).sum())

    np.testing.assert_allclose(dx, numerical_gradient(lambda v: loss(v, gamma, beta), x),
                               rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(dgamma, numerical_gradient(lambda v: loss(x, v, beta), gamma),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dbeta, numerical_gradient(lambda v: loss(x, gamma, v), beta),
                               rtol=1e-6, atol=1e-8)


def test_state_is_not_mutated():
    state = batchnorm_init_state(2)
    x = np.arange(6.0).reshape(3, 2)
    _, cache = batchnorm_forward(x, np.ones(2), np.zeros(2), state)
    batchnorm_update_state(state, cache)
    batchnorm_forward(x, np.ones(2), np.zeros(2), state, train=False)
    assert state.moving_mean.tolist() == [0, 0] and state.moving_var.tolist() == [1, 1]


def test_bad_input_names_the_parameter():
    with pytest.raises(ParameterError, match="gamma"):
        batchnorm_forward(np.zeros((3, 2)), np.ones(3), np.zeros(2), None)
    with pytest.raises(ParameterError, match="x"):
        batchnorm_forward(np.zeros((3, 2, 2)), np.ones(2), np.zeros(2), None)
    _, cache = batchnorm_forward(np.zeros((1, 2)), np.ones(2), np.zeros(2), None)
    with pytest.raises(ParameterError, match="momentum"):
        batchnorm_update_state(None, cache, momentum=1.5)
    with pytest.raises(ParameterError, match="x"):  # one value per feature has no unbiased variance
        batchnorm_update_state(None, cache, unbiased=True)
    with pytest.raises(ParameterError, match="dout"):
        batchnorm_backward(np.zeros((2, 2)), cache)
