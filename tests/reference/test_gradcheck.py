"""The gradient checker itself: exact on known gradients, detects wrong ones, agrees with
torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course.base.errors import ParameterError
from course.reference.gradcheck import grad_check, max_relative_error, numerical_gradient


def test_known_gradient_and_no_mutation() -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    x0 = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, x0)


def test_matches_torch_autograd() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    t = torch.tensor(x, requires_grad=True)
    (torch.sin(t) * torch.exp(0.3 * t)).sum().backward()
    assert grad_check(lambda v: float(np.sum(np.sin(v) * np.exp(0.3 * v))), x, t.grad.numpy()) < 1e-8


def test_detects_a_wrong_gradient() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert grad_check(lambda v: float(np.sum(v ** 2)), x, 2 * x) < 1e-9
    assert grad_check(lambda v: float(np.sum(v ** 2)), x, x) > 0.4  # forgot the 2
    assert max_relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert max_relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 2.2)


def test_bad_inputs() -> None:
    with pytest.raises(ParameterError, match="'h'"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), h=0)
    with pytest.raises(ParameterError, match="'b'"):
        max_relative_error(np.zeros(2), np.zeros(3))
