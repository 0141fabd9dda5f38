"""mlp-params: count the parameters of a fully connected network (001: 2-3-1 -> 13).

Parts: ``total`` (int), ``weights`` (per layer, list of ints), ``biases`` (per layer), and,
with ``ask_depth=true``, ``depth``: the number of layers by the course's convention (002,
"Réseau de neurones à 2 couches (par convention)": the input layer is not counted;
:func:`course.reference.conventions.mlp_depth`). ``ask_depth`` is off by default so that the
part list of existing assignments does not change; an exercise turns it on
(``params: {ask_depth: true}``), and the concept quiz asks the convention too
(``layer-count-convention``).
Misconceptions: forgot the biases; counted the input layer's neurons as having biases;
counted only neurons; counted the input layer as a layer (or counted only hidden layers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.conventions import dense_params, mlp_depth, mlp_params

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import IntCheck
from ..precision import DECIMALS, array_check


class MlpParams(Family):
    id = "mlp-params"
    title = {"fr": "Nombre de paramètres d'un réseau dense (MLP)",
             "en": "Number of parameters of a fully connected network (MLP)"}
    params = {"layers": Param("ints", "layer sizes, input first, e.g. 2,3,1"),
              "ask_depth": Param("bool", "also ask the number of layers (002's convention)", default=False)}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        layers = c.value("layers", None)  # an instructor may fix the architecture
        if layers is None:
            depth = int(rng.integers(3, 7))
            layers = [int(rng.integers(1, 11)) for _ in range(depth - 1)] + [int(rng.integers(1, 4))]
        return {"layers": layers, "ask_depth": bool(c.value("ask_depth", False))}

    def solve(self, params: dict[str, Any]) -> Solution:
        layers = params["layers"]
        if not isinstance(layers, list) or len(layers) < 2 or any(
                not isinstance(n, int) or n <= 0 for n in layers):
            raise ParameterError("layers", text("demande au moins deux tailles de couche positives, p. ex. 2,3,1", "needs at least two positive layer sizes, e.g. 2,3,1"))
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
        depth = mlp_depth(layers)
        ask_depth = params["ask_depth"]
        if not isinstance(ask_depth, bool):
            raise ParameterError("ask_depth", text(f"doit valoir true ou false, reçu : {ask_depth!r}", f"must be true or false, got {ask_depth!r}"))
        if ask_depth:
            parts["depth"] = Part(depth, IntCheck(), {"fr": "nombre de couches du réseau (convention du cours)",
                                                      "en": "number of layers of the network (the course's convention)"},
                                  wrong_only(IntCheck(), depth, [
                                      Misconception("counted-input-layer", len(layers), {
                                          "fr": "par convention, la couche d'entrée n'est pas comptée : elle ne calcule "
                                                "rien (002 : « réseau à 2 couches » pour une couche cachée et une couche "
                                                "de sortie).",
                                          "en": "by convention the input layer is not counted: it computes nothing (002: "
                                                "\"a 2-layer network\" for one hidden and one output layer)."}),
                                      Misconception("counted-hidden-only", depth - 1, {
                                          "fr": "la couche de sortie compte aussi : un réseau à L couches a L − 1 couches "
                                                "cachées et une couche de sortie.",
                                          "en": "the output layer counts too: a network of L layers has L − 1 hidden "
                                                "layers and one output layer."})]))
        return Solution(parts, {"pairs": [list(p) for p in pairs], "depth": depth, "ask_depth": ask_depth,
                                DECIMALS: {"weights": None, "biases": None}})
