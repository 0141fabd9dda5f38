"""Batch normalisation (course 003, "Batch Normalization BN"; Keras defaults).

Training, for each feature j over the m values of the batch (and, for NCHW images,
over every position: one statistic per channel, like Keras ``axis`` on the channel
and PyTorch ``BatchNorm2d``)::

    mean_B = (1/m) sum y            sigma_B = (1/m) sum (y - mean_B)^2   (biased)
    y_nor  = (y - mean_B) / sqrt(sigma_B + eps)
    out    = gamma * y_nor + beta
    moving_mean     = momentum * moving_mean     + (1 - momentum) * mean_B
    moving_variance = momentum * moving_variance + (1 - momentum) * sigma_B

Inference uses ``moving_mean`` / ``moving_variance`` instead of the batch statistics.
Defaults: ``momentum = 0.99``, ``eps = 1e-3`` (003 and Keras); initial moving mean 0
and moving variance 1 (003).

Moving-variance convention: the seeds and Keras 3 (``ops.moments``) feed the biased
batch variance into the moving variance (``unbiased=False``, the default). PyTorch's
``running_var`` uses the unbiased one, ``sigma_B * m / (m - 1)`` (``unbiased=True``;
tf.keras 2's fused kernel did the same, keras issue #10443). The normalisation itself
always uses the biased variance, in all three. PyTorch's ``momentum`` is the weight of
the *new* batch: ``torch_momentum = 1 - momentum`` (0.1 for PyTorch's default 0.9 here),
and PyTorch's default eps is 1e-5.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.reference.conventions import BATCHNORM_EPSILON, BATCHNORM_MOMENTUM


def _axes(x: np.ndarray) -> tuple[int, ...]:
    if x.ndim == 2:
        return (0,)
    if x.ndim == 4:
        return (0, 2, 3)
    raise ParameterError("x", f"expected (N, D) or (N, C, H, W), got shape {x.shape}")


def _shape(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Broadcast a per-feature vector (D,) against x."""
    return v.reshape(1, -1) if x.ndim == 2 else v.reshape(1, -1, 1, 1)


def batchnorm_init_state(features: int) -> dict[str, np.ndarray]:
    """Initial moving statistics (003): moving_mean = 0, moving_var = 1."""
    return {"moving_mean": np.zeros(features), "moving_var": np.ones(features)}


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
    state: dict[str, np.ndarray] | None, train: bool = True,
    momentum: float = BATCHNORM_MOMENTUM, eps: float = BATCHNORM_EPSILON,
    unbiased: bool = False,
) -> tuple[np.ndarray, Any, dict[str, np.ndarray]]:
    """Batch normalisation forward.

    x: (N, D) or (N, C, H, W); gamma, beta: (D,) or (C,); state: {"moving_mean",
    "moving_var"} of shape (D,) (None: the initial state). ``unbiased`` selects the
    moving-variance convention (see the module docstring). Returns
    ``(out (shape of x), cache, new_state)``; the input state is not modified.
    """
    x = np.asarray(x, dtype=np.float64)
    axes = _axes(x)
    d = x.shape[1]
    gamma = np.asarray(gamma, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    for name, v in (("gamma", gamma), ("beta", beta)):
        if v.shape != (d,):
            raise ParameterError(name, f"expected shape ({d},), got {v.shape}")
    if not 0.0 <= momentum <= 1.0:
        raise ParameterError("momentum", f"must be in [0, 1], got {momentum}")
    if eps < 0:
        raise ParameterError("eps", f"must be >= 0, got {eps}")
    state = batchnorm_init_state(d) if state is None else state
    moving_mean = np.asarray(state["moving_mean"], dtype=np.float64)
    moving_var = np.asarray(state["moving_var"], dtype=np.float64)
    if train:
        m = x.size // d
        if unbiased and m < 2:
            raise ParameterError("x", "the unbiased variance needs at least 2 values per feature")
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)  # biased: (1/m) sum (y - mean)^2 (003)
        var_for_moving = var * m / (m - 1) if unbiased else var
        new_state = {
            "moving_mean": momentum * moving_mean + (1 - momentum) * mean,
            "moving_var": momentum * moving_var + (1 - momentum) * var_for_moving,
        }
    else:
        mean, var = moving_mean, moving_var
        new_state = {"moving_mean": moving_mean.copy(), "moving_var": moving_var.copy()}
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - _shape(mean, x)) * _shape(inv_std, x)
    out = _shape(gamma, x) * x_hat + _shape(beta, x)
    return out, (x_hat, gamma, inv_std, axes, train), new_state


def batchnorm_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dx, dgamma, dbeta)`` of batch normalisation.

    ``dbeta = sum dout``, ``dgamma = sum dout * y_nor`` (003: summed over the batch).
    Training (batch statistics depend on x)::

        dx = gamma / sqrt(var + eps) * (dout - mean(dout) - y_nor * mean(dout * y_nor))

    Inference (fixed moving statistics): ``dx = gamma / sqrt(moving_var + eps) * dout``.
    """
    x_hat, gamma, inv_std, axes, train = cache
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != x_hat.shape:
        raise ParameterError("dout", f"expected shape {x_hat.shape}, got {dout.shape}")
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    scale = _shape(gamma * inv_std, x_hat)
    if not train:
        return scale * dout, dgamma, dbeta
    mean_d = dout.mean(axis=axes, keepdims=True)
    mean_dx = (dout * x_hat).mean(axis=axes, keepdims=True)
    return scale * (dout - mean_d - x_hat * mean_dx), dgamma, dbeta
