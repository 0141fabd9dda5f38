"""A dense layer in the course's column layout: forward (Z = W A + b) and backward."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.checks import ArrayCheck
from course.generator.coding.engine import Call, Case, Expect, normal, ref
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """Forward then backward; hidden cases also compare the gradients with centred differences
    (at moderate magnitudes only: round-off grows with the values)."""
    def chain(tag: str, n_prev: int, n: int, m: int, scale: float, text: Text, pts: float) -> Case:
        a, W = normal(rng, n_prev, m, scale=scale), normal(rng, n, n_prev, scale=scale)
        b, dz = normal(rng, n, 1, scale=scale), normal(rng, n, m)
        if public:
            a, W, b, dz = (np.round(v, 1) for v in (a, W, b, dz))
        calls = [Call("dense_forward", [a, W, b]), Call("dense_backward", [dz, ref(0, 1)])]
        expect = [Expect(0, 0)] + [Expect(1, i) for i in range(3)]
        if not public and scale <= 10:
            expect += [Expect(1, i, ArrayCheck(1e-4, 1e-6), "numerical",
                              grad={"call": 0, "arg": i, "item": 0, "upstream": {"call": 1, "arg": 0}})
                       for i in range(3)]
        return Case(tag, calls, expect, pts, text)

    if public:
        return [chain("public", 3, 2, 4, 1.0, t("couche 3 -> 2, m = 4 exemples",
                                                "layer 3 -> 2, m = 4 examples"), 0.0)]
    return [
        chain("random", int(rng.integers(2, 7)), int(rng.integers(1, 6)), int(rng.integers(2, 8)),
              1.0, t("propagation avant puis arrière, formes aléatoires (gradients comparés "
                     "aussi à des gradients numériques)",
                     "forward then backward, random shapes (gradients also compared with "
                     "numerical gradients)"), 2.0),
        chain("batch-one", int(rng.integers(2, 6)), int(rng.integers(2, 5)), 1, 1.0,
              t("un seul exemple (m = 1) : db garde la forme (n, 1)",
                "a single example (m = 1): db keeps the shape (n, 1)"), 1.0),
        chain("one-neuron", int(rng.integers(2, 6)), 1, int(rng.integers(2, 6)), 1.0,
              t("un seul neurone de sortie", "a single output neuron"), 1.0),
        chain("large", int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(2, 5)),
              1e3, t("grandes valeurs (de l'ordre de 1000)", "large magnitudes (about 1000)"), 1.0),
    ]


def reference() -> dict[str, Any]:
    from course.reference import dense

    return {"dense_forward": dense.dense_forward, "dense_backward": dense.dense_backward}


QUESTION = CodingQuestion(
    id="dense-layer",
    title=t("Couche dense : propagation avant et arrière", "Dense layer: forward and backward"),
    names=("dense_forward", "dense_backward"),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
