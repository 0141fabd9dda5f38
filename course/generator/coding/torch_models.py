"""What the two PyTorch questions share (``questions/torch_cnn``, ``questions/torch_rnn``): the
model specifications, the trusted side's NumPy twin of a student's model, the weights and data
of the cases, the cases themselves, and the helpers of the setup cell (``torch_setup.py``, run
in the student's kernel and in the sandbox; the reference has NumPy twins of them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.checks import AccuracyCheck, ArrayCheck, ArrayShapeCheck, IntCheck

from .engine import Call, Case, Expect, normal, ref

#: the helpers defined in the (locked) setup cell of assignments with a PyTorch question
TORCH_SETUP = (Path(__file__).with_name("torch_setup.py")).read_text(encoding="utf-8")

CNN_SPEC = {"size": 8, "channels": (4, 8), "classes": 3}
RNN_SPEC = {"cell": "lstm", "input_size": 1, "hidden": 16, "classes": 2, "steps": 10}
TRAIN_TIME_S = 60.0
MIN_ACCURACY = {"cnn": 0.85, "rnn": 0.85}


def statement_vars(kind: str) -> dict[str, Text]:
    """The threshold and time limit as the statements write them."""
    pct = f"{MIN_ACCURACY[kind]:.0%}"
    return {"min_accuracy": t(pct.replace("%", " %"), pct), "time_limit": t(f"{TRAIN_TIME_S:.0f}",
                                                                           f"{TRAIN_TIME_S:.0f}")}


#: a mistaken forward pass of a twin: ``(weights {state_dict key: array}, X) -> logits``
Forward = Callable[[dict[str, np.ndarray], np.ndarray], np.ndarray]


class NumpyModel:
    """The trusted side's twin of a student's model: holds weights, computes with the reference
    (or with ``forward``, a named mistake's twin, see the questions' ``mistakes.py``)."""

    def __init__(self, kind: str, forward: Forward | None = None) -> None:
        self.kind = kind
        self.forward = forward
        self.weights: dict[str, np.ndarray] | None = None

    def n_parameters(self) -> int:
        """Trainable parameters of the specified architecture (PyTorch's conventions)."""
        from course.reference.conventions import conv2d_params, dense_params, rnn_params

        if self.kind == "cnn":
            c1, c2 = CNN_SPEC["channels"]
            flat = c2 * (CNN_SPEC["size"] // 4) ** 2
            return (conv2d_params(3, 3, 1, c1) + conv2d_params(3, 3, c1, c2)
                    + dense_params(flat, CNN_SPEC["classes"]))
        return (rnn_params(RNN_SPEC["cell"], RNN_SPEC["input_size"], RNN_SPEC["hidden"], "torch")
                + dense_params(RNN_SPEC["hidden"], RNN_SPEC["classes"]))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Logits (N, classes) of the loaded weights on ``X``, computed by the reference."""
        from course.reference import torch_path

        w = self.weights
        if w is None:
            raise ValueError("no weights loaded")
        X = np.asarray(X, dtype=np.float64)
        if self.forward is not None:
            return self.forward(w, X)
        if self.kind == "cnn":
            params = {"conv1.w": w["conv1.weight"], "conv1.b": w["conv1.bias"],
                      "conv2.w": w["conv2.weight"], "conv2.b": w["conv2.bias"],
                      "fc.W": w["fc.weight"], "fc.b": w["fc.bias"]}
            return torch_path.small_cnn_numpy(params, X)
        from course.reference.recurrent import from_torch_layout

        params = from_torch_layout(RNN_SPEC["cell"], w["rnn.weight_ih_l0"], w["rnn.weight_hh_l0"],
                                   w["rnn.bias_ih_l0"], w["rnn.bias_hh_l0"])
        params.update({"fc.W": w["fc.weight"], "fc.b": w["fc.bias"]})
        return torch_path.small_rnn_numpy(RNN_SPEC["cell"], params, X)


def reference(kind: str, cls: str, forward: Forward | None = None) -> Callable[[], dict[str, Any]]:
    """The reference binding of a PyTorch question: the model class and the setup helpers
    (``forward``: a named mistake's twin of the model's forward pass)."""
    def make() -> dict[str, Any]:
        def load(model: NumpyModel, weights: dict[str, Any]) -> None:
            model.weights = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}

        return {cls: lambda: NumpyModel(kind, forward), "load_numpy_weights": load,
                "predict_numpy": lambda model, X: model.predict(X),
                "count_parameters": lambda model: model.n_parameters()}

    return make


def _cnn_weights(rng: np.random.Generator, rounded: bool) -> dict[str, np.ndarray]:
    c1, c2 = CNN_SPEC["channels"]
    flat = c2 * (CNN_SPEC["size"] // 4) ** 2
    w = {"conv1.weight": normal(rng, c1, 1, 3, 3, scale=0.5), "conv1.bias": normal(rng, c1, scale=0.1),
         "conv2.weight": normal(rng, c2, c1, 3, 3, scale=0.3), "conv2.bias": normal(rng, c2, scale=0.1),
         "fc.weight": normal(rng, CNN_SPEC["classes"], flat, scale=0.3),
         "fc.bias": normal(rng, CNN_SPEC["classes"], scale=0.1)}
    return {k: np.round(v, 2) for k, v in w.items()} if rounded else w


def _rnn_weights(rng: np.random.Generator, rounded: bool) -> dict[str, np.ndarray]:
    h, d, c = RNN_SPEC["hidden"], RNN_SPEC["input_size"], RNN_SPEC["classes"]
    w = {"rnn.weight_ih_l0": normal(rng, 4 * h, d, scale=0.4),
         "rnn.weight_hh_l0": normal(rng, 4 * h, h, scale=0.2),
         "rnn.bias_ih_l0": normal(rng, 4 * h, scale=0.1), "rnn.bias_hh_l0": normal(rng, 4 * h, scale=0.1),
         "fc.weight": normal(rng, c, h, scale=0.4), "fc.bias": normal(rng, c, scale=0.1)}
    return {k: np.round(v, 2) for k, v in w.items()} if rounded else w


def _cnn_data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    from course.reference.torch_path import make_bars_crosses

    return make_bars_crosses(n, CNN_SPEC["size"], seed=int(rng.integers(2**31)))


def _rnn_data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    from course.reference.torch_path import make_sequence_task

    return make_sequence_task(n, RNN_SPEC["steps"], seed=int(rng.integers(2**31)))


def cases(kind: str) -> Callable[[np.random.Generator, bool], list[Case]]:
    """Architecture (parameter count), forward passes with given weights, and training to
    :data:`MIN_ACCURACY` within :data:`TRAIN_TIME_S` seconds."""
    cls = "SmallCNN" if kind == "cnn" else "SmallRNN"
    train = "train_cnn" if kind == "cnn" else "train_rnn"
    weights = _cnn_weights if kind == "cnn" else _rnn_weights
    data = _cnn_data if kind == "cnn" else _rnn_data

    def make(rng: np.random.Generator, public: bool) -> list[Case]:
        def forward_case(tag: str, n: int, text: Text, pts: float) -> Case:
            w = weights(rng, public)
            X, _ = data(rng, n)
            if public:
                X = np.round(X, 1)
            calls = [Call(cls), Call("load_numpy_weights", [ref(0), w]), Call("predict_numpy", [ref(0), X])]
            return Case(tag, calls, [Expect(2, None, ArrayShapeCheck()), Expect(2, None, ArrayCheck(1e-4, 1e-5))],
                        pts, text)

        if public:
            return [forward_case("public-forward", 2, t("passe avant sur 2 exemples avec des poids donnés",
                                                        "forward pass on 2 examples with given weights"), 0.0)]
        X_train, y_train = data(rng, 400)
        X_test, y_test = data(rng, 300)
        pct = f"{MIN_ACCURACY[kind]:.0%}"
        return [
            Case("architecture", [Call(cls), Call("count_parameters", [ref(0)])],
                 [Expect(1, None, IntCheck())], 1.0,
                 t("architecture : nombre de paramètres entraînables",
                   "architecture: number of trainable parameters")),
            forward_case("forward", int(rng.integers(3, 9)), t(
                "passe avant avec les poids de la référence (forme et valeurs des sorties)",
                "forward pass with the reference's weights (shape and values of the outputs)"), 2.0),
            forward_case("forward-one", 1, t("passe avant sur un seul exemple",
                                             "forward pass on a single example"), 0.5),
            Case("training", [Call(cls), Call(train, [ref(0), X_train, y_train]),
                              Call("predict_numpy", [ref(0), X_test])],
                 [Expect(2, None, AccuracyCheck(), target="value",
                         value={"labels": y_test.tolist(), "min": MIN_ACCURACY[kind]})], 2.5,
                 t(f"entraînement sur 400 exemples puis exactitude d'au moins {pct.replace('%', ' %')} "
                   f"sur 300 nouveaux exemples, en moins de {TRAIN_TIME_S:.0f} s sur CPU",
                   f"training on 400 examples, then an accuracy of at least {pct} on 300 new "
                   f"examples, within {TRAIN_TIME_S:.0f} s on a CPU"),
                 time_limit_s=TRAIN_TIME_S),
        ]

    return make


def data(kind: str) -> Callable[[np.random.Generator], dict[str, np.ndarray]]:
    """The training and validation sets shipped with the assignment."""
    def make(rng: np.random.Generator) -> dict[str, np.ndarray]:
        f = _cnn_data if kind == "cnn" else _rnn_data
        X, y = f(rng, 400)
        Xv, yv = f(rng, 200)
        return {"X_train": X, "y_train": y, "X_val": Xv, "y_val": yv}

    return make
