"""dropout: units dropped by a Dropout layer, units kept, inverted-dropout scale (003).

003: a Dropout layer of rate ``p`` removes ``M = n x p`` of the ``n`` units of a layer at
random at each training iteration. Keras (and PyTorch) drop each unit independently with
probability p, so the number dropped varies from one iteration to the next: ``M = n x p`` is
its *expected* value, and the statement asks for that expected count; Keras and PyTorch use *inverted* dropout, scaling the
kept units by ``1 / (1 - p)`` during training so that nothing changes at inference.
Parts: ``dropped`` (M, from ``course.reference.optimizers.dropped_units``), ``kept``
(n - M), both expected counts, and ``scale`` (1 / (1 - p), 3 decimals asked).
Misconceptions: used the keep probability 1 - p instead of the rate p (dropped and kept
swapped; scale 1 / p); multiplied by the keep probability instead of dividing (the
test-time scaling of the original, non-inverted dropout).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.optimizers import dropped_units, inverted_dropout_scale

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import IntCheck
from ..precision import DECIMALS, float_check, misconceptions

RATES = [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75]



class Dropout(Family):
    id = "dropout"
    title = {"fr": "Dropout : neurones supprimés, conservés et facteur d'échelle",
             "en": "Dropout: dropped and kept units, scaling factor"}
    params = {
        "n": Param("int", "number of units (neurons) of the layer"),
        "p": Param("float", "dropout rate: the fraction of units dropped, in [0, 1)"),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        p = float(c.choice(rng, "p", RATES)) if not isinstance(c.raw.get("p"), dict) \
            else c.float(rng, "p", 0.1, 0.8, 2)
        # n a multiple of 20 (or of 4 when drawn in a range) so that n p is usually whole
        n = c.int(rng, "n", 1, 50) * 20 if "n" not in c.raw else c.int(rng, "n", 10, 1000)
        return {"n": n, "p": p}

    def solve(self, params: dict[str, Any]) -> Solution:
        n, p = params["n"], params["p"]
        if type(n) is not int or n <= 0:
            raise ParameterError("n", text(f"doit être un entier positif, reçu : {n!r}", f"must be a positive integer, got {n!r}"))
        if type(p) not in (int, float) or not 0 <= p < 1:
            raise ParameterError("p", text(f"le taux de dropout doit être dans [0, 1), reçu : {p!r}", f"the dropout rate must lie in [0, 1), got {p!r}"))
        p = float(p)
        dropped = dropped_units(n, p)
        kept = n - dropped
        scale = inverted_dropout_scale(p)
        exact = abs(n * p - round(n * p)) < 1e-9
        ic, dec = IntCheck(), 3
        fc = float_check(dec)
        swap = {"fr": "le taux de dropout p est la proportion de neurones supprimés, pas "
                      "conservés : M = n × p.",
                "en": "the dropout rate p is the fraction of units dropped, not kept: "
                      "M = n × p."}
        swap_kept = {"fr": "le taux p est la proportion supprimée : il reste n × (1 − p) "
                           "neurones.",
                     "en": "the rate p is the fraction dropped: n × (1 − p) units remain."}
        inv_p = {"fr": "on divise par la probabilité de conserver un neurone, 1 − p, pas par p.",
                 "en": "divide by the probability of keeping a unit, 1 − p, not by p."}
        times = {"fr": "en dropout inversé (Keras, PyTorch), les neurones conservés sont divisés "
                       "par 1 − p pendant l'apprentissage ; multiplier par 1 − p est la "
                       "correction à l'inférence du dropout original.",
                 "en": "with inverted dropout (Keras, PyTorch), kept units are divided by "
                       "1 − p during training; multiplying by 1 − p is the inference-time "
                       "correction of the original dropout."}
        parts = {
            "dropped": Part(dropped, ic, {"fr": "nombre de neurones supprimés M",
                                          "en": "number of dropped units M"},
                            wrong_only(ic, dropped, [Misconception("used-keep-probability",
                                                                  dropped_units(n, 1 - p), swap)])),
            "kept": Part(kept, ic, {"fr": "nombre de neurones conservés",
                                    "en": "number of kept units"},
                         wrong_only(ic, kept, [Misconception("used-keep-probability", dropped, swap_kept)])),
            "scale": Part(scale, fc, {"fr": "facteur d'échelle des neurones conservés",
                                      "en": "scaling factor of the kept units"},
                          misconceptions(scale, ([Misconception("divided-by-rate", 1.0 / p, inv_p)]
                                                 if p > 0 else [])
                                         + [Misconception("multiplied-by-keep", 1.0 - p, times)], dec)),
        }
        return Solution(parts, {"np": n * p, "exact": exact, "keep": 1.0 - p, DECIMALS: {"scale": dec}})
