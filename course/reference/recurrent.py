"""Recurrent cells and sequences: simple RNN, LSTM, GRU (course 003), batch first.

Shapes: ``x`` (N, T, D) sequences (``x_t`` (N, D) one step), hidden states (N, H).
Weights use the Keras layout, one row per input: ``Wx`` (D, g H) (Keras ``kernel``),
``Wh`` (H, g H) (``recurrent_kernel``), gates stacked along the columns, so a step is
``x_t @ Wx + h_prev @ Wh + b``. The course writes column vectors (``U x + W h``), so
``Wx = U^T`` and ``Wh = W^T``; PyTorch stores ``weight_ih = Wx^T`` and
``weight_hh = Wh^T`` (see :func:`from_torch_layout` / :func:`to_torch_layout`).

Simple RNN (003): ``h_t = tanh(U x_t + W h_{t-1} + b_h)`` (Keras ``SimpleRNN``,
PyTorch ``nn.RNN`` with ``b = b_ih + b_hh``). The output layer ``y_t = tanh(V h_t + b_y)``
of the course is a dense layer on ``h_t``, not part of the cell: :func:`rnn_output` (``V`` in
the same row layout, (H, O): ``y = tanh(h_t @ V + b_y)``).

LSTM (003), gate order i, f, g, o (Keras ``LSTM`` and PyTorch ``nn.LSTM`` both use it)::

    i = sigmoid(x Wx_i + h Wh_i + b_i)    f = sigmoid(x Wx_f + h Wh_f + b_f)
    g = tanh(x Wx_g + h Wh_g + b_g)       o = sigmoid(x Wx_o + h Wh_o + b_o)
    c_t = f * c_{t-1} + i * g             h_t = o * tanh(c_t)

(003 prints ``x^{t-1}`` in the f, i and g equations and ``x^t`` in the o equation; every
gate reads the current input ``x^t``, as in Keras and PyTorch.) One bias per gate
(Keras); PyTorch's ``b_ih + b_hh`` is the same thing.

GRU (003), gate order z, r, n (Keras ``GRU``; PyTorch orders them r, z, n)::

    z = sigmoid(x Wx_z + bx_z + h Wh_z + bh_z)     (update gate)
    r = sigmoid(x Wx_r + bx_r + h Wh_r + bh_r)     (reset gate)
    n = tanh(x Wx_n + bx_n + r * (h Wh_n + bh_n))  (reset_after=True: Keras default, PyTorch)
    n = tanh(x Wx_n + bx_n + (r * h) Wh_n + bh_n)  (reset_after=False: Keras 1 / Cho et al.)
    h_t = z * h_{t-1} + (1 - z) * n                (003, Keras, PyTorch)

003's ``c_t = tanh(W x_t + r_t * U h_{t-1} + b_c)`` is the reset_after=True form with a
single bias (``bh_n = 0``). Keras's reset_after=True GRU has two bias vectors
(``bias`` of shape (2, 3H): ``[bx; bh]``), PyTorch has ``b_ih`` and ``b_hh``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError

from .activations import sigmoid as _sigmoid


def _as(name: str, a: Any, shape: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.shape != shape:
        raise ParameterError(name, f"expected shape {shape}, got {a.shape}")
    return a


def _check(x: Any, h: Any, Wx: Any, Wh: Any, gates: int, seq: bool):
    """Validate (x, h_prev, Wx, Wh) and return float64 arrays plus (D, H)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != (3 if seq else 2):
        raise ParameterError("x", f"expected {'(N, T, D)' if seq else '(N, D)'}, got {x.shape}")
    Wx = np.asarray(Wx, dtype=np.float64)
    if Wx.ndim != 2 or Wx.shape[1] % gates or Wx.shape[0] != x.shape[-1]:
        raise ParameterError("Wx", f"expected ({x.shape[-1]}, {gates} H), got {Wx.shape}")
    hidden = Wx.shape[1] // gates
    Wh = _as("Wh", Wh, (hidden, gates * hidden))
    n = x.shape[0]
    h = np.zeros((n, hidden)) if h is None else _as("h_prev", h, (n, hidden))
    return x, h, Wx, Wh, hidden


