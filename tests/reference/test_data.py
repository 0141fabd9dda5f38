"""z-score with training statistics (004), initialisers and their variances (001),
hyper-parameter grids (001)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference.data import (
    COURSE_GRID_001,
    hyperparam_grid,
    init_variance,
    init_weights,
    preactivation_variance,
    zscore_apply,
    zscore_fit,
)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 30), p=st.integers(1, 5))
def test_zscore_uses_train_statistics(seed: int, n: int, p: int) -> None:
    rng = np.random.default_rng(seed)
    Xtr = rng.normal(loc=3, scale=2, size=(n, p))
    Xte = rng.normal(size=(4, p))
    mean, std = zscore_fit(Xtr)
    Z = zscore_apply(Xtr, mean, std)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-10)
    np.testing.assert_allclose(zscore_apply(Xte, mean, std), (Xte - Xtr.mean(0)) / Xtr.std(0))
    # course notation n0 x m: statistics along axis 1
    m2, s2 = zscore_fit(Xtr.T, axis=1)
    np.testing.assert_allclose(zscore_apply(Xtr.T, m2, s2), Z.T)


def test_zscore_constant_feature() -> None:
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    mean, std = zscore_fit(X)
    np.testing.assert_allclose(zscore_apply(X, mean, std), [[-1.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("scheme,expected", [
    ("zeros", lambda i, o: 0.0), ("uniform", lambda i, o: 1 / 3),
    ("xavier", lambda i, o: 1 / i), ("he", lambda i, o: 2 / i), ("glorot", lambda i, o: 2 / (i + o)),
])
def test_init_variances_empirically(scheme: str, expected) -> None:
    fan_in, fan_out = 300, 200
    W = init_weights(scheme, fan_in, fan_out, np.random.default_rng(5))
    assert W.shape == (fan_out, fan_in)  # W[l] is n[l] x n[l-1]
    var = init_variance(scheme, fan_in, fan_out)
    assert var == pytest.approx(expected(fan_in, fan_out))
    assert W.var() == pytest.approx(var, rel=0.03, abs=1e-12)
    if scheme == "uniform":
        assert W.min() >= -1 and W.max() <= 1


@pytest.mark.parametrize("scheme", ["uniform", "xavier", "he", "glorot"])
@pytest.mark.parametrize("limit", [1.0, 0.2])
def test_preactivation_variance_empirically(scheme: str, limit: float) -> None:
    """Var(z) for z = W x with unit-variance inputs: n[l-1] Var(w) (torch.nn.init for the weights)."""
    fan_in, fan_out = 64, 2000
    torch.manual_seed(1)
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)
    {"uniform": lambda: torch.nn.init.uniform_(w, -limit, limit),
     "xavier": lambda: torch.nn.init.normal_(w, 0.0, (1.0 / fan_in) ** 0.5),
     "he": lambda: torch.nn.init.kaiming_normal_(w, nonlinearity="relu"),
     "glorot": lambda: torch.nn.init.xavier_normal_(w)}[scheme]()
    x = torch.randn(fan_in, 4000, dtype=torch.float64)
    z = w @ x
    expected = preactivation_variance(scheme, fan_in, fan_out, limit)
    assert z.var().item() == pytest.approx(expected, rel=0.05)
    if scheme == "uniform":
        assert init_variance("uniform", fan_in, fan_out, limit) == pytest.approx(limit ** 2 / 3)


def test_glorot_and_he_match_torch_std() -> None:
    # torch's xavier_normal_ / kaiming_normal_(fan_in, relu) stds for a (fan_out, fan_in) weight
    fan_in, fan_out = 30, 20
    assert np.sqrt(init_variance("glorot", fan_in, fan_out)) == pytest.approx(
        torch.nn.init.calculate_gain("linear") * np.sqrt(2.0 / (fan_in + fan_out)))
    assert np.sqrt(init_variance("he", fan_in, fan_out)) == pytest.approx(
        torch.nn.init.calculate_gain("relu") / np.sqrt(fan_in))
    w = torch.empty(2000, 500, dtype=torch.float64)
    torch.manual_seed(0)
    torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert w.var().item() == pytest.approx(init_variance("he", 500, 2000), rel=0.02)


def test_hyperparam_grid_001() -> None:
    n, configs = hyperparam_grid(COURSE_GRID_001)
    assert n == 60 == len(configs) == 4 * 5 * 3  # 001
    assert len({tuple(c.items()) for c in configs}) == 60
    assert configs[0] == {"learning_rate": 0.0001, "n_layers": 1, "activation": "relu"}
    assert hyperparam_grid({"a": [1, 2], "b": ["x"]}) == (2, [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}])


def test_bad_inputs() -> None:
    with pytest.raises(ParameterError, match="scheme"):
        init_variance("lecun", 2, 2)
    with pytest.raises(ParameterError, match="fan_in"):
        init_weights("he", 0, 2, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="'b'"):
        hyperparam_grid({"a": [1], "b": []})
