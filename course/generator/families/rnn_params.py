"""rnn-params: number of parameters of a recurrent layer (SimpleRNN / LSTM / GRU), 003.

A layer with ``g`` weight blocks (RNN 1, GRU 3: update z, reset r, candidate; LSTM 4:
input i, forget f, candidate g, output o), input size ``n`` and ``u`` units has, per block,
``u x n`` input weights, ``u x u`` recurrent weights and ``u`` biases (Keras; PyTorch has
two bias vectors b_ih and b_hh, and so does a Keras GRU with ``reset_after=True``, the
Keras 2+ default). The total comes from :func:`course.reference.conventions.rnn_params`.

Parts: ``total`` (IntCheck).
Misconceptions: the other bias convention (one bias vector vs two), forgot the recurrent
weights, one block too few (forgot the candidate), forgot the biases.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.conventions import GATES, rnn_params

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import IntCheck
from ._params import positive_int

_BLOCKS = {"rnn": ["h"], "lstm": ["i", "f", "g", "o"], "gru": ["z", "r", "h~"]}


class RnnParams(Family):
    id = "rnn-params"
    title = {"fr": "Nombre de paramètres d'une couche récurrente (RNN, LSTM, GRU)",
             "en": "Number of parameters of a recurrent layer (RNN, LSTM, GRU)"}
    params = {
        "cell": Param("str", "rnn, lstm or gru", choices=("rnn", "lstm", "gru")),
        "input_size": Param("int", "input features per time step n"),
        "units": Param("int", "units (hidden size) u"),
        "convention": Param("str", "keras or torch", default="keras", choices=("keras", "torch")),
        "reset_after": Param("bool", "Keras GRU reset_after (default True)", default=True),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        cell = c.choice(rng, "cell", ["rnn", "lstm", "gru"])
        input_size = c.choice(rng, "input_size", [1, 2, 3, 5, 8, 10, 12, 16, 20, 26, 32, 50, 64, 100, 128, 300])
        units = c.choice(rng, "units", [2, 4, 8, 10, 16, 20, 32, 50, 64, 100, 128, 256])
        convention = c.choice(rng, "convention", ["keras", "keras", "torch"])
        reset_after = bool(c.choice(rng, "reset_after", [True, True, True, False]))
        return {"cell": cell, "input_size": input_size, "units": units,
                "convention": convention, "reset_after": reset_after}

    def solve(self, params: dict[str, Any]) -> Solution:
        cell = params["cell"]
        if cell not in GATES:
            raise ParameterError("cell", text(f"doit être l'un de rnn, lstm, gru, reçu : {cell!r}", f"must be one of rnn, lstm, gru, got {cell!r}"))
        n = positive_int(params, "input_size")
        u = positive_int(params, "units")
        conv = params["convention"]
        if conv not in ("keras", "torch"):
            raise ParameterError("convention", text(f"doit valoir 'keras' ou 'torch', reçu : {conv!r}", f"must be 'keras' or 'torch', got {conv!r}"))
        reset_after = params["reset_after"]
        if not isinstance(reset_after, bool):
            raise ParameterError("reset_after", text(f"doit valoir true ou false, reçu : {reset_after!r}", f"must be true or false, got {reset_after!r}"))
        g = GATES[cell]
        total = rnn_params(cell, n, u, conv, reset_after)
        # Per block: u*n input weights, u*u recurrent weights, then one or two bias vectors.
        kernel, recurrent = u * n, u * u
        per_block = total // g
        bias_vectors = (per_block - kernel - recurrent) // u
        assert g * (kernel + recurrent + bias_vectors * u) == total

        if conv == "torch":
            other = rnn_params(cell, n, u, "keras", reset_after=False)
            key, said = "one-bias", {
                "fr": "PyTorch a deux vecteurs de biais par bloc (b_ih et b_hh), pas un seul.",
                "en": "PyTorch has two bias vectors per block (b_ih and b_hh), not one."}
        elif bias_vectors == 2:  # Keras GRU, reset_after=True
            other = rnn_params(cell, n, u, "keras", reset_after=False)
            key, said = "one-bias", {
                "fr": "avec reset_after=True (le défaut de Keras), le GRU a deux vecteurs de "
                      "biais par bloc : un pour l'entrée, un pour l'état récurrent.",
                "en": "with reset_after=True (the Keras default), a GRU has two bias vectors "
                      "per block: one for the input, one for the recurrent state."}
        else:
            other = rnn_params(cell, n, u, "torch")
            key, said = "two-biases", {
                "fr": "Keras n'a qu'un vecteur de biais par bloc" + (
                    " (GRU avec reset_after=False)" if cell == "gru" else "") +
                      " ; ce sont les couches de PyTorch qui en ont deux (b_ih et b_hh).",
                "en": "Keras has a single bias vector per block" + (
                    " (GRU with reset_after=False)" if cell == "gru" else "") +
                      "; PyTorch's layers are the ones with two (b_ih and b_hh)."}
        mistakes = [
            Misconception(key, other, said),
            Misconception("forgot-recurrent", total - g * recurrent, {
                "fr": "chaque bloc a aussi une matrice récurrente u x u appliquée à h(t-1).",
                "en": "each block also has a u x u recurrent matrix applied to h(t-1)."}),
            Misconception("forgot-biases", g * (kernel + recurrent), {
                "fr": "chaque bloc a aussi ses biais.",
                "en": "each block also has its biases."}),
        ]
        if cell != "rnn":
            gates_text = {
                "lstm": {"fr": "le LSTM a 4 blocs de poids : les portes i, f, o et la nouvelle "
                               "mémoire g (candidat), pas 3.",
                         "en": "an LSTM has 4 weight blocks: the gates i, f, o and the new "
                               "memory g (candidate), not 3."},
                "gru": {"fr": "le GRU a 3 blocs de poids : les portes z et r et le contenu "
                              "mémoire candidat, pas 2.",
                        "en": "a GRU has 3 weight blocks: the gates z and r and the candidate "
                              "memory content, not 2."},
            }[cell]
            mistakes.insert(1, Misconception("wrong-gates", (g - 1) * per_block, gates_text))
        check = IntCheck()
        parts = {"total": Part(total, check, {"fr": "nombre total de paramètres",
                                              "en": "total number of parameters"},
                               wrong_only(check, total, mistakes))}
        ctx = {"gates": g, "blocks": _BLOCKS[cell], "kernel": kernel, "recurrent": recurrent,
               "bias_vectors": bias_vectors, "biases": bias_vectors * u, "per_block": per_block}
        return Solution(parts, ctx)
