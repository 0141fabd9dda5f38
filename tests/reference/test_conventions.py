"""Output sizes and parameter counts (conventions.py) against the seeds and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course.reference import conventions as cv
from course.reference.conv import conv2d_forward, conv2d_forward_naive, conv2d_position_terms
from course.reference.pooling import maxpool_forward


def test_seed_7x7_kernel_3_stride_2_gives_3x3():
    # 003, "Convolution simple depth = 1": input 7x7, kernel 3x3, stride 2 -> output 3x3
    assert cv.conv_output_size(7, 3, 2, "valid") == 3
    out, _ = conv2d_forward(np.ones((1, 1, 7, 7)), np.ones((1, 1, 3, 3)), np.zeros(1), stride=2)
    assert out.shape == (1, 1, 3, 3)


def test_seed_5x5_example():
    # 003, "Exemple de calcul": 5x5 input, 3x3 filter, stride 1, valid
    x = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=float)[None, None]
    k = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)[None, None]
    expected = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]], dtype=float)
    for conv in (conv2d_forward, conv2d_forward_naive):
        out, _ = conv(x, k, np.zeros(1))
        np.testing.assert_array_equal(out[0, 0], expected)


# 003, "Convolution en volume": three input channels (first rows, zero-padded), one filter.
SEED_CHANNELS = [
    [[156, 155, 156, 158, 158, 158], [153, 154, 157, 159, 159, 159]],
    [[167, 166, 167, 169, 169, 169], [164, 165, 168, 170, 170, 170]],
    [[163, 162, 163, 165, 170, 170], [160, 161, 164, 165, 166, 166]],
]
# Kernel 1, channels 2 and 3 as printed in 003. Channel 1: 003's text reads
# [[-1,-1,-1],[0,1,0],[0,1,1]], which does not give the printed 308; the figure the
# slides reproduce (also in 002, "produit de convolution") has [[-1,-1,1],[0,1,-1],[0,1,1]].
KERNEL_PRINTED_CH1 = [[-1, -1, -1], [0, 1, 0], [0, 1, 1]]
KERNEL = [
    [[-1, -1, 1], [0, 1, -1], [0, 1, 1]],
    [[1, 0, 0], [1, -1, -1], [1, 0, -1]],
    [[0, 1, 1], [0, 1, 0], [1, -1, 1]],
]


def test_seed_multichannel_example_minus_25():
    x = np.array(SEED_CHANNELS, dtype=float)[None]
    w = np.array(KERNEL, dtype=float)[None]
    terms = conv2d_position_terms(x, w, n=0, f=0, i=0, j=0, padding=1)
    np.testing.assert_array_equal(terms, [308, -498, 164])  # 003 prints -498 once, -489 once
    assert terms[1] != -489  # the slip: -489 does not make the total add up
    for conv in (conv2d_forward, conv2d_forward_naive):
        for padding in (1, "same"):
            out, _ = conv(x, w, np.array([1.0]), padding=padding)
            assert out[0, 0, 0, 0] == -25  # 308 - 498 + 164 + 1
    printed = w.copy()
    printed[0, 0] = KERNEL_PRINTED_CH1
    assert conv2d_position_terms(x, printed, 0, 0, 0, 0, padding=1)[0] != 308


def test_lenet5_feature_map_sizes():
    # 002, LeNet-5: 32x32 -> C1 6@28x28 -> S2 6@14x14 -> C3 16@10x10 -> S4 16@5x5 -> C5 120
    sizes = [32]
    sizes.append(cv.conv_output_size(sizes[-1], 5))
    sizes.append(cv.pool_output_size(sizes[-1], 2))
    sizes.append(cv.conv_output_size(sizes[-1], 5))
    sizes.append(cv.pool_output_size(sizes[-1], 2))
    sizes.append(cv.conv_output_size(sizes[-1], 5))
    assert sizes == [32, 28, 14, 10, 5, 1]
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5), torch.nn.MaxPool2d(2), torch.nn.Conv2d(6, 16, 5),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(16, 120, 5))
    shapes, x = [], torch.zeros(1, 1, 32, 32)
    for layer in net:
        x = layer(x)
        shapes.append(x.shape[-1])
    assert shapes == sizes[1:]
    assert [cv.conv2d_params(5, 5, 1, 6), cv.conv2d_params(5, 5, 6, 16)] == [
        sum(p.numel() for p in net[0].parameters()), sum(p.numel() for p in net[2].parameters())]


def test_vgg_same_padding_keeps_size_and_pool_halves():
    # 002/003, VGG: 'same' 3x3 convolutions keep 224, each 2x2 max pool halves it down to 7
    size = 224
    for _ in range(5):
        assert cv.conv_output_size(size, 3, 1, "same") == size
        size = cv.pool_output_size(size, 2)
    assert size == 7


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 40), f=st.integers(1, 7), stride=st.integers(1, 4),
       pad=st.integers(0, 3), dilation=st.integers(1, 3))
def test_general_formula_matches_torch_conv2d(h, f, stride, pad, dilation):
    span = dilation * (f - 1) + 1
    conv = torch.nn.Conv2d(1, 1, f, stride=stride, padding=pad, dilation=dilation)
    if span > h + 2 * pad:
        with pytest.raises(ValueError):
            cv.general_output_size(h, f, stride, pad, dilation)
        return
    with torch.no_grad():
        out = conv(torch.zeros(1, 1, h, h))
    assert out.shape[-1] == cv.general_output_size(h, f, stride, pad, dilation)


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 30), f=st.integers(1, 6), stride=st.integers(1, 4))
def test_keras_formulas_match_explicit_padding(h, f, stride):
    # valid = the general formula with pad 0; same = the output after TF's split
    if f <= h:
        assert cv.conv_output_size(h, f, stride, "valid") == cv.general_output_size(h, f, stride)
        assert cv.pool_output_size(h, f, stride, "valid") == cv.general_output_size(h, f, stride)
    before, after = cv.same_padding(h, f, stride)
    assert after - before in (0, 1) and before >= 0
    padded = h + before + after
    if f <= padded:
        assert (padded - f) // stride + 1 == cv.conv_output_size(h, f, stride, "same")
    assert cv.pool_output_size(h, f, stride, "same") == cv.conv_output_size(h, f, stride, "same")


@settings(max_examples=25, deadline=None)
@given(h=st.integers(2, 12), w=st.integers(2, 12), p=st.integers(1, 4), s=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]))
def test_pool_output_shape_matches_formula(h, w, p, s, padding):
    if padding == "valid" and (p > h or p > w):
        return
    out, _ = maxpool_forward(np.zeros((1, 1, h, w)), p, s, padding)
    assert out.shape[2:] == (cv.pool_output_size(h, p, s, padding),
                             cv.pool_output_size(w, p, s, padding))


@settings(max_examples=30, deadline=None)
@given(kh=st.integers(1, 5), kw=st.integers(1, 5), c=st.integers(1, 6), f=st.integers(1, 8))
def test_conv_params_match_torch(kh, kw, c, f):
    conv = torch.nn.Conv2d(c, f, (kh, kw))
    assert cv.conv2d_params(kh, kw, c, f) == sum(p.numel() for p in conv.parameters())
    nobias = torch.nn.Conv2d(c, f, (kh, kw), bias=False)
    assert cv.conv2d_params(kh, kw, c, f, bias=False) == nobias.weight.numel()


def test_seed_conv_keras_layer_params():
    # 003: Conv2D(20, (3, 3)) on 64x64x3 -> (3*3*3 + 1) * 20
    assert cv.conv2d_params(3, 3, 3, 20) == sum(
        p.numel() for p in torch.nn.Conv2d(3, 20, 3).parameters())


@settings(max_examples=20, deadline=None)
@given(c=st.integers(1, 32))
def test_batchnorm_params_match_torch(c):
    bn = torch.nn.BatchNorm2d(c)
    trainable = sum(p.numel() for p in bn.parameters())
    non_trainable = bn.running_mean.numel() + bn.running_var.numel()
    assert cv.batchnorm_params(c) == (trainable, non_trainable)


@settings(max_examples=30, deadline=None)
@given(cell=st.sampled_from(["rnn", "lstm", "gru"]), n=st.integers(1, 20), u=st.integers(1, 20))
def test_rnn_params_match_torch_and_keras_shapes(cell, n, u):
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    layer = cls(n, u, batch_first=True)
    assert cv.rnn_params(cell, n, u, "torch") == sum(p.numel() for p in layer.parameters())
    # Keras: kernel (n, g u), recurrent_kernel (u, g u), bias (g u,) or (2, 3u) for GRU
    g = cv.GATES[cell]
    kernel, recurrent = n * g * u, u * g * u
    assert cv.rnn_params(cell, n, u, "keras") == kernel + recurrent + (
        2 * g * u if cell == "gru" else g * u)
    if cell == "gru":
        assert cv.rnn_params(cell, n, u, "keras", reset_after=False) == kernel + recurrent + g * u


def test_dense_and_mlp_params_match_torch():
    mlp = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    assert cv.mlp_params([2, 3, 1]) == sum(p.numel() for p in mlp.parameters()) == 13  # 001
    assert cv.dense_params(4, 5) == sum(p.numel() for p in torch.nn.Linear(4, 5).parameters())


def test_mlp_depth_does_not_count_the_input_layer():
    """002: "Réseau de neurones à 2 couches (par convention) : une couche cachée à 6 neurones,
    une couche de sortie à 2 neurones ; la couche d'entrée n'est pas comptée"."""
    from course.base.errors import ParameterError
    from course.reference.conventions import mlp_depth

    assert mlp_depth([4, 6, 2]) == 2
    assert mlp_depth([2, 3, 1]) == len([m for m in torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1)) if isinstance(m, torch.nn.Linear)])
    with pytest.raises(ParameterError):
        mlp_depth([3])
