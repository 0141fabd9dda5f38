"""One gradient-descent step on every parameter of a network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.checks import StateDictCheck
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion

from ..mlp_forward import random_params
from .mistakes import MISTAKES


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """A random network, a zero learning rate, large gradients."""
    def case(tag: str, layers: list[int], lr: float, scale: float, text: Text, pts: float) -> Case:
        params = random_params(rng, layers, rounded=public)
        grads = {f"d{k}": normal(rng, *v.shape, scale=scale) for k, v in params.items()}
        if public:
            grads = {k: np.round(v, 1) for k, v in grads.items()}
        return Case(tag, [Call("gd_update", [params, grads, lr])],
                    [Expect(0, None, StateDictCheck(1e-9, 1e-12))], pts, text)

    if public:
        return [case("public", [2, 2, 1], 0.1, 1.0, t("réseau 2-2-1, lr = 0.1", "2-2-1 network, lr = 0.1"),
                     0.0)]
    layers = [int(rng.integers(2, 6)) for _ in range(int(rng.integers(2, 5)))]
    return [
        case("random", layers, round(float(rng.uniform(0.01, 0.5)), 3), 1.0,
             t("réseau aléatoire, tous les paramètres", "random network, every parameter"), 2.0),
        case("lr-zero", [3, 2], 0.0, 1.0, t("taux d'apprentissage nul", "learning rate zero"), 0.5),
        case("large", [2, 3, 1], 0.05, 1e4, t("grands gradients", "large gradients"), 0.5),
    ]


def reference() -> dict[str, Any]:
    from course.reference import dense

    return {"gd_update": dense.gd_update}


QUESTION = CodingQuestion(
    id="gd-step",
    title=t("Un pas de descente de gradient", "One gradient-descent step"),
    names=("gd_update",),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
