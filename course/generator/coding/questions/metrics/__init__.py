"""Accuracy, per-class precision, recall and F1, and macro F1 from a confusion matrix."""

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


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """Binary, several classes, a class never predicted (0 where undefined), a perfect classifier."""
    def case(tag: str, cm: np.ndarray, text: Text, pts: float) -> Case:
        expect = [Expect(0, "accuracy", FloatCheck(1e-9, 1e-12))]
        expect += [Expect(0, k, ArrayCheck(1e-9, 1e-12)) for k in ("precision", "recall", "f1")]
        expect.append(Expect(0, "macro_f1", FloatCheck(1e-9, 1e-12)))
        return Case(tag, [Call("metrics_from_confusion", [cm])], expect, pts, text)

    if public:
        return [case("public", np.array([[5, 1], [2, 4]]), t("matrice 2 x 2", "2 x 2 matrix"), 0.0)]
    c = int(rng.integers(3, 6))
    never = rng.integers(0, 20, (c, c))
    never[:, int(rng.integers(c))] = 0
    return [
        case("binary", rng.integers(1, 30, (2, 2)), t("cas binaire", "binary case"), 1.0),
        case("multiclass", rng.integers(0, 25, (c, c)) + np.eye(c, dtype=np.int64) * 10,
             t("plusieurs classes", "several classes"), 1.5),
        case("never-predicted", never, t("une classe jamais prédite (précision indéfinie : 0)",
                                         "a class never predicted (undefined precision: 0)"), 1.0),
        case("perfect", np.diag(rng.integers(1, 10, c)), t("classifieur parfait", "perfect classifier"), 0.5),
    ]


def reference() -> dict[str, Any]:
    from course.reference.metrics import metrics_from_confusion

    return {"metrics_from_confusion": metrics_from_confusion}


QUESTION = CodingQuestion(
    id="metrics",
    title=t("Métriques à partir d'une matrice de confusion", "Metrics from a confusion matrix"),
    names=("metrics_from_confusion",),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
