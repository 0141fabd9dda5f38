"""Data preparation, initialisation and hyper-parameter grids.

- z-score with the **training** statistics (004): ``X_norm = (X - mean(X_train)) / std(X_train)``;
  ``std`` is the population standard deviation (``ddof=0``, NumPy's and scikit-learn's
  StandardScaler's default). A constant feature (std 0) is left centred (divided by 1),
  as scikit-learn does.
- Initialisers (001, "Initialisation des paramètres"), weights of shape ``fan_out x fan_in``
  (``W[l]`` is ``n[l] x n[l-1]``):

  ============ ================================= ==========================
  scheme       distribution                      variance
  ============ ================================= ==========================
  ``zeros``    all 0 (001, idea 1: symmetric!)   0
  ``uniform``  U[-r, r], r = 1 (001, idea 3)     r^2 / 3 (1/3 for 001's [-1, 1])
  ``xavier``   N(0, 1/n[l-1]) (001, for tanh)    1 / fan_in
  ``he``       N(0, 2/n[l-1]) (001, for ReLU)    2 / fan_in
  ``glorot``   N(0, 2/(fan_in + fan_out))        2 / (fan_in + fan_out)
  ============ ================================= ==========================

  "xavier" follows the course's slide (variance 1/n[l-1]); Glorot and Bengio's original
  normal form (Keras' ``glorot_normal``, PyTorch's ``xavier_normal_``) is ``glorot``.
  ``preactivation_variance``: the variance of ``z = sum_i w_i x_i`` for ``fan_in`` independent
  zero-mean inputs of variance ``input_var``, independent of the weights (and biases 0):
  ``fan_in Var(w) input_var`` -- why Xavier and He divide by ``n[l-1]``.
- Hyper-parameter grids (001): the number of configurations is the product of the numbers of
  choices (4 x 5 x 3 = 60).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

Array = np.ndarray

INIT_SCHEMES = ("zeros", "uniform", "xavier", "he", "glorot")


def zscore_fit(X: Any, axis: int = 0) -> tuple[Array, Array]:
    """Mean and population standard deviation (ddof = 0) of the training data along ``axis`` (004).

    Inputs:
    - X: the training data; rows = observations for ``axis=0``, the course's ``n0 x m`` for
      ``axis=1``.
    - axis: the axis of the observations.

    Returns a tuple of:
    - mean: X's mean, with ``axis`` kept (size 1).
    - std: X's standard deviation, the shape of mean.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.size == 0 or X.shape[axis] == 0:
        raise ParameterError("X", text("aucune donnée d'entraînement pour calculer les statistiques", "no training data to compute statistics from"))
    return np.mean(X, axis=axis, keepdims=True), np.std(X, axis=axis, keepdims=True)


