"""The receptive field of a stack of convolution and pooling layers (a family of this course).

A stack of layers with kernel sizes k_1..k_L and strides s_1..s_L (no dilation): the receptive
field of one output unit on the input is

    r = 1 + sum_l (k_l - 1) * prod_{j < l} s_j

and the "jump" (the distance, on the input, between two neighbouring output units) is
prod_l s_l. Parts: ``rf`` and ``jump`` (integers). Misconceptions: the strides ignored
(``1 + sum (k_l - 1)``), the kernels simply added (``sum k_l``).

This module is the course's own: its answers are computed here (this is the course's reference
for the family); the statements are the two templates beside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.generator.base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from course.generator.checks import IntCheck

KERNELS = (2, 3, 3, 5, 7)


def receptive_field(layers: list[list[int]]) -> tuple[int, int]:
    """(receptive field, jump) of layers ``[[k_1, s_1], ..., [k_L, s_L]]`` (inputs of one unit)."""
    k = np.array([k for k, _ in layers], dtype=np.int64)
    s = np.array([s for _, s in layers], dtype=np.int64)
    before = np.concatenate([[1], np.cumprod(s)[:-1]])  # prod_{j < l} s_j
    return int(1 + np.sum((k - 1) * before)), int(np.prod(s))


class ReceptiveField(Family):
    id = "receptive-field"
    title = {"fr": "Champ récepteur d'un empilement de convolutions",
             "en": "Receptive field of a stack of convolutions"}
    params = {
        "layers": Param("json", "[[kernel, stride], ...], one pair per layer"),
        "depth": Param("int", "number of layers (when layers are drawn)", default=3),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        depth = c.int(rng, "depth", 2, 4)
        drawn = [[int(KERNELS[rng.integers(len(KERNELS))]), int(rng.integers(1, 3))] for _ in range(depth)]
        layers = c.value("layers", drawn)
        return {"layers": layers, "depth": len(layers)}

    def solve(self, params: dict[str, Any]) -> Solution:
        layers = params["layers"]
        if not isinstance(layers, list) or not layers or not all(
                isinstance(p, list) and len(p) == 2 and all(type(v) is int and v >= 1 for v in p)
                for p in layers):
            raise ParameterError("layers", "expected [[kernel, stride], ...] of positive integers")
        rf, jump = receptive_field(layers)
        ignored = 1 + sum(k - 1 for k, _ in layers)
        added = sum(k for k, _ in layers)
        check = IntCheck()
        mistakes = [
            Misconception("strides-ignored", ignored,
                          {"fr": "vous avez ignoré les pas : chaque couche multiplie l'écart entre "
                                 "deux unités par son pas.",
                           "en": "you ignored the strides: each layer multiplies the distance "
                                 "between two units by its stride."}),
            Misconception("kernels-added", added,
                          {"fr": "les noyaux ne s'additionnent pas : chaque couche ajoute k - 1, "
                                 "multiplié par le produit des pas précédents.",
                           "en": "kernels do not simply add up: each layer adds k - 1, times the "
                                 "product of the previous strides."}),
        ]
        parts = {
            "rf": Part(rf, check, {"fr": "champ récepteur", "en": "receptive field"},
                       wrong_only(check, rf, mistakes)),
            "jump": Part(jump, check, {"fr": "écart entre deux unités voisines (en pixels d'entrée)",
                                       "en": "distance between two neighbouring units (input pixels)"}),
        }
        before = [int(np.prod([s for _, s in layers[:i]])) for i in range(len(layers))]
        return Solution(parts, {"rows": [[i + 1, k, s] for i, (k, s) in enumerate(layers)],
                                "before": before,
                                "terms": [(k - 1) * b for (k, _), b in zip(layers, before)]})
