"""perceptron-activity: weights said to be stable after some epochs; check them (003, "Activité").

003's activity: a training set of 10 observations (3 numeric features n1, n2, n3 and a class
d, Oui = 1 / Non = 0) passes twice, in order, through a simple perceptron (Heaviside, f(Y) = 1
if Y >= 0, Widrow-Hoff); "the 10 last iterations" show the weights b = -0.3, w1 = 0.2,
w2 = 2 w1, w3 = -0.1. It asks for the output and the weights of the 21st iteration, the
iteration at which the adjustment converges, and the accuracy of the model on the training
data. With those weights observation 1 (0.7, 1.9, 0.1; Non) gives Y = 0.59 >= 0, f(Y) = 1:
it is misclassified, so the weights could not have stayed the same over the last 10
iterations -- the premise is false, and the family asks the student to check it.

Values come from :mod:`course.reference.perceptron` (``perceptron_train`` for the next
iteration, ``perceptron_predict`` and ``perceptron_accuracy`` for the check).
Parameters: ``data`` (rows x1..xp, d), ``w``, ``b`` (the weights of the last n iterations),
``epochs`` (epochs passed), ``eta``. With no parameters the family is 003's activity.
Parts: ``Y`` and ``output`` (iteration n epochs + 1, the first observation again), ``w_new``
and ``b_new`` (after that iteration), ``accuracy`` (2 decimals asked), ``consistent`` (are
the weights stable, that is, is every observation well classified?), then ``convergence``
(the iteration at which convergence is established: n epochs) when they are, or
``first_error`` (the first misclassified observation, numbered from 0 as in 003) when not.
The other values are exact (:mod:`..precision`). Drawn variants come from a real training run
on separable data (consistent) or from its weights perturbed (inconsistent), half and half.
Misconceptions: f(0) = 0; the update forgotten or with the wrong sign; the error rate given
for the accuracy; 100 % accuracy taken from the premise; convergence placed at the start (or
the end) of the previous epoch; the first error numbered from 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.perceptron import perceptron_accuracy, perceptron_predict, perceptron_train

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import BoolCheck, IntCheck
from ..precision import DECIMALS, array_check, float_check, misconceptions
from ._params import finite_float, float_list, positive_int

#: 003's activity: (n1, n2, n3, d) with Oui = 1, Non = 0
SEED_DATA = [[2, 0.8, 1.2, 1], [0.7, 1.9, 0.1, 0], [1.4, 3.3, 0.8, 1], [2.1, 2.5, 0.9, 0],
             [1.1, 2.9, 2, 0], [1.7, 3, 0.5, 1], [1.8, 2.9, 2, 1], [0.4, 3, 1.5, 0],
             [2.1, 2.8, 1.4, 1], [1.6, 0.3, 2.7, 1]]
SEED_W = [0.2, 0.4, -0.1]  # w1 = 0.2, w2 = 2 w1, w3 = -0.1
SEED_B = -0.3
ACCURACY_DECIMALS = 2


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def _num(x: float) -> int | float:
    x = round(float(x), 10)
    return int(x) if x.is_integer() else x


class PerceptronActivity(Family):
    id = "perceptron-activity"
    title = {"fr": "Perceptron simple : des poids « stables » à vérifier (activité du cours)",
             "en": "Simple perceptron: checking weights said to be stable (the course's activity)"}
    params = {
        "data": Param("matrix", "rows x1,...,xp,d (d = 1 for Oui, 0 for Non)", default=SEED_DATA),
        "w": Param("floats", "the weights shown over the last n iterations", default=SEED_W),
        "b": Param("float", "the bias shown over the last n iterations", default=SEED_B),
        "epochs": Param("int", "epochs passed", default=2),
        "eta": Param("float", "learning rate of the Widrow-Hoff rule", default=1.0),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        consistent = rng.random() < 0.5
        for _ in range(200):
            p, n = int(rng.integers(2, 4)), int(rng.integers(6, 11))
            X = np.round(rng.uniform(0, 3, size=(n, p)), 1)
            w_true = rng.uniform(-1, 1, size=p)
            b_true = -float(np.median(X @ w_true))
            d = (X @ w_true + b_true >= 0).astype(float)
            if not 2 <= d.sum() <= n - 2 or np.any(np.abs(X @ w_true + b_true) < 0.05):
                continue
            w0 = np.round(rng.uniform(-0.5, 0.5, size=p), 1)
            eta = float(c.choice(rng, "eta", [0.1, 0.2, 0.5]))
            r = perceptron_train(X, d, w0, 0.0, eta, 12)
            if not r.converged or not 2 <= r.epochs <= 6:
                continue
            w, b = [_num(v) for v in r.w], _num(r.b)
            if not consistent:  # the premise made false: one weight (or the bias) moved
                for _ in range(50):
                    shift = float(rng.choice([-0.5, -0.3, 0.3, 0.5]))
                    i = int(rng.integers(p + 1))
                    w2, b2 = list(w), b
                    if i == p:
                        b2 = _num(b + shift)
                    else:
                        w2[i] = _num(w2[i] + shift)
                    if perceptron_accuracy(X, d, w2, b2) < 1.0:
                        w, b = w2, b2
                        break
                else:
                    continue
            data = [[*map(_num, x), int(t)] for x, t in zip(X, d)]
            return {"data": data, "w": w, "b": b, "epochs": int(r.epochs), "eta": eta}
        return {"data": SEED_DATA, "w": SEED_W, "b": SEED_B, "epochs": 2, "eta": 1.0}  # pragma: no cover

    def solve(self, params: dict[str, Any]) -> Solution:
        data = params["data"]
        try:
            arr = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError("data", text("les lignes doivent toutes avoir le même nombre de valeurs", "rows must all have the same number of values")) from None
        if arr.ndim != 2 or arr.shape[1] < 2 or arr.shape[0] < 2 or not np.all(np.isfinite(arr)):
            raise ParameterError("data", text("attendu au moins deux lignes x1,...,xp,d de nombres", "expected at least two rows x1,...,xp,d of numbers"))
        X, d = arr[:, :-1], arr[:, -1]
        if not np.all((d == 0) | (d == 1)):
            raise ParameterError("data", text("la dernière valeur de chaque ligne (la classe d) doit valoir 0 ou 1", "the last value of each row (the class d) must be 0 or 1"))
        n, p = X.shape
        w = float_list(params, "w", length=p)
        b = finite_float(params, "b")
        epochs = positive_int(params, "epochs", hi=100)
        eta = finite_float(params, "eta")
        if eta <= 0:
            raise ParameterError("eta", text(f"le taux d'apprentissage doit être positif, reçu : {eta}", f"the learning rate must be positive, got {eta}"))

        it_next = n * epochs + 1
        step = perceptron_train(X[:1], d[:1], w, b, eta, 1).rows[0]  # iteration n epochs + 1
        strict = 1.0 if step.y > 0 else 0.0  # MISCONCEPTION: f(0) = 0
        pred = perceptron_predict(X, w, b)
        wrong = [i for i in range(n) if pred[i] != d[i]]
        acc = perceptron_accuracy(X, d, w, b)
        consistent = not wrong
        w_new, b_new = [_num(v) for v in step.w_new], _num(step.b_new)
        ic, ex = IntCheck(), array_check(None)
        f0 = _t("f(Y) = 1 si Y ≥ 0 (003) : pour Y = 0, la sortie vaut 1.",
                "f(Y) = 1 if Y ≥ 0 (003): for Y = 0 the output is 1.")
        no_update = _t("l'observation est mal classée (f(Y) ≠ d) : la loi de Widrow-Hoff corrige les poids, "
                       "w_i = w_i + η (d − f(Y)) x_i.",
                       "the observation is misclassified (f(Y) ≠ d): the Widrow-Hoff rule corrects the weights, "
                       "w_i = w_i + η (d − f(Y)) x_i.")
        sign = _t("la correction est w_i + η (d − f(Y)) x_i, avec d − f(Y) (la classe désirée moins la sortie).",
                  "the correction is w_i + η (d − f(Y)) x_i, with d − f(Y) (the desired class minus the output).")
        w_mis, b_mis = [], []
        if step.updated:
            w_mis = [Misconception("forgot-update", [_num(v) for v in w], no_update),
                     Misconception("wrong-sign", [_num(v) for v in (2 * np.array(w) - step.w_new)], sign)]
            b_mis = [Misconception("forgot-update", _num(b), no_update),
                     Misconception("wrong-sign", _num(2 * b - step.b_new), sign)]
        acc_mis = [Misconception("error-rate", 1.0 - acc, _t(
            "l'accuracy est la proportion d'observations bien classées, pas mal classées.",
            "accuracy is the share of well-classified observations, not of misclassified ones."))]
        if not consistent:
            acc_mis.append(Misconception("trusted-the-premise", 1.0, _t(
                "recalculez f(Y) pour chaque observation avec ces poids : certaines sont mal classées, "
                "l'accuracy n'est pas 100 %.",
                "recompute f(Y) for every observation with these weights: some are misclassified, "
                "the accuracy is not 100 %.")))
        dacc = ACCURACY_DECIMALS
        parts: dict[str, Part] = {
            "Y": Part(_num(step.y), float_check(None), _t(f"Y à l'itération {it_next}", f"Y at iteration {it_next}")),
            "output": Part(int(step.fy), ic, _t(f"sortie f(Y) à l'itération {it_next}",
                                                f"output f(Y) at iteration {it_next}"),
                           wrong_only(ic, int(step.fy), [Misconception("heaviside-f0-is-0", int(strict), f0)])),
            "w_new": Part(w_new, ex, _t(f"poids après l'itération {it_next}", f"weights after iteration {it_next}"),
                          misconceptions(w_new, w_mis, None)),
            "b_new": Part(b_new, float_check(None), _t(f"biais après l'itération {it_next}",
                                                       f"bias after iteration {it_next}"),
                          misconceptions(b_new, b_mis, None)),
            "accuracy": Part(acc, float_check(dacc), _t("accuracy sur les données d'apprentissage",
                                                        "accuracy on the training data"),
                             misconceptions(acc, acc_mis, dacc)),
            "consistent": Part(consistent, BoolCheck(), _t("les poids sont-ils stables (cohérents avec l'énoncé) ?",
                                                           "are the weights stable (consistent with the statement)?")),
        }
        if consistent:
            conv = n * epochs
            parts["convergence"] = Part(conv, ic, _t("itération de convergence", "iteration of convergence"),
                                        wrong_only(ic, conv, [
                                            Misconception("start-of-stable-epoch", n * (epochs - 1) + 1, _t(
                                                "la convergence n'est établie qu'après une époque entière sans "
                                                "correction : à la fin de cette époque.",
                                                "convergence is only established after a whole epoch without "
                                                "correction: at the end of that epoch.")),
                                            Misconception("end-of-previous-epoch", n * (epochs - 1), _t(
                                                "les poids ne bougent plus après cette itération, mais il faut "
                                                "une époque entière sans correction pour conclure (critère d'arrêt "
                                                "du cours).",
                                                "the weights no longer move after this iteration, but a whole "
                                                "epoch without correction is needed to conclude (the course's "
                                                "stopping test)."))]))
        else:
            first = wrong[0]
            parts["first_error"] = Part(first, ic, _t("première observation mal classée (numérotée depuis 0)",
                                                      "first misclassified observation (numbered from 0)"),
                                        wrong_only(ic, first, [Misconception("numbered-from-1", first + 1, _t(
                                            "les observations sont numérotées à partir de 0, comme dans le tableau.",
                                            "observations are numbered from 0, as in the table."))]))
        rows = [[i, *map(_num, x), int(t), _num(float(np.dot(w, x) + b)), int(pred[i]),
                 bool(pred[i] == t)] for i, (x, t) in enumerate(zip(X, d))]
        names = [f"$n_{i + 1}$" for i in range(p)]
        ctx = {"n": n, "p": p, "it_next": it_next, "rows": rows,
               "header": ["", *names, "$d$"],
               "table": [[i, *map(_num, x), int(t)] for i, (x, t) in enumerate(zip(X, d))],
               "check_header": ["", *names, "$d$", "$Y$", "$f(Y)$"], "wrong": wrong, "n_right": n - len(wrong),
               "consistent": consistent, "updated": bool(step.updated), "d0": int(d[0]),
               "x0": [_num(v) for v in X[0]],
               "is_seed": (arr.tolist() == np.asarray(SEED_DATA, dtype=float).tolist()
                           and [float(v) for v in w] == SEED_W and float(b) == SEED_B and epochs == 2),
               DECIMALS: {"Y": None, "w_new": None, "b_new": None, "accuracy": dacc}}
        return Solution(parts, ctx)
