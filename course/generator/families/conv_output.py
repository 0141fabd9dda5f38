"""conv-output: output shape and parameter count of a Keras ``Conv2D`` layer (003).

The course (003, "Conv2D Formule générale") writes shapes channels-last, as Keras does:
an input ``H x W x C`` and ``n`` filters of size ``F x F`` give an output ``Ho x Wo x n``
with ``Ho = ceil((H - F + 1) / stride)`` ('valid') or ``ceil(H / stride)`` ('same'), and
``(F * F * C + 1) * n`` parameters. Every number comes from
:mod:`course.reference.conventions`.

Parts: ``shape`` (``[Ho, Wo, filters]``, ShapeCheck) and ``params`` (IntCheck).
Misconceptions: floor instead of ceil, 'same' read as "same size whatever the stride",
depth = input channels instead of filters; forgot the bias, forgot the input channels.

AlexNet's first convolution (002: a 224 x 224 x 3 image, 96 filters 11 x 11, stride 4) is
drawn in :data:`P_ALEXNET` of the draws: the formula gives 54 x 54 x 96, while the figure
prints 55 (the famous slip of the paper: 55 needs a 227 x 227 input, or a padding of 2 as in
torchvision's AlexNet); the worked solution points it out, and 55 is a named misconception.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.conventions import conv2d_params, conv_output_size, general_output_size

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import IntCheck, ShapeCheck
from ._params import padding_param, positive_int

#: share of the draws that ask AlexNet's first convolution (002)
P_ALEXNET = 0.05
ALEXNET_CONV1 = {"h": 224, "w": 224, "kernel": 11, "stride": 4, "padding": "valid", "channels": 3, "filters": 96}
#: the input size that AlexNet's printed 55 needs
ALEXNET_INPUT_FOR_55 = 227


class ConvOutput(Family):
    id = "conv-output"
    title = {"fr": "Taille de sortie et nombre de paramètres d'une couche Conv2D",
             "en": "Output size and number of parameters of a Conv2D layer"}
    params = {
        "h": Param("int", "input height H"),
        "w": Param("int", "input width W"),
        "kernel": Param("int", "kernel size F (square F x F kernel)"),
        "stride": Param("int", "stride (same in both directions)", default=1),
        "padding": Param("str", "Keras padding", default="valid", choices=("valid", "same")),
        "channels": Param("int", "input channels C", default=1),
        "filters": Param("int", "number of filters n", default=1),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        if not c.raw and rng.random() < P_ALEXNET:
            return dict(ALEXNET_CONV1)
        h = c.int(rng, "h", 5, 64)
        square = rng.random() < 0.6  # most images in the course are square
        w = h if square and "w" not in c.raw else c.int(rng, "w", 5, 64)
        kernel = c.choice(rng, "kernel", [k for k in (1, 2, 3, 3, 3, 4, 5, 5, 7) if k <= min(h, w)] or [1])
        stride = c.choice(rng, "stride", [1, 1, 2, 2, 3])
        padding = c.choice(rng, "padding", ["valid", "same"])
        channels = c.choice(rng, "channels", [1, 3, 3, 8, 16, 32, 64])
        filters = c.choice(rng, "filters", [4, 6, 8, 10, 16, 20, 32, 64, 128])
        return {"h": h, "w": w, "kernel": kernel, "stride": stride, "padding": padding,
                "channels": channels, "filters": filters}

    def solve(self, params: dict[str, Any]) -> Solution:
        h = positive_int(params, "h")
        w = positive_int(params, "w")
        k = positive_int(params, "kernel")
        s = positive_int(params, "stride")
        pad = padding_param(params)
        ch = positive_int(params, "channels")
        nf = positive_int(params, "filters")
        if pad == "valid" and k > min(h, w):
            raise ParameterError("kernel", text(f"un noyau {k}x{k} ne tient pas dans une entrée {h}x{w} avec padding='valid'", f"a {k}x{k} kernel does not fit in a {h}x{w} input "
                                 "with padding='valid'"))
        ho = conv_output_size(h, k, s, pad)
        wo = conv_output_size(w, k, s, pad)
        shape = [ho, wo, nf]
        total = conv2d_params(k, k, ch, nf)

        # The mistaken formulas, run on the same numbers.
        span_h, span_w = (h - k + 1, w - k + 1) if pad == "valid" else (h, w)
        floor_shape = [span_h // s, span_w // s, nf]
        same_shape = [h, w, nf]
        depth_shape = [ho, wo, ch]
        shape_check = ShapeCheck()
        shape_mis = [
            Misconception("floor-instead-of-ceil", floor_shape, {
                "fr": "la formule de Keras arrondit au-dessus (ceil), pas en dessous (floor).",
                "en": "Keras's formula rounds up (ceil), not down (floor)."}),
            Misconception("same-ignores-stride", same_shape, {
                "fr": "avec padding='same', la sortie a la taille de l'entrée seulement si "
                      "stride = 1 : en général elle vaut ceil(H / stride).",
                "en": "with padding='same' the output has the input's size only when "
                      "stride = 1: in general it is ceil(H / stride)."}),
            Misconception("depth-is-channels", depth_shape, {
                "fr": "la profondeur de la sortie est le nombre de filtres (une feature map "
                      "par filtre), pas le nombre de canaux de l'entrée.",
                "en": "the output depth is the number of filters (one feature map per "
                      "filter), not the number of input channels."}),
        ]
        if pad == "valid":  # the 'same' misreading only exists with padding='same'
            shape_mis = [m for m in shape_mis if m.key != "same-ignores-stride"]
        alexnet = {"h": h, "w": w, "kernel": k, "stride": s, "padding": pad, "channels": ch} == {
            key: v for key, v in ALEXNET_CONV1.items() if key != "filters"}
        if alexnet:
            printed = conv_output_size(ALEXNET_INPUT_FOR_55, k, s, pad)
            shape_mis.append(Misconception("alexnet-printed-55", [printed, printed, nf], {
                "fr": f"la figure d'AlexNet imprime {printed} × {printed}, mais ce nombre suppose une entrée "
                      f"{ALEXNET_INPUT_FOR_55} × {ALEXNET_INPUT_FOR_55} : avec {h} × {w}, la formule donne {ho}.",
                "en": f"AlexNet's figure prints {printed} × {printed}, but that number needs a "
                      f"{ALEXNET_INPUT_FOR_55} × {ALEXNET_INPUT_FOR_55} input: with {h} × {w} the formula "
                      f"gives {ho}."}))
        params_mis = [
            Misconception("forgot-bias", conv2d_params(k, k, ch, nf, bias=False), {
                "fr": "chaque filtre a aussi un biais : (F x F x C + 1) x n.",
                "en": "each filter also has a bias: (F x F x C + 1) x n."}),
            Misconception("forgot-channels", conv2d_params(k, k, 1, nf), {
                "fr": "un filtre couvre tous les canaux de l'entrée : il a F x F x C poids, "
                      "pas F x F.",
                "en": "a filter spans all the input channels: it has F x F x C weights, "
                      "not F x F."}),
        ]
        parts = {
            "shape": Part(shape, shape_check,
                          {"fr": "taille de la sortie (hauteur, largeur, profondeur)",
                           "en": "output shape (height, width, depth)"},
                          wrong_only(shape_check, shape, shape_mis)),
            "params": Part(total, IntCheck(),
                           {"fr": "nombre de paramètres de la couche",
                            "en": "number of parameters of the layer"},
                           wrong_only(IntCheck(), total, params_mis)),
        }
        ctx = {
            "span_h": span_h, "span_w": span_w,
            "ratio_h": span_h / s, "ratio_w": span_w / s,
            "exact_h": span_h % s == 0, "exact_w": span_w % s == 0,
            "weights_per_filter": conv2d_params(k, k, ch, 1, bias=False),
            "alexnet": alexnet,
        }
        if alexnet:
            big = ALEXNET_INPUT_FOR_55
            ctx.update(alex_input=big, alex_ratio=(big - k + 1) / s, alex_out=conv_output_size(big, k, s, pad),
                       alex_torch=general_output_size(h, k, s, pad=2))
        return Solution(parts, ctx)
