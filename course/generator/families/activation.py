"""activation: value and derivative of an activation function at a point (001, 003).

Formulas and conventions are those of :mod:`course.reference.activations` (003's slides
"Fonction d'activation non linéaire", "Relu & ses variantes"): the derivative of ReLU and
leaky ReLU at z = 0 is 1 (003: "1 si Y >= 0"), Heaviside gives f(0) = 1, the derivative of
softplus is the sigmoid. ``alpha`` is leaky ReLU's slope (default 0.01, PyTorch) or ELU's
scale (default 1.0, Keras/PyTorch); ``alpha=auto`` takes that default.

Parts: ``value`` f(z) and ``derivative`` f'(z) (4 decimals asked, :mod:`..precision`);
Heaviside has only ``value``, 0 or 1, asked exactly (its derivative is 0 wherever it exists
and is never back-propagated).

Draws: each branch of a piecewise function (ReLU, leaky ReLU, ELU, Heaviside: z < 0 and
z >= 0, the boundary z = 0 included in the second) is drawn with probability at least 0.3;
smooth functions (sigmoid, tanh, softplus) take z in [-3, 3].
Misconceptions (each computed by running the mistaken formula): sigmoid derivative written as
sigma(z) or as z(1 - z); tanh derivative without the square; ReLU's derivative 0 at z = 0 (PyTorch's
autograd convention, not the course's) or 1 for z < 0; leaky ReLU / ELU treated as ReLU; ELU without the
``- 1`` or its derivative without ``+ alpha``; softplus with log10 or the derivative's sign
flipped; Heaviside with f(0) = 0; the value given for the derivative.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference import activations as act

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, float_check, misconceptions
from ._params import finite_float, one_decimal

FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "heaviside")
PIECEWISE = ("relu", "leaky_relu", "elu", "heaviside")
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}
DECIMALS_ASKED = 4
#: probability of the boundary z = 0, where the course's convention matters
P_ZERO = {"heaviside": 0.4, "relu": 0.15, "leaky_relu": 0.15, "elu": 0.15}


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


GAVE_VALUE = _t("vous avez donné la valeur f(z) au lieu de la dérivée f'(z).",
                "you gave the value f(z) instead of the derivative f'(z).")


def _alpha(params: dict[str, Any], function: str) -> float | None:
    raw = params["alpha"]
    if function not in DEFAULT_ALPHA:
        return None
    if isinstance(raw, str) and raw.strip().lower() in ("auto", ""):
        return DEFAULT_ALPHA[function]
    try:
        a = float(raw)
    except (TypeError, ValueError):
        raise ParameterError("alpha", text(f"attendu un nombre ou 'auto', reçu : {raw!r}", f"expected a number or 'auto', got {raw!r}")) from None
    if not math.isfinite(a) or a <= 0:
        raise ParameterError("alpha", text(f"doit être un nombre positif, reçu : {raw!r}", f"must be a positive number, got {raw!r}"))
    return a


class Activation(Family):
    id = "activation"
    title = {"fr": "Valeur et dérivée d'une fonction d'activation",
             "en": "Value and derivative of an activation function"}
    params = {
        "function": Param("str", "activation function", choices=FUNCTIONS),
        "z": Param("float", "the point z"),
        "alpha": Param("str", "leaky ReLU slope / ELU scale, or auto (0.01 / 1.0)", default="auto"),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        function = c.choice(rng, "function", list(FUNCTIONS))
        if "z" in c.raw:
            z = c.float(rng, "z", -3.0, 3.0, 1)
        elif function in PIECEWISE:
            # each branch in a fixed share of the draws: z < 0 with probability (1 - P_ZERO) / 2
            r = rng.random()
            if r < P_ZERO[function]:
                z = 0.0  # the boundary case, where the course's convention matters
            else:
                z = one_decimal(rng, 0.1, 3.0) * (-1.0 if r < (1 + P_ZERO[function]) / 2 else 1.0)
        else:
            z = one_decimal(rng, -3.0, 3.0)
        alpha = "auto"
        if function == "leaky_relu":
            alpha = str(c.choice(rng, "alpha", ["0.01", "0.1", "0.1", "0.2"]))
        elif function == "elu":
            alpha = str(c.choice(rng, "alpha", ["1", "1", "0.5", "2"]))
        return {"function": function, "z": z, "alpha": alpha}

    def solve(self, params: dict[str, Any]) -> Solution:
        function = params["function"]
        if function not in FUNCTIONS:
            raise ParameterError("function", text(f"doit être l'une de {', '.join(FUNCTIONS)}, reçu : {function!r}", f"must be one of {', '.join(FUNCTIONS)}, got {function!r}"))
        z = finite_float(params, "z")
        alpha = _alpha(params, function)
        f, fp = act.ACTIVATIONS[function]
        if alpha is not None:
            value = float(f(z, alpha))
            deriv = float(fp(z, alpha))
        else:
            value = float(f(z))
            deriv = float(fp(z))
        ctx: dict[str, Any] = {"alpha": alpha, "value": value, "derivative": deriv,
                               "exp_minus_z": math.exp(-z), "exp_z": math.exp(z)}
        vm: list[Misconception] = []
        dm: list[Misconception] = [Misconception("gave-the-value", value, GAVE_VALUE)]
        if function == "sigmoid":
            s = value
            ctx["one_minus"] = 1.0 - s
            vm.append(Misconception("sign-of-exponent", float(act.sigmoid(-z)), _t(
                "σ(z) = 1 / (1 + e^(-z)) : l'exposant est -z.",
                "σ(z) = 1 / (1 + e^(-z)): the exponent is -z.")))
            dm = [Misconception("derivative-is-sigma", s, _t(
                      "la dérivée de la sigmoïde est σ(z)(1 - σ(z)), pas σ(z).",
                      "the sigmoid's derivative is σ(z)(1 - σ(z)), not σ(z).")),
                  Misconception("z-times-one-minus-z", z * (1 - z), _t(
                      "la formule σ(z)(1 - σ(z)) s'applique à σ(z), pas à z.",
                      "the formula σ(z)(1 - σ(z)) uses σ(z), not z."))]
        elif function == "tanh":
            t = value
            dm = [Misconception("forgot-square", 1.0 - t, _t(
                      "la dérivée de tanh est 1 - tanh²(z) : il manque le carré.",
                      "the derivative of tanh is 1 - tanh²(z): the square is missing.")),
                  Misconception("sigmoid-formula", t * (1.0 - t), _t(
                      "t(1 - t) est la forme de la dérivée de la sigmoïde ; pour tanh c'est 1 - tanh²(z).",
                      "t(1 - t) is the sigmoid's derivative; for tanh it is 1 - tanh²(z)."))]
        elif function == "relu":
            if z < 0:
                vm.append(Misconception("kept-negative", z, _t(
                    "ReLU met les valeurs négatives à 0 : max(0, z).",
                    "ReLU sets negative values to 0: max(0, z).")))
                dm.append(Misconception("derivative-one-for-negative", 1.0, _t(
                    "pour z < 0, ReLU est constante (elle vaut 0) : sa dérivée est 0.",
                    "for z < 0, ReLU is constant (it is 0): its derivative is 0.")))
            if z == 0:  # listed first: at z = 0 it coincides with "gave-the-value"
                dm.insert(0, Misconception("derivative-zero-at-zero", 0.0, _t(
                    "dans le cours, f'(z) = 1 si z >= 0 (PyTorch prend 0 en z = 0, mais ce n'est "
                    "pas la convention demandée).",
                    "the course takes f'(z) = 1 for z >= 0 (PyTorch uses 0 at z = 0, but that is "
                    "not the convention asked for).")))
        elif function == "leaky_relu":
            assert alpha is not None
            if z < 0:
                vm += [Misconception("relu-instead", float(act.relu(z)), _t(
                           "c'est la valeur de ReLU ; Leaky ReLU garde une pente α pour z < 0 : α z.",
                           "that is ReLU's value; leaky ReLU keeps a slope α for z < 0: α z.")),
                       Misconception("forgot-alpha", z, _t(
                           "pour z < 0, Leaky ReLU vaut α z, pas z.",
                           "for z < 0, leaky ReLU is α z, not z."))]
                dm.append(Misconception("relu-derivative", float(act.relu_grad(z)), _t(
                    "pour z < 0, la dérivée de Leaky ReLU est α, pas 0.",
                    "for z < 0, the derivative of leaky ReLU is α, not 0.")))
        elif function == "elu":
            assert alpha is not None
            if z < 0:
                ez = math.exp(z)
                vm += [Misconception("forgot-minus-one", alpha * ez, _t(
                           "ELU vaut α(e^z - 1) pour z < 0 : il manque le - 1.",
                           "ELU is α(e^z - 1) for z < 0: the - 1 is missing.")),
                       Misconception("relu-instead", float(act.relu(z)), _t(
                           "c'est la valeur de ReLU ; ELU vaut α(e^z - 1) pour z < 0.",
                           "that is ReLU's value; ELU is α(e^z - 1) for z < 0."))]
                dm = [Misconception("forgot-plus-alpha", value, _t(  # f(z): the value itself
                    "pour z < 0, la dérivée d'ELU est f(z) + α.",
                    "for z < 0, the derivative of ELU is f(z) + α."))]
        elif function == "softplus":
            vm.append(Misconception("log10", math.log10(1.0 + math.exp(z)), _t(
                "ln est le logarithme népérien, pas log10.",
                "ln is the natural logarithm, not log10.")))
            dm.append(Misconception("sign-of-exponent", float(act.sigmoid(-z)), _t(
                "la dérivée de softplus est la sigmoïde 1 / (1 + e^(-z)).",
                "the derivative of softplus is the sigmoid 1 / (1 + e^(-z)).")))
        elif function == "heaviside" and z == 0:
            vm.append(Misconception("heaviside-zero-at-zero", 0.0, _t(
                "dans le cours, f(Y) = 1 si Y >= 0 : en 0 la marche vaut 1.",
                "the course's step gives f(Y) = 1 for Y >= 0: at 0 it is 1.")))
        if function == "heaviside":  # 0 or 1: asked exactly
            ctx[DECIMALS] = {"value": None}
            parts = {"value": Part(value, float_check(None), _t("valeur f(z)", "value f(z)"),
                                   misconceptions(value, vm, None))}
        else:
            d = DECIMALS_ASKED
            ctx[DECIMALS] = {"value": d, "derivative": d}
            parts = {"value": Part(value, float_check(d), _t("valeur f(z)", "value f(z)"),
                                   misconceptions(value, vm, d)),
                     "derivative": Part(deriv, float_check(d), _t("dérivée f'(z)", "derivative f'(z)"),
                                        misconceptions(deriv, dm, d))}
        return Solution(parts, ctx)
