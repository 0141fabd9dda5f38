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
Layout: one example per row, x (N, D), or NCHW images (N, C, H, W) with one statistic per
channel (conventions.py, "Layout of each module").

The API is cs231n's without its mutation of ``bn_param``: :func:`batchnorm_forward` returns
``(out, cache)`` and never changes the state it reads; the new moving statistics come from
:func:`batchnorm_update_state`, which reads the batch statistics in the cache::

    out, cache = batchnorm_forward(x, gamma, beta, state)         # training
    state = batchnorm_update_state(state, cache)                  # the moving statistics
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    out, _ = batchnorm_forward(x, gamma, beta, state, train=False)  # inference

Defaults: ``momentum = 0.99``, ``eps = 1e-3`` (003 and Keras); initial moving mean 0
and moving variance 1 (003).

Moving-variance convention: the seeds and Keras 3 (``ops.moments``) feed the biased
batch variance into the moving variance (``unbiased=False``, the default of
:func:`batchnorm_update_state`). PyTorch's
``running_var`` uses the unbiased one, ``sigma_B * m / (m - 1)`` (``unbiased=True``;
tf.keras 2's fused kernel did the same, keras issue #10443). The normalisation itself
always uses the biased variance, in all three. PyTorch's ``momentum`` is the weight of
the *new* batch: ``torch_momentum = 1 - momentum`` (0.1 for PyTorch's default 0.9 here),
and PyTorch's default eps is 1e-5.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.conventions import BATCHNORM_EPSILON, BATCHNORM_MOMENTUM


class BatchNormState(NamedTuple):
    """The moving (non-trainable) statistics of a batch-norm layer, one value per feature."""

    moving_mean: np.ndarray  #: (D,) or (C,)
    moving_var: np.ndarray  #: (D,) or (C,)


class BatchNormCache(NamedTuple):
    """What :func:`batchnorm_backward` and :func:`batchnorm_update_state` need from
    :func:`batchnorm_forward`."""

    x_hat: np.ndarray  #: y_nor, the normalised input, the shape of x
    gamma: np.ndarray  #: (D,) or (C,)
    inv_std: np.ndarray  #: 1 / sqrt(var + eps), (D,) or (C,)
    axes: tuple[int, ...]  #: the axes the statistics are taken over: (0,) or (0, 2, 3)
    train: bool  #: batch statistics (True) or moving statistics (False)
    mean: np.ndarray  #: the mean used: mean_B in training, moving_mean in inference
    var: np.ndarray  #: the (biased) variance used: sigma_B in training, moving_var in inference


class BatchNormGrads(NamedTuple):
    """The gradients of batch normalisation, in the order of :func:`batchnorm_forward`'s arguments."""

    dx: np.ndarray  #: the shape of x
    dgamma: np.ndarray  #: (D,) or (C,)
    dbeta: np.ndarray  #: (D,) or (C,)


def _axes(x: np.ndarray) -> tuple[int, ...]:
    if x.ndim == 2:
        return (0,)
    if x.ndim == 4:
        return (0, 2, 3)
    raise ParameterError("x", text(f"attendu (N, D) ou (N, C, H, W), reçu la forme {x.shape}", f"expected (N, D) or (N, C, H, W), got shape {x.shape}"))


def _shape(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Broadcast a per-feature vector (D,) against x."""
    return v.reshape(1, -1) if x.ndim == 2 else v.reshape(1, -1, 1, 1)


def batchnorm_init_state(features: int) -> BatchNormState:
    """Initial moving statistics (003): moving_mean = 0, moving_var = 1.

    Inputs:
    - features: D (or C), the number of features normalised.

    Returns:
    - state: BatchNormState(moving_mean zeros (D,), moving_var ones (D,)).
    """
    return BatchNormState(np.zeros(features), np.ones(features))


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, state: BatchNormState | None = None,
    *, train: bool = True, eps: float = BATCHNORM_EPSILON,
) -> tuple[np.ndarray, BatchNormCache]:
    """Batch normalisation forward, ``out = gamma (x - mean) / sqrt(var + eps) + beta`` with the
    batch's mean and biased variance in training, the moving statistics in inference (003;
    eps = 1e-3 as Keras, see conventions.py). ``state`` is read, never modified.

    Inputs:
    - x: (N, D), or (N, C, H, W) NCHW with one statistic per channel.
    - gamma: (D,) or (C,) scale.
    - beta: (D,) or (C,) shift.
    - state: BatchNormState, read in inference only; None means the initial state (003).
    - train: True for the batch statistics (training), False for the moving ones (inference).
    - eps: added to the variance.

    Returns a tuple of:
    - out: the shape of x.
    - cache: BatchNormCache(x_hat, gamma, inv_std, axes, train, mean, var).
    """
    x = np.asarray(x, dtype=np.float64)
    axes = _axes(x)
    d = x.shape[1]
    gamma = np.asarray(gamma, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    for name, v in (("gamma", gamma), ("beta", beta)):
        if v.shape != (d,):
            raise ParameterError(name, text(f"attendu la forme ({d},), reçu : {v.shape}", f"expected shape ({d},), got {v.shape}"))
    if eps < 0:
        raise ParameterError("eps", text(f"doit être >= 0, reçu : {eps}", f"must be >= 0, got {eps}"))
    if train:
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)  # biased: (1/m) sum (y - mean)^2 (003)
    else:
        state = batchnorm_init_state(d) if state is None else state
        mean = np.asarray(state.moving_mean, dtype=np.float64)
        var = np.asarray(state.moving_var, dtype=np.float64)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - _shape(mean, x)) * _shape(inv_std, x)
    out = _shape(gamma, x) * x_hat + _shape(beta, x)
    return out, BatchNormCache(x_hat, gamma, inv_std, axes, train, mean, var)


def batchnorm_update_state(
    state: BatchNormState | None, cache: BatchNormCache, *,
    momentum: float = BATCHNORM_MOMENTUM, unbiased: bool = False,
) -> BatchNormState:
    """The moving statistics after a training batch (003, Keras):
    ``moving = momentum * moving + (1 - momentum) * batch``; momentum = 0.99 (conventions.py).

    Inputs:
    - state: BatchNormState before the batch; None means the initial state (003).
    - cache: BatchNormCache of a *training* :func:`batchnorm_forward` on the batch.
    - momentum: weight of the old moving value (PyTorch's momentum is ``1 - momentum``).
    - unbiased: feed ``sigma_B * m / (m - 1)`` into the moving variance (PyTorch, tf.keras 2)
      instead of the biased ``sigma_B`` (the seeds, Keras 3); see the module docstring.

    Returns:
    - state: a new BatchNormState(moving_mean (D,), moving_var (D,)).
    """
    if not cache.train:
        raise ParameterError("cache", text("vient d'une propagation en inférence : seul un lot d'entraînement met à jour les statistiques mobiles", "comes from an inference forward: only a training batch "
                                      "updates the moving statistics"))
    if not 0.0 <= momentum <= 1.0:
        raise ParameterError("momentum", text(f"doit être dans [0, 1], reçu : {momentum}", f"must be in [0, 1], got {momentum}"))
    d = cache.gamma.shape[0]
    state = batchnorm_init_state(d) if state is None else state
    moving_mean = np.asarray(state.moving_mean, dtype=np.float64)
    moving_var = np.asarray(state.moving_var, dtype=np.float64)
    m = cache.x_hat.size // d
    if unbiased and m < 2:
        raise ParameterError("x", text("la variance non biaisée demande au moins 2 valeurs par caractéristique", "the unbiased variance needs at least 2 values per feature"))
    var_for_moving = cache.var * m / (m - 1) if unbiased else cache.var
    return BatchNormState(momentum * moving_mean + (1 - momentum) * cache.mean,
                          momentum * moving_var + (1 - momentum) * var_for_moving)


def batchnorm_backward(dout: np.ndarray, cache: BatchNormCache) -> BatchNormGrads:
    """Gradients of batch normalisation (003: summed over the batch):
    ``dbeta = sum dout``, ``dgamma = sum dout * y_nor``; in training (the batch statistics
    depend on x) ``dx = gamma / sqrt(var + eps) * (dout - mean(dout) - y_nor * mean(dout * y_nor))``,
    in inference ``dx = gamma / sqrt(moving_var + eps) * dout``.

    Inputs:
    - dout: upstream gradient dL/d out, the shape of x.
    - cache: BatchNormCache from :func:`batchnorm_forward`.

    Returns:
    - grads: BatchNormGrads(dx (shape of x), dgamma (D,), dbeta (D,)).
    """
    x_hat, gamma, inv_std, axes = cache.x_hat, cache.gamma, cache.inv_std, cache.axes
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != x_hat.shape:
        raise ParameterError("dout", text(f"attendu la forme {x_hat.shape}, reçu : {dout.shape}", f"expected shape {x_hat.shape}, got {dout.shape}"))
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    scale = _shape(gamma * inv_std, x_hat)
    if not cache.train:
        return BatchNormGrads(scale * dout, dgamma, dbeta)
    mean_d = dout.mean(axis=axes, keepdims=True)
    mean_dx = (dout * x_hat).mean(axis=axes, keepdims=True)
    return BatchNormGrads(scale * (dout - mean_d - x_hat * mean_dx), dgamma, dbeta)
