"""batchnorm: one training step of batch normalisation on a mini-batch (003, Keras defaults).

003 ("Batch Normalization BN"): for a mini-batch B of m observations and a layer of k
neurons, per neuron j: ``mean_B = (1/m) sum y``, ``sigma_B = (1/m) sum (y - mean_B)^2``
(biased), ``y_nor = (y - mean_B) / sqrt(sigma_B + eps)``, ``out = gamma y_nor + beta``,
``moving = momentum * moving + (1 - momentum) * batch``; eps = 1e-3, momentum = 0.99,
moving_mean starts at 0 and moving_variance at 1. Everything comes from
:func:`course.reference.batchnorm.batchnorm_forward` and ``batchnorm_update_state`` (the batch
statistics are the moving statistics it returns with momentum 0).

Parameters: ``x`` (m x k: one row per observation, one column per neuron), ``gamma``,
``beta``, ``moving_mean``, ``moving_var`` (one value per neuron; a single value is used
for every neuron), ``eps``, ``momentum``.
Parts: ``mean``, ``var`` (per neuron), ``y`` (m x k, after scale and shift),
``moving_mean``, ``moving_var`` (updated).
Misconceptions: unbiased variance (m - 1), forgot eps, forgot the scale and shift,
momentum on the wrong term of the moving average.

Precision (:mod:`..precision`): ``mean``, ``var`` and ``y`` are asked to 4 decimals, the
moving averages to 6 (with momentum 0.99 they move by 1 % of the gap to the batch statistic);
``context["before"]`` holds the moving averages before the batch, and a draw whose update
cannot be seen at 6 decimals is drawn again. A column so concentrated that its variance is
below epsilon (epsilon then dominates the normalisation) is drawn only on purpose, in
:data:`P_EPS_DOMINATED` of the draws (``context["special"]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.batchnorm import BatchNormState, batchnorm_forward, batchnorm_update_state
from course.reference.conventions import BATCHNORM_EPSILON, BATCHNORM_MOMENTUM

from ..base import Constraints, Degenerate, Family, Misconception, Param, Part, Solution
from ..precision import BEFORE, DECIMALS, array_check, misconceptions, require_separated

DECIMALS_ASKED = {"mean": 4, "var": 4, "y": 4, "moving_mean": 6, "moving_var": 6}
#: share of the draws with one column whose variance is below epsilon, on purpose
P_EPS_DOMINATED = 0.03


def _vector(params: dict[str, Any], name: str, k: int) -> np.ndarray:
    v = params[name]
    v = [v] if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    try:
        a = np.asarray(v, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ParameterError(name, text(f"attendu des nombres, reçu : {params[name]!r}", f"expected numbers, got {params[name]!r}")) from None
    if a.size == 1:
        a = np.full(k, a[0])
    if a.shape != (k,) or not np.all(np.isfinite(a)):
        raise ParameterError(name, text(f"attendu 1 ou {k} valeurs finies (une par neurone), reçu : {a.size}", f"expected 1 or {k} (one per neuron) finite values, got {a.size}"))
    return a


def _number(params: dict[str, Any], name: str, lo: float, hi: float) -> float:
    v = params[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise ParameterError(name, text(f"doit être un nombre dans [{lo}, {hi}], reçu : {v!r}", f"must be a number in [{lo}, {hi}], got {v!r}"))
    return float(v)


class BatchNorm(Family):
    id = "batchnorm"
    title = {"fr": "Normalisation par batch (Batch Normalization) d'un mini-batch",
             "en": "Batch normalisation of a mini-batch"}
    params = {
        "x": Param("matrix", "mini-batch, one row per observation, one column per neuron"),
        "gamma": Param("floats", "scale gamma per neuron (one value: all neurons)", default=[1.0]),
        "beta": Param("floats", "shift beta per neuron (one value: all neurons)", default=[0.0]),
        "moving_mean": Param("floats", "moving mean before the step", default=[0.0]),
        "moving_var": Param("floats", "moving variance before the step", default=[1.0]),
        "eps": Param("float", "epsilon", default=BATCHNORM_EPSILON),
        "momentum": Param("float", "momentum of the moving averages", default=BATCHNORM_MOMENTUM),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        x = c.value("x", None)
        if x is None:
            k = int(rng.choice([1, 1, 2, 2, 3]))
            m = int(rng.integers(3, 6)) if k == 1 else (int(rng.integers(3, 5)) if k == 2 else 3)
            # small spreads (activations close together), so that eps visibly matters; one
            # column with a variance below eps only on purpose
            eps_col = int(rng.integers(k)) if rng.random() < P_EPS_DOMINATED else -1
            cols = []
            for j in range(k):
                centre = round(float(rng.uniform(-1.0, 1.0)), 1)
                spread = 0.03 if j == eps_col else 0.3
                for _ in range(100):
                    col = [round(centre + float(rng.uniform(-spread, spread)), 2) for _ in range(m)]
                    var = float(np.var(col))
                    if (var < BATCHNORM_EPSILON) == (j == eps_col) and var > 0:
                        break
                cols.append(col)
            x = [[cols[j][i] for j in range(k)] for i in range(m)]
        k = len(x[0]) if isinstance(x[0], list) else 1
        if rng.random() < 0.5:
            gamma, beta = [1.0], [0.0]
        else:
            gamma = [c.float(rng, "gamma", 0.5, 2.0, 1) for _ in range(k)]
            beta = [c.float(rng, "beta", -1.0, 1.0, 1) for _ in range(k)]
        if rng.random() < 0.6:  # the first batch: the initial moving statistics (003)
            mm, mv = [0.0], [1.0]
        else:
            mm = [c.float(rng, "moving_mean", -0.5, 0.5, 2) for _ in range(k)]
            mv = [c.float(rng, "moving_var", 0.5, 1.5, 2) for _ in range(k)]
        momentum = c.choice(rng, "momentum", [0.99, 0.99, 0.9])
        eps = c.choice(rng, "eps", [BATCHNORM_EPSILON])
        return {"x": x, "gamma": gamma, "beta": beta, "moving_mean": mm, "moving_var": mv,
                "eps": eps, "momentum": momentum}

    def solve(self, params: dict[str, Any]) -> Solution:
        try:
            x = np.asarray(params["x"], dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError("x", text("attendu une matrice de nombres (lignes de même longueur)", "expected a matrix of numbers (rows of equal length)")) from None
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1 or not np.all(np.isfinite(x)):
            raise ParameterError("x", text(f"attendu m x k nombres finis avec m >= 2, reçu la forme {x.shape}", f"expected m x k finite numbers with m >= 2, got shape {x.shape}"))
        m, k = x.shape
        gamma, beta = _vector(params, "gamma", k), _vector(params, "beta", k)
        mm, mv = _vector(params, "moving_mean", k), _vector(params, "moving_var", k)
        if np.any(mv < 0):
            raise ParameterError("moving_var", text("une variance ne peut pas être négative", "a variance cannot be negative"))
        eps = _number(params, "eps", 0.0, 1.0)
        momentum = _number(params, "momentum", 0.0, 1.0)
        if np.any(np.ptp(x, axis=0) == 0):
            raise Degenerate("a neuron with a constant batch")
        state = BatchNormState(mm, mv)

        def bn(g: np.ndarray = gamma, b: np.ndarray = beta, st: BatchNormState = state,
               train: bool = True, e: float = eps) -> np.ndarray:
            return batchnorm_forward(x, g, b, st, train=train, eps=e)[0]

        def moving(mom: float = momentum, unbiased: bool = False) -> BatchNormState:
            _, cache = batchnorm_forward(x, gamma, beta, state, eps=eps)
            return batchnorm_update_state(state, cache, momentum=mom, unbiased=unbiased)

        y, new_state = bn(), moving()
        batch = moving(0.0)  # momentum 0: the moving statistics are the batch's own
        mean, var = batch.moving_mean, batch.moving_var
        x_hat = bn(g=np.ones(k), b=np.zeros(k))
        var_unbiased = moving(0.0, unbiased=True).moving_var
        y_unbiased = bn(st=BatchNormState(mean, var_unbiased), train=False)
        swapped = moving(1.0 - momentum)

        dec = DECIMALS_ASKED
        checks = {name: array_check(d) for name, d in dec.items()}
        t_unb = {"fr": "la variance du batch se calcule avec 1/m (variance biaisée), pas 1/(m - 1).",
                 "en": "the batch variance uses 1/m (biased variance), not 1/(m - 1)."}
        t_swap = {"fr": "moving = momentum x moving + (1 - momentum) x batch : le momentum "
                        "pondère l'ancienne moyenne mobile, pas la statistique du batch.",
                  "en": "moving = momentum x moving + (1 - momentum) x batch: the momentum "
                        "weighs the old moving average, not the batch statistic."}
        mistakes_y = [
            Misconception("forgot-eps", bn(e=0.0), {
                "fr": f"on divise par sqrt(sigma_B + eps) avec eps = {eps:g}, pas par sqrt(sigma_B).",
                "en": f"divide by sqrt(sigma_B + eps) with eps = {eps:g}, not by sqrt(sigma_B)."}),
            Misconception("unbiased-variance", y_unbiased, t_unb),
            Misconception("no-scale-shift", x_hat, {
                "fr": "il reste l'étape 4 : multiplier par gamma et ajouter beta.",
                "en": "step 4 is missing: multiply by gamma and add beta."}),
        ]
        require_separated(mm, new_state.moving_mean, dec["moving_mean"], "moving_mean before the batch")
        require_separated(mv, new_state.moving_var, dec["moving_var"], "moving_variance before the batch")
        parts = {
            "mean": Part(mean, checks["mean"], {"fr": "moyenne du batch mean_B (par neurone)",
                                                "en": "batch mean mean_B (per neuron)"}),
            "var": Part(var, checks["var"], {"fr": "variance du batch sigma_B (par neurone)",
                                             "en": "batch variance sigma_B (per neuron)"},
                        misconceptions(var, [Misconception("unbiased-variance", var_unbiased, t_unb)], dec["var"])),
            "y": Part(y, checks["y"], {"fr": "sorties normalisées (après gamma et beta)",
                                       "en": "normalised outputs (after gamma and beta)"},
                      misconceptions(y, mistakes_y, dec["y"])),
            "moving_mean": Part(new_state.moving_mean, checks["moving_mean"],
                                {"fr": "nouvelle moving_mean", "en": "new moving_mean"},
                                misconceptions(new_state.moving_mean, [
                                    Misconception("momentum-swapped", swapped.moving_mean, t_swap)],
                                    dec["moving_mean"])),
            "moving_var": Part(new_state.moving_var, checks["moving_var"],
                               {"fr": "nouvelle moving_variance", "en": "new moving_variance"},
                               misconceptions(new_state.moving_var, [
                                   Misconception("momentum-swapped", swapped.moving_var, t_swap),
                                   Misconception("unbiased-variance", moving(unbiased=True).moving_var, t_unb)],
                                   dec["moving_var"])),
        }
        ctx = {"m": m, "k": k, "x": x.tolist(), "labels": [f"$y_{j + 1}$" for j in range(k)],
               "rows": [[i + 1, *row] for i, row in enumerate(x.tolist())], "cols": x.T.tolist(), "gamma": gamma.tolist(),
               "beta": beta.tolist(), "std": np.sqrt(var + eps).tolist(), "x_hat": x_hat.T.tolist(),
               "y_cols": y.T.tolist(), "mm_old": mm.tolist(), "mv_old": mv.tolist(),
               "scaled": bool(np.any(gamma != 1) or np.any(beta != 0)),
               "initial": bool(np.all(mm == 0) and np.all(mv == 1)),
               DECIMALS: dict(dec), BEFORE: {"moving_mean": mm.tolist(), "moving_var": mv.tolist()},
               "special": "eps-dominated-column" if bool(np.any(var < eps)) else None}
        return Solution(parts, ctx)
