"""Scaled dot-product attention (a coding question of this course).

The expected values come from this folder's solution.py, run on the trusted side at grading
time (never in the student's sandbox, never handed out); the cases' inputs are drawn for each
student through the toolkit's one randomness door.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion, solution_reference

HERE = Path(__file__).parent
NAMES = ("attention",)


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """Public: 2 queries, 3 keys, d = 2. Hidden: random shapes, one query, large scores (the
    softmax must stay stable), d = 1."""
    def case(tag: str, n_q: int, n_k: int, d: int, d_v: int, text: Text, pts: float,
             scale: float = 1.0) -> Case:
        Q, K, V = normal(rng, n_q, d, scale=scale), normal(rng, n_k, d, scale=scale), normal(rng, n_k, d_v)
        if public:
            Q, K, V = np.round(Q, 1), np.round(K, 1), np.round(V, 1)
        return Case(tag, [Call("attention", [Q, K, V])], [Expect(0, 0), Expect(0, 1)], pts, text)

    if public:
        return [case("public", 2, 3, 2, 2, t("2 requêtes, 3 clés, d = 2", "2 queries, 3 keys, d = 2"), 0.0)]
    return [
        case("random", int(rng.integers(2, 6)), int(rng.integers(2, 7)), int(rng.integers(2, 9)),
             int(rng.integers(1, 5)), t("formes aléatoires", "random shapes"), 2.0),
        case("one-query", 1, int(rng.integers(2, 6)), 4, 3, t("une seule requête", "a single query"), 1.0),
        case("large", 3, 4, 4, 2, t("grands scores : le softmax doit rester stable",
                                    "large scores: the softmax must stay stable"), 1.0, scale=30.0),
        case("d-one", 2, 3, 1, 2, t("dimension d = 1", "dimension d = 1"), 0.5),
    ]


QUESTION = CodingQuestion(
    id="attention",
    title=t("Attention par produit scalaire normalisé", "Scaled dot-product attention"),
    names=NAMES,
    folder=HERE,
    make_cases=cases,
    make_reference=solution_reference(HERE, NAMES),
)
