"""Optimisers step by step against torch.optim (float64, same hyper-parameters), penalties,
dropout and the mini-batch iteration counts (003)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference import optimizers as O
from course.reference.gradcheck import grad_check


def _run_both(seed: int, shape: tuple[int, ...], steps: int, ours, torch_opt, **kw) -> None:
    """Minimise f(w) = sum(c * w^2 + d * w) (gradients change every step) with both."""
    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=shape)
    c, d = rng.uniform(0.1, 2, size=shape), rng.normal(size=shape)
    tw = torch.tensor(w0, requires_grad=True)
    opt = torch_opt([tw], **kw)
    w, state = w0.copy(), {}
    for _ in range(steps):
        g = 2 * c * w + d
        w, state = ours(w, g, state)
        opt.zero_grad()
        (torch.tensor(c) * tw ** 2 + torch.tensor(d) * tw).sum().backward()
        opt.step()
        np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-11, atol=1e-13)


shapes = st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**32 - 1)
lrs = st.sampled_from([1e-3, 0.01, 0.1, 0.3])


@given(seed=seeds, shape=shapes, lr=lrs)
def test_sgd(seed, shape, lr) -> None:
    _run_both(seed, shape, 6, lambda w, g, s: (O.sgd_step(w, g, lr), s), torch.optim.SGD, lr=lr)


@given(seed=seeds, shape=shapes, lr=lrs, beta=st.sampled_from([0.5, 0.9, 0.99]))
def test_momentum(seed, shape, lr, beta) -> None:
    _run_both(seed, shape, 6, lambda w, g, s: O.momentum_step(w, g, s, lr, beta),
              torch.optim.SGD, lr=lr, momentum=beta)


@given(seed=seeds, shape=shapes, lr=lrs)
def test_adagrad(seed, shape, lr) -> None:
    _run_both(seed, shape, 6, lambda w, g, s: O.adagrad_step(w, g, s, lr),
              torch.optim.Adagrad, lr=lr, eps=1e-10)


@given(seed=seeds, shape=shapes, lr=lrs, rho=st.sampled_from([0.9, 0.99]))
def test_rmsprop(seed, shape, lr, rho) -> None:
    _run_both(seed, shape, 6, lambda w, g, s: O.rmsprop_step(w, g, s, lr, rho=rho, eps=1e-8),
              torch.optim.RMSprop, lr=lr, alpha=rho, eps=1e-8)


@given(seed=seeds, shape=shapes, lr=st.sampled_from([0.1, 1.0, 2.0]), rho=st.sampled_from([0.9, 0.95]),
       eps=st.sampled_from([1e-6, 1e-7]))
def test_adadelta(seed, shape, lr, rho, eps) -> None:
    _run_both(seed, shape, 6, lambda w, g, s: O.adadelta_step(w, g, s, lr, rho=rho, eps=eps),
              torch.optim.Adadelta, lr=lr, rho=rho, eps=eps)


@given(seed=seeds, shape=shapes, lr=lrs, b1=st.sampled_from([0.8, 0.9]),
       b2=st.sampled_from([0.99, 0.999]), eps=st.sampled_from([1e-8, 1e-7]))
def test_adam(seed, shape, lr, b1, b2, eps) -> None:
    _run_both(seed, shape, 8, lambda w, g, s: O.adam_step(w, g, s, lr, b1, b2, eps),
              torch.optim.Adam, lr=lr, betas=(b1, b2), eps=eps)


def test_adam_bias_correction_uses_t() -> None:
    # 003 prints m / (1 - beta1): at t = 2 the standard correction divides by 1 - beta1^2
    g = np.array([0.5])
    w, s = O.adam_step(np.zeros(1), g, {}, lr=0.1)
    w, s = O.adam_step(w, g, s, lr=0.1)
    assert s["t"] == 2
    m_hat = s["m"] / (1 - 0.9 ** 2)
    assert m_hat[0] == pytest.approx(0.5)  # a constant gradient is recovered exactly
    assert s["m"][0] / (1 - 0.9) != pytest.approx(0.5)


def test_penalties_and_gradients() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 4))
    lam = 0.01
    assert O.l1_penalty(w, lam) == pytest.approx(lam * np.abs(w).sum())
    assert O.l2_penalty(w, lam) == pytest.approx(lam * (w ** 2).sum())
    assert grad_check(lambda v: O.l1_penalty(v, lam), w, O.l1_grad(w, lam)) < 1e-7
    assert grad_check(lambda v: O.l2_penalty(v, lam), w, O.l2_grad(w, lam)) < 1e-7
    np.testing.assert_array_equal(O.l1_grad(np.array([-2.0, 0.0, 3.0]), 1.0), [-1, 0, 1])  # 003
    # torch: autograd of the same penalties
    tw = torch.tensor(w, requires_grad=True)
    (lam * tw.abs().sum() + lam * (tw ** 2).sum()).backward()
    np.testing.assert_allclose(O.l1_grad(w, lam) + O.l2_grad(w, lam), tw.grad.numpy(), rtol=1e-12)


def test_dropout_mask_and_count() -> None:
    assert O.dropped_units(10, 0.5) == 5 and O.dropped_units(128, 0.25) == 32  # M = n x p
    assert O.dropped_units(5, 0.5) == 3  # 2.5 rounds half up
    rng = np.random.default_rng(0)
    mask = O.dropout_mask((400, 500), 0.3, rng)
    kept = mask != 0
    np.testing.assert_allclose(mask[kept], 1 / 0.7)
    assert abs(1 - kept.mean() - 0.3) < 0.01 and abs(mask.mean() - 1) < 0.02
    assert np.all(O.dropout_mask((3,), 0.0, rng) == 1) and np.all(O.dropout_mask((3,), 1.0, rng) == 0)
    with pytest.raises(ParameterError, match="'p'"):
        O.dropout_mask((3,), 1.5, rng)


@given(n=st.integers(1, 10_000), bs=st.integers(1, 512), epochs=st.integers(1, 50))
def test_gd_variant_counts(n: int, bs: int, epochs: int) -> None:
    c = O.gd_variant_counts(n, bs, epochs)
    assert c["iterations_per_epoch"] == math.ceil(n / bs) == O.iterations_per_epoch(n, bs)
    assert c["minibatch_updates"] == c["iterations_per_epoch"] * epochs
    assert c["sgd_updates"] == n * epochs and c["bgd_updates"] == epochs
    assert 1 <= c["last_batch_size"] <= bs


def test_quiz_003_batch_size_one() -> None:
    assert O.gd_variant_counts(100, 1)["iterations_per_epoch"] == 100  # 003 quiz answer


def test_bad_hyperparameters() -> None:
    with pytest.raises(ParameterError, match="lr"):
        O.sgd_step(np.zeros(2), np.zeros(2), -1)
    with pytest.raises(ParameterError, match="beta1"):
        O.adam_step(np.zeros(2), np.zeros(2), {}, beta1=1.0)
    with pytest.raises(ParameterError, match="batch"):
        O.gd_variant_counts(10, 0)
