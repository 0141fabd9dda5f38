"""Max/average pooling reference: PyTorch parity (Keras 'same'), gradients, seed formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import given, settings
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference.conventions import pool_output_size
from course.reference.gradcheck import numerical_gradient
from course.reference.pooling import (
    avgpool_backward,
    avgpool_forward,
    maxpool_backward,
    maxpool_forward,
)


def tf_same_pads(h: int, k: int, s: int) -> tuple[int, int]:
    total = max((math.ceil(h / s) - 1) * s + k - h, 0)
    return total // 2, total - total // 2


def torch_pool(kind, xt, k, s, padding):
    """Keras pooling written with PyTorch ops (padding split written out here)."""
    if padding == "valid":
        pads = (0, 0, 0, 0)
    else:
        top, bottom = tf_same_pads(xt.shape[2], k, s)
        left, right = tf_same_pads(xt.shape[3], k, s)
        pads = (left, right, top, bottom)
    if kind == "max":
        return F.max_pool2d(F.pad(xt, pads, value=-math.inf), k, s)
    sums = F.avg_pool2d(F.pad(xt, pads), k, s) * k * k
    ones = torch.ones((1, 1) + tuple(xt.shape[2:]), dtype=xt.dtype)
    counts = F.avg_pool2d(F.pad(ones, pads), k, s) * k * k
    return sums / counts


@st.composite
def pool_case(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.integers(1, 4))
    s = draw(st.integers(1, 4))
    padding = draw(st.sampled_from(["valid", "same"]))
    h, w = draw(st.integers(k, 9)), draw(st.integers(k, 9))
    x = rng.standard_normal((draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w))
    return x, k, s, padding


FORWARD = {"max": maxpool_forward, "avg": avgpool_forward}
BACKWARD = {"max": maxpool_backward, "avg": avgpool_backward}


@pytest.mark.parametrize("kind", ["max", "avg"])
@settings(max_examples=40, deadline=None)
@given(case=pool_case())
def test_forward_and_backward_match_torch(kind, case):
    x, k, s, padding = case
    out, cache = FORWARD[kind](x, k, s, padding)
    assert out.shape[2:] == (pool_output_size(x.shape[2], k, s, padding),
                             pool_output_size(x.shape[3], k, s, padding))
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_pool(kind, xt, k, s, padding)
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    yt.backward(torch.tensor(dout))
    np.testing.assert_allclose(BACKWARD[kind](dout, cache), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k,h", [(3, 7), (5, 8), (3, 4)])
def test_same_stride_1_matches_torch_builtin(k, h):
    # odd pools with stride 1: the padding is symmetric, PyTorch can do it natively
    x = np.random.default_rng(k * h).standard_normal((2, 3, h, h + 2))
    p = k // 2
    out, _ = maxpool_forward(x, k, 1, "same")
    np.testing.assert_array_equal(out, F.max_pool2d(torch.tensor(x), k, 1, padding=p).numpy())
    out, _ = avgpool_forward(x, k, 1, "same")
    expected = F.avg_pool2d(torch.tensor(x), k, 1, padding=p, count_include_pad=False).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_default_stride_is_pool_size_and_torch_defaults_agree():
    # Keras strides=None and PyTorch stride=None both mean stride = pool size
    x = np.random.default_rng(0).standard_normal((1, 2, 8, 6))
    out, _ = maxpool_forward(x, 2)
    np.testing.assert_array_equal(out, F.max_pool2d(torch.tensor(x), 2).numpy())
    out, _ = avgpool_forward(x, (4, 3))
    np.testing.assert_allclose(out, F.avg_pool2d(torch.tensor(x), (4, 3)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("k,s,padding", [(2, 2, "valid"), (3, 2, "same"), (2, 1, "same"), (3, 1, 1)])
def test_numerical_gradient(kind, k, s, padding):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 5, 6))
    out, cache = FORWARD[kind](x, k, s, padding)
    dout = rng.standard_normal(out.shape)
    num = numerical_gradient(lambda v: float((FORWARD[kind](v, k, s, padding)[0] * dout).sum()), x)
    np.testing.assert_allclose(BACKWARD[kind](dout, cache), num, rtol=1e-6, atol=1e-8)


def test_explicit_padding_max_ignores_padded_cells():
    x = -np.ones((1, 1, 3, 3))  # all negative: a zero from padding would win the max
    out, _ = maxpool_forward(x, 3, 1, 1)
    np.testing.assert_array_equal(out, -np.ones((1, 1, 3, 3)))


def test_bad_input_names_the_parameter():
    with pytest.raises(ParameterError, match="x"):
        maxpool_forward(np.zeros((3, 3)), 2)
    with pytest.raises(ParameterError, match="padding"):
        avgpool_forward(np.zeros((1, 1, 3, 3)), 2, padding="full")
    with pytest.raises(ParameterError, match="size"):
        maxpool_forward(np.zeros((1, 1, 3, 3)), 0)
    with pytest.raises(ParameterError, match="padding"):  # PyTorch: at most half the pool
        avgpool_forward(np.zeros((1, 1, 3, 3)), 2, padding=2)


@pytest.mark.parametrize("k, p, h", [(2, 1, 5), (3, 1, 4), (3, 1, 6)])
def test_count_include_pad_matches_torch_default(k, p, h):
    rng = np.random.default_rng(k * 10 + h)
    x = rng.normal(size=(1, 2, h, h))
    ours, _ = avgpool_forward(x, k, k, p, count_include_pad=True)
    ref = F.avg_pool2d(torch.tensor(x), k, k, p, count_include_pad=True).numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    excl, _ = avgpool_forward(x, k, k, p)
    ref_excl = F.avg_pool2d(torch.tensor(x), k, k, p, count_include_pad=False).numpy()
    np.testing.assert_allclose(excl, ref_excl, rtol=1e-12, atol=1e-12)


def test_count_include_pad_with_same_divides_by_the_window_size():
    x = np.arange(25.0).reshape(1, 1, 5, 5)  # same, 2x2, stride 2: one zero row/column at the end
    out, _ = avgpool_forward(x, 2, 2, "same", count_include_pad=True)
    np.testing.assert_allclose(out[0, 0, -1, -1], 24.0 / 4)
    np.testing.assert_allclose(avgpool_forward(x, 2, 2, "same")[0][0, 0, -1, -1], 24.0)
