"""Activations: PyTorch parity (float64), derivatives against autograd and centred
differences, the seeds' conventions (Heaviside f(0) = 1, ReLU' = 1 at 0, softmax (5,4,2))."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from course.base.errors import ParameterError
from course.reference import activations as A
from course.reference.gradcheck import numerical_gradient

finite = st.floats(-30, 30, allow_nan=False, width=64)
arrs = arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=6), elements=finite)

TORCH = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
    "elu": lambda t: torch.nn.functional.elu(t, 1.0),
    # torch returns z itself above threshold=20 (an approximation); compare with the exact form
    "softplus": lambda t: torch.nn.functional.softplus(t, beta=1.0, threshold=100.0),
    "linear": lambda t: t * 1.0,
}


@pytest.mark.parametrize("name", sorted(TORCH))
@given(z=arrs)
def test_forward_and_derivative_match_torch(name: str, z: np.ndarray) -> None:
    f, fp = A.ACTIVATIONS[name]
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = TORCH[name](t)
    out.sum().backward()
    np.testing.assert_allclose(f(z), out.detach().numpy(), rtol=1e-12, atol=1e-14)
    nonzero = z != 0  # ReLU-family conventions differ from autograd only at exactly 0
    np.testing.assert_allclose(fp(z)[nonzero], t.grad.numpy()[nonzero], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"])
def test_derivatives_match_centred_differences(name: str) -> None:
    f, fp = A.ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    z = rng.uniform(-4, 4, size=20)
    z = z[np.abs(z) > 1e-3]  # away from the kinks
    num = np.array([numerical_gradient(lambda v: float(f(v)[0]), np.array([zi]))[0] for zi in z])
    np.testing.assert_allclose(fp(z), num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_leaky_and_elu_alpha_match_torch(alpha: float) -> None:
    z = np.linspace(-3, 3, 13)
    t = torch.tensor(z)
    np.testing.assert_allclose(A.leaky_relu(z, alpha), torch.nn.functional.leaky_relu(t, alpha).numpy())
    np.testing.assert_allclose(A.elu(z, alpha), torch.nn.functional.elu(t, alpha).numpy(), rtol=1e-12)
    # 003: ELU' = f(z) + alpha for z < 0
    neg = z < 0
    np.testing.assert_allclose(A.elu_grad(z, alpha)[neg], A.elu(z, alpha)[neg] + alpha, rtol=1e-12)
    assert np.all(A.leaky_relu_grad(z, alpha)[neg] == alpha)


def test_course_conventions_at_zero() -> None:
    assert A.heaviside(0.0) == 1.0 and A.heaviside(-1e-12) == 0.0  # 003: f(0) = 1
    assert A.relu_grad(0.0) == 1.0  # 003 prints 1 for Y >= 0
    assert A.leaky_relu_grad(0.0) == 1.0 and A.elu_grad(0.0) == 1.0
    assert np.all(A.heaviside_grad(np.array([-1.0, 0.0, 2.0])) == 0)
    np.testing.assert_allclose(A.softplus_grad([-2.0, 0.5]), A.sigmoid([-2.0, 0.5]))  # 003


def test_extreme_inputs_do_not_overflow() -> None:
    z = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        s = A.sigmoid(z)
        sp = A.softplus(z)
        e = A.elu(z)
        sm = A.softmax(np.array([[1000.0], [0.0], [-1000.0]]))
    np.testing.assert_allclose(s, [0.0, 0.0, 0.5, 1.0, 1.0])
    assert sp[-1] == 1e4 and sp[0] == 0.0 and e[0] == -1.0
    np.testing.assert_allclose(sm[:, 0], [1.0, 0.0, 0.0])


def test_softmax_seed_example_001() -> None:
    # 001: z = (5, 4, 2) -> y_hat = (0.70, 0.26, 0.04). The exact values are 0.7054, 0.2595,
    # 0.0351: 001 prints them to 2 decimals so that they sum to 1 (0.7054 rounds to 0.71).
    s = A.softmax(np.array([5.0, 4.0, 2.0]))
    np.testing.assert_allclose(s, [0.70, 0.26, 0.04], atol=0.006)
    np.testing.assert_array_equal(np.round(s[1:], 2), [0.26, 0.04])
    assert int(np.argmax(s)) == 0 and abs(s.sum() - 1) < 1e-15


@given(z=arrays(np.float64, array_shapes(min_dims=2, max_dims=2, max_side=7), elements=finite))
def test_softmax_matches_torch_over_classes_axis(z: np.ndarray) -> None:
    s = A.softmax(z, axis=0)
    np.testing.assert_allclose(s, torch.softmax(torch.tensor(z), dim=0).numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s.sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(A.softmax(z.T, axis=1), s.T, rtol=1e-12, atol=1e-15)


@given(z=arrays(np.float64, st.integers(1, 8), elements=st.floats(-10, 10, width=64)))
def test_softmax_jacobian_matches_torch(z: np.ndarray) -> None:
    s = A.softmax(z)
    jac = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), torch.tensor(z))
    np.testing.assert_allclose(A.softmax_jacobian(s), jac.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "softplus", "softmax"])
def test_activation_backward_numerical(name: str) -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(size=(4, 3))
    da = rng.normal(size=(4, 3))
    a, cache = A.activation_forward(z, name)
    dz = A.activation_backward(da, cache)
    num = numerical_gradient(lambda v: float(np.sum(A.activation_forward(v, name)[0] * da)), z)
    np.testing.assert_allclose(dz, num, rtol=1e-6, atol=1e-9)


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match="activation"):
        A.activation_forward(np.zeros(3), "swish")
    with pytest.raises(ParameterError, match="'s'"):
        A.softmax_jacobian(np.zeros((2, 2)))
    _, cache = A.activation_forward(np.zeros((2, 2)), "relu")
    with pytest.raises(ParameterError, match="dout"):
        A.activation_backward(np.zeros(3), cache)
