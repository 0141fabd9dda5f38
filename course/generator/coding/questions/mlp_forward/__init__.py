"""The forward pass of an L-layer dense network in the course's notation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES


def random_params(rng: np.random.Generator, layers: list[int], scale: float = 1.0,
                  rounded: bool = False) -> dict[str, np.ndarray]:
    """``{"W1": (n1, n0), "b1": (n1, 1), ...}`` for the layer sizes ``layers``; ``rounded``:
    one decimal (public cases, easier to read)."""
    p: dict[str, np.ndarray] = {}
    for l in range(1, len(layers)):
        p[f"W{l}"] = normal(rng, layers[l], layers[l - 1], scale=scale)
        p[f"b{l}"] = normal(rng, layers[l], 1, scale=scale)
        if rounded:
            p[f"W{l}"], p[f"b{l}"] = np.round(p[f"W{l}"], 1), np.round(p[f"b{l}"], 1)
    return p


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """Binary and multi-class networks of random sizes, one example, one layer."""
    def case(tag: str, layers: list[int], m: int, acts: list[str], text: Text, pts: float) -> Case:
        X = normal(rng, layers[0], m)
        params = random_params(rng, layers, rounded=public)
        if public:
            X = np.round(X, 1)
        return Case(tag, [Call("mlp_forward", [X, params, acts])], [Expect(0, 0)], pts, text)

    if public:
        return [case("public", [2, 3, 1], 4, ["relu", "sigmoid"],
                     t("réseau 2-3-1 (ReLU puis sigmoïde), m = 4", "2-3-1 network (ReLU then sigmoid), m = 4"),
                     0.0)]
    hidden = ["relu", "tanh", "sigmoid"]
    out: list[Case] = []
    depth = int(rng.integers(2, 4))
    layers = [int(rng.integers(2, 6)) for _ in range(depth)] + [1]
    acts = [hidden[int(rng.integers(3))] for _ in range(depth - 1)] + ["sigmoid"]
    out.append(case("binary", layers, int(rng.integers(2, 7)), acts,
                    t("réseau aléatoire, sortie sigmoïde", "random network, sigmoid output"), 2.0))
    layers = [int(rng.integers(2, 6)), int(rng.integers(2, 6)), int(rng.integers(3, 5))]
    out.append(case("multiclass", layers, int(rng.integers(2, 6)),
                    [hidden[int(rng.integers(3))], "softmax"],
                    t("réseau aléatoire, sortie softmax (classes sur l'axe 0)",
                      "random network, softmax output (classes along axis 0)"), 2.0))
    out.append(case("batch-one", [3, 4, 2], 1, ["tanh", "softmax"],
                    t("un seul exemple (m = 1)", "a single example (m = 1)"), 1.0))
    out.append(case("one-layer", [int(rng.integers(2, 6)), 2], int(rng.integers(2, 5)), ["relu"],
                    t("une seule couche (L = 1)", "a single layer (L = 1)"), 1.0))
    return out


def reference() -> dict[str, Any]:
    from course.reference import dense

    return {"mlp_forward": dense.mlp_forward}


QUESTION = CodingQuestion(
    id="mlp-forward",
    title=t("Propagation avant d'un réseau à L couches", "Forward pass of an L-layer network"),
    names=("mlp_forward",),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
