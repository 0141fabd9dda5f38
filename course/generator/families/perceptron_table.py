"""perceptron-table: train a simple perceptron (Heaviside, Widrow-Hoff) by hand (003).

The observations (a logic gate's truth table, or given data rows ``x1, ..., xp, d``) pass
one by one, in order; each iteration computes ``Y = sum w_i x_i + b``, ``f(Y)`` (1 if
Y >= 0) and the update ``w_i += eta (d - f(Y)) x_i``, ``b += eta (d - f(Y))``, until a whole
epoch makes no correction or ``max_epochs`` epochs have passed
(``course.reference.perceptron.perceptron_train``).

Parts: ``table`` (one row per iteration, 003's columns: it, w.., b, x.., d, Y, f(Y), new
w.., new b), ``w`` and ``b`` (final), ``epochs`` (epochs run, the last one without correction
included), ``converges`` (XOR never does: it is not linearly separable).
003's example: ``course solve perceptron-table gate=or w=1,-1 b=0 eta=1`` reproduces its
table, with iteration 9 corrected (003 prints f(0) = 0 there; the rule gives f(0) = 1).
Misconception: f(0) = 0 (the same training run with a strict step, Y > 0).
Every value is exact (:mod:`..precision`, ``decimals=None``); ``context["before"]`` holds the
initial weights and bias (a run that ends where it started is drawn again).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.perceptron import LOGIC_GATES, perceptron_train

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import BoolCheck, IntCheck
from ..checks.table import LMS_TABLES
from ..precision import (
    BEFORE,
    DECIMALS,
    array_check,
    float_check,
    misconceptions,
    require_separated,
    table_check,
)

GATES = tuple(LOGIC_GATES)
SEED_EXAMPLE = {"gate": "or", "data": [], "w": [1.0, -1.0], "b": 0.0, "eta": 1.0}



def _num(x: float) -> int | float:
    """A table cell as the course writes it: integers without a decimal part."""
    x = float(x)
    return int(x) if x.is_integer() else round(x, 10)


def _train_strict_step(X: np.ndarray, d: np.ndarray, w0: np.ndarray, b0: float, eta: float,
                       max_epochs: int) -> tuple[list[list[Any]], np.ndarray, float, int, bool]:
    """The MISCONCEPTION f(0) = 0 (a strict step, f(Y) = 1 only if Y > 0), otherwise the
    same Widrow-Hoff loop; used only to recognise that mistake, never for the answer."""
    w, b, rows, it = w0.astype(np.float64).copy(), float(b0), [], 0
    for epoch in range(1, max_epochs + 1):
        changed = False
        for x, target in zip(X, d):
            it += 1
            y = float(w @ x + b)
            fy = 1.0 if y > 0 else 0.0
            err = float(target) - fy
            w_new, b_new = w + eta * err * x, b + eta * err
            rows.append([it, *map(_num, w), _num(b), *map(_num, x), _num(target), _num(y),
                         _num(fy), *map(_num, w_new), _num(b_new)])
            changed = changed or err != 0
            w, b = w_new, b_new
        if not changed:
            return rows, w, b, epoch, True
    return rows, w, b, max_epochs, False


class PerceptronTable(Family):
    id = "perceptron-table"
    title = {"fr": "Perceptron simple : table d'apprentissage (Heaviside, Widrow-Hoff)",
             "en": "Simple perceptron: training table (Heaviside, Widrow-Hoff)"}
    params = {
        "gate": Param("str", "logic gate: and, or, nand, nor, xor (or empty with data=...)",
                      default=""),
        "data": Param("matrix", "data rows x1,...,xp,d separated by ';' (instead of gate)",
                      default=[]),
        "w": Param("floats", "initial weights w1,...,wp"),
        "b": Param("float", "initial bias b"),
        "eta": Param("float", "learning rate eta in ]0, 1]", default=1.0),
        "max_epochs": Param("int", "at most this many epochs", default=10),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        for _ in range(100):
            gate = c.choice(rng, "gate", ["and", "or", "nand", "nor", "xor", "or", "and"])
            w = c.value("w", None) or [float(c.int(rng, "w", -2, 2)) for _ in range(2)]
            b = c.float(rng, "b", -1, 1, 0) if "b" in c.raw else float(rng.integers(-1, 2))
            eta = float(c.choice(rng, "eta", [1.0, 1.0, 0.5]))
            max_epochs = c.int(rng, "max_epochs", 3, 3) if gate == "xor" else \
                int(c.value("max_epochs", 10))
            params = {"gate": gate, "data": [], "w": w, "b": b, "eta": eta,
                      "max_epochs": max_epochs}
            X, d = LOGIC_GATES[gate] if gate in LOGIC_GATES else (None, None)
            if X is None:
                return params  # solve reports the bad gate
            r = perceptron_train(X, d, w, b, eta, max_epochs)
            # a table an exam can hold: a few epochs, and at least one correction
            if gate == "xor" or (r.converged and 2 <= r.epochs <= 5):
                return params
        return params

    def _inputs(self, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, str]:
        gate, data = params["gate"], params["data"]
        if gate and data:
            raise ParameterError("data", text("donnez soit gate=..., soit data=..., pas les deux", "give either gate=... or data=..., not both"))
        if gate:
            if gate not in LOGIC_GATES:
                raise ParameterError("gate", text(f"doit être l'une de {', '.join(GATES)}, reçu : {gate!r}", f"must be one of {', '.join(GATES)}, got {gate!r}"))
            X, d = LOGIC_GATES[gate]
            return X, d, gate
        if not data:
            raise ParameterError("gate", text("donnez une porte logique (gate=or) ou des lignes de données (data=0,0,0;0,1,1)", "give a logic gate (gate=or) or data rows (data=0,0,0;0,1,1)"))
        try:
            arr = np.asarray(data, dtype=np.float64)
        except (ValueError, TypeError):
            raise ParameterError("data", text("les lignes doivent toutes avoir le même nombre de valeurs", "rows must all have the same number of values")) from None
        if arr.ndim != 2 or arr.shape[1] < 2 or arr.shape[0] < 1:
            raise ParameterError("data", text("attendu des lignes x1,...,xp,d (au moins une caractéristique)", "expected rows x1,...,xp,d (at least one feature)"))
        if not np.all(np.isfinite(arr)):
            raise ParameterError("data", text("les valeurs doivent être des nombres finis", "values must be finite numbers"))
        if not np.all((arr[:, -1] == 0) | (arr[:, -1] == 1)):
            raise ParameterError("data", text("la dernière valeur de chaque ligne (la classe d) doit valoir 0 ou 1", "the last value of each row (the class d) must be 0 or 1"))
        return arr[:, :-1], arr[:, -1], ""

    def solve(self, params: dict[str, Any]) -> Solution:
        X, d, gate = self._inputs(params)
        p = X.shape[1]
        w0, b0, eta, max_epochs = params["w"], params["b"], params["eta"], params["max_epochs"]
        if not isinstance(w0, list) or len(w0) != p or not all(
                type(v) in (int, float) and np.isfinite(v) for v in w0):
            raise ParameterError("w", text(f"demande {p} poids initiaux (un par caractéristique), reçu : {w0!r}", f"needs {p} initial weights (one per feature), got {w0!r}"))
        if type(b0) not in (int, float) or not np.isfinite(b0):
            raise ParameterError("b", text(f"doit être un nombre, reçu : {b0!r}", f"must be a number, got {b0!r}"))
        if type(eta) not in (int, float) or not 0 < eta <= 1:
            raise ParameterError("eta", text(f"le taux d'apprentissage doit être dans ]0, 1], reçu : {eta!r}", f"the learning rate must lie in ]0, 1], got {eta!r}"))
        if type(max_epochs) is not int or not 1 <= max_epochs <= 50:
            raise ParameterError("max_epochs", text(f"doit être un entier dans [1, 50], reçu : {max_epochs!r}", f"must be an integer in [1, 50], got {max_epochs!r}"))
        r = perceptron_train(X, d, w0, b0, float(eta), max_epochs)
        table = [[row.iteration, *map(_num, row.w), _num(row.b), *map(_num, row.x), _num(row.d),
                  _num(row.y), _num(row.fy), *map(_num, row.w_new), _num(row.b_new)]
                 for row in r.rows]
        columns = (("it",) + tuple(f"w{i + 1}" for i in range(p)) + ("b",)
                   + tuple(f"x{i + 1}" for i in range(p)) + ("d", "Y", "f(Y)")
                   + tuple(f"w{i + 1}'" for i in range(p)) + ("b'",))
        s_rows, s_w, s_b, s_epochs, _ = _train_strict_step(X, d, np.asarray(w0, float), float(b0),
                                                           float(eta), max_epochs)
        f0 = {"fr": "avec la fonction de Heaviside du cours, f(Y) = 1 si Y ≥ 0 : pour Y = 0, "
                    "f(0) = 1 (et non 0).",
              "en": "with the course's Heaviside function, f(Y) = 1 if Y ≥ 0: for Y = 0, "
                    "f(0) = 1 (not 0)."}
        tc = table_check(None, columns)  # exact values
        wc, bc, ic = array_check(None), float_check(None), IntCheck()
        w_final = [_num(v) for v in r.w]
        w_start = [_num(v) for v in w0]
        require_separated(w_start, w_final, None, "the initial weights")
        require_separated(_num(b0), _num(r.b), None, "the initial bias")
        parts = {
            "table": Part(table, tc, {"fr": "table des itérations", "en": "table of the iterations"},
                          misconceptions(table, [Misconception("heaviside-f0-is-0", s_rows, f0)], None)),
            "w": Part(w_final, wc, {"fr": "poids finaux", "en": "final weights"},
                      misconceptions(w_final, [Misconception("heaviside-f0-is-0",
                                                             [_num(v) for v in s_w], f0)], None)),
            "b": Part(_num(r.b), bc, {"fr": "biais final", "en": "final bias"},
                      misconceptions(_num(r.b), [Misconception("heaviside-f0-is-0", _num(s_b), f0)], None)),
            "epochs": Part(r.epochs, ic, {"fr": "nombre d'époques parcourues",
                                          "en": "number of epochs run"},
                           wrong_only(ic, r.epochs, [Misconception("heaviside-f0-is-0", s_epochs, f0)])),
            "converges": Part(bool(r.converged), BoolCheck(),
                              {"fr": "l'apprentissage converge-t-il ?", "en": "does training converge?"}),
        }
        updates = [row.iteration for row in r.rows if row.updated]
        zero_rows = [row.iteration for row in r.rows if row.y == 0]
        is_seed = (gate == "or" and [float(v) for v in w0] == SEED_EXAMPLE["w"]
                   and float(b0) == 0.0 and float(eta) == 1.0)
        inputs = [[i, *map(_num, x), _num(t)] for i, (x, t) in enumerate(zip(X, d))]
        ws = [f"$w_{i + 1}$" for i in range(p)]
        xs = [f"$x_{i + 1}$" for i in range(p)]
        header = ["it."] + ws + ["$b$"] + xs + ["$d$", "$Y$", "$f(Y)$"] + ws + ["$b$"]
        epoch_starts = [row.iteration for row in r.rows if (row.iteration - 1) % len(X) == 0]
        return Solution(parts, {"p": p, "n": len(X), "header": header,
                                "input_header": ["", *xs, "$d$"], "inputs": inputs,
                                "gate": gate, "updates": updates, "zero_rows": zero_rows,
                                "seed_example": is_seed, "epoch_starts": epoch_starts,
                                "last_update": updates[-1] if updates else 0,
                                LMS_TABLES: {"table": {
                                    "given": [0, *range(p + 2, 2 * p + 3)], "omit": list(range(1, p + 2)),
                                    "group": {"rows": len(X), "label": {"fr": "Époque {k}", "en": "Epoch {k}"}},
                                    "note": {"fr": "Les poids avant une itération sont ceux d'après "
                                                   "l'itération précédente (au départ, ceux de "
                                                   "l'énoncé) : seuls $Y$, $f(Y)$ et les poids après "
                                                   "sont demandés.",
                                             "en": "The weights before an iteration are those after "
                                                   "the previous one (at first, those of the "
                                                   "statement): only $Y$, $f(Y)$ and the weights "
                                                   "after are asked."}}},
                                DECIMALS: {"table": None, "w": None, "b": None},
                                BEFORE: {"w": w_start, "b": _num(b0)}})