def zscore_apply(X: Any, mean: Any, std: Any) -> Array:
    """``(X - mean) / std`` with the training statistics (004); a zero std divides by 1.

    Inputs:
    - X: data, broadcastable against mean and std.
    - mean: the training mean (from :func:`zscore_fit`).
    - std: the training standard deviation, >= 0.

    Returns:
    - X_norm: the shape of X.
    """
    X = np.asarray(X, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    if np.any(std < 0):
        raise ParameterError("std", text("un écart type ne peut pas être négatif", "a standard deviation cannot be negative"))
    return (X - np.asarray(mean, dtype=np.float64)) / np.where(std == 0, 1.0, std)


def _check_fans(fan_in: int, fan_out: int) -> None:
    for name, v in (("fan_in", fan_in), ("fan_out", fan_out)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
            raise ParameterError(name, text(f"doit être un entier positif, reçu : {v!r}", f"must be a positive integer, got {v!r}"))


def init_variance(scheme: str, fan_in: int, fan_out: int, limit: float = 1.0) -> float:
    """The variance of one weight under ``scheme`` (the module table, 001).

    Inputs:
    - scheme: "zeros", "uniform", "xavier", "he" or "glorot".
    - fan_in: n[l-1].
    - fan_out: n[l].
    - limit: the ``r`` of the uniform scheme U[-r, r] (001: r = 1).

    Returns:
    - variance: a float.
    """
    _check_fans(fan_in, fan_out)
    if scheme == "zeros":
        return 0.0
    if scheme == "uniform":
        if not (isinstance(limit, (int, float)) and math.isfinite(limit) and limit > 0):
            raise ParameterError("limit", text(f"doit être un nombre positif, reçu : {limit!r}", f"must be a positive number, got {limit!r}"))
        return (2.0 * limit) ** 2 / 12.0  # (b - a)^2 / 12 with [a, b] = [-r, r]
    if scheme == "xavier":
        return 1.0 / fan_in
    if scheme == "he":
        return 2.0 / fan_in
    if scheme == "glorot":
        return 2.0 / (fan_in + fan_out)
    raise ParameterError("scheme", text(f"initialisation {scheme!r} inconnue (connues : {', '.join(INIT_SCHEMES)})", f"unknown initialisation {scheme!r} (known: {', '.join(INIT_SCHEMES)})"))


def init_weights(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator,
                 limit: float = 1.0) -> Array:
    """A weight matrix W[l] drawn under ``scheme`` (the module table, 001).

    Inputs:
    - scheme: "zeros", "uniform", "xavier", "he" or "glorot".
    - fan_in: n[l-1].
    - fan_out: n[l].
    - rng: the generator the weights are drawn from.
    - limit: the ``r`` of the uniform scheme U[-r, r].

    Returns:
    - W: (fan_out, fan_in), the course's ``n[l] x n[l-1]``.
    """
    var = init_variance(scheme, fan_in, fan_out, limit)
    shape = (int(fan_out), int(fan_in))
    if scheme == "zeros":
        return np.zeros(shape)
    if scheme == "uniform":
        return rng.uniform(-limit, limit, size=shape)
    return rng.normal(0.0, math.sqrt(var), size=shape)


def preactivation_variance(scheme: str, fan_in: int, fan_out: int, limit: float = 1.0,
                           input_var: float = 1.0) -> float:
    """``Var(z)`` for ``z = sum_i w_i x_i`` over ``fan_in`` independent inputs of mean 0 and
    variance ``input_var``, independent of the weights: ``fan_in Var(w) input_var``.

    Inputs:
    - scheme, fan_in, fan_out, limit: as in :func:`init_variance`.
    - input_var: the variance of each input.

    Returns:
    - variance: a float.
    """
    return float(fan_in) * init_variance(scheme, fan_in, fan_out, limit) * float(input_var)


def hyperparam_grid(choices: dict[str, list]) -> tuple[int, list[dict[str, Any]]]:
    """Grid search (001): the number of configurations is the product of the numbers of choices.

    Inputs:
    - choices: ``{hyper-parameter: [values]}``, at least one, each non-empty.

    Returns a tuple of:
    - count: the number of configurations (int).
    - configs: the configurations as dicts, in ``itertools.product`` order (the last
      hyper-parameter varies fastest).
    """
    if not isinstance(choices, dict) or not choices:
        raise ParameterError("choices", text("donnez au moins un hyperparamètre avec ses valeurs", "give at least one hyper-parameter with its values"))
    for name, values in choices.items():
        if not isinstance(values, (list, tuple)) or len(values) == 0:
            raise ParameterError(str(name), text("demande une liste de valeurs non vide", "needs a non-empty list of values"))
    names = list(choices)
    configs = [dict(zip(names, combo)) for combo in itertools.product(*(choices[n] for n in names))]
    return math.prod(len(choices[n]) for n in names), configs


#: 001's example grid (4 x 5 x 3 = 60 configurations).
COURSE_GRID_001: dict[str, list] = {
    "learning_rate": [0.0001, 0.001, 0.01, 0.1],
    "n_layers": [1, 2, 3, 4, 5],
    "activation": ["relu", "tanh", "sigmoid"],
}
