"""optimizer-step: weights after t steps of SGD, momentum, Adagrad, RMSprop, Adadelta or Adam (003).

The gradients of the t steps are given (one row per step); the updates are those of
``course.reference.optimizers`` (PyTorch's rules; Adam with the bias correction
``1 - beta^t``, 003's formulas otherwise; Adadelta as torch.optim.Adadelta, with ``rho`` and
``eps``). Part ``w``: the weights after the t steps, 4 decimals asked (:mod:`..precision`);
``context["before"]`` holds the initial weights, and a draw whose steps cannot be seen at
4 decimals is drawn again.
Misconceptions: the wrong sign (``w + lr ...``; the gradients are given, so the updates do
not depend on w and flipping their sign gives ``2 w0 - w`` exactly); stopped after the first
step (t > 1); for Adam, 003's printed bias correction ``m / (1 - beta1)``, ``v / (1 - beta2)``
without the power t (a slip of the handout), and no bias correction at all; for momentum,
forgot the velocity (plain SGD); for Adagrad/RMSprop, forgot the square root; for Adadelta,
forgot the accumulator of past steps (``sqrt(u + eps)`` in the numerator: RMSprop's step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference import optimizers as opt

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import BEFORE, DECIMALS, array_check, misconceptions, require_separated

OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam")
LRS = {"sgd": [0.1, 0.5], "momentum": [0.1, 0.5], "adagrad": [0.1, 0.5],
       "rmsprop": [0.01, 0.1], "adadelta": [1.0], "adam": [0.01, 0.1]}
DECIMALS_ASKED = 4



def _run(name: str, w: np.ndarray, grads: np.ndarray, hp: dict[str, float]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The reference's steps; returns the final weights and the state after each step."""
    state: dict[str, Any] = {}
    trace = []
    for g in grads:
        if name == "sgd":
            w = opt.sgd_step(w, g, hp["lr"])
        elif name == "momentum":
            w, state = opt.momentum_step(w, g, state, hp["lr"], beta=hp["beta"])
        elif name == "adagrad":
            w, state = opt.adagrad_step(w, g, state, hp["lr"], eps=hp["eps"])
        elif name == "rmsprop":
            w, state = opt.rmsprop_step(w, g, state, hp["lr"], rho=hp["rho"], eps=hp["eps"])
        elif name == "adadelta":
            w, state = opt.adadelta_step(w, g, state, hp["lr"], rho=hp["rho"], eps=hp["eps"])
        else:
            w, state = opt.adam_step(w, g, state, hp["lr"], beta1=hp["beta1"], beta2=hp["beta2"],
                                     eps=hp["eps"])
        trace.append({"g": g.tolist(), "w": w.tolist(),
                      **{k: np.asarray(v).tolist() for k, v in state.items()}})
    return w, trace


def _mistaken(name: str, w: np.ndarray, grads: np.ndarray, hp: dict[str, float], mistake: str) -> np.ndarray:
    """MISCONCEPTIONS, run as the mistaken formulas (never used for the answer)."""
    lr, eps = hp["lr"], hp["eps"]
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    s = np.zeros_like(w)
    for g in grads:
        if name == "adam":
            m = hp["beta1"] * m + (1 - hp["beta1"]) * g
            v = hp["beta2"] * v + (1 - hp["beta2"]) * g * g
            if mistake == "bias-correction-without-t":  # 003's printed formula
                m_hat, v_hat = m / (1 - hp["beta1"]), v / (1 - hp["beta2"])
            else:  # no-bias-correction
                m_hat, v_hat = m, v
            w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        elif name == "momentum":  # forgot the velocity
            w = w - lr * g
        elif name in ("adagrad", "rmsprop"):  # forgot the square root
            s = s + g * g if name == "adagrad" else hp["rho"] * s + (1 - hp["rho"]) * g * g
            w = w - lr * g / (s + eps)
        elif name == "adadelta":  # forgot the accumulator of past steps: RMSprop's step
            s = hp["rho"] * s + (1 - hp["rho"]) * g * g
            w = w - lr * g / np.sqrt(s + eps)
    return w


