"""hyperparam-grid: number of configurations of a grid search (001).

001 ("Sélection de la valeur des hyper-paramètres"): learning rate {0.0001, 0.001, 0.01, 0.1},
number of layers {1, ..., 5}, activation {ReLU, tanh, sigmoid}: ``4 x 5 x 3 = 60``
configurations to test. The count comes from :func:`course.reference.data.hyperparam_grid`
(the product of the numbers of choices).

Parameters: ``choices`` (number of values of each hyper-parameter, e.g. ``4,5,3``) and
optional ``names`` (which hyper-parameters, for the statement; the values shown are taken from
:data:`VALUES`, the first ones of 001's grid for its three hyper-parameters).
Part: ``configurations`` (IntCheck). Misconception: sum instead of product.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.data import COURSE_GRID_001, hyperparam_grid

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..checks import IntCheck

#: values shown in statements, per hyper-parameter (001's grid first)
VALUES: dict[str, list[Any]] = {
    **COURSE_GRID_001,
    "batch_size": [16, 32, 64, 128, 256, 512],
    "optimizer": ["SGD", "momentum", "RMSprop", "Adam"],
    "dropout": [0.0, 0.2, 0.3, 0.5],
    "n_neurons": [16, 32, 64, 128, 256, 512],
    "l2": [0.0, 0.0001, 0.001, 0.01],
    "epochs": [10, 20, 50, 100, 200],
}
LABELS = {
    "learning_rate": {"fr": "taux d'apprentissage", "en": "learning rate"},
    "n_layers": {"fr": "nombre de couches", "en": "number of layers"},
    "activation": {"fr": "fonction d'activation", "en": "activation function"},
    "batch_size": {"fr": "taille du batch", "en": "batch size"},
    "optimizer": {"fr": "optimiseur", "en": "optimizer"},
    "dropout": {"fr": "taux de dropout", "en": "dropout rate"},
    "n_neurons": {"fr": "nombre de neurones par couche", "en": "neurons per layer"},
    "l2": {"fr": "coefficient de régularisation L2", "en": "L2 regularisation coefficient"},
    "epochs": {"fr": "nombre d'époques", "en": "number of epochs"},
}


class HyperparamGrid(Family):
    id = "hyperparam-grid"
    title = {"fr": "Recherche par grille : nombre de configurations d'hyper-paramètres",
             "en": "Grid search: number of hyper-parameter configurations"}
    params = {"choices": Param("ints", "number of values of each hyper-parameter, e.g. 4,5,3"),
              "names": Param("strs", "the hyper-parameters (optional), e.g. learning_rate,n_layers,activation",
                             default=[], choices=tuple(VALUES))}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        names = c.value("names", None)
        if names is None:
            k = int(rng.integers(2, 5))
            pool = list(VALUES)
            names = [pool[int(i)] for i in rng.choice(len(pool), size=k, replace=False)]
        choices = c.value("choices", None)
        if choices is None:
            choices = [int(rng.integers(2, len(VALUES[n]) + 1)) for n in names]
        return {"choices": choices, "names": names}

    def solve(self, params: dict[str, Any]) -> Solution:
        counts = params["choices"]
        if (not isinstance(counts, list) or not counts
                or any(not isinstance(n, int) or isinstance(n, bool) or n <= 0 for n in counts)):
            raise ParameterError("choices", text("donnez le nombre de valeurs (>= 1) de chaque hyperparamètre, p. ex. 4,5,3", "give the number of values (>= 1) of each hyper-parameter, e.g. 4,5,3"))
        names = params["names"] or [f"h{i}" for i in range(1, len(counts) + 1)]
        if len(names) != len(counts):
            raise ParameterError("names", text(f"{len(names)} noms pour {len(counts)} hyperparamètres", f"{len(names)} names for {len(counts)} hyper-parameters"))
        if len(set(names)) != len(names):
            raise ParameterError("names", text("un hyperparamètre apparaît deux fois", "a hyper-parameter appears twice"))
        grid: dict[str, list[Any]] = {}
        for name, n in zip(names, counts):
            known = VALUES.get(name, [])
            grid[name] = known[:n] if n <= len(known) else [f"v{j}" for j in range(1, n + 1)]
        total, _ = hyperparam_grid(grid)
        mis = (Misconception("sum-instead-of-product", sum(counts), {
            "fr": "chaque valeur d'un hyper-paramètre se combine avec toutes les valeurs des autres : "
                  "on multiplie les nombres de choix, on ne les additionne pas.",
            "en": "every value of one hyper-parameter combines with every value of the others: "
                  "multiply the numbers of choices, do not add them."}),)
        rows = [{"name": n, "label": LABELS.get(n, {"fr": n, "en": n}), "values": grid[n],
                 "count": len(grid[n]), "shown": n in VALUES and len(grid[n]) <= len(VALUES[n])}
                for n in names]
        return Solution({"configurations": Part(total, IntCheck(), {
            "fr": "nombre de configurations", "en": "number of configurations"}, mis)}, {"rows": rows})
