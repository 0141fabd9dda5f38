"""The forward pass of batch normalisation in training mode (biased variance, eps = 1e-3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """A random batch, a constant feature, a batch of one, large values."""
    def case(tag: str, x: np.ndarray, text: Text, pts: float) -> Case:
        d = x.shape[1]
        gamma = np.round(rng.uniform(0.5, 2.0, d), 2)
        beta = np.round(rng.uniform(-1, 1, d), 2)
        return Case(tag, [Call("batchnorm_forward", [x, gamma, beta])], [Expect(0, 0)], pts, text)

    if public:
        return [case("public", np.array([[1.0, 2.0], [3.0, -2.0], [5.0, 0.0]]),
                     t("un lot de 3 exemples, 2 caractéristiques", "a batch of 3 examples, 2 features"),
                     0.0)]
    n, d = int(rng.integers(4, 9)), int(rng.integers(2, 6))
    const = normal(rng, n, d)
    const[:, 0] = round(float(rng.uniform(-3, 3)), 1)
    return [
        case("random", normal(rng, n, d, scale=3.0) + 2.0, t("lot aléatoire (N, D)", "random batch (N, D)"),
             1.5),
        case("constant", const, t("une caractéristique constante (variance nulle)",
                                  "a constant feature (zero variance)"), 1.0),
        case("batch-one", normal(rng, 1, d), t("un lot d'un seul exemple", "a batch of one example"), 0.5),
        case("large", normal(rng, n, d, scale=1e3) + 1e4,
             t("grandes valeurs (de l'ordre de 10 000)", "large magnitudes (about 10,000)"), 1.0),
    ]


def reference() -> dict[str, Any]:
    from course.reference import batchnorm

    def forward(x: Any, gamma: Any, beta: Any, eps: float = 1e-3) -> tuple[np.ndarray, Any]:
        return batchnorm.batchnorm_forward(x, gamma, beta, None, train=True, eps=eps)

    return {"batchnorm_forward": forward}


QUESTION = CodingQuestion(
    id="batchnorm",
    title=t("Normalisation par lots (propagation avant)", "Batch normalisation (forward pass)"),
    names=("batchnorm_forward",),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