_ACT = {
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a: (a > 0).astype(np.float64)),
}


# ---------------------------------------------------------------- simple RNN

def rnn_cell_forward(
    x_t: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, Any]:
    """One simple-RNN step: ``h = act(x_t @ Wx + h_prev @ Wh + b)`` -> (h (N, H), cache).

    ``activation`` is "tanh" (course, Keras and PyTorch default) or "relu".
    """
    if activation not in _ACT:
        raise ParameterError("activation", f"must be one of {sorted(_ACT)}, got {activation!r}")
    x_t, h_prev, Wx, Wh, hidden = _check(x_t, h_prev, Wx, Wh, 1, seq=False)
    b = _as("b", b, (hidden,))
    h = _ACT[activation][0](x_t @ Wx + h_prev @ Wh + b)
    return h, (x_t, h_prev, Wx, Wh, h, activation)


def rnn_output(h_t: np.ndarray, V: np.ndarray, b_y: np.ndarray) -> np.ndarray:
    """003's output unit ``y_t = tanh(V h_t + b_y)``, row layout: ``tanh(h_t @ V + b_y)``;
    h_t (N, H), V (H, O), b_y (O,) -> (N, O)."""
    h_t = np.atleast_2d(np.asarray(h_t, dtype=np.float64))
    V = np.asarray(V, dtype=np.float64)
    if V.ndim != 2 or V.shape[0] != h_t.shape[1]:
        raise ParameterError("V", f"expected shape ({h_t.shape[1]}, O), got {V.shape}")
    b_y = _as("b_y", b_y, (V.shape[1],))
    return np.tanh(h_t @ V + b_y)


def rnn_cell_backward(dh: np.ndarray, cache: Any):
    """Gradients of one RNN step: ``(dx_t, dh_prev, dWx, dWh, db)``."""
    x_t, h_prev, Wx, Wh, h, activation = cache
    dz = np.asarray(dh, dtype=np.float64) * _ACT[activation][1](h)
    return dz @ Wx.T, dz @ Wh.T, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def rnn_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, Any]:
    """Simple RNN over a sequence: x (N, T, D), h0 (N, H) or None (zeros).

    Returns ``(h_all (N, T, H), cache)``; ``h_all[:, -1]`` is Keras's output with
    ``return_sequences=False``. ``x @ Wx + b`` is computed for all steps in one product.
    """
    if activation not in _ACT:
        raise ParameterError("activation", f"must be one of {sorted(_ACT)}, got {activation!r}")
    x, h, Wx, Wh, hidden = _check(x, h0, Wx, Wh, 1, seq=True)
    b = _as("b", b, (hidden,))
    f = _ACT[activation][0]
    n, steps, _ = x.shape
    xw = x @ Wx + b
    hs = np.empty((n, steps + 1, hidden))
    hs[:, 0] = h
    for t in range(steps):
        hs[:, t + 1] = f(xw[:, t] + hs[:, t] @ Wh)
    return hs[:, 1:].copy(), (x, Wx, Wh, hs, activation)


def rnn_backward(dh_all: np.ndarray, cache: Any):
    """Backpropagation through time (003, BPTT) for :func:`rnn_forward`.

    dh_all (N, T, H) is dL/dh_t coming from above at every step (zeros where the loss
    does not read h_t). Returns ``(dx (N, T, D), dh0 (N, H), dWx, dWh, db)``.
    """
    x, Wx, Wh, hs, activation = cache
    dh_all = _as("dh_all", dh_all, hs[:, 1:].shape)
    grad = _ACT[activation][1]
    n, steps, hidden = dh_all.shape
    dz = np.empty_like(dh_all)
    dWh = np.zeros_like(Wh)
    dh_next = np.zeros((n, hidden))
    for t in reversed(range(steps)):
        dz[:, t] = (dh_all[:, t] + dh_next) * grad(hs[:, t + 1])
        dWh += hs[:, t].T @ dz[:, t]
        dh_next = dz[:, t] @ Wh.T
    dz2 = dz.reshape(n * steps, hidden)
    dWx = x.reshape(n * steps, -1).T @ dz2
    return dz @ Wx.T, dh_next, dWx, dWh, dz2.sum(axis=0)


