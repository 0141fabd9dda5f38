"""pool-compute: apply max or average pooling to a small matrix by hand (003, 002).

Keras semantics (003 "Pooling layers": pool_size 2 x 2, stride = pool size by default,
padding 'valid' or 'same'); with 'same', the input is padded so that the output has
``floor((H - 1) / s) + 1`` rows, an odd extra row (column) going at the bottom (right), and
the padded cells never win a max and are not counted in an average (TensorFlow/Keras; PyTorch's
``nn.AvgPool2d`` counts them as zeros by default, ``count_include_pad=True``). The statement
says both conventions. Values come from :mod:`course.reference.pooling`.

Parts: ``out`` (the pooled matrix, ArrayCheck; maxima exact, averages to 2 decimals).
Misconceptions: max instead of average (or the reverse), stride 1 instead of the pool size;
with 'same': for an average, the padded cells counted as zeros (PyTorch's default), and when
the padding is odd, the extra row/column put at the top/left instead of the bottom/right.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.conv import resolve_padding
from course.reference.pooling import avgpool_forward, maxpool_forward

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, array_check, misconceptions
from ._params import padding_param, positive_int

_POOL = {"max": maxpool_forward, "avg": avgpool_forward}


def _number(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


class PoolCompute(Family):
    id = "pool-compute"
    title = {"fr": "Calcul d'un pooling (max ou moyenne) à la main",
             "en": "Computing a pooling (max or average) by hand"}
    params = {
        "mode": Param("str", "max or avg", default="max", choices=("max", "avg")),
        "x": Param("matrix", "input matrix, rows separated by ';', e.g. 1,2;3,4"),
        "size": Param("int", "pool size P (P x P window)", default=2),
        "stride": Param("int", "stride; 0 means the pool size (Keras strides=None)", default=0),
        "padding": Param("str", "Keras padding", default="valid", choices=("valid", "same")),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        mode = c.choice(rng, "mode", ["max", "avg"])
        for _ in range(100):
            h = int(rng.integers(4, 7))
            w = h if rng.random() < 0.7 else int(rng.integers(4, 7))
            size = int(c.choice(rng, "size", [2, 2, 2, 3]))
            stride = int(c.choice(rng, "stride", [0, 0, size, 1]))  # 0: strides=None
            padding = c.choice(rng, "padding", ["valid", "valid", "same"])
            s = stride or size
            if padding == "valid" and size > min(h, w):
                continue
            pads = resolve_padding(padding, (h, w), (size, size), (s, s))
            cells = ((h + pads[0] + pads[1] - size) // s + 1) * ((w + pads[2] + pads[3] - size) // s + 1)
            if not 2 <= cells <= 9:  # keep it doable by hand
                continue
            x = c.value("x", rng.integers(0, 10, size=(h, w)).tolist())
            return {"mode": mode, "x": x, "size": size, "stride": stride, "padding": padding}
        raise AssertionError("pool-compute: no drawable size")  # pragma: no cover

    def solve(self, params: dict[str, Any]) -> Solution:
        mode = params["mode"]
        if mode not in _POOL:
            raise ParameterError("mode", text(f"doit valoir 'max' ou 'avg', reçu : {mode!r}", f"must be 'max' or 'avg', got {mode!r}"))
        try:
            x = np.asarray(params["x"], dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError("x", text("attendu une matrice de nombres (lignes de même longueur)", "expected a matrix of numbers (rows of equal length)")) from None
        if x.ndim != 2 or 0 in x.shape or not np.all(np.isfinite(x)):
            raise ParameterError("x", text(f"attendu une matrice H x W de nombres finis, reçu la forme {x.shape}", f"expected a matrix H x W of finite numbers, got shape {x.shape}"))
        p = positive_int(params, "size")
        s = positive_int(params, "stride", lo=0) or p
        pad = padding_param(params)
        h, w = x.shape
        if pad == "valid" and p > min(h, w):
            raise ParameterError("size", text(f"une fenêtre {p}x{p} ne tient pas dans l'entrée {h}x{w} avec padding='valid'", f"a {p}x{p} window does not fit in the {h}x{w} input "
                                 "with padding='valid'"))
        xb = x[None, None]
        out = _POOL[mode](xb, p, s, pad)[0][0, 0]
        other = "avg" if mode == "max" else "max"
        mistakes = [
            Misconception("max-avg-confusion", _POOL[other](xb, p, s, pad)[0][0, 0], {
                "fr": ("on demande le maximum de chaque fenêtre (MaxPooling), pas la moyenne."
                       if mode == "max" else
                       "on demande la moyenne de chaque fenêtre (AveragePooling), pas le maximum."),
                "en": ("each window's maximum is asked for (MaxPooling), not its mean."
                       if mode == "max" else
                       "each window's mean is asked for (AveragePooling), not its maximum.")}),
        ]
        if s != 1 and (pad == "same" or p <= min(h, w)):
            mistakes.append(Misconception("stride-one", _POOL[mode](xb, p, 1, pad)[0][0, 0], {
                "fr": f"la fenêtre se déplace de {s} pixels (par défaut stride = pool_size), "
                      "pas de 1.",
                "en": f"the window moves {s} pixels at a time (by default stride = pool_size), "
                      "not 1."}))
        top, bottom, left, right = resolve_padding(pad, (h, w), (p, p), (s, s))
        if mode == "avg" and pad == "same" and any((top, bottom, left, right)):
            mistakes.append(Misconception("counted-padding", avgpool_forward(
                xb, p, s, pad, count_include_pad=True)[0][0, 0], {
                "fr": "avec padding='same', Keras ne compte pas les cases ajoutées dans la moyenne : "
                      "on divise par le nombre de vraies cases de la fenêtre (PyTorch, avec "
                      "count_include_pad=True par défaut, les compterait comme des zéros).",
                "en": "with padding='same', Keras does not count the padded cells in the average: "
                      "divide by the number of real cells of the window (PyTorch, with its default "
                      "count_include_pad=True, would count them as zeros)."}))
        if top != bottom or left != right:
            # the extra padding on the other side: pool the flipped input, flip the result back
            flipped = _POOL[mode](xb[:, :, ::-1, ::-1], p, s, pad)[0][0, 0][::-1, ::-1]
            mistakes.append(Misconception("extra-padding-top-left", flipped, {
                "fr": "quand le nombre de cases ajoutées est impair, Keras (TensorFlow) met la case "
                      "supplémentaire en bas et à droite, pas en haut et à gauche.",
                "en": "when the number of padded cells is odd, Keras (TensorFlow) puts the extra one "
                      "at the bottom and on the right, not at the top and on the left."}))
        decimals = 2 if mode == "avg" else None  # maxima of integers: exact
        check = array_check(decimals)
        out_list = [[_number(v) for v in row] for row in out]
        cells = []
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                r0, c0 = i * s - top, j * s - left
                window = x[max(r0, 0):r0 + p, max(c0, 0):c0 + p]  # real cells only
                cells.append({"i": i, "j": j, "window": [_number(v) for v in window.ravel()],
                              "value": out_list[i][j]})
        ctx = {"stride": s, "stride_given": params["stride"] != 0, "out_shape": list(out.shape),
               "cells": cells, "exact": bool(np.allclose(out, np.round(out, 2))),
               "pads": [top, bottom, left, right], "padded": any((top, bottom, left, right)),
               DECIMALS: {"out": decimals}}
        parts = {"out": Part(out_list, check, {"fr": "matrice de sortie du pooling",
                                               "en": "output matrix of the pooling"},
                             misconceptions(out_list, mistakes, decimals))}
        return Solution(parts, ctx)
