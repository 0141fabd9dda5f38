"""rnn-step: one time step of a simple RNN, LSTM or GRU cell, by hand (003).

003's equations, in the Keras layout of :mod:`course.reference.recurrent` (row vectors,
``x_t @ Wx + h_prev @ Wh + b``, gates stacked along the columns):

- RNN: ``h_t = tanh(x_t Wx + h_{t-1} Wh + b)``;
- LSTM (gate order i, f, g, o): ``i, f, o = sigmoid(...)``, ``g = tanh(...)``,
  ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)``;
- GRU (gate order z, r, candidate): ``z, r = sigmoid(...)``,
  ``c~ = tanh(x Wx_c + r * (h_{t-1} Wh_c) + b_c)`` (003's form, a single bias),
  ``h_t = z * h_{t-1} + (1 - z) * c~``.

- RNN output (003): ``y_t = tanh(V h_t + b_y)`` (``V`` H x O in the same row layout,
  :func:`course.reference.recurrent.rnn_output`), asked when ``V`` is given (drawn RNN
  variants always give it).

Every value comes from the reference cells (their caches expose the gates).
Parts (4 decimals asked, :mod:`..precision`): RNN ``h`` (and ``y``); LSTM ``i``, ``f``, ``g``,
``o``, ``c``, ``h``; GRU ``z``, ``r``, ``n``, ``h``. ``context["before"]`` holds h_{t-1} (and
C_{t-1}): a step that leaves the state unchanged at 4 decimals is drawn again.
Misconceptions: tanh/sigmoid swapped in a gate, forgot the recurrent term (RNN) or the
activation, LSTM without the forget gate or with h = o * c, GRU with z and 1 - z swapped;
for the RNN output, forgot the tanh, computed from h_{t-1}, or forgot b_y.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.activations import sigmoid as _sigmoid
from course.reference.conventions import GATES
from course.reference.recurrent import (
    gru_cell_forward,
    lstm_cell_forward,
    rnn_cell_forward,
    rnn_output,
)

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import BEFORE, DECIMALS, array_check, misconceptions, require_separated

DECIMALS_ASKED = 4

_GATE_NAMES = {"rnn": ["h"], "lstm": ["i", "f", "g", "o"], "gru": ["z", "r", "n"]}
_SIGMOID_GATES = {"i", "f", "o", "z", "r"}


def _array(params: dict[str, Any], name: str, ndim: int) -> np.ndarray:
    try:
        a = np.asarray(params[name], dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, text(f"attendu des nombres, reçu : {params[name]!r}", f"expected numbers, got {params[name]!r}")) from None
    if a.ndim == 1 and ndim == 2:
        a = a[None]
    if a.ndim != ndim or 0 in a.shape or not np.all(np.isfinite(a)):
        raise ParameterError(name, text(f"attendu {'un vecteur' if ndim == 1 else 'une matrice'} de nombres finis, reçu la forme {a.shape}", f"expected a {'vector' if ndim == 1 else 'matrix'} of finite "
                             f"numbers, got shape {a.shape}"))
    return a


class RnnStep(Family):
    id = "rnn-step"
    title = {"fr": "Un pas de temps d'une cellule RNN, LSTM ou GRU",
             "en": "One time step of an RNN, LSTM or GRU cell"}
    params = {
        "cell": Param("str", "rnn, lstm or gru", choices=("rnn", "lstm", "gru")),
        "x": Param("floats", "input x_t (D values)"),
        "h_prev": Param("floats", "previous hidden state h_{t-1} (H values)"),
        "c_prev": Param("floats", "previous cell state c_{t-1} (LSTM; one value: all units)",
                        default=[0.0]),
        "Wx": Param("matrix", "input weights D x gH (Keras kernel; gates i,f,g,o / z,r,c~)"),
        "Wh": Param("matrix", "recurrent weights H x gH (Keras recurrent_kernel)"),
        "b": Param("floats", "bias (gH values)"),
        "V": Param("matrix", "RNN output weights H x O (y_t = tanh(V h_t + b_y)); empty: no output asked",
                   default=[]),
        "b_y": Param("floats", "RNN output bias (O values)", default=[]),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        cell = c.choice(rng, "cell", ["rnn", "lstm", "gru"])
        d = int(rng.integers(1, 3))
        hdim = int(rng.integers(1, 3)) if cell == "rnn" else 1
        g = GATES[cell]

        def vals(*shape: int, lo: float = -1.0, hi: float = 1.0) -> list:
            return np.round(rng.uniform(lo, hi, size=shape), 1).tolist()

        return {"cell": cell, "x": vals(d), "h_prev": vals(hdim),
                "c_prev": vals(hdim, lo=-1.0, hi=1.0) if cell == "lstm" else [0.0],
                "Wx": vals(d, g * hdim), "Wh": vals(hdim, g * hdim), "b": vals(g * hdim, lo=-0.5, hi=0.5),
                "V": vals(hdim, 1) if cell == "rnn" else [], "b_y": vals(1, lo=-0.5, hi=0.5) if cell == "rnn" else []}

    def solve(self, params: dict[str, Any]) -> Solution:
        cell = params["cell"]
        if cell not in GATES:
            raise ParameterError("cell", text(f"doit être l'un de rnn, lstm, gru, reçu : {cell!r}", f"must be one of rnn, lstm, gru, got {cell!r}"))
        g = GATES[cell]
        x = _array(params, "x", 1)
        h_prev = _array(params, "h_prev", 1)
        d, hdim = x.size, h_prev.size
        Wx, Wh, b = _array(params, "Wx", 2), _array(params, "Wh", 2), _array(params, "b", 1)
        for name, arr, shape in (("Wx", Wx, (d, g * hdim)), ("Wh", Wh, (hdim, g * hdim)),
                                 ("b", b, (g * hdim,))):
            if arr.shape != shape:
                raise ParameterError(name, text(f"attendu la forme {shape} pour un {cell} à {d} entrées et {hdim} unités, reçu : {arr.shape}", f"expected shape {shape} for a {cell} with {d} inputs "
                                     f"and {hdim} units, got {arr.shape}"))
        c_prev = _array(params, "c_prev", 1)
        if c_prev.size == 1:
            c_prev = np.full(hdim, c_prev[0])
        if c_prev.size != hdim:
            raise ParameterError("c_prev", text(f"attendu {hdim} valeurs, reçu : {c_prev.size}", f"expected {hdim} values, got {c_prev.size}"))
        xb, hb = x[None], h_prev[None]
        # pre-activations of every block, for the worked solution (the reference gives the rest)
        pre_x = x @ Wx + b
        pre_h = h_prev @ Wh
        blocks = {name: slice(k * hdim, (k + 1) * hdim) for k, name in enumerate(_GATE_NAMES[cell])}
        dec = DECIMALS_ASKED
        check = array_check(dec)

        def keep(value: Any, mistakes: list[Misconception]) -> tuple[Misconception, ...]:
            return misconceptions(value, mistakes, dec)

        t_act = {"fr": "les portes utilisent la sigmoïde (valeurs entre 0 et 1) et la nouvelle "
                       "mémoire la tangente hyperbolique : vous avez échangé les deux.",
                 "en": "the gates use the sigmoid (values between 0 and 1) and the new memory the "
                       "hyperbolic tangent: you swapped them."}
        parts: dict[str, Part] = {}
        pre: dict[str, list[float]] = {}
        label = {"fr": "valeur de {}", "en": "value of {}"}

        def lab(name: str) -> dict[str, str]:
            return {k: v.format(name) for k, v in label.items()}

        if cell == "rnn":
            h, _ = rnn_cell_forward(xb, hb, Wx, Wh, b)
            h = h[0]
            no_rec, _ = rnn_cell_forward(xb, np.zeros_like(hb), Wx, Wh, b)
            a = pre_x + pre_h
            pre["h"] = a.tolist()
            parts["h"] = Part(h, check, lab("h_t"), keep(h.tolist(), [
                Misconception("forgot-recurrent", no_rec[0], {
                    "fr": "h_t dépend aussi de l'état précédent : il manque le terme h_{t-1} W_h.",
                    "en": "h_t also depends on the previous state: the term h_{t-1} W_h is missing."}),
                Misconception("forgot-activation", a, {
                    "fr": "il faut appliquer tanh à la somme.",
                    "en": "tanh must be applied to the sum."}),
                Misconception("sigmoid-instead-of-tanh", _sigmoid(a), {
                    "fr": "la cellule RNN simple utilise tanh, pas la sigmoïde.",
                    "en": "the simple RNN cell uses tanh, not the sigmoid."}),
            ]))
            ctx_gates: dict[str, list[float]] = {}
            state = {"h": h.tolist()}
            if params["V"]:
                V = _array(params, "V", 2)
                if V.shape[0] != hdim:
                    raise ParameterError("V", text(f"attendu {hdim} lignes (une par unité), reçu : {V.shape[0]}", f"expected {hdim} rows (one per unit), got {V.shape[0]}"))
                b_y = _array(params, "b_y", 1)
                if b_y.size != V.shape[1]:
                    raise ParameterError("b_y", text(f"attendu {V.shape[1]} valeurs, reçu : {b_y.size}", f"expected {V.shape[1]} values, got {b_y.size}"))
                y = rnn_output(h[None], V, b_y)[0]
                lin_y = h @ V + b_y
                parts["y"] = Part(y, check, lab("y_t"), keep(y.tolist(), [
                    Misconception("output-forgot-tanh", lin_y, {
                        "fr": "la sortie du cours applique aussi tanh : y_t = tanh(V h_t + b_y).",
                        "en": "the course's output also applies tanh: y_t = tanh(V h_t + b_y)."}),
                    Misconception("output-from-previous-state", rnn_output(hb, V, b_y)[0], {
                        "fr": "la sortie à l'instant t se calcule avec le nouvel état h_t, pas h_{t-1}.",
                        "en": "the output at time t uses the new state h_t, not h_{t-1}."}),
                    Misconception("output-forgot-bias", np.tanh(h @ V), {
                        "fr": "il manque le biais de sortie b_y : y_t = tanh(V h_t + b_y).",
                        "en": "the output bias b_y is missing: y_t = tanh(V h_t + b_y)."}),
                ]))
                state.update(y=y.tolist(), y_lin=lin_y.tolist(), V=V.tolist(), b_y=b_y.tolist())
        elif cell == "lstm":
            (h, c_new), cache = lstm_cell_forward(xb, hb, c_prev[None], Wx, Wh, b)
            gates = {k: getattr(cache.gates, k)[0] for k in ("i", "f", "g", "o")}
            h, c_new = h[0], c_new[0]
            for name in ("i", "f", "g", "o"):
                a = pre_x[blocks[name]] + pre_h[blocks[name]]
                pre[name] = a.tolist()
                wrong = np.tanh(a) if name in _SIGMOID_GATES else _sigmoid(a)
                parts[name] = Part(gates[name], check, lab(name + "_t"), keep(
                    gates[name].tolist(), [Misconception("activation-swapped", wrong, t_act)]))
            i, f, gg, o = gates["i"], gates["f"], gates["g"], gates["o"]
            parts["c"] = Part(c_new, check, lab("C_t"), keep(c_new.tolist(), [
                Misconception("forgot-forget-gate", c_prev + i * gg, {
                    "fr": "l'ancienne mémoire est d'abord multipliée par la porte d'oubli : "
                          "C_t = C_{t-1} f_t + i_t g_t.",
                    "en": "the old memory is first multiplied by the forget gate: "
                          "C_t = C_{t-1} f_t + i_t g_t."}),
                Misconception("forgot-input-gate", f * c_prev + gg, {
                    "fr": "la nouvelle mémoire g_t passe par la porte d'entrée : i_t g_t.",
                    "en": "the new memory g_t goes through the input gate: i_t g_t."}),
            ]))
            parts["h"] = Part(h, check, lab("h_t"), keep(h.tolist(), [
                Misconception("h-without-tanh", o * c_new, {
                    "fr": "h_t = o_t tanh(C_t) : il manque la tangente hyperbolique.",
                    "en": "h_t = o_t tanh(C_t): the hyperbolic tangent is missing."}),
            ]))
            ctx_gates = {k: v.tolist() for k, v in gates.items()}
            state = {"c": c_new.tolist(), "h": h.tolist(),
                     "tanh_c": cache.gates.tanh_c[0].tolist()}
        else:
            h, cache = gru_cell_forward(xb, hb, Wx, Wh, b, None, reset_after=True)
            gates = {k: getattr(cache.gates, k)[0] for k in ("z", "r", "n")}
            h = h[0]
            for name in ("z", "r"):
                a = pre_x[blocks[name]] + pre_h[blocks[name]]
                pre[name] = a.tolist()
                parts[name] = Part(gates[name], check, lab(name + "_t"), keep(
                    gates[name].tolist(), [Misconception("activation-swapped", np.tanh(a), t_act)]))
            a_n = pre_x[blocks["n"]] + gates["r"] * pre_h[blocks["n"]]
            pre["n"] = a_n.tolist()
            pre["n_x"] = pre_x[blocks["n"]].tolist()
            pre["n_h"] = pre_h[blocks["n"]].tolist()
            parts["n"] = Part(gates["n"], check, lab("c~_t"), keep(gates["n"].tolist(), [
                Misconception("activation-swapped", _sigmoid(a_n), t_act),
                Misconception("forgot-reset", np.tanh(pre_x[blocks["n"]] + pre_h[blocks["n"]]), {
                    "fr": "la porte de réinitialisation multiplie le terme récurrent : "
                          "r_t (U h_{t-1}).",
                    "en": "the reset gate multiplies the recurrent term: r_t (U h_{t-1})."}),
            ]))
            z, n = gates["z"], gates["n"]
            parts["h"] = Part(h, check, lab("h_t"), keep(h.tolist(), [
                Misconception("z-swapped", (1 - z) * h_prev + z * n, {
                    "fr": "h_t = z_t h_{t-1} + (1 - z_t) c_t (003, Keras) : z_t pondère l'ancien état.",
                    "en": "h_t = z_t h_{t-1} + (1 - z_t) c_t (003, Keras): z_t weighs the old state."}),
                Misconception("h-is-candidate", n, {
                    "fr": "h_t mélange l'ancien état et le candidat selon z_t.",
                    "en": "h_t mixes the old state and the candidate according to z_t."}),
            ]))
            ctx_gates = {k: v.tolist() for k, v in gates.items()}
            state = {"h": h.tolist()}
        symbol = {"h": "h", "i": "i", "f": "f", "g": "g", "o": "o", "z": "z", "r": "r", "n": r"\tilde{c}"}
        rows = []  # one row per (block, unit): its weights on x_t, on h_{t-1}, and its bias
        for name, sl in blocks.items():
            for u, col in enumerate(range(sl.start, sl.stop)):
                unit = f"_{{{u + 1}}}" if hdim > 1 else ""
                rows.append([f"${symbol[name]}{unit}$", *Wx[:, col].tolist(), *Wh[:, col].tolist(),
                             float(b[col])])
        header = ([""] + [f"$x_{{{j + 1}}}$" for j in range(d)]
                  + [f"$h_{{{j + 1}}}$" for j in range(hdim)] + ["$b$"])
        values = {"h": state["h"], **ctx_gates} if cell == "rnn" else ctx_gates
        items = []
        for name, sl in blocks.items():
            for u, col in enumerate(range(sl.start, sl.stop)):
                sub = f"{{t,{u + 1}}}" if hdim > 1 else "t"
                items.append({"block": name, "sym": f"{symbol[name]}_{sub}",
                              "wx": Wx[:, col].tolist(), "wh": Wh[:, col].tolist(),
                              "b": float(b[col]), "a": pre[name][u], "value": values[name][u],
                              "act": "sigma" if name in _SIGMOID_GATES else "tanh",
                              "r": ctx_gates["r"][u] if name == "n" else None,
                              "a_x": pre["n_x"][u] if name == "n" else None,
                              "a_h": pre["n_h"][u] if name == "n" else None})
        before = {"h": h_prev.tolist()}
        if cell == "lstm":
            before["c"] = c_prev.tolist()
        for name, old in before.items():
            require_separated(old, parts[name].answer.tolist(), dec, f"{name}_(t-1), the state before the step")
        ctx = {"d": d, "hdim": hdim, "pre": pre, "gates": ctx_gates, "state": state, "steps": items,
               DECIMALS: {k: dec for k in parts}, BEFORE: before,
               "c_prev": c_prev.tolist(), "x": x.tolist(), "h_prev": h_prev.tolist(),
               "header": header, "rows": rows}
        return Solution(parts, ctx)
