"""gd-variants: epochs, batch size and iterations for BGD, SGD and mini-batch (003).

Parts: ``iterations`` (mini-batch iterations per epoch, ``ceil(n / batch_size)``),
``minibatch_updates``, ``last_batch`` (size of the last, possibly smaller, batch),
``bgd_updates`` and ``sgd_updates`` (weight updates over all the epochs), all from
``course.reference.optimizers.gd_variant_counts``.
Misconceptions: floor instead of ceil; forgot to multiply by the number of epochs;
confused the number of batches with the batch size; assumed a full last batch; took the
remainder n mod batch_size as the last batch when it is 0; one update per observation for BGD.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.optimizers import gd_variant_counts

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import IntCheck

BATCH_SIZES = [8, 16, 32, 64, 100, 128, 256, 512]



class GdVariants(Family):
    id = "gd-variants"
    title = {"fr": "Époques, taille de batch et itérations (BGD, SGD, mini-batch)",
             "en": "Epochs, batch size and iterations (BGD, SGD, mini-batch)"}
    params = {
        "n": Param("int", "number of training observations"),
        "batch_size": Param("int", "mini-batch size"),
        "epochs": Param("int", "number of epochs"),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        n = c.int(rng, "n", 600, 20000)
        if isinstance(c.raw.get("batch_size"), dict):
            bs = c.int(rng, "batch_size", 1, n)
        else:
            bs = int(c.choice(rng, "batch_size", [b for b in BATCH_SIZES if b <= n] or [n]))
        epochs = c.int(rng, "epochs", 2, 50)
        return {"n": n, "batch_size": bs, "epochs": epochs}

    def solve(self, params: dict[str, Any]) -> Solution:
        n, bs, epochs = params["n"], params["batch_size"], params["epochs"]
        for name, v in (("n", n), ("batch_size", bs), ("epochs", epochs)):
            if type(v) is not int or v <= 0:
                raise ParameterError(name, text(f"doit être un entier positif, reçu : {v!r}", f"must be a positive integer, got {v!r}"))
        if bs > n:
            raise ParameterError("batch_size", text(f"la taille de lot {bs} dépasse le nombre d'observations n = {n}", f"the batch size {bs} is larger than the "
                                 f"number of observations n = {n}"))
        counts = gd_variant_counts(n, bs, epochs)
        k = counts["iterations_per_epoch"]
        floor_k = n // bs  # the mistaken formula (floor instead of ceil)
        ic = IntCheck()
        t = {
            "floor": {"fr": "le nombre d'itérations est arrondi à l'entier supérieur (ceil) : "
                            "le dernier batch, plus petit, compte aussi pour une itération.",
                      "en": "the number of iterations is rounded up (ceil): the last, smaller "
                            "batch also counts as an iteration."},
            "batch": {"fr": "vous avez donné la taille d'un batch, pas le nombre de batches "
                            "(itérations) par époque.",
                      "en": "you gave the size of a batch, not the number of batches "
                            "(iterations) per epoch."},
            "epochs": {"fr": "vous avez compté une seule époque : il faut multiplier par le "
                             "nombre d'époques.",
                       "en": "you counted a single epoch: multiply by the number of epochs."},
            "full": {"fr": "les observations ne se répartissent pas exactement : le dernier "
                           "batch ne contient que les observations restantes.",
                     "en": "the observations do not split evenly: the last batch holds only "
                           "the remaining observations."},
            "remainder": {"fr": "n est divisible par la taille de batch : le reste est 0 mais "
                                "le dernier batch est complet.",
                          "en": "n is a multiple of the batch size: the remainder is 0 but the "
                                "last batch is full."},
            "bgd": {"fr": "BGD met à jour les poids une seule fois par époque, après avoir "
                          "fait passer toutes les observations.",
                    "en": "BGD updates the weights once per epoch, after passing all the "
                          "observations."},
        }
        parts = {
            "iterations": Part(k, ic, {"fr": "itérations par époque (mini-batch)",
                                       "en": "iterations per epoch (mini-batch)"},
                               wrong_only(ic, k, [Misconception("floor-instead-of-ceil", floor_k, t["floor"]),
                                                 Misconception("batch-size", bs, t["batch"])])),
            "minibatch_updates": Part(counts["minibatch_updates"], ic,
                                      {"fr": "mises à jour au total (mini-batch)",
                                       "en": "total updates (mini-batch)"},
                                      wrong_only(ic, counts["minibatch_updates"], [
                                          Misconception("floor-instead-of-ceil", floor_k * epochs, t["floor"]),
                                          Misconception("forgot-epochs", k, t["epochs"])])),
            "last_batch": Part(counts["last_batch_size"], ic,
                               {"fr": "taille du dernier batch", "en": "size of the last batch"},
                               wrong_only(ic, counts["last_batch_size"], [
                                   Misconception("full-last-batch", bs, t["full"]),
                                   Misconception("remainder", n % bs, t["remainder"])])),
            "bgd_updates": Part(counts["bgd_updates"], ic,
                                {"fr": "mises à jour au total (BGD)", "en": "total updates (BGD)"},
                                wrong_only(ic, counts["bgd_updates"], [
                                    Misconception("bgd-per-observation", counts["sgd_updates"], t["bgd"])])),
            "sgd_updates": Part(counts["sgd_updates"], ic,
                                {"fr": "mises à jour au total (SGD)", "en": "total updates (SGD)"},
                                wrong_only(ic, counts["sgd_updates"], [
                                    Misconception("forgot-epochs", n, t["epochs"])])),
        }
        return Solution(parts, {"ratio": n / bs, "divisible": n % bs == 0, "full_batches": floor_k})
