"""conv-compute: compute the feature map of one Conv2D filter by hand (003, 002).

As in the course's worked examples: slide the filter over the (zero-padded) input,
multiply element by element, add over the kernel and the channels, add the bias
(003 "Convolution simple depth = 1": a 5x5 input and a 3x3 filter give
[[4, 3, 4], [2, 4, 3], [2, 3, 4]]; "Convolution en volume": per-channel sums 308, -498
and 164, plus the bias 1, give -25). It is a cross-correlation, like Keras and PyTorch.
Every value comes from :mod:`course.reference.conv`.

Parameters: ``x`` (a matrix H x W for one channel, or C x H x W), ``kernel`` (kh x kw or
C x kh x kw, one filter), ``bias``, ``stride``, ``padding`` ('valid', 'same' (Keras) or
an integer p: p rows/columns of zeros on each side, PyTorch).

With ``padding='same'`` the input is padded with zeros so that the output has
``ceil(H / stride)`` rows; when the total number of zero rows (columns) is odd, the extra one
goes at the bottom (right), as TensorFlow/Keras do (:func:`course.reference.conv.resolve_padding`).
The statement says so.

Parts: ``out`` (the H' x W' feature map, ArrayCheck, exact: integer data).
Misconceptions: flipped kernel (true convolution), forgot the bias, stride 1 instead of
the given stride, no zero padding, and with 'same' and an odd total padding, the padding
split symmetrically ``(F - 1) / 2`` on every side, as PyTorch's ``padding=1`` (for F = 3) does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.conv import (
    conv2d_forward,
    conv2d_forward_naive,
    conv2d_position_terms,
    resolve_padding,
)

from ..base import Constraints, Degenerate, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, array_check, misconceptions
from ._params import positive_int


def _as_chw(name: str, value: Any) -> np.ndarray:
    """A 2-D (one channel) or 3-D (channels first) nested list of numbers as a C x H x W array."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, text("attendu une matrice de nombres (lignes de même longueur) ou une liste de telles matrices, une par canal", "expected a matrix of numbers (rows of equal length) "
                             "or a list of such matrices, one per channel")) from None
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or 0 in a.shape:
        raise ParameterError(name, text(f"attendu H x W ou C x H x W nombres, reçu la forme {a.shape}", f"expected H x W or C x H x W numbers, got shape {a.shape}"))
    if not np.all(np.isfinite(a)):
        raise ParameterError(name, text("les valeurs doivent être finies", "values must be finite"))
    return a


def _padding(value: Any) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        p: str | int = value
    elif isinstance(value, str) and value.strip().lower() in ("valid", "same"):
        p = value.strip().lower()
    elif isinstance(value, str) and value.strip().isdigit():
        p = int(value.strip())
    else:
        raise ParameterError("padding", text(f"doit être 'valid', 'same' ou un nombre de zéros, reçu : {value!r}", f"must be 'valid', 'same' or a number of zeros, got {value!r}"))
    if isinstance(p, int) and p < 0:
        raise ParameterError("padding", text(f"doit être >= 0, reçu : {p}", f"must be >= 0, got {p}"))
    return p


def _plain_number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


