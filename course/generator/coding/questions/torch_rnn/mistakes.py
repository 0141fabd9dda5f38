"""The named mistakes of the PyTorch LSTM question: each is written into ``solution.py`` as a
student writes it (the tests run that code), and recognised on the trusted side by a NumPy twin
of the mistaken forward pass (the reference computes without PyTorch). All three change the
logits of the forward cases, none the parameter count."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course.base.i18n import text as t
from course.generator.coding import torch_models as tm
from course.generator.coding.question import Mistake


def twin(state: str = "h", step: int = -1, batch_first: bool = True
         ) -> Callable[[dict[str, np.ndarray], np.ndarray], np.ndarray]:
    """SmallRNN's forward pass on weights ``{state_dict key: array}``, mistaken as told: the
    dense layer on the cell state (``state="c"``) or on another step (``step``), or the LSTM
    built without ``batch_first`` (it then reads (N, T, 1) as T sequences of length N)."""
    def forward(w: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        from course.reference.recurrent import from_torch_layout, lstm_forward

        p = from_torch_layout("lstm", w["rnn.weight_ih_l0"], w["rnn.weight_hh_l0"],
                              w["rnn.bias_ih_l0"], w["rnn.bias_hh_l0"])
        if not batch_first:  # time is axis 0, the batch axis 1: out[:, -1] is the last "example"
            (hs, _), _ = lstm_forward(X.transpose(1, 0, 2), None, None, p["Wx"], p["Wh"], p["b"])
            last = hs[-1]
        else:
            (hs, cs), _ = lstm_forward(X, None, None, p["Wx"], p["Wh"], p["b"])
            last = (cs if state == "c" else hs)[:, step]
        return last @ w["fc.weight"].T + w["fc.bias"]

    return forward


def _mistake(key: str, explanation: dict[str, str], forward: Callable[..., np.ndarray],
             *edits: tuple[str, str]) -> Mistake:
    return Mistake(key, explanation, tm.reference("rnn", "SmallRNN", forward), tuple(edits))


MISTAKES = (
    _mistake("rnn-first-step", t(
        "fc est appliquée au premier état caché, out[:, 0] : la classe dépend de toute la "
        "séquence, c'est le dernier, out[:, -1] (h_T).",
        "fc is applied to the first hidden state, out[:, 0]: the class depends on the whole "
        "sequence, it is the last one, out[:, -1] (h_T)."),
        twin(step=0),
        ("out[:, -1]", "out[:, 0]")),
    _mistake("rnn-cell-state", t(
        "fc est appliquée à l'état de la cellule c_T : nn.LSTM renvoie out, (h_n, c_n), dans cet "
        "ordre ; c'est h_T qu'il faut.",
        "fc is applied to the cell state c_T: nn.LSTM returns out, (h_n, c_n), in that order; "
        "h_T is the one to use."),
        twin(state="c"),
        ("out, _ = self.rnn(x)\n        return self.fc(out[:, -1])",
         "_, (c, h) = self.rnn(x)\n        return self.fc(h[-1])")),
    _mistake("rnn-no-batch-first", t(
        "nn.LSTM est créé sans batch_first=True : il lit alors (N, T, 1) comme T séquences de "
        "longueur N (le temps sur l'axe 0).",
        "nn.LSTM is built without batch_first=True: it then reads (N, T, 1) as T sequences of "
        "length N (time along axis 0)."),
        twin(batch_first=False),
        ("nn.LSTM(1, 16, batch_first=True)", "nn.LSTM(1, 16)")),
)
