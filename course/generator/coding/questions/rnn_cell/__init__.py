"""One time step of a simple RNN (batch first); :func:`cell_cases` serves the LSTM cell too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES


def cell_cases(kind: str) -> Callable[[np.random.Generator, bool], list[Case]]:
    """The cases of ``kind`` ("rnn" or "lstm") cells: random shapes, a zero previous state, one
    example, saturated gates."""
    gates = 4 if kind == "lstm" else 1
    fn = f"{kind}_cell_forward"

    def make(rng: np.random.Generator, public: bool) -> list[Case]:
        def case(tag: str, n: int, d: int, h: int, text: Text, pts: float, scale: float = 1.0,
                 zero_state: bool = False) -> Case:
            x = normal(rng, n, d, scale=scale)
            hp = np.zeros((n, h)) if zero_state else normal(rng, n, h, scale=0.5)
            Wx = normal(rng, d, gates * h, scale=0.5)
            Wh = normal(rng, h, gates * h, scale=0.5)
            b = normal(rng, gates * h, scale=0.1)
            if public:
                x, hp, Wx, Wh, b = (np.round(v, 1) for v in (x, hp, Wx, Wh, b))
            if kind == "lstm":
                cp = np.zeros((n, h)) if zero_state else normal(rng, n, h, scale=0.5)
                if public:
                    cp = np.round(cp, 1)
                return Case(tag, [Call(fn, [x, hp, cp, Wx, Wh, b])], [Expect(0, 0), Expect(0, 1)],
                            pts, text)
            return Case(tag, [Call(fn, [x, hp, Wx, Wh, b])], [Expect(0, 0)], pts, text)

        if public:
            return [case("public", 2, 3, 2, t("2 exemples, D = 3, H = 2", "2 examples, D = 3, H = 2"), 0.0)]
        return [
            case("random", int(rng.integers(2, 5)), int(rng.integers(2, 6)), int(rng.integers(2, 6)),
                 t("formes aléatoires", "random shapes"), 2.0),
            case("zero-state", int(rng.integers(2, 4)), 3, 4,
                 t("état précédent nul (premier pas de temps)", "zero previous state (first time step)"),
                 1.0, zero_state=True),
            case("batch-one", 1, int(rng.integers(2, 5)), int(rng.integers(2, 5)),
                 t("un seul exemple (N = 1)", "a single example (N = 1)"), 0.5),
            case("large", 2, 3, 3, t("grandes entrées (portes saturées)", "large inputs (saturated gates)"),
                 0.5, scale=1e3),
        ]

    return make


def reference() -> dict[str, Any]:
    from course.reference import recurrent

    return {"rnn_cell_forward": recurrent.rnn_cell_forward}


QUESTION = CodingQuestion(
    id="rnn-cell",
    title=t("Cellule RNN (propagation avant)", "RNN cell (forward pass)"),
    names=("rnn_cell_forward",),
    folder=Path(__file__).parent,
    make_cases=cell_cases("rnn"),
    make_reference=reference,
    mistakes=MISTAKES,
)
