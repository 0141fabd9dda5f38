"""Conv2D reference: naive vs im2col, PyTorch parity for every padding mode, gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import given, settings
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference.conv import conv2d_backward, conv2d_forward, conv2d_forward_naive
from course.reference.gradcheck import numerical_gradient


def tf_same_pads(h: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's 'same' split, written out here independently of the reference."""
    total = max((math.ceil(h / s) - 1) * s + k - h, 0)
    return total // 2, total - total // 2


def torch_conv(x, w, b, stride, padding):
    """The same convolution in PyTorch (float64)."""
    xt, wt, bt = (torch.tensor(a) for a in (x, w, b))
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    if padding == "same":
        top, bottom = tf_same_pads(x.shape[2], w.shape[2], sh)
        left, right = tf_same_pads(x.shape[3], w.shape[3], sw)
        return F.conv2d(F.pad(xt, (left, right, top, bottom)), wt, bt, stride=(sh, sw))
    pad = 0 if padding == "valid" else padding
    return F.conv2d(xt, wt, bt, stride=(sh, sw), padding=pad)


@st.composite
def conv_case(draw, max_size=9):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(kh, max_size)), draw(st.integers(kw, max_size))
    stride = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = draw(st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 2),
                             st.tuples(st.integers(0, 2), st.integers(0, 2))))
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f)
    return x, wt, b, stride, padding


@settings(max_examples=60, deadline=None)
@given(case=conv_case())
def test_forward_matches_torch_and_naive(case):
    x, w, b, stride, padding = case
    out, _ = conv2d_forward(x, w, b, stride, padding)
    expected = torch_conv(x, w, b, stride, padding).numpy()
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    naive, _ = conv2d_forward_naive(x, w, b, stride, padding)
    np.testing.assert_allclose(naive, out, rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("h", [5, 6, 7])
def test_same_stride_1_matches_torch_same(k, h):
    # PyTorch's own padding='same' (stride 1) also puts an odd extra at the bottom/right
    rng = np.random.default_rng(10 * k + h)
    x, w, b = rng.standard_normal((2, 2, h, h + 1)), rng.standard_normal((3, 2, k, k)), np.zeros(3)
    out, _ = conv2d_forward(x, w, b, 1, "same")
    expected = F.conv2d(torch.tensor(x), torch.tensor(w), padding="same").numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_same_even_kernel_stride_2_is_asymmetric():
    # h = 6, k = 4, s = 2: out 3, total padding (3-1)*2 + 4 - 6 = 2 -> 1 on each side;
    # h = 7: total (4-1)*2 + 4 - 7 = 3 -> 1 before, 2 after (TensorFlow), not 2/1
    x = np.arange(49, dtype=float).reshape(1, 1, 7, 7)
    w = np.zeros((1, 1, 4, 4))
    w[0, 0, 0, 0] = 1.0  # picks the top-left cell of each window
    out, _ = conv2d_forward(x, w, np.zeros(1), 2, "same")
    assert out.shape == (1, 1, 4, 4)
    # the first window starts one row/column before the image: its corner is padding
    assert out[0, 0, 0, 0] == 0.0 and out[0, 0, 1, 1] == x[0, 0, 1, 1]


@settings(max_examples=40, deadline=None)
@given(case=conv_case())
def test_backward_matches_torch_autograd(case):
    x, w, b, stride, padding = case
    out, cache = conv2d_forward(x, w, b, stride, padding)
    dout = np.random.default_rng(0).standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    if padding == "same":
        top, bottom = tf_same_pads(x.shape[2], w.shape[2], sh)
        left, right = tf_same_pads(x.shape[3], w.shape[3], sw)
        yt = F.conv2d(F.pad(xt, (left, right, top, bottom)), wt, bt, stride=(sh, sw))
    else:
        yt = F.conv2d(xt, wt, bt, stride=(sh, sw), padding=0 if padding == "valid" else padding)
    yt.backward(torch.tensor(dout))
    for mine, theirs in ((dx, xt), (dw, wt), (db, bt)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("stride,padding", [(1, "valid"), (2, "same"), ((2, 1), 1), (3, "same")])
def test_backward_numerical_gradient(stride, padding):
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    out, cache = conv2d_forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)

    def loss(xx, ww, bb):
        return float((conv2d_forward(xx, ww, bb, stride, padding)[0] * dout).sum())

    np.testing.assert_allclose(dx, numerical_gradient(lambda v: loss(v, w, b), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dw, numerical_gradient(lambda v: loss(x, v, b), w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numerical_gradient(lambda v: loss(x, w, v), b), rtol=1e-6, atol=1e-8)


def test_naive_and_vectorised_share_the_backward():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 2, 3, 3)), rng.standard_normal(2)
    out1, c1 = conv2d_forward_naive(x, w, b, 2, "same")
    out2, c2 = conv2d_forward(x, w, b, 2, "same")
    dout = rng.standard_normal(out1.shape)
    for g1, g2 in zip(conv2d_backward(dout, c1), conv2d_backward(dout, c2)):
        np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs,name", [
    ({"w": np.zeros((1, 2, 3, 3))}, "w"),
    ({"padding": "full"}, "padding"),
    ({"padding": -1}, "padding"),
    ({"stride": 0}, "stride"),
    ({"b": np.zeros(2)}, "b"),
    ({"w": np.zeros((1, 1, 6, 6))}, "padding"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    args = {"x": np.zeros((1, 1, 5, 5)), "w": np.zeros((1, 1, 3, 3)), "b": np.zeros(1),
            "stride": 1, "padding": "valid"}
    args.update(kwargs)
    with pytest.raises(ParameterError, match=name):
        conv2d_forward(**args)
