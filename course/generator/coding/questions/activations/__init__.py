"""Activation functions: sigmoid, tanh, ReLU and softmax (axis 0), numerically stable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import text as t
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES

NAMES = ("sigmoid", "tanh", "relu", "softmax")


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """Public: a small 3 x 2 matrix per function; hidden: random, zeros, |z| up to 1000, one
    column, per function, and for softmax values whose exponentials add up past the largest
    float (only the max shift gets them right)."""
    if public:
        z = np.array([[-1.0, 0.0], [0.5, 2.0], [2.0, -3.0]])
        return [Case(f"public-{n}", [Call(n, [z])], [Expect(0)], 0.0,
                     t(f"{n} sur une petite matrice 3 x 2", f"{n} on a small 3 x 2 matrix"))
                for n in NAMES]
    out: list[Case] = []
    for n in NAMES:
        c, m = int(rng.integers(2, 6)), int(rng.integers(2, 7))
        big = np.where(rng.random((c, m)) < 0.5, -1.0, 1.0) * rng.uniform(500, 1000, (c, m))
        inputs = [
            ("random", normal(rng, c, m, scale=3.0), t("matrice aléatoire", "random matrix")),
            ("zeros", np.zeros((c, m)), t("matrice de zéros", "matrix of zeros")),
            ("large", big, t("grandes valeurs (|z| jusqu'à 1000) : le calcul doit rester stable",
                             "large magnitudes (|z| up to 1000): the computation must stay stable")),
            ("one", normal(rng, c, 1, scale=2.0),
             t("un seul exemple (une colonne)", "a single example (one column)")),
        ]
        if n == "softmax":  # each exp(z) is finite, their sum is not: only the max shift holds
            inputs.append(("overflow", rng.uniform(709.0, 709.7, (c + 3, m)), t(
                "valeurs proches de 709 : chaque exponentielle est finie, mais leur somme déborde",
                "values close to 709: each exponential is finite, but their sum overflows")))
        for tag, z, what in inputs:
            # the two stability cases of softmax share the 0.5 points of one case (8 in all)
            pts = 0.25 if n == "softmax" and tag in ("large", "overflow") else 0.5
            out.append(Case(f"{n}-{tag}", [Call(n, [z])], [Expect(0)], pts,
                            t(f"{n} : {what['fr']}", f"{n}: {what['en']}")))
    return out


def reference() -> dict[str, Any]:
    from course.reference import activations as a

    return {"sigmoid": a.sigmoid, "tanh": a.tanh, "relu": a.relu, "softmax": a.softmax}


QUESTION = CodingQuestion(
    id="activations",
    title=t("Fonctions d'activation", "Activation functions"),
    names=NAMES,
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
