"""Scaled dot-product attention (a coding question of this course).

The expected values come from this folder's solution.py, run on the trusted side at grading
time (never in the student's sandbox, never handed out); the cases' inputs are drawn for each
student through the toolkit's one randomness door. The named mistakes are that solution with one
mistake written in, as a student writes it: grading and the notebook's checks explain them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion, solution_mistake, solution_reference

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


MISTAKES = (
    solution_mistake(HERE, "no-scaling", t(
        "les scores ne sont pas divisés par √d : softmax(Q K^T / √d).",
        "the scores are not divided by √d: softmax(Q K^T / √d)."),
        (" / np.sqrt(Q.shape[1])", "")),
    solution_mistake(HERE, "softmax-over-queries", t(
        "le softmax est pris sur les requêtes (axe 0) : chaque ligne, une requête, doit sommer à "
        "1 sur les clés.",
        "the softmax is taken over the queries (axis 0): each row, one query, must sum to 1 "
        "over the keys."),
        ("scores.max(axis=1, keepdims=True)", "scores.max(axis=0, keepdims=True)"),
        ("e.sum(axis=1, keepdims=True)", "e.sum(axis=0, keepdims=True)")),
)


QUESTION = CodingQuestion(
    id="attention",
    title=t("Attention par produit scalaire normalisé", "Scaled dot-product attention"),
    names=NAMES,
    folder=HERE,
    make_cases=cases,
    make_reference=solution_reference(HERE, NAMES),
    mistakes=MISTAKES,
)
