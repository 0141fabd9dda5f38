"""Perceptron training with the Widrow-Hoff rule, with the table of iterations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.checks import ArrayCheck, FloatCheck
from course.generator.coding.engine import Call, Case, Expect
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES

EXACT = ArrayCheck(1e-9, 1e-9)


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """A logic gate from random weights, random separable data, and XOR (never stable)."""
    from course.reference.perceptron import LOGIC_GATES

    def case(tag: str, X: np.ndarray, d: np.ndarray, w0: np.ndarray, b0: float, eta: float,
             text: Text, pts: float, max_epochs: int = 20) -> Case:
        return Case(tag, [Call("perceptron_train", [X, d, w0, b0],
                               {"eta": eta, "max_epochs": max_epochs})],
                    [Expect(0, 0, EXACT), Expect(0, 1, FloatCheck(1e-9, 1e-9)), Expect(0, 2, EXACT)],
                    pts, text)

    if public:
        X, d = LOGIC_GATES["and"]
        return [case("public", np.asarray(X, float), np.asarray(d, float), np.zeros(2), 0.0, 1.0,
                     t("porte ET, poids nuls au départ, eta = 1",
                       "AND gate, zero initial weights, eta = 1"), 0.0)]
    gate = ("or", "nand", "nor")[int(rng.integers(3))]
    Xg, dg = LOGIC_GATES[gate]
    w0 = np.round(rng.uniform(-1, 1, 2), 1)
    n, p = int(rng.integers(4, 8)), int(rng.integers(2, 4))
    w_true = rng.uniform(-1, 1, p)
    Xr = np.round(rng.uniform(-2, 2, (n, p)), 1)
    dr = (Xr @ w_true + 0.1 >= 0).astype(float)
    return [
        case("gate", np.asarray(Xg, float), np.asarray(dg, float), w0,
             round(float(rng.uniform(-1, 1)), 1), 0.5,
             t("une porte logique, poids initiaux aléatoires, eta = 0.5 : toute la table",
               "a logic gate, random initial weights, eta = 0.5: the whole table"), 2.0),
        case("random", Xr, dr, np.round(rng.uniform(-1, 1, p), 1), 0.0,
             round(float(rng.uniform(0.1, 1.0)), 1),
             t("données linéairement séparables aléatoires, p entrées",
               "random linearly separable data, p inputs"), 2.0),
        case("xor", np.asarray(LOGIC_GATES["xor"][0], float), np.asarray(LOGIC_GATES["xor"][1], float),
             np.zeros(2), 0.0, 1.0,
             t("porte OU exclusif (non séparable) : arrêt après max_epochs époques",
               "XOR gate (not separable): stop after max_epochs epochs"), 1.0, max_epochs=3),
    ]


def reference() -> dict[str, Any]:
    from course.reference.perceptron import perceptron_train

    def train(X: Any, d: Any, w0: Any, b0: float, eta: float = 1.0,
              max_epochs: int = 100) -> tuple[np.ndarray, float, np.ndarray]:
        res = perceptron_train(X, d, w0, b0, eta=eta, max_epochs=max_epochs)
        table = np.array([[*r.w, r.b, *r.x, r.d, r.y, r.fy] for r in res.rows], dtype=np.float64)
        return np.asarray(res.w, dtype=np.float64), float(res.b), table

    return {"perceptron_train": train}


QUESTION = CodingQuestion(
    id="perceptron",
    title=t("Apprentissage du perceptron (Widrow-Hoff)", "Perceptron training (Widrow-Hoff)"),
    names=("perceptron_train",),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
