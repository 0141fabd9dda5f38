"""Dense layers and MLPs in the course notation: PyTorch autograd parity over random
architectures, numerical gradient checks, shapes and parameter counts (001)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference import dense as D
from course.reference import losses
from course.reference.activations import activation_forward, sigmoid
from course.reference.conventions import mlp_params
from course.reference.gradcheck import grad_check

TORCH_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
             "elu": torch.nn.functional.elu, "softplus": torch.nn.functional.softplus,
             "linear": lambda t: t, "softmax": lambda t: torch.softmax(t, dim=0)}
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]
HEADS = [("linear", "mse"), ("sigmoid", "bce"), ("softmax", "cce"), ("tanh", "mse"),
         ("sigmoid", "mse")]
FUSED = {("sigmoid", "bce"): losses.sigmoid_bce, ("softmax", "cce"): losses.softmax_cce}


def _forward_backward(X: np.ndarray, Y: np.ndarray, params: dict[str, np.ndarray], acts: list[str],
                      loss: str) -> tuple[np.ndarray, D.MLPCache, dict[str, np.ndarray]]:
    """A[L], the cache and the gradients, as dense.py prescribes: a sigmoid + BCE or softmax +
    CCE head takes the loss on the logits (002's output delta (A[L] - Y) / m)."""
    fused = FUSED.get((acts[-1], loss))
    if fused is None:
        AL, cache = D.mlp_forward(X, params, acts)
        return AL, cache, D.mlp_backward(losses.LOSSES[loss](AL, Y)[1], cache)
    ZL, cache = D.mlp_forward(X, params, [*acts[:-1], "linear"])
    AL = activation_forward(ZL, acts[-1])[0]
    return AL, cache, D.mlp_backward(fused(ZL, Y)[1], cache)


def _problem(seed: int, layers: list[int], m: int, head: str, rng_scale: float = 1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(layers[0], m))
    params = D.mlp_init(layers, rng, scheme="glorot")
    for k in params:
        if k.startswith("b"):
            params[k] = rng.normal(scale=0.1, size=params[k].shape)
    nL = layers[-1]
    if head == "softmax":
        Y = np.eye(nL)[:, rng.integers(0, nL, size=m)]
    elif head == "sigmoid":
        Y = rng.integers(0, 2, size=(nL, m)).astype(float)
    else:
        Y = rng.normal(size=(nL, m))
    return X, Y, params


def _torch_loss(AL: torch.Tensor, Y: torch.Tensor, loss: str, m: int) -> torch.Tensor:
    if loss == "mse":
        return ((AL - Y) ** 2).sum() / m
    if loss == "bce":
        return torch.nn.functional.binary_cross_entropy(AL, Y, reduction="sum") / m
    return -(Y * torch.log(AL)).sum() / m


@given(seed=st.integers(0, 2**32 - 1),
       layers=st.lists(st.integers(1, 6), min_size=2, max_size=5),
       m=st.integers(1, 6), hidden=st.sampled_from(HIDDEN), head=st.sampled_from(HEADS))
def test_mlp_forward_backward_match_torch_autograd(seed, layers, m, hidden, head) -> None:
    act_out, loss = head
    if act_out == "softmax" and layers[-1] < 2:
        layers = [*layers[:-1], 2]
    acts = [hidden] * (len(layers) - 2) + [act_out]
    X, Y, params = _problem(seed, layers, m, act_out)
    AL, cache, grads = _forward_backward(X, Y, params, acts, loss)

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    A = torch.tensor(X)
    for l, name in enumerate(acts, start=1):
        A = TORCH_ACT[name](tp[f"W{l}"] @ A + tp[f"b{l}"])
    tl = _torch_loss(A, torch.tensor(Y), loss, m)
    tl.backward()
    np.testing.assert_allclose(AL, A.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert D.mlp_loss(AL, Y, loss) == pytest.approx(tl.item(), rel=1e-10, abs=1e-14)
    for k in params:
        np.testing.assert_allclose(grads[f"d{k}"], tp[k].grad.numpy(), rtol=1e-9, atol=1e-12)
    # every Z[l], A[l] is kept in the caches with the course's shapes
    for layer, shp in zip(cache.layers, D.mlp_shapes(layers, m)):
        assert layer.Z.shape == shp["Z"] and layer.A.shape == shp["A"]


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("head", HEADS)
def test_mlp_backward_numerical_gradient(hidden: str, head: tuple[str, str]) -> None:
    act_out, loss = head
    layers = [3, 4, 3]
    acts = [hidden, act_out]
    X, Y, params = _problem(11, layers, 5, act_out)
    _, _, grads = _forward_backward(X, Y, params, acts, loss)
    for k in params:
        def f(v: np.ndarray, k: str = k) -> float:
            return D.mlp_loss(D.mlp_forward(X, {**params, k: v}, acts)[0], Y, loss)
        assert grad_check(f, params[k], grads[f"d{k}"]) < 1e-6, k


def test_logits_give_the_output_delta_of_002() -> None:
    # sigmoid + BCE on the logits: dZ[L] = (A[L] - Y) / m exactly, A[L] = sigmoid(Z[L]) exactly,
    # and the same gradients as dJ/dA[L] sent through the output sigmoid
    X, Y, params = _problem(5, [3, 4, 2], 6, "sigmoid")
    AL, cache = D.mlp_forward(X, params, ["tanh", "sigmoid"])
    ZL, logit_cache = D.mlp_forward(X, params, ["tanh", "linear"])
    _, dZL = losses.sigmoid_bce(ZL, Y)
    np.testing.assert_array_equal(sigmoid(ZL), AL)
    np.testing.assert_array_equal(dZL, (AL - Y) / 6)
    via_logits = D.mlp_backward(dZL, logit_cache)
    via_output = D.mlp_backward(losses.bce_loss(AL, Y)[1], cache)
    np.testing.assert_array_equal(via_logits["db2"], dZL.sum(axis=1, keepdims=True))
    for k in via_logits:
        np.testing.assert_allclose(via_logits[k], via_output[k], rtol=1e-12, atol=1e-15)


def test_dense_backward_numerical() -> None:
    rng = np.random.default_rng(2)
    a, W, b = rng.normal(size=(3, 4)), rng.normal(size=(2, 3)), rng.normal(size=(2, 1))
    dz = rng.normal(size=(2, 4))
    z, cache = D.dense_forward(a, W, b)
    da, dW, db = D.dense_backward(dz, cache)
    np.testing.assert_allclose(z, W @ a + b)
    assert grad_check(lambda v: np.sum(D.dense_forward(v, W, b)[0] * dz), a, da) < 1e-8
    assert grad_check(lambda v: np.sum(D.dense_forward(a, v, b)[0] * dz), W, dW) < 1e-8
    assert grad_check(lambda v: np.sum(D.dense_forward(a, W, v)[0] * dz), b, db) < 1e-8


def test_shapes_and_param_counts_001() -> None:
    shapes = D.mlp_shapes([2, 3, 1], m=10)
    assert shapes == [{"W": (3, 2), "b": (3, 1), "Z": (3, 10), "A": (3, 10)},
                      {"W": (1, 3), "b": (1, 1), "Z": (1, 10), "A": (1, 10)}]
    for layers, total in (([2, 3, 1], 13), ([4, 5, 6, 6, 5, 4, 1], 167)):  # 001
        params = D.mlp_init(layers, np.random.default_rng(0))
        assert sum(v.size for v in params.values()) == total == mlp_params(layers)


def test_gd_update_does_not_mutate() -> None:
    params = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    grads = {"dW1": np.ones((2, 2)), "db1": np.ones((2, 1))}
    new = D.gd_update(params, grads, 0.5)
    np.testing.assert_allclose(new["W1"], 0.5)
    np.testing.assert_allclose(new["b1"], -0.5)
    np.testing.assert_allclose(params["W1"], 1.0)


def test_bad_shapes_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match="'W'"):
        D.dense_forward(np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((3, 1)))  # transposed W
    with pytest.raises(ParameterError, match="'b'"):
        D.dense_forward(np.zeros((2, 5)), np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ParameterError, match="layers"):
        D.mlp_shapes([3], 4)
    with pytest.raises(ParameterError, match="activations"):
        D.mlp_forward(np.zeros((2, 1)), D.mlp_init([2, 3, 1], np.random.default_rng(0)), ["relu"])
    with pytest.raises(ParameterError, match="loss"):
        D.mlp_loss(np.zeros((1, 1)), np.zeros((1, 1)), "hinge")
    _, cache = D.mlp_forward(np.zeros((2, 3)), D.mlp_init([2, 1], np.random.default_rng(0)), ["relu"])
    with pytest.raises(ParameterError, match="dout"):
        D.mlp_backward(np.zeros((1, 2)), cache)
    with pytest.raises(ParameterError, match="dout"):
        D.dense_backward(np.zeros((3, 3)), cache.layers[0].linear)


@pytest.mark.parametrize("layers", [[2, 3, 1], [4, 5, 2], [3, 4, 4, 2]])
def test_collapse_linear_matches_torch_linear_stack(layers) -> None:
    """001: with identity activations, Z[L] = (W[2] W[1]) X + (W[2] b[1] + b[2])."""
    rng = np.random.default_rng(len(layers))
    params = {}
    mods = []
    for l, (a, b) in enumerate(zip(layers[:-1], layers[1:]), start=1):
        params[f"W{l}"], params[f"b{l}"] = rng.normal(size=(b, a)), rng.normal(size=(b, 1))
        lin = torch.nn.Linear(a, b, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(params[f"W{l}"]))
            lin.bias.copy_(torch.tensor(params[f"b{l}"][:, 0]))
        mods.append(lin)
    W, b = D.collapse_linear(params)
    X = rng.normal(size=(layers[0], 5))
    ref = torch.nn.Sequential(*mods)(torch.tensor(X.T)).detach().numpy().T
    np.testing.assert_allclose(W @ X + b, ref, rtol=1e-12, atol=1e-12)
    assert W.shape == (layers[-1], layers[0]) and b.shape == (layers[-1], 1)
    if layers == [2, 3, 1]:  # 001: W[2]W[1] is 1 x 2, W[2]b[1] + b[2] is 1 x 1
        assert W.shape == (1, 2) and b.shape == (1, 1)
