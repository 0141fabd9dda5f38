"""One step of the Adam optimizer, with bias correction; steps are chained in the cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.coding.engine import Call, Case, Expect, normal, ref
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """Three chained steps, zero gradients, large and tiny gradients."""
    def case(tag: str, shape: tuple[int, ...], steps: int, lr: float, text: Text, pts: float,
             gscale: float = 1.0, zero_grad: bool = False) -> Case:
        w = normal(rng, *shape)
        state = {"m": np.zeros(shape), "v": np.zeros(shape), "t": 0}
        calls: list[Call] = []
        for k in range(steps):
            g = np.zeros(shape) if zero_grad else normal(rng, *shape, scale=gscale)
            if public:
                w, g = np.round(w, 1), np.round(g, 1)
            wk = w if k == 0 else ref(k - 1, 0)
            sk = state if k == 0 else ref(k - 1, 1)
            calls.append(Call("adam_step", [wk, g, sk], {"lr": lr}))
        return Case(tag, calls, [Expect(k, 0) for k in range(steps)], pts, text)

    if public:
        return [case("public", (3,), 1, 0.1, t("un pas depuis un état nul, lr = 0.1",
                                                "one step from a zero state, lr = 0.1"), 0.0)]
    return [
        case("steps", (int(rng.integers(2, 5)), int(rng.integers(1, 4))), 3,
             round(float(rng.uniform(0.001, 0.1)), 3),
             t("trois pas enchaînés (l'état renvoyé est passé au pas suivant)",
               "three chained steps (the returned state is passed to the next step)"), 2.0),
        case("zero-grad", (4,), 2, 0.01, t("gradients nuls", "zero gradients"), 0.5, zero_grad=True),
        case("large", (3, 2), 2, 0.001, t("grands gradients (de l'ordre de 10 000)",
                                          "large gradients (about 10,000)"), 0.5, gscale=1e4),
        case("tiny", (2,), 2, 0.01, t("très petits gradients (de l'ordre de 1e-6)",
                                      "very small gradients (about 1e-6)"), 0.5, gscale=1e-6),
    ]


def reference() -> dict[str, Any]:
    from course.reference.optimizers import adam_step

    return {"adam_step": adam_step}


QUESTION = CodingQuestion(
    id="adam",
    title=t("Un pas d'Adam", "One Adam step"),
    names=("adam_step",),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