# ---------------------------------------------------------------------- LSTM

def _lstm_step(a: np.ndarray, c_prev: np.ndarray):
    """Gates and new state from the pre-activations a (N, 4H) = x Wx + h Wh + b."""
    hidden = c_prev.shape[1]
    i = _sigmoid(a[:, :hidden])
    f = _sigmoid(a[:, hidden:2 * hidden])
    g = np.tanh(a[:, 2 * hidden:3 * hidden])
    o = _sigmoid(a[:, 3 * hidden:])
    c = f * c_prev + i * g
    tc = np.tanh(c)
    return o * tc, c, {"i": i, "f": f, "g": g, "o": o, "tanh_c": tc}


def _lstm_step_backward(dh, dc, c_prev, gates):
    """(da (N, 4H), dc_prev) from dL/dh_t and dL/dc_t (the latter from the next step)."""
    i, f, g, o, tc = gates["i"], gates["f"], gates["g"], gates["o"], gates["tanh_c"]
    dc = dc + dh * o * (1.0 - tc * tc)
    da = np.concatenate([
        dc * g * i * (1.0 - i),
        dc * c_prev * f * (1.0 - f),
        dc * i * (1.0 - g * g),
        dh * tc * o * (1.0 - o),
    ], axis=1)
    return da, dc * f