class ConvCompute(Family):
    id = "conv-compute"
    title = {"fr": "Calcul d'une convolution (feature map) à la main",
             "en": "Computing a convolution (feature map) by hand"}
    params = {
        "x": Param("matrix", "input: rows '1,0;0,1' (one channel) or JSON C x H x W"),
        "kernel": Param("matrix", "one filter: kh x kw, or JSON C x kh x kw"),
        "bias": Param("float", "bias of the filter", default=0.0),
        "stride": Param("int", "stride", default=1),
        "padding": Param("str", "valid, same, or a number of zeros on each side", default="valid"),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        # An instructor may fix x and kernel (both); stride, padding and bias take choices/ranges.
        fixed_x, fixed_k = c.value("x", None), c.value("kernel", None)
        for _ in range(100):
            ch = int(rng.choice([1, 1, 1, 2, 3]))
            h = int(rng.integers(4, 7))
            w = h if rng.random() < 0.7 else int(rng.integers(4, 7))
            k = int(rng.choice([2, 3, 3]))
            stride = int(c.choice(rng, "stride", [1, 1, 2]))
            padding = c.choice(rng, "padding", ["valid", "valid", "same"])
            x = rng.integers(0 if ch == 1 else -2, 4, size=(ch, h, w))
            kernel = rng.integers(-1, 2, size=(ch, k, k))
            bias = c.int(rng, "bias", -2, 2) if ch > 1 or rng.random() < 0.5 else 0
            if fixed_x is not None and fixed_k is not None:
                return {"x": fixed_x, "kernel": fixed_k, "bias": bias, "stride": stride,
                        "padding": padding}
            if padding == "valid" and k > min(h, w):
                continue
            pads = resolve_padding(padding, (h, w), (k, k), (stride, stride))
            ho = (h + pads[0] + pads[1] - k) // stride + 1
            wo = (w + pads[2] + pads[3] - k) // stride + 1
            if not 2 <= ho * wo <= (16 if ch == 1 else 6):  # keep it doable by hand
                continue
            return {"x": x[0].tolist() if ch == 1 else x.tolist(),
                    "kernel": kernel[0].tolist() if ch == 1 else kernel.tolist(),
                    "bias": bias, "stride": stride, "padding": padding}
        raise AssertionError("conv-compute: no drawable size")  # pragma: no cover

    def solve(self, params: dict[str, Any]) -> Solution:
        x = _as_chw("x", params["x"])
        w = _as_chw("kernel", params["kernel"])
        if w.shape[0] != x.shape[0]:
            raise ParameterError("kernel", text(f"a {w.shape[0]} canal(aux) mais x en a {x.shape[0]} : un filtre couvre tous les canaux d'entrée", f"has {w.shape[0]} channel(s) but x has {x.shape[0]}: "
                                 "a filter spans all the input channels"))
        bias = params["bias"]
        if isinstance(bias, bool) or not isinstance(bias, (int, float)):
            raise ParameterError("bias", text(f"doit être un nombre, reçu : {bias!r}", f"must be a number, got {bias!r}"))
        stride = positive_int(params, "stride")
        padding = _padding(params["padding"])
        ch, h, wd = x.shape
        kh, kw = w.shape[1:]
        if padding == "valid" and (kh > h or kw > wd):
            raise ParameterError("kernel", text(f"un noyau {kh}x{kw} ne tient pas dans l'entrée {h}x{wd} avec padding='valid'", f"a {kh}x{kw} kernel does not fit in the {h}x{wd} "
                                 "input with padding='valid'"))
        if not np.any(w):
            raise Degenerate("all-zero kernel")
        xb, wb, bb = x[None], w[None], np.array([float(bias)])
        out4, _ = conv2d_forward_naive(xb, wb, bb, stride, padding)
        out = out4[0, 0]
        fast, _ = conv2d_forward(xb, wb, bb, stride, padding)
        assert np.allclose(fast, out4)

        def feature_map(**change: Any) -> np.ndarray:
            args = {"w": wb, "b": bb, "stride": stride, "padding": padding} | change
            return conv2d_forward(xb, args["w"], args["b"], args["stride"], args["padding"])[0][0, 0]

        mistakes = [
            Misconception("flipped-kernel", feature_map(w=wb[:, :, ::-1, ::-1]), {
                "fr": "vous avez retourné le filtre (convolution au sens mathématique) : la "
                      "couche Conv2D fait glisser le filtre tel quel (corrélation croisée).",
                "en": "you flipped the filter (mathematical convolution): a Conv2D layer "
                      "slides the filter as it is (cross-correlation)."}),
            Misconception("forgot-bias", feature_map(b=np.zeros(1)), {
                "fr": f"il faut ajouter le biais b = {_plain_number(bias)} à chaque valeur de "
                      "la feature map.",
                "en": f"the bias b = {_plain_number(bias)} must be added to every value of the "
                      "feature map."}),
        ]
        if stride > 1:
            mistakes.append(Misconception("stride-one", feature_map(stride=1), {
                "fr": f"le filtre se déplace de {stride} pixels à chaque pas, pas de 1.",
                "en": f"the filter moves {stride} pixels at each step, not 1."}))
        if padding != "valid" and (kh <= h and kw <= wd):
            mistakes.append(Misconception("no-padding", feature_map(padding="valid"), {
                "fr": "l'entrée doit d'abord être entourée de zéros (padding) avant de faire "
                      "glisser le filtre.",
                "en": "the input must first be surrounded with zeros (padding) before sliding "
                      "the filter."}))
        top, bottom, left, right = resolve_padding(padding, (h, wd), (kh, kw), (stride, stride))
        asymmetric = padding == "same" and (top != bottom or left != right)
        if asymmetric and kh == kw and kh % 2 == 1:
            sym = (kh - 1) // 2
            mistakes.append(Misconception("symmetric-padding", feature_map(padding=sym), {
                "fr": f"avec padding='same', Keras (TensorFlow) met la ligne ou la colonne de zéros "
                      f"en trop en bas et à droite (ici {top} en haut, {bottom} en bas, {left} à "
                      f"gauche, {right} à droite) ; vous avez complété symétriquement, {sym} de "
                      f"chaque côté, comme le fait padding={sym} dans PyTorch.",
                "en": f"with padding='same', Keras (TensorFlow) puts the extra row or column of zeros "
                      f"at the bottom and on the right (here {top} on top, {bottom} at the bottom, "
                      f"{left} on the left, {right} on the right); you padded symmetrically, {sym} "
                      f"on every side, as PyTorch's padding={sym} does."}))
        decimals = None  # integer data: the exact feature map
        check = array_check(decimals)
        out_list = [[_plain_number(v) for v in row] for row in out]
        parts = {"out": Part(out_list, check, {"fr": "feature map de sortie",
                                               "en": "output feature map"},
                             misconceptions(out_list, mistakes, decimals))}

        # Worked solution: the padded input and, for every output cell, the per-channel sums.
        xpad = np.pad(x, ((0, 0), (top, bottom), (left, right)))
        cells = []
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                terms = conv2d_position_terms(xb, wb, 0, 0, i, j, stride, padding)
                window = xpad[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
                pairs = [[_plain_number(a), _plain_number(k)]
                         for a, k in zip(window[0].ravel(), w[0].ravel())] if ch == 1 else []
                cells.append({"i": i, "j": j, "terms": [_plain_number(t) for t in terms],
                              "value": out_list[i][j], "window": window.tolist(), "pairs": pairs})
        ctx = {"channels": ch, "x": x.tolist(), "kernel": w.tolist(), "xpad": xpad.tolist(),
               DECIMALS: {"out": decimals}, "asymmetric": asymmetric,
               "pads": [top, bottom, left, right], "padded": bool(top or bottom or left or right),
               "out_shape": list(out.shape), "bias": _plain_number(bias), "cells": cells,
               "first_products": [[[_plain_number(a * b) for a, b in zip(wr, kr)]
                                   for wr, kr in zip(cells[0]["window"][c], w[c].tolist())]
                                  for c in range(ch)]}
        return Solution(parts, ctx)