class OptimizerStep(Family):
    id = "optimizer-step"
    title = {"fr": "Optimiseurs : poids après t pas (SGD, momentum, Adagrad, RMSprop, Adadelta, Adam)",
             "en": "Optimizers: weights after t steps (SGD, momentum, Adagrad, RMSprop, Adadelta, Adam)"}
    params = {
        "optimizer": Param("str", "sgd, momentum, adagrad, rmsprop, adadelta or adam", choices=OPTIMIZERS),
        "w": Param("floats", "initial weights"),
        "grads": Param("matrix", "gradients, one row per step (t rows), e.g. 0.5,-1;0.2,0.3"),
        "lr": Param("float", "learning rate"),
        "beta": Param("float", "momentum coefficient", default=0.9),
        "rho": Param("float", "RMSprop / Adadelta decay rate (PyTorch's alpha for RMSprop)", default=0.9),
        "beta1": Param("float", "Adam beta1", default=0.9),
        "beta2": Param("float", "Adam beta2", default=0.999),
        "eps": Param("float", "epsilon (Adagrad, RMSprop, Adadelta, Adam); 003 prints 1e-7", default=1e-7),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        name = c.choice(rng, "optimizer", list(OPTIMIZERS))
        p = int(rng.integers(2, 4))
        t = int(rng.integers(2, 4))
        w = c.value("w", None) or [round(float(rng.uniform(-2, 2)), 1) for _ in range(p)]
        grads = c.value("grads", None) or [
            [round(float(v), 1) or 0.1 for v in rng.uniform(-1, 1, len(w))] for _ in range(t)]
        return {"optimizer": name, "w": w, "grads": grads,
                "lr": float(c.choice(rng, "lr", LRS.get(name, [0.1]))),
                "beta": 0.9, "rho": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}

    def solve(self, params: dict[str, Any]) -> Solution:
        name = params["optimizer"]
        if name not in OPTIMIZERS:
            raise ParameterError("optimizer", text(f"doit être l'un de {', '.join(OPTIMIZERS)}, reçu : {name!r}", f"must be one of {', '.join(OPTIMIZERS)}, got {name!r}"))
        try:
            w0 = np.asarray(params["w"], dtype=np.float64)
            grads = np.asarray(params["grads"], dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError("grads", text("les lignes doivent toutes avoir autant de valeurs que w", "rows must all have as many values as w")) from None
        if w0.ndim != 1 or w0.size == 0 or not np.all(np.isfinite(w0)):
            raise ParameterError("w", text(f"doit être une liste non vide de nombres, reçu : {params['w']!r}", f"must be a non-empty list of numbers, got {params['w']!r}"))
        if grads.ndim == 1:
            grads = grads[None, :]
        if grads.ndim != 2 or grads.shape[1] != w0.size or grads.shape[0] == 0:
            raise ParameterError("grads", text(f"demande des lignes de {w0.size} gradients (une ligne par pas), reçu la forme {grads.shape}", f"needs rows of {w0.size} gradients (one row per step), "
                                 f"got shape {grads.shape}"))
        if not np.all(np.isfinite(grads)):
            raise ParameterError("grads", text("les gradients doivent être des nombres finis", "gradients must be finite numbers"))
        hp = {k: params[k] for k in ("lr", "beta", "rho", "beta1", "beta2", "eps")}
        for k, v in hp.items():
            if type(v) not in (int, float) or not np.isfinite(v):
                raise ParameterError(k, text(f"doit être un nombre, reçu : {v!r}", f"must be a number, got {v!r}"))
        if not 0 < hp["lr"] <= 10:
            raise ParameterError("lr", text(f"le taux d'apprentissage doit être dans ]0, 10], reçu : {hp['lr']!r}", f"the learning rate must lie in ]0, 10], got {hp['lr']!r}"))
        if not 0 < hp["eps"] < 1:
            raise ParameterError("eps", text(f"doit être dans ]0, 1[, reçu : {hp['eps']!r}", f"must lie in ]0, 1[, got {hp['eps']!r}"))
        w, trace = _run(name, w0, grads, hp)
        dec = DECIMALS_ASKED
        ac = array_check(dec)
        t = grads.shape[0]
        texts = {
            "wrong-sign": {"fr": "on descend le gradient : w = w − η … (vous avez ajouté la mise à jour).",
                           "en": "descend the gradient: w = w − η … (you added the update)."},
            "stopped-after-one-step": {
                "fr": f"ce sont les poids après le premier pas : il faut enchaîner les {t} pas, en "
                      "gardant l'état de l'optimiseur (moyennes mobiles, accumulateurs) d'un pas au suivant.",
                "en": f"these are the weights after the first step: chain all {t} steps, carrying the "
                      "optimizer's state (moving averages, accumulators) from one step to the next."},
            "bias-correction-without-t": {
                "fr": "la correction de biais d'Adam est m / (1 − β1^t) et v / (1 − β2^t), avec la "
                      "puissance t (le support imprime 1 − β1 : c'est une coquille).",
                "en": "Adam's bias correction is m / (1 − β1^t) and v / (1 − β2^t), with the power t "
                      "(the handout prints 1 − β1: a slip)."},
            "no-bias-correction": {"fr": "vous avez oublié la correction de biais m_hat = m / (1 − β1^t), "
                                         "v_hat = v / (1 − β2^t).",
                                   "en": "you forgot the bias correction m_hat = m / (1 − β1^t), "
                                         "v_hat = v / (1 − β2^t)."},
            "forgot-velocity": {"fr": "avec momentum, on met à jour avec la vitesse v = β v + g, pas "
                                      "avec le seul gradient courant.",
                                "en": "with momentum the update uses the velocity v = β v + g, not "
                                      "the current gradient alone."},
            "forgot-sqrt": {"fr": "on divise par la racine carrée de l'accumulateur : √s + ε.",
                            "en": "divide by the square root of the accumulator: √s + ε."},
            "forgot-delta-accumulator": {
                "fr": "Adadelta multiplie le gradient par √(u + ε) / √(s + ε), où u est la moyenne "
                      "mobile des carrés des pas précédents : sans √(u + ε), c'est le pas de RMSprop.",
                "en": "Adadelta multiplies the gradient by √(u + ε) / √(s + ε), where u is the moving "
                      "average of the squared previous steps: without √(u + ε), it is RMSprop's step."},
        }
        wrong_sign = 2 * w0 - w  # the gradients are given: the updates do not depend on w
        keys = {"adam": ["bias-correction-without-t", "no-bias-correction"],
                "momentum": ["forgot-velocity"], "adagrad": ["forgot-sqrt"],
                "rmsprop": ["forgot-sqrt"], "adadelta": ["forgot-delta-accumulator"], "sgd": []}[name]
        mis = [Misconception(k, _mistaken(name, w0, grads, hp, k).tolist(), texts[k]) for k in keys]
        mis.append(Misconception("wrong-sign", wrong_sign.tolist(), texts["wrong-sign"]))
        if t > 1:
            mis.append(Misconception("stopped-after-one-step", trace[0]["w"], texts["stopped-after-one-step"]))
        require_separated(w0.tolist(), w.tolist(), dec, "the weights before the steps")
        parts = {"w": Part(w.tolist(), ac, {"fr": f"poids après {t} pas", "en": f"weights after {t} steps"},
                           misconceptions(w.tolist(), mis, dec))}
        mant, exp = f"{hp['eps']:.0e}".split("e")
        eps_tex = (f"10^{{{int(exp)}}}" if mant == "1" else f"{mant} \\times 10^{{{int(exp)}}}")
        return Solution(parts, {"t": t, "trace": trace, "p": int(w0.size), "eps_tex": eps_tex,
                                DECIMALS: {"w": dec}, BEFORE: {"w": w0.tolist()}})