def lstm_cell_forward(
    x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, Wx: np.ndarray,
    Wh: np.ndarray, b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """One LSTM step (gate order i, f, g, o). Returns ``(h, c, cache)``, each (N, H).

    ``cache["gates"]`` holds i, f, g (the candidate c~), o and tanh(c) for exercises.
    """
    x_t, h_prev, Wx, Wh, hidden = _check(x_t, h_prev, Wx, Wh, 4, seq=False)
    c_prev = (np.zeros_like(h_prev) if c_prev is None
              else _as("c_prev", c_prev, h_prev.shape))
    b = _as("b", b, (4 * hidden,))
    h, c, gates = _lstm_step(x_t @ Wx + h_prev @ Wh + b, c_prev)
    cache = {"x": x_t, "h_prev": h_prev, "c_prev": c_prev, "Wx": Wx, "Wh": Wh,
             "gates": gates, "h": h, "c": c}
    return h, c, cache


def lstm_cell_backward(dh: np.ndarray, dc: np.ndarray | None, cache: Any):
    """Gradients of one LSTM step: ``(dx_t, dh_prev, dc_prev, dWx, dWh, db)``."""
    dh = np.asarray(dh, dtype=np.float64)
    dc = np.zeros_like(dh) if dc is None else np.asarray(dc, dtype=np.float64)
    da, dc_prev = _lstm_step_backward(dh, dc, cache["c_prev"], cache["gates"])
    return (da @ cache["Wx"].T, da @ cache["Wh"].T, dc_prev,
            cache["x"].T @ da, cache["h_prev"].T @ da, da.sum(axis=0))


def lstm_forward(
    x: np.ndarray, h0: np.ndarray | None, c0: np.ndarray | None, Wx: np.ndarray,
    Wh: np.ndarray, b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """LSTM over a sequence. Returns ``(h_all (N, T, H), c_all (N, T, H), cache)``.

    h0, c0: (N, H) or None (zeros). ``x @ Wx + b`` is one product for all steps.
    """
    x, h, Wx, Wh, hidden = _check(x, h0, Wx, Wh, 4, seq=True)
    c = np.zeros_like(h) if c0 is None else _as("c0", c0, h.shape)
    b = _as("b", b, (4 * hidden,))
    n, steps, _ = x.shape
    xa = x @ Wx + b
    hs = np.empty((n, steps + 1, hidden))
    cs = np.empty((n, steps + 1, hidden))
    hs[:, 0], cs[:, 0] = h, c
    all_gates = []
    for t in range(steps):
        hs[:, t + 1], cs[:, t + 1], gates = _lstm_step(xa[:, t] + hs[:, t] @ Wh, cs[:, t])
        all_gates.append(gates)
    cache = {"x": x, "Wx": Wx, "Wh": Wh, "hs": hs, "cs": cs, "gates": all_gates}
    return hs[:, 1:].copy(), cs[:, 1:].copy(), cache


def lstm_backward(dh_all: np.ndarray, cache: Any, dc_last: np.ndarray | None = None):
    """BPTT for :func:`lstm_forward`: ``(dx, dh0, dc0, dWx, dWh, db)``.

    dh_all (N, T, H): dL/dh_t from above; dc_last (N, H): dL/dc_T (e.g. from
    ``return_state``), zeros when None.
    """
    x, Wx, Wh, hs, cs = cache["x"], cache["Wx"], cache["Wh"], cache["hs"], cache["cs"]
    dh_all = _as("dh_all", dh_all, hs[:, 1:].shape)
    n, steps, hidden = dh_all.shape
    dc = np.zeros((n, hidden)) if dc_last is None else _as("dc_last", dc_last, (n, hidden))
    dh_next = np.zeros((n, hidden))
    da_all = np.empty((n, steps, 4 * hidden))
    dWh = np.zeros_like(Wh)
    for t in reversed(range(steps)):
        da, dc = _lstm_step_backward(dh_all[:, t] + dh_next, dc, cs[:, t], cache["gates"][t])
        da_all[:, t] = da
        dWh += hs[:, t].T @ da
        dh_next = da @ Wh.T
    da2 = da_all.reshape(n * steps, 4 * hidden)
    dWx = x.reshape(n * steps, -1).T @ da2
    return da_all @ Wx.T, dh_next, dc, dWx, dWh, da2.sum(axis=0)


# ----------------------------------------------------------------------- GRU

def _gru_step(xa, h_prev, Wh, bh, reset_after):
    """GRU step from xa = x Wx + bx (N, 3H). Returns (h, gates dict)."""
    hidden = h_prev.shape[1]
    hz = h_prev @ Wh[:, :2 * hidden] + bh[:2 * hidden]
    z = _sigmoid(xa[:, :hidden] + hz[:, :hidden])
    r = _sigmoid(xa[:, hidden:2 * hidden] + hz[:, hidden:])
    if reset_after:
        hn = h_prev @ Wh[:, 2 * hidden:] + bh[2 * hidden:]
        n = np.tanh(xa[:, 2 * hidden:] + r * hn)
    else:
        hn = (r * h_prev) @ Wh[:, 2 * hidden:] + bh[2 * hidden:]
        n = np.tanh(xa[:, 2 * hidden:] + hn)
    h = z * h_prev + (1.0 - z) * n
    return h, {"z": z, "r": r, "n": n, "hn": hn}


def _gru_step_backward(dh, h_prev, Wh, gates, reset_after):
    """(dxa (N, 3H), dha (N, 3H), dh_prev, dWh) for one GRU step."""
    hidden = h_prev.shape[1]
    z, r, n, hn = gates["z"], gates["r"], gates["n"], gates["hn"]
    dan = dh * (1.0 - z) * (1.0 - n * n)
    daz = dh * (h_prev - n) * z * (1.0 - z)
    dh_prev = dh * z
    Wh_zr, Wh_n = Wh[:, :2 * hidden], Wh[:, 2 * hidden:]
    if reset_after:
        dar = dan * hn * r * (1.0 - r)
        dha = np.concatenate([daz, dar, dan * r], axis=1)
        dh_prev = dh_prev + dha @ Wh.T
        dWh = h_prev.T @ dha
    else:
        drh = dan @ Wh_n.T  # dL/d(r * h_prev)
        dar = drh * h_prev * r * (1.0 - r)
        dha = np.concatenate([daz, dar, dan], axis=1)
        dh_prev = dh_prev + drh * r + dha[:, :2 * hidden] @ Wh_zr.T
        dWh = np.concatenate([h_prev.T @ dha[:, :2 * hidden], (r * h_prev).T @ dan], axis=1)
    dxa = np.concatenate([daz, dar, dan], axis=1)
    return dxa, dha, dh_prev, dWh


def _gru_biases(bx, bh, hidden):
    bx = _as("bx", bx, (3 * hidden,))
    bh = np.zeros(3 * hidden) if bh is None else _as("bh", bh, (3 * hidden,))
    return bx, bh


def gru_cell_forward(
    x_t: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
    bh: np.ndarray | None, reset_after: bool = True,
) -> tuple[np.ndarray, Any]:
    """One GRU step (gate order z, r, n). Returns ``(h (N, H), cache)``.

    ``bh`` None means zeros (003's single-bias form, or Keras ``reset_after=False``
    whose only bias is ``bx``). ``cache["gates"]`` holds z, r, n.
    """
    x_t, h_prev, Wx, Wh, hidden = _check(x_t, h_prev, Wx, Wh, 3, seq=False)
    bx, bh = _gru_biases(bx, bh, hidden)
    h, gates = _gru_step(x_t @ Wx + bx, h_prev, Wh, bh, reset_after)
    cache = {"x": x_t, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "gates": gates,
             "reset_after": reset_after, "h": h}
    return h, cache


def gru_cell_backward(dh: np.ndarray, cache: Any):
    """Gradients of one GRU step: ``(dx_t, dh_prev, dWx, dWh, dbx, dbh)``."""
    dxa, dha, dh_prev, dWh = _gru_step_backward(
        np.asarray(dh, dtype=np.float64), cache["h_prev"], cache["Wh"], cache["gates"],
        cache["reset_after"])
    return (dxa @ cache["Wx"].T, dh_prev, cache["x"].T @ dxa, dWh,
            dxa.sum(axis=0), dha.sum(axis=0))


def gru_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
    bh: np.ndarray | None, reset_after: bool = True,
) -> tuple[np.ndarray, Any]:
    """GRU over a sequence: ``(h_all (N, T, H), cache)``; h0 None means zeros."""
    x, h, Wx, Wh, hidden = _check(x, h0, Wx, Wh, 3, seq=True)
    bx, bh = _gru_biases(bx, bh, hidden)
    n, steps, _ = x.shape
    xa = x @ Wx + bx
    hs = np.empty((n, steps + 1, hidden))
    hs[:, 0] = h
    all_gates = []
    for t in range(steps):
        hs[:, t + 1], gates = _gru_step(xa[:, t], hs[:, t], Wh, bh, reset_after)
        all_gates.append(gates)
    cache = {"x": x, "Wx": Wx, "Wh": Wh, "hs": hs, "gates": all_gates,
             "reset_after": reset_after}
    return hs[:, 1:].copy(), cache


def gru_backward(dh_all: np.ndarray, cache: Any):
    """BPTT for :func:`gru_forward`: ``(dx, dh0, dWx, dWh, dbx, dbh)``."""
    x, Wx, Wh, hs = cache["x"], cache["Wx"], cache["Wh"], cache["hs"]
    dh_all = _as("dh_all", dh_all, hs[:, 1:].shape)
    n, steps, hidden = dh_all.shape
    dh_next = np.zeros((n, hidden))
    dxa_all = np.empty((n, steps, 3 * hidden))
    dWh = np.zeros_like(Wh)
    dbh = np.zeros(3 * hidden)
    for t in reversed(range(steps)):
        dxa, dha, dh_next, dWh_t = _gru_step_backward(
            dh_all[:, t] + dh_next, hs[:, t], Wh, cache["gates"][t], cache["reset_after"])
        dxa_all[:, t] = dxa
        dWh += dWh_t
        dbh += dha.sum(axis=0)
    dxa2 = dxa_all.reshape(n * steps, 3 * hidden)
    dWx = x.reshape(n * steps, -1).T @ dxa2
    return dxa_all @ Wx.T, dh_next, dWx, dWh, dxa2.sum(axis=0), dbh


# ------------------------------------------------------- PyTorch weight layout

def _reorder(a: np.ndarray, order: tuple[int, ...], hidden: int) -> np.ndarray:
    """Permute the gate blocks of size ``hidden`` along axis 0."""
    return np.concatenate([a[k * hidden:(k + 1) * hidden] for k in order], axis=0)


_TORCH_TO_KERAS = {"rnn": (0,), "lstm": (0, 1, 2, 3), "gru": (1, 0, 2)}  # r,z,n -> z,r,n


def from_torch_layout(
    cell: str, weight_ih: np.ndarray, weight_hh: np.ndarray, bias_ih: np.ndarray,
    bias_hh: np.ndarray,
) -> dict[str, np.ndarray]:
    """NumPy reference weights from PyTorch's (as arrays).

    PyTorch: ``weight_ih`` (g H, D), ``weight_hh`` (g H, H), ``bias_ih``, ``bias_hh`` (g H,),
    gate order i,f,g,o (LSTM) and r,z,n (GRU). Returns {"Wx", "Wh", "b"} for rnn/lstm
    (``b = bias_ih + bias_hh``) and {"Wx", "Wh", "bx", "bh"} for gru (Keras order z,r,n).
    """
    if cell not in _TORCH_TO_KERAS:
        raise ParameterError("cell", f"must be 'rnn', 'lstm' or 'gru', got {cell!r}")
    order = _TORCH_TO_KERAS[cell]
    hidden = np.shape(weight_hh)[1]
    wi, wh, bi, bh = (_reorder(np.asarray(a, dtype=np.float64), order, hidden)
                      for a in (weight_ih, weight_hh, bias_ih, bias_hh))
    if cell == "gru":
        return {"Wx": wi.T.copy(), "Wh": wh.T.copy(), "bx": bi, "bh": bh}
    return {"Wx": wi.T.copy(), "Wh": wh.T.copy(), "b": bi + bh}


def to_torch_layout(cell: str, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """PyTorch's {"weight_ih", "weight_hh", "bias_ih", "bias_hh"} from reference weights.

    For rnn/lstm the single bias goes to ``bias_ih`` and ``bias_hh`` is zero; for gru
    ``bx``/``bh`` go to ``bias_ih``/``bias_hh`` (``bh`` missing or None: zeros).
    """
    if cell not in _TORCH_TO_KERAS:
        raise ParameterError("cell", f"must be 'rnn', 'lstm' or 'gru', got {cell!r}")
    order = _TORCH_TO_KERAS[cell]  # both permutations are their own inverse
    Wx = np.asarray(params["Wx"], dtype=np.float64)
    Wh = np.asarray(params["Wh"], dtype=np.float64)
    hidden = Wh.shape[0]
    if cell == "gru":
        bi = np.asarray(params["bx"], dtype=np.float64)
        bh = params.get("bh")
        bh = np.zeros_like(bi) if bh is None else np.asarray(bh, dtype=np.float64)
    else:
        bi = np.asarray(params["b"], dtype=np.float64)
        bh = np.zeros_like(bi)
    return {"weight_ih": _reorder(Wx.T, order, hidden), "weight_hh": _reorder(Wh.T, order, hidden),
            "bias_ih": _reorder(bi, order, hidden), "bias_hh": _reorder(bh, order, hidden)}
