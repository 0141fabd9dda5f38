"""init-variance: variance, standard deviation and uniform bound of a weight initialisation (001).

Schemes and variances are those of :func:`course.reference.data.init_variance` (001,
"Initialisation des paramètres"): ``zeros`` (0), ``uniform`` on [-r, r] (r^2 / 3; 001's
"entre -1 et 1" is r = 1, the ``limit`` parameter), ``xavier`` as the
course's slide writes it, N(0, 1/n[l-1]) (variance 1 / fan_in, for tanh), ``he``
N(0, 2/n[l-1]) (2 / fan_in, for ReLU), and ``glorot``, Glorot and Bengio's original
2 / (fan_in + fan_out) (Keras' glorot_normal, PyTorch's xavier_normal_).

Parts (FloatCheck, :mod:`..precision`): ``variance`` (6 decimals asked); ``std`` =
sqrt(variance) (4 decimals); ``bound``: the ``a`` of a uniform U[-a, a] with the same variance,
sqrt(3 variance) (this is Keras' he_uniform ``sqrt(6 / fan_in)`` and glorot_uniform
``sqrt(6 / (fan_in + fan_out))``; 4 decimals); ``z_variance``: the variance of a neuron's
pre-activation ``z = sum_i w_i x_i`` for n[l-1] independent inputs of mean 0 and variance 1
(:func:`course.reference.data.preactivation_variance`, ``n[l-1] Var(w)``: 1 for Xavier, 2 for
He, and n[l-1] r^2 / 3 for the uniform scheme, which is why the latter does not scale to wide
layers; 4 decimals). So every scheme's answer depends on its parameters (the uniform scheme's
through r and n[l-1]).
Misconceptions: He and Xavier swapped, Glorot without its factor 2, std given for the variance
(and the reverse), the bound taken equal to the std, U[-r, r]'s variance without the square,
Var(z) without the factor n[l-1].
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.data import init_variance, preactivation_variance

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, float_check, misconceptions

SCHEMES = ("zeros", "uniform", "xavier", "he", "glorot")
FANS = [3, 4, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 256, 300, 512, 784]
#: r of the uniform scheme U[-r, r] (001: r = 1)
LIMITS = [1.0, 1.0, 0.5, 0.2, 0.1]
DECIMALS_ASKED = {"variance": 6, "std": 4, "bound": 4, "z_variance": 4}


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


STD_FOR_VAR = _t("vous avez donné l'écart type ; la variance est son carré (σ² = écart type²).",
                 "you gave the standard deviation; the variance is its square (σ² = std²).")
VAR_FOR_STD = _t("vous avez donné la variance ; l'écart type est sa racine carrée.",
                 "you gave the variance; the standard deviation is its square root.")
HE_XAVIER = _t("Xavier (tanh) : variance 1/n[l-1] ; He (ReLU) : variance 2/n[l-1]. Vous avez "
               "utilisé l'autre initialisation.",
               "Xavier (tanh): variance 1/n[l-1]; He (ReLU): variance 2/n[l-1]. You used the other one.")


class InitVariance(Family):
    id = "init-variance"
    title = {"fr": "Initialisation des poids : variance, écart type et bornes",
             "en": "Weight initialisation: variance, standard deviation and bounds"}
    params = {
        "scheme": Param("str", "initialisation", choices=SCHEMES),
        "fan_in": Param("int", "n[l-1], the number of inputs of the layer"),
        "fan_out": Param("int", "n[l], the number of neurons of the layer (needed for glorot; 0: not given)",
                         default=0),
        "limit": Param("float", "r of the uniform scheme U[-r, r] (001: 1)", default=1.0),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        scheme = c.choice(rng, "scheme", ["uniform", "xavier", "xavier", "he", "he", "glorot"])
        fan_in = c.choice(rng, "fan_in", FANS)
        fan_out = c.choice(rng, "fan_out", FANS)
        limit = float(c.choice(rng, "limit", LIMITS)) if scheme == "uniform" else 1.0
        return {"scheme": scheme, "fan_in": int(fan_in), "fan_out": int(fan_out), "limit": limit}

    def solve(self, params: dict[str, Any]) -> Solution:
        scheme = params["scheme"]
        if scheme not in SCHEMES:
            raise ParameterError("scheme", text(f"doit être l'un de {', '.join(SCHEMES)}, reçu : {scheme!r}", f"must be one of {', '.join(SCHEMES)}, got {scheme!r}"))
        fan_in, fan_out = params["fan_in"], params["fan_out"]
        if not isinstance(fan_in, int) or isinstance(fan_in, bool) or fan_in <= 0:
            raise ParameterError("fan_in", text(f"doit être un entier positif, reçu : {fan_in!r}", f"must be a positive integer, got {fan_in!r}"))
        if not isinstance(fan_out, int) or isinstance(fan_out, bool) or fan_out < 0:
            raise ParameterError("fan_out", text(f"doit être un entier positif, reçu : {fan_out!r}", f"must be a positive integer, got {fan_out!r}"))
        if scheme == "glorot" and fan_out == 0:
            raise ParameterError("fan_out", text("l'initialisation de Glorot demande fan_out (n[l])", "Glorot's initialisation needs fan_out (n[l])"))
        limit = params["limit"]
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit <= 100:
            raise ParameterError("limit", text(f"doit être un nombre positif, reçu : {limit!r}", f"must be a positive number, got {limit!r}"))
        limit = float(limit)
        var = init_variance(scheme, fan_in, fan_out or 1, limit)
        std = math.sqrt(var)
        bound = math.sqrt(3.0 * var)  # U[-a, a] has variance a^2 / 3
        z_var = preactivation_variance(scheme, fan_in, fan_out or 1, limit)
        vm: list[Misconception] = []
        sm: list[Misconception] = []
        bm: list[Misconception] = []
        zm: list[Misconception] = [Misconception("forgot-fan-in", var, _t(
            "z additionne n[l-1] termes w_i x_i indépendants : leurs variances s'ajoutent, "
            "Var(z) = n[l-1] × Var(w) × Var(x).",
            "z adds up n[l-1] independent terms w_i x_i: their variances add up, "
            "Var(z) = n[l-1] × Var(w) × Var(x)."))]
        if scheme in ("xavier", "he"):
            other = init_variance("he" if scheme == "xavier" else "xavier", fan_in, fan_out or 1)
            vm.append(Misconception("he-xavier-swapped", other, HE_XAVIER))
            sm.append(Misconception("he-xavier-swapped", math.sqrt(other), HE_XAVIER))
        if scheme == "glorot":
            half = init_variance("glorot", fan_in, fan_out) / 2
            vm.append(Misconception("glorot-forgot-2", half, _t(
                "la variance de Glorot est 2 / (n[l-1] + n[l]) : il manque le facteur 2.",
                "Glorot's variance is 2 / (n[l-1] + n[l]): the factor 2 is missing.")))
            vm.append(Misconception("course-xavier", init_variance("xavier", fan_in, fan_out), _t(
                "1/n[l-1] est la forme simplifiée du cours (xavier) ; Glorot fait la moyenne des deux "
                "côtés : 2 / (n[l-1] + n[l]).",
                "1/n[l-1] is the course's simplified form (xavier); Glorot averages both sides: "
                "2 / (n[l-1] + n[l]).")))
        if scheme == "uniform":
            vm.append(Misconception("forgot-square", 2.0 * limit / 12.0, _t(
                "la variance de U[a, b] est (b - a)² / 12 : il manque le carré.",
                "the variance of U[a, b] is (b - a)² / 12: the square is missing.")))
            zm.append(Misconception("std-instead-of-variance", fan_in * std, _t(
                "ce sont les variances qui s'additionnent, pas les écarts types : "
                "Var(z) = n[l-1] × Var(w).",
                "variances add up, not standard deviations: Var(z) = n[l-1] × Var(w).")))
        if var not in (0.0, 1.0):
            vm.append(Misconception("std-for-variance", std, STD_FOR_VAR))
            sm.append(Misconception("variance-for-std", var, VAR_FOR_STD))
        if var != 0.0:
            bm.append(Misconception("bound-is-std", std, _t(
                "U[-a, a] a pour variance a²/3 : a = √3 × écart type, pas l'écart type.",
                "U[-a, a] has variance a²/3: a = √3 × std, not the std.")))
        dec = DECIMALS_ASKED
        parts = {
            "variance": Part(var, float_check(dec["variance"]), _t("variance des poids", "variance of the weights"),
                             misconceptions(var, vm, dec["variance"])),
            "std": Part(std, float_check(dec["std"]), _t("écart type des poids", "standard deviation of the weights"),
                        misconceptions(std, sm, dec["std"])),
            "bound": Part(bound, float_check(dec["bound"]), _t("borne a de la loi uniforme U[-a, a] de même variance",
                                                               "bound a of the uniform U[-a, a] with the same variance"),
                          misconceptions(bound, bm, dec["bound"])),
            "z_variance": Part(z_var, float_check(dec["z_variance"]),
                               _t("variance de la pré-activation z d'un neurone",
                                  "variance of a neuron's pre-activation z"),
                               misconceptions(z_var, zm if scheme != "zeros" else [], dec["z_variance"])),
        }
        return Solution(parts, {"variance": var, "std": std, "bound": bound, "z_variance": z_var,
                                "limit": limit, "denominator": fan_in + fan_out, DECIMALS: dict(dec)})
