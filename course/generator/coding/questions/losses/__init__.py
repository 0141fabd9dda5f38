"""Binary and categorical cross-entropies with their gradients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.checks import ArrayCheck, FloatCheck
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES


def _probs(rng: np.random.Generator, shape: tuple[int, ...], lo: float = 0.02) -> np.ndarray:
    return rng.uniform(lo, 1 - lo, shape)


def _onehot(rng: np.random.Generator, c: int, m: int) -> np.ndarray:
    y = np.zeros((c, m))
    y[rng.integers(0, c, m), np.arange(m)] = 1.0
    return y


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """The loss (a number) and its gradient; hidden cases also compare the gradient with a
    centred difference."""
    from course.reference.activations import softmax  # inputs: valid probability columns

    def case(tag: str, fn: str, y_hat: np.ndarray, y: np.ndarray, text: Text, pts: float) -> Case:
        expect = [Expect(0, 0, FloatCheck(1e-6, 1e-9)), Expect(0, 1)]
        if not public:
            expect.append(Expect(0, 1, ArrayCheck(1e-4, 1e-6), "numerical",
                                 grad={"call": 0, "arg": 0, "item": 0, "upstream": None}))
        return Case(tag, [Call(fn, [y_hat, y])], expect, pts, text)

    if public:
        return [
            case("public-bce", "bce_loss", np.array([[0.9, 0.2, 0.6]]), np.array([[1.0, 0.0, 1.0]]),
                 t("BCE sur 3 exemples", "BCE on 3 examples"), 0.0),
            case("public-cce", "cce_loss", np.array([[0.7, 0.1], [0.2, 0.3], [0.1, 0.6]]),
                 np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]),
                 t("CCE sur 2 exemples, 3 classes", "CCE on 2 examples, 3 classes"), 0.0),
        ]
    m, c = int(rng.integers(3, 9)), int(rng.integers(3, 6))
    return [
        case("bce-random", "bce_loss", _probs(rng, (1, m)), rng.integers(0, 2, (1, m)).astype(float),
             t("BCE, m aléatoire (gradient comparé aussi à un gradient numérique)",
               "BCE, random m (gradient also compared with a numerical gradient)"), 1.5),
        case("bce-one", "bce_loss", _probs(rng, (1, 1)), np.array([[1.0]]),
             t("BCE, un seul exemple", "BCE, a single example"), 0.5),
        case("bce-confident", "bce_loss", np.array([[0.999, 0.001, 0.998]]),
             np.array([[1.0, 0.0, 0.0]]),
             t("BCE, prédictions très confiantes (proches de 0 et de 1)",
               "BCE, very confident predictions (close to 0 and 1)"), 0.5),
        case("cce-random", "cce_loss", softmax(normal(rng, c, m)), _onehot(rng, c, m),
             t("CCE, C classes et m exemples aléatoires (gradient comparé aussi à un gradient "
               "numérique)", "CCE, random C classes and m examples (gradient also compared with "
               "a numerical gradient)"), 1.5),
        case("cce-one", "cce_loss", softmax(normal(rng, c, 1)), _onehot(rng, c, 1),
             t("CCE, un seul exemple", "CCE, a single example"), 0.5),
    ]


def reference() -> dict[str, Any]:
    from course.reference import losses

    return {"bce_loss": losses.bce_loss, "cce_loss": losses.cce_loss}


QUESTION = CodingQuestion(
    id="losses",
    title=t("Entropies croisées et leurs gradients", "Cross-entropy losses and their gradients"),
    names=("bce_loss", "cce_loss"),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
