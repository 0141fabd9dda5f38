"""mlp-params: count the parameters of a fully connected network (001: 2-3-1 -> 13).

Parts: ``total`` (int), ``weights`` (per layer, list of ints), ``biases`` (per layer).
Misconceptions: forgot the biases; counted the input layer's neurons as having biases;
counted only neurons.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.reference.conventions import dense_params, mlp_params

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..checks import IntCheck
from ..precision import DECIMALS, array_check


class MlpParams(Family):
    id = "mlp-params"
    title = {"fr": "Nombre de paramètres d'un réseau dense (MLP)",
             "en": "Number of parameters of a fully connected network (MLP)"}
    params = {"layers": Param("ints", "layer sizes, input first, e.g. 2,3,1")}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        layers = c.value("layers", None)  # an instructor may fix the architecture
        if layers is None:
            depth = int(rng.integers(3, 7))
            layers = [int(rng.integers(1, 11)) for _ in range(depth - 1)] + [int(rng.integers(1, 4))]
        return {"layers": layers}

    def solve(self, params: dict[str, Any]) -> Solution:
        layers = params["layers"]
        if not isinstance(layers, list) or len(layers) < 2 or any(
                not isinstance(n, int) or n <= 0 for n in layers):
            raise ParameterError("layers", "needs at least two positive layer sizes, e.g. 2,3,1")
        pairs = list(zip(layers[:-1], layers[1:]))
        weights = [a * b for a, b in pairs]
        biases = [b for _, b in pairs]
        total = mlp_params(layers)
        assert total == sum(dense_params(a, b) for a, b in pairs)
        no_bias = mlp_params(layers, bias=False)
        input_bias = total + layers[0]
        neurons = sum(layers)
        mis = (
            Misconception("forgot-biases", no_bias,
                          {"fr": "vous avez oublié les biais : chaque neurone d'une couche "
                                 "cachée ou de sortie a un biais b.",
                           "en": "you forgot the biases: every hidden or output neuron has a bias b."}),
            Misconception("input-biases", input_bias,
                          {"fr": "la couche d'entrée n'a pas de biais : elle ne calcule rien.",
                           "en": "the input layer has no biases: it computes nothing."}),
            Misconception("counted-neurons", neurons,
                          {"fr": "vous avez compté les neurones, pas les poids et les biais.",
                           "en": "you counted neurons, not weights and biases."}),
        )
        parts = {
            "total": Part(total, IntCheck(), {"fr": "nombre total de paramètres",
                                              "en": "total number of parameters"}, mis),
            "weights": Part(weights, array_check(None),
                            {"fr": "nombre de poids par couche", "en": "weights per layer"}),
            "biases": Part(biases, array_check(None),
                           {"fr": "nombre de biais par couche", "en": "biases per layer"}),
        }
        return Solution(parts, {"pairs": [list(p) for p in pairs],
                                DECIMALS: {"weights": None, "biases": None}})
