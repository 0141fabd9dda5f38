"""cnn-summary: output shape and parameters of every layer of a Keras Sequential CNN (002, 003).

Like ``model.summary()`` for a stack such as LeNet-5 or a small VGG: shapes are
channels-last (``H x W x C``) as in Keras and the course (003); sizes and counts come from
:mod:`course.reference.conventions` (``conv_output_size``, ``pool_output_size``,
``conv2d_params``, ``dense_params``, ``batchnorm_params``). The total counts trainable and
non-trainable parameters, as Keras's "Total params" does.

The ``layers`` parameter is a compact spec string: comma-separated items, the first one the
input, e.g. ``input:32x32x1,conv:6x5x5:valid,pool:2,conv:16x5x5,pool:2,flatten,dense:120,
dense:84,dense:10`` (LeNet-5). Grammar (case-insensitive, no spaces needed)::

    spec    := "input:" H "x" W "x" C ("," layer)*
    layer   := conv | pool | "bn" | "flatten" | "gap" | "gmp" | dense
    conv    := "conv:" F "x" KH ["x" KW] (":" option)*    # Conv2D(F, (KH, KW)); KW = KH if omitted
    pool    := ("pool" | "maxpool" | "avgpool") ":" P (":" option)*   # MaxPool2D / AveragePooling2D(P)
    option  := "valid" | "same" | "s" STRIDE               # defaults: valid, stride 1 (conv) / P (pool)
    dense   := "dense:" N                                  # Dense(N); needs a 1-D input (flatten/gap first)
    "bn"      = BatchNormalization() (axis -1: 2C trainable + 2C non-trainable)
    "gap"/"gmp" = GlobalAveragePooling2D() / GlobalMaxPooling2D()

Parts: ``shapes`` (one row per layer: its output shape, TableCheck), ``params`` (per layer,
ArrayCheck), ``total`` (IntCheck) and, when the stack has a BatchNormalization layer,
``trainable`` (IntCheck).
Misconceptions: forgot the biases, forgot the input channels in the Conv2D count, flattened
size without the depth (``H x W`` instead of ``H x W x C``), floor instead of ceil in a
strided Conv2D, BatchNormalization counted without its moving statistics (or with them as
trainable).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import Text, pick, text
from course.reference.conventions import (
    batchnorm_params,
    conv2d_params,
    conv_output_size,
    dense_params,
    pool_output_size,
)

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import IntCheck
from ..precision import DECIMALS, array_check, misconceptions, table_check

Layer = dict[str, Any]

_KERAS_NAMES = {"conv": "Conv2D", "maxpool": "MaxPool2D", "avgpool": "AveragePooling2D",
                "bn": "BatchNormalization", "flatten": "Flatten", "gap": "GlobalAveragePooling2D",
                "gmp": "GlobalMaxPooling2D", "dense": "Dense"}


def _bad(index: int, item: str, message: str | Text) -> ParameterError:
    return ParameterError("layers", text(f"élément {index} {item!r} : {pick(message, 'fr')}", f"item {index} {item!r}: {pick(message, 'en')}"))


def _ints(index: int, item: str, spec: str, counts: tuple[int, ...]) -> list[int]:
    parts = spec.lower().split("x")
    if len(parts) not in counts or not all(re.fullmatch(r"\d+", p) for p in parts):
        n = " or ".join(str(c) for c in counts)
        n_fr = " ou ".join(str(c) for c in counts)
        raise _bad(index, item, text(f"attendu {n_fr} entiers positifs séparés par 'x', reçu : {spec!r}",
                                     f"expected {n} positive integers separated by 'x', got {spec!r}"))
    values = [int(p) for p in parts]
    if min(values) <= 0:
        raise _bad(index, item, text("les tailles doivent être positives", "sizes must be positive"))
    return values


def _options(index: int, item: str, opts: list[str], default_stride: int) -> tuple[int, str]:
    stride, padding = default_stride, "valid"
    for o in opts:
        o = o.strip().lower()
        if o in ("valid", "same"):
            padding = o
        elif re.fullmatch(r"s\d+", o) and int(o[1:]) > 0:
            stride = int(o[1:])
        else:
            raise _bad(index, item, text(f"option {o!r} inconnue (valid, same ou sN pour un pas N)", f"unknown option {o!r} (valid, same or sN for a stride N)"))
    return stride, padding


def parse_layers(spec: Any) -> tuple[list[int], list[Layer]]:
    """Parse a spec string into the input shape ``[H, W, C]`` and a list of layer dicts."""
    if not isinstance(spec, str) or not spec.strip():
        raise ParameterError("layers", text("attendu une description telle que 'input:32x32x1,conv:6x5x5,pool:2,flatten,dense:10'", "expected a spec string such as "
                             "'input:32x32x1,conv:6x5x5,pool:2,flatten,dense:10'"))
    items = [s.strip() for s in spec.split(",") if s.strip()]
    head = items[0].split(":")
    if head[0].strip().lower() != "input" or len(head) != 2:
        raise _bad(1, items[0], text("le premier élément doit être l'entrée, p. ex. input:32x32x1", "the first item must be the input, e.g. input:32x32x1"))
    shape = _ints(1, items[0], head[1], (3,))
    layers: list[Layer] = []
    for i, item in enumerate(items[1:], start=2):
        tok = [t.strip() for t in item.split(":")]
        kind = tok[0].lower()
        if kind == "conv":
            if len(tok) < 2:
                raise _bad(i, item, text("attendu conv:FxK ou conv:FxKHxKW", "expected conv:FxK or conv:FxKHxKW"))
            f, *k = _ints(i, item, tok[1], (2, 3))
            kh, kw = (k[0], k[0]) if len(k) == 1 else k
            stride, padding = _options(i, item, tok[2:], 1)
            layers.append({"type": "conv", "filters": f, "kh": kh, "kw": kw,
                           "stride": stride, "padding": padding})
        elif kind in ("pool", "maxpool", "avgpool"):
            if len(tok) < 2:
                raise _bad(i, item, text("attendu pool:P", "expected pool:P"))
            (p,) = _ints(i, item, tok[1], (1,))
            stride, padding = _options(i, item, tok[2:], p)
            layers.append({"type": "avgpool" if kind == "avgpool" else "maxpool", "size": p,
                           "stride": stride, "padding": padding})
        elif kind == "dense":
            if len(tok) != 2:
                raise _bad(i, item, text("attendu dense:N", "expected dense:N"))
            (n,) = _ints(i, item, tok[1], (1,))
            layers.append({"type": "dense", "units": n})
        elif kind in ("bn", "flatten", "gap", "gmp") and len(tok) == 1:
            layers.append({"type": kind})
        else:
            raise _bad(i, item, text("couche inconnue (conv, pool, maxpool, avgpool, bn, flatten, "
                                     "gap, gmp, dense)",
                                     "unknown layer (conv, pool, maxpool, avgpool, bn, flatten, "
                                     "gap, gmp, dense)"))
    if not layers:
        raise ParameterError("layers", text("le modèle demande au moins une couche après l'entrée", "the model needs at least one layer after the input"))
    return shape, layers


def format_layers(shape: list[int], layers: list[Layer]) -> str:
    """The canonical spec string (inverse of :func:`parse_layers`)."""
    out = ["input:" + "x".join(str(v) for v in shape)]
    for L in layers:
        t = L["type"]
        if t == "conv":
            k = f"{L['kh']}" if L["kh"] == L["kw"] else f"{L['kh']}x{L['kw']}"
            s = f":s{L['stride']}" if L["stride"] != 1 else ""
            out.append(f"conv:{L['filters']}x{k}:{L['padding']}{s}")
        elif t in ("maxpool", "avgpool"):
            name = "pool" if t == "maxpool" else "avgpool"
            s = f":s{L['stride']}" if L["stride"] != L["size"] else ""
            pad = ":same" if L["padding"] == "same" else ""
            out.append(f"{name}:{L['size']}{s}{pad}")
        elif t == "dense":
            out.append(f"dense:{L['units']}")
        else:
            out.append(t)
    return ",".join(out)


def keras_call(L: Layer) -> str:
    """The Keras layer as the course writes it, e.g. ``Conv2D(6, (5, 5), strides=1, padding="valid")``."""
    t = L["type"]
    name = _KERAS_NAMES[t]
    if t == "conv":
        return (f'{name}({L["filters"]}, ({L["kh"]}, {L["kw"]}), strides={L["stride"]}, '
                f'padding="{L["padding"]}")')
    if t in ("maxpool", "avgpool"):
        return f'{name}(pool_size={L["size"]}, strides={L["stride"]}, padding="{L["padding"]}")'
    if t == "dense":
        return f"{name}({L['units']})"
    return f"{name}()"


def summarise(shape: list[int], layers: list[Layer], mistakes: frozenset[str] = frozenset()
              ) -> list[dict[str, Any]]:
    """One row per layer: ``{"out": shape, "params": n, "trainable": n, ...}``.

    ``mistakes`` runs mistaken formulas (for misconceptions): ``no-bias``, ``no-channels``,
    ``flatten-hw``, ``floor``, ``bn-trainable-only``. Raises ParameterError("layers") for an
    impossible stack (a kernel larger than its input, a Dense on a 3-D input, ...).
    """
    cur = list(shape)
    rows: list[dict[str, Any]] = []
    for i, L in enumerate(layers, start=2):
        t = L["type"]
        row: dict[str, Any] = {"type": t, "keras": keras_call(L), "layer": dict(L), "in": list(cur)}
        if t in ("conv", "maxpool", "avgpool", "flatten", "gap", "gmp") and len(cur) != 3:
            raise ParameterError("layers", text(f"l'élément {i} ({_KERAS_NAMES[t]}) demande une entrée 3-D H x W x C, reçu : {len(cur)}-D", f"item {i} ({_KERAS_NAMES[t]}) needs a 3-D input "
                                 f"H x W x C, got {len(cur)}-D"))
        if t == "conv":
            h, w, c = cur
            kh, kw, s, pad = L["kh"], L["kw"], L["stride"], L["padding"]
            if pad == "valid" and (kh > h or kw > w):
                raise ParameterError("layers", text(f"élément {i} : un noyau {kh}x{kw} ne tient pas dans une entrée {h}x{w} avec padding='valid'", f"item {i}: a {kh}x{kw} kernel does not fit in "
                                     f"a {h}x{w} input with padding='valid'"))
            if "floor" in mistakes:
                span = (h - kh + 1, w - kw + 1) if pad == "valid" else (h, w)
                ho, wo = span[0] // s, span[1] // s
            else:
                ho, wo = conv_output_size(h, kh, s, pad), conv_output_size(w, kw, s, pad)
            c_in = 1 if "no-channels" in mistakes else c
            n = conv2d_params(kh, kw, c_in, L["filters"], bias="no-bias" not in mistakes)
            cur = [ho, wo, L["filters"]]
            span = [h - kh + 1, w - kw + 1] if pad == "valid" else [h, w]
            row.update(params=n, trainable=n, span=span)
        elif t in ("maxpool", "avgpool"):
            h, w, c = cur
            p, s, pad = L["size"], L["stride"], L["padding"]
            if pad == "valid" and p > min(h, w):
                raise ParameterError("layers", text(f"élément {i} : une fenêtre de pooling {p}x{p} ne tient pas dans une entrée {h}x{w} avec padding='valid'", f"item {i}: a {p}x{p} pooling window does not fit "
                                     f"in a {h}x{w} input with padding='valid'"))
            cur = [pool_output_size(h, p, s, pad), pool_output_size(w, p, s, pad), c]
            row.update(params=0, trainable=0)
        elif t == "flatten":
            h, w, c = cur
            cur = [h * w] if "flatten-hw" in mistakes else [h * w * c]
            row.update(params=0, trainable=0)
        elif t in ("gap", "gmp"):
            cur = [cur[2]]
            row.update(params=0, trainable=0)
        elif t == "bn":
            trainable, fixed = batchnorm_params(cur[-1])
            n = trainable if "bn-trainable-only" in mistakes else trainable + fixed
            row.update(params=n, trainable=trainable, non_trainable=fixed)
        elif t == "dense":
            if len(cur) != 1:
                raise ParameterError("layers", text(f"l'élément {i} (Dense) demande une entrée 1-D : ajoutez 'flatten' ou 'gap' avant", f"item {i} (Dense) needs a 1-D input: add "
                                     "'flatten' or 'gap' before it"))
            n = dense_params(cur[0], L["units"], bias="no-bias" not in mistakes)
            cur = [L["units"]]
            row.update(params=n, trainable=n)
        else:  # pragma: no cover - parse_layers only makes the types above
            raise AssertionError(t)
        row["out"] = list(cur)
        rows.append(row)
    return rows


class CnnSummary(Family):
    id = "cnn-summary"
    title = {"fr": "Résumé d'un CNN séquentiel : tailles de sortie et paramètres par couche",
             "en": "Summary of a sequential CNN: output shapes and parameters per layer"}
    params = {"layers": Param("str", "compact spec, e.g. input:32x32x1,conv:6x5x5:valid,pool:2,"
                                     "conv:16x5x5,pool:2,flatten,dense:120,dense:84,dense:10 "
                                     "(grammar in the module docstring)")}

    # ------------------------------------------------------------------ drawing
    def _draw_stack(self, rng: np.random.Generator) -> tuple[list[int], list[Layer]]:
        style = ["lenet", "vgg", "vgg", "mixed"][int(rng.integers(4))]
        side = int(rng.choice([28, 32, 32, 48, 64] if style != "lenet" else [28, 32]))
        shape = [side, side, int(rng.choice([1, 3]))]
        layers: list[Layer] = []
        filters = int(rng.choice([4, 6, 8, 16]))
        blocks = int(rng.integers(2, 4)) if side >= 48 else int(rng.integers(1, 3)) + (style == "lenet")
        for b in range(blocks):
            if style == "lenet":
                convs, k, pad = 1, 5, "valid"
            elif style == "vgg":
                convs, k, pad = int(rng.integers(1, 3)), 3, "same"
            else:
                convs, k, pad = 1, int(rng.choice([3, 5])), str(rng.choice(["valid", "same"]))
            for _ in range(convs):
                stride = 2 if (style == "mixed" and b == 0 and rng.random() < 0.5) else 1
                layers.append({"type": "conv", "filters": filters, "kh": k, "kw": k,
                               "stride": stride, "padding": pad})
                if rng.random() < 0.2:
                    layers.append({"type": "bn"})
            kind = "avgpool" if (style == "lenet" and rng.random() < 0.3) else "maxpool"
            layers.append({"type": kind, "size": 2, "stride": 2, "padding": "valid"})
            filters = min(filters * int(rng.choice([2, 2, 3])), 128)
        layers.append({"type": "gap" if (style != "lenet" and rng.random() < 0.25) else "flatten"})
        for _ in range(int(rng.integers(0, 3))):
            layers.append({"type": "dense", "units": int(rng.choice([16, 32, 64, 84, 100, 120, 128]))})
        layers.append({"type": "dense", "units": int(rng.choice([1, 2, 3, 5, 10]))})
        return shape, layers

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        fixed = c.value("layers", None)
        if fixed is not None:
            return {"layers": fixed}
        for _ in range(100):
            shape, layers = self._draw_stack(rng)
            try:
                rows = summarise(shape, layers)
            except ParameterError:
                continue
            # keep the numbers human: no Dense layer above a million parameters
            if max(r["params"] for r in rows) <= 1_000_000:
                return {"layers": format_layers(shape, layers)}
        raise AssertionError("cnn-summary: no valid stack in 100 draws")  # pragma: no cover

    # ------------------------------------------------------------------ solving
    def solve(self, params: dict[str, Any]) -> Solution:
        shape, layers = parse_layers(params["layers"])
        rows = summarise(shape, layers)
        shapes = [r["out"] for r in rows]
        per_layer = [r["params"] for r in rows]
        total = sum(per_layer)
        trainable = sum(r["trainable"] for r in rows)
        has_bn = any(r["type"] == "bn" for r in rows)
        has_conv = any(r["type"] == "conv" for r in rows)

        def run(mistake: str) -> list[dict[str, Any]] | None:
            try:
                return summarise(shape, layers, frozenset([mistake]))
            except (ParameterError, ValueError):  # the mistake makes the stack impossible
                return None

        texts = {
            "no-bias": {"fr": "vous avez oublié les biais : chaque filtre d'une Conv2D et chaque "
                              "neurone d'une Dense a un biais.",
                        "en": "you forgot the biases: every Conv2D filter and every Dense neuron "
                              "has a bias."},
            "no-channels": {"fr": "un filtre Conv2D couvre tous les canaux de son entrée : "
                                  "(kh x kw x C + 1) x filtres.",
                            "en": "a Conv2D filter spans all the channels of its input: "
                                  "(kh x kw x C + 1) x filters."},
            "flatten-hw": {"fr": "Flatten met à plat tout le volume : N = H x L x W (profondeur "
                                 "comprise), pas seulement H x L.",
                           "en": "Flatten unrolls the whole volume: N = H x W x C (depth "
                                 "included), not just H x W."},
            "floor": {"fr": "la formule de Conv2D de Keras arrondit au-dessus (ceil), pas en "
                            "dessous (floor).",
                      "en": "Keras's Conv2D formula rounds up (ceil), not down (floor)."},
            "bn-trainable-only": {"fr": "Keras compte aussi les 2C paramètres non entraînables "
                                        "de BatchNormalization (moving_mean, moving_variance) "
                                        "dans le total.",
                                  "en": "Keras also counts BatchNormalization's 2C non-trainable "
                                        "parameters (moving_mean, moving_variance) in the total."},
        }
        mis_shapes, mis_params, mis_total = [], [], []
        for key in ("no-bias", "no-channels", "flatten-hw", "floor", "bn-trainable-only"):
            if (key == "no-channels" and not has_conv) or (key == "bn-trainable-only" and not has_bn):
                continue
            wrong = run(key)
            if wrong is None:
                continue
            mis_shapes.append(Misconception(key, [r["out"] for r in wrong], texts[key]))
            mis_params.append(Misconception(key, [r["params"] for r in wrong], texts[key]))
            mis_total.append(Misconception(key, sum(r["params"] for r in wrong), texts[key]))

        shapes_check = table_check(None, ("output shape",))  # integers: exact
        params_check = array_check(None)
        parts = {
            "shapes": Part(shapes, shapes_check,
                           {"fr": "forme de sortie de chaque couche (une ligne par couche)",
                            "en": "output shape of each layer (one row per layer)"},
                           misconceptions(shapes, mis_shapes, None)),
            "params": Part(per_layer, params_check,
                           {"fr": "nombre de paramètres de chaque couche",
                            "en": "number of parameters of each layer"},
                           misconceptions(per_layer, mis_params, None)),
            "total": Part(total, IntCheck(),
                          {"fr": "nombre total de paramètres (Total params)",
                           "en": "total number of parameters (Total params)"},
                          wrong_only(IntCheck(), total, mis_total)),
        }
        if has_bn:
            bn_all = Misconception("bn-all-trainable", total, {
                "fr": "moving_mean et moving_variance ne sont pas entraînables : seuls gamma et "
                      "beta le sont dans BatchNormalization.",
                "en": "moving_mean and moving_variance are not trainable: only gamma and beta "
                      "are in BatchNormalization."})
            parts["trainable"] = Part(trainable, IntCheck(),
                                      {"fr": "nombre de paramètres entraînables (Trainable params)",
                                       "en": "number of trainable parameters (Trainable params)"},
                                      wrong_only(IntCheck(), trainable, [bn_all]))
        ctx = {"input": shape, "rows": rows, "has_bn": has_bn,
               "non_trainable": total - trainable,
               "total_terms": [p for p in per_layer if p > 0],
               DECIMALS: {"shapes": None, "params": None}}
        return Solution(parts, ctx)
