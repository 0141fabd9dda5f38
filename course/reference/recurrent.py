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

API (conventions.py, "The API of the layers"): every ``*_forward`` returns ``(out, cache)``
and every ``*_backward(dout, cache)`` takes a ``dout`` shaped like ``out``: ``h`` (N, H) for a
cell, ``h_all`` (N, T, H) for a sequence; the LSTM's ``out`` is ``LSTMOut(h, c)``, so its
``dout`` is ``(dh, dc)``. Sequence gradients are BPTT (003).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

from .activations import sigmoid as _sigmoid

Array = np.ndarray


def _as(name: str, a: Any, shape: tuple[int, ...]) -> Array:
    a = np.asarray(a, dtype=np.float64)
    if a.shape != shape:
        raise ParameterError(name, text(f"attendu la forme {shape}, reçu : {a.shape}", f"expected shape {shape}, got {a.shape}"))
    return a


def _check(x: Any, h: Any, Wx: Any, Wh: Any, gates: int,
           seq: bool) -> tuple[Array, Array, Array, Array, int]:
    """Validate (x, h_prev, Wx, Wh) and return float64 arrays plus H."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != (3 if seq else 2):
        raise ParameterError("x", text(f"attendu {'(N, T, D)' if seq else '(N, D)'}, reçu : {x.shape}", f"expected {'(N, T, D)' if seq else '(N, D)'}, got {x.shape}"))
    Wx = np.asarray(Wx, dtype=np.float64)
    if Wx.ndim != 2 or Wx.shape[1] % gates or Wx.shape[0] != x.shape[-1]:
        raise ParameterError("Wx", text(f"attendu ({x.shape[-1]}, {gates} H), reçu : {Wx.shape}", f"expected ({x.shape[-1]}, {gates} H), got {Wx.shape}"))
    hidden = Wx.shape[1] // gates
    Wh = _as("Wh", Wh, (hidden, gates * hidden))
    n = x.shape[0]
    h = np.zeros((n, hidden)) if h is None else _as("h_prev", h, (n, hidden))
    return x, h, Wx, Wh, hidden


_ACT: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a: (a > 0).astype(np.float64)),
}


# ---------------------------------------------------------------- simple RNN

class RNNCellCache(NamedTuple):
    """What :func:`rnn_cell_backward` needs from :func:`rnn_cell_forward`."""

    x_t: Array  #: (N, D)
    h_prev: Array  #: (N, H)
    Wx: Array  #: (D, H)
    Wh: Array  #: (H, H)
    h: Array  #: (N, H) the new state (its derivative gives the activation's)
    activation: str  #: "tanh" or "relu"


class RNNCellGrads(NamedTuple):
    """The gradients of one RNN step, in the order of :func:`rnn_cell_forward`'s arguments."""

    dx_t: Array  #: (N, D)
    dh_prev: Array  #: (N, H)
    dWx: Array  #: (D, H)
    dWh: Array  #: (H, H)
    db: Array  #: (H,)


def rnn_cell_forward(
    x_t: Array, h_prev: Array | None, Wx: Array, Wh: Array, b: Array, activation: str = "tanh",
) -> tuple[Array, RNNCellCache]:
    """One simple-RNN step ``h = act(x_t @ Wx + h_prev @ Wh + b)`` (003's ``tanh(U x + W h + b)``
    in the Keras layout, batch first, see conventions.py).

    Inputs:
    - x_t: (N, D) inputs of the step.
    - h_prev: (N, H) previous state; None means zeros.
    - Wx: (D, H) input weights (Keras ``kernel``, the course's U^T).
    - Wh: (H, H) recurrent weights (``recurrent_kernel``, the course's W^T).
    - b: (H,) bias (PyTorch's ``b_ih + b_hh``).
    - activation: "tanh" (course, Keras and PyTorch default) or "relu".

    Returns a tuple of:
    - out: (N, H) the new state h.
    - cache: RNNCellCache(x_t, h_prev, Wx, Wh, h, activation).
    """
    if activation not in _ACT:
        raise ParameterError("activation", text(f"doit être l'une de {sorted(_ACT)}, reçu : {activation!r}", f"must be one of {sorted(_ACT)}, got {activation!r}"))
    x_t, h_prev, Wx, Wh, hidden = _check(x_t, h_prev, Wx, Wh, 1, seq=False)
    b = _as("b", b, (hidden,))
    h = _ACT[activation][0](x_t @ Wx + h_prev @ Wh + b)
    return h, RNNCellCache(x_t, h_prev, Wx, Wh, h, activation)


def rnn_output(h_t: np.ndarray, V: np.ndarray, b_y: np.ndarray) -> np.ndarray:
    """003's output unit ``y_t = tanh(V h_t + b_y)``, in the row layout ``tanh(h_t @ V + b_y)``.

    Inputs:
    - h_t: (N, H) hidden states.
    - V: (H, O) output weights.
    - b_y: (O,) output biases.

    Returns:
    - y_t: (N, O).
    """
    h_t = np.atleast_2d(np.asarray(h_t, dtype=np.float64))
    V = np.asarray(V, dtype=np.float64)
    if V.ndim != 2 or V.shape[0] != h_t.shape[1]:
        raise ParameterError("V", text(f"attendu la forme ({h_t.shape[1]}, O), reçu : {V.shape}", f"expected shape ({h_t.shape[1]}, O), got {V.shape}"))
    b_y = _as("b_y", b_y, (V.shape[1],))
    return np.tanh(h_t @ V + b_y)


def rnn_cell_backward(dout: Array, cache: RNNCellCache) -> RNNCellGrads:
    """Gradients of one RNN step, with ``dz = dout * act'``: ``dx_t = dz Wx^T``,
    ``dh_prev = dz Wh^T``, ``dWx = x_t^T dz``, ``dWh = h_prev^T dz``, ``db = sum_n dz``.

    Inputs:
    - dout: (N, H) upstream gradient dL/dh.
    - cache: RNNCellCache from :func:`rnn_cell_forward`.

    Returns:
    - grads: RNNCellGrads(dx_t (N, D), dh_prev (N, H), dWx (D, H), dWh (H, H), db (H,)).
    """
    x_t, h_prev, Wx, Wh, h, activation = cache
    dz = _as("dout", dout, h.shape) * _ACT[activation][1](h)
    return RNNCellGrads(dz @ Wx.T, dz @ Wh.T, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0))


class RNNCache(NamedTuple):
    """What :func:`rnn_backward` needs from :func:`rnn_forward`."""

    x: Array  #: (N, T, D)
    Wx: Array  #: (D, H)
    Wh: Array  #: (H, H)
    hs: Array  #: (N, T + 1, H) the states, h0 first
    activation: str  #: "tanh" or "relu"


class RNNGrads(NamedTuple):
    """The gradients of :func:`rnn_forward`, in the order of its arguments."""

    dx: Array  #: (N, T, D)
    dh0: Array  #: (N, H)
    dWx: Array  #: (D, H)
    dWh: Array  #: (H, H)
    db: Array  #: (H,)


def rnn_forward(
    x: Array, h0: Array | None, Wx: Array, Wh: Array, b: Array, activation: str = "tanh",
) -> tuple[Array, RNNCache]:
    """Simple RNN over a sequence, batch first; ``x @ Wx + b`` is one product for all steps.

    Inputs:
    - x: (N, T, D) sequences.
    - h0: (N, H) initial state; None means zeros.
    - Wx: (D, H) input weights (Keras layout).
    - Wh: (H, H) recurrent weights.
    - b: (H,) bias.
    - activation: "tanh" or "relu".

    Returns a tuple of:
    - out: (N, T, H) h_all, every state; ``h_all[:, -1]`` is Keras's output with
      ``return_sequences=False``.
    - cache: RNNCache(x, Wx, Wh, hs, activation).
    """
    if activation not in _ACT:
        raise ParameterError("activation", text(f"doit être l'une de {sorted(_ACT)}, reçu : {activation!r}", f"must be one of {sorted(_ACT)}, got {activation!r}"))
    x, h, Wx, Wh, hidden = _check(x, h0, Wx, Wh, 1, seq=True)
    b = _as("b", b, (hidden,))
    f = _ACT[activation][0]
    n, steps, _ = x.shape
    xw = x @ Wx + b
    hs = np.empty((n, steps + 1, hidden))
    hs[:, 0] = h
    for t in range(steps):
        hs[:, t + 1] = f(xw[:, t] + hs[:, t] @ Wh)
    return hs[:, 1:].copy(), RNNCache(x, Wx, Wh, hs, activation)


def rnn_backward(dout: Array, cache: RNNCache) -> RNNGrads:
    """Backpropagation through time (003, BPTT) for :func:`rnn_forward`.

    Inputs:
    - dout: (N, T, H) dL/dh_t coming from above at every step (zeros where the loss does not
      read h_t).
    - cache: RNNCache from :func:`rnn_forward`.

    Returns:
    - grads: RNNGrads(dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,)).
    """
    x, Wx, Wh, hs, activation = cache
    dh_all = _as("dout", dout, hs[:, 1:].shape)
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
    return RNNGrads(dz @ Wx.T, dh_next, dWx, dWh, dz2.sum(axis=0))


# ---------------------------------------------------------------------- LSTM

class LSTMOut(NamedTuple):
    """The output of an LSTM: the hidden and the cell states; ``dout`` has the same form."""

    h: Array  #: (N, H) for a cell, (N, T, H) for a sequence
    c: Array  #: (N, H) for a cell, (N, T, H) for a sequence


class LSTMGates(NamedTuple):
    """The gates of one LSTM step (003), each (N, H)."""

    i: Array  #: input gate
    f: Array  #: forget gate
    g: Array  #: candidate memory c~
    o: Array  #: output gate
    tanh_c: Array  #: tanh(c_t)


def _lstm_step(a: Array, c_prev: Array) -> tuple[Array, Array, LSTMGates]:
    """Gates and new state (h, c) from the pre-activations a (N, 4H) = x Wx + h Wh + b."""
    hidden = c_prev.shape[1]
    i = _sigmoid(a[:, :hidden])
    f = _sigmoid(a[:, hidden:2 * hidden])
    g = np.tanh(a[:, 2 * hidden:3 * hidden])
    o = _sigmoid(a[:, 3 * hidden:])
    c = f * c_prev + i * g
    tc = np.tanh(c)
    return o * tc, c, LSTMGates(i, f, g, o, tc)


def _lstm_step_backward(dh: Array, dc: Array, c_prev: Array,
                        gates: LSTMGates) -> tuple[Array, Array]:
    """(da (N, 4H), dc_prev) from dL/dh_t and dL/dc_t (the latter from the next step)."""
    i, f, g, o, tc = gates
    dc = dc + dh * o * (1.0 - tc * tc)
    da = np.concatenate([
        dc * g * i * (1.0 - i),
        dc * c_prev * f * (1.0 - f),
        dc * i * (1.0 - g * g),
        dh * tc * o * (1.0 - o),
    ], axis=1)
    return da, dc * f


class LSTMCellCache(NamedTuple):
    """What :func:`lstm_cell_backward` needs from :func:`lstm_cell_forward`."""

    x_t: Array  #: (N, D)
    h_prev: Array  #: (N, H)
    c_prev: Array  #: (N, H)
    Wx: Array  #: (D, 4H)
    Wh: Array  #: (H, 4H)
    gates: LSTMGates  #: i, f, g, o, tanh(c), each (N, H) (also for exercises)


class LSTMCellGrads(NamedTuple):
    """The gradients of one LSTM step, in the order of :func:`lstm_cell_forward`'s arguments."""

    dx_t: Array  #: (N, D)
    dh_prev: Array  #: (N, H)
    dc_prev: Array  #: (N, H)
    dWx: Array  #: (D, 4H)
    dWh: Array  #: (H, 4H)
    db: Array  #: (4H,)


def lstm_cell_forward(
    x_t: Array, h_prev: Array | None, c_prev: Array | None, Wx: Array, Wh: Array, b: Array,
) -> tuple[LSTMOut, LSTMCellCache]:
    """One LSTM step, gate order i, f, g, o (003, Keras and PyTorch; module docstring):
    ``c = f * c_prev + i * g``, ``h = o * tanh(c)``.

    Inputs:
    - x_t: (N, D) inputs of the step.
    - h_prev: (N, H) previous hidden state; None means zeros.
    - c_prev: (N, H) previous cell state; None means zeros.
    - Wx: (D, 4H) input weights, gate blocks i, f, g, o along the columns (Keras layout).
    - Wh: (H, 4H) recurrent weights, same blocks.
    - b: (4H,) bias, one per gate (Keras; PyTorch's ``b_ih + b_hh``).

    Returns a tuple of:
    - out: LSTMOut(h (N, H), c (N, H)).
    - cache: LSTMCellCache(x_t, h_prev, c_prev, Wx, Wh, gates); ``cache.gates`` holds i, f,
      g (the candidate c~), o and tanh(c).
    """
    x_t, h_prev, Wx, Wh, hidden = _check(x_t, h_prev, Wx, Wh, 4, seq=False)
    c_prev = (np.zeros_like(h_prev) if c_prev is None
              else _as("c_prev", c_prev, h_prev.shape))
    b = _as("b", b, (4 * hidden,))
    h, c, gates = _lstm_step(x_t @ Wx + h_prev @ Wh + b, c_prev)
    return LSTMOut(h, c), LSTMCellCache(x_t, h_prev, c_prev, Wx, Wh, gates)


def lstm_cell_backward(dout: tuple[Array, Array | None], cache: LSTMCellCache) -> LSTMCellGrads:
    """Gradients of one LSTM step.

    Inputs:
    - dout: (dh, dc), each (N, H): dL/dh and dL/dc from above (an LSTMOut works); dc None
      means zeros (only h is read downstream).
    - cache: LSTMCellCache from :func:`lstm_cell_forward`.

    Returns:
    - grads: LSTMCellGrads(dx_t (N, D), dh_prev (N, H), dc_prev (N, H), dWx (D, 4H),
      dWh (H, 4H), db (4H,)).
    """
    dh, dc = dout
    shape = cache.h_prev.shape
    dh = _as("dout", dh, shape)
    dc = np.zeros(shape) if dc is None else _as("dout", dc, shape)
    da, dc_prev = _lstm_step_backward(dh, dc, cache.c_prev, cache.gates)
    return LSTMCellGrads(da @ cache.Wx.T, da @ cache.Wh.T, dc_prev,
                         cache.x_t.T @ da, cache.h_prev.T @ da, da.sum(axis=0))


class LSTMCache(NamedTuple):
    """What :func:`lstm_backward` needs from :func:`lstm_forward`."""

    x: Array  #: (N, T, D)
    Wx: Array  #: (D, 4H)
    Wh: Array  #: (H, 4H)
    hs: Array  #: (N, T + 1, H) hidden states, h0 first
    cs: Array  #: (N, T + 1, H) cell states, c0 first
    gates: tuple[LSTMGates, ...]  #: the gates of each step t = 0..T-1


class LSTMGrads(NamedTuple):
    """The gradients of :func:`lstm_forward`, in the order of its arguments."""

    dx: Array  #: (N, T, D)
    dh0: Array  #: (N, H)
    dc0: Array  #: (N, H)
    dWx: Array  #: (D, 4H)
    dWh: Array  #: (H, 4H)
    db: Array  #: (4H,)


def lstm_forward(
    x: Array, h0: Array | None, c0: Array | None, Wx: Array, Wh: Array, b: Array,
) -> tuple[LSTMOut, LSTMCache]:
    """LSTM over a sequence, batch first (gate order i, f, g, o); ``x @ Wx + b`` is one product
    for all steps.

    Inputs:
    - x: (N, T, D) sequences.
    - h0: (N, H) initial hidden state; None means zeros.
    - c0: (N, H) initial cell state; None means zeros.
    - Wx: (D, 4H) input weights (Keras layout).
    - Wh: (H, 4H) recurrent weights.
    - b: (4H,) bias.

    Returns a tuple of:
    - out: LSTMOut(h (N, T, H), c (N, T, H)), every state; ``h[:, -1]`` and ``c[:, -1]`` are
      Keras's ``return_state`` (PyTorch's h_n, c_n).
    - cache: LSTMCache(x, Wx, Wh, hs, cs, gates).
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
    return (LSTMOut(hs[:, 1:].copy(), cs[:, 1:].copy()),
            LSTMCache(x, Wx, Wh, hs, cs, tuple(all_gates)))


def lstm_backward(dout: tuple[Array, Array | None], cache: LSTMCache) -> LSTMGrads:
    """BPTT (003) for :func:`lstm_forward`.

    Inputs:
    - dout: (dh, dc), each (N, T, H): dL/dh_t and dL/dc_t from above at every step (zeros
      where the loss does not read them; ``dc[:, -1]`` is dL/dc_T, e.g. from ``return_state``);
      dc None means zeros.
    - cache: LSTMCache from :func:`lstm_forward`.

    Returns:
    - grads: LSTMGrads(dx (N, T, D), dh0 (N, H), dc0 (N, H), dWx (D, 4H), dWh (H, 4H),
      db (4H,)).
    """
    x, Wx, Wh, hs, cs, all_gates = cache
    dh_all, dc_all = dout
    dh_all = _as("dout", dh_all, hs[:, 1:].shape)
    dc_all = np.zeros(dh_all.shape) if dc_all is None else _as("dout", dc_all, dh_all.shape)
    n, steps, hidden = dh_all.shape
    dc = np.zeros((n, hidden))
    dh_next = np.zeros((n, hidden))
    da_all = np.empty((n, steps, 4 * hidden))
    dWh = np.zeros_like(Wh)
    for t in reversed(range(steps)):
        da, dc = _lstm_step_backward(dh_all[:, t] + dh_next, dc + dc_all[:, t], cs[:, t],
                                     all_gates[t])
        da_all[:, t] = da
        dWh += hs[:, t].T @ da
        dh_next = da @ Wh.T
    da2 = da_all.reshape(n * steps, 4 * hidden)
    dWx = x.reshape(n * steps, -1).T @ da2
    return LSTMGrads(da_all @ Wx.T, dh_next, dc, dWx, dWh, da2.sum(axis=0))


# ----------------------------------------------------------------------- GRU

class GRUGates(NamedTuple):
    """The gates of one GRU step (003), each (N, H)."""

    z: Array  #: update gate
    r: Array  #: reset gate
    n: Array  #: candidate state (003's c~)
    hn: Array  #: the recurrent term of n: ``h Wh_n + bh_n`` (reset_after) or ``(r h) Wh_n + bh_n``


def _gru_step(xa: Array, h_prev: Array, Wh: Array, bh: Array,
              reset_after: bool) -> tuple[Array, GRUGates]:
    """GRU step from xa = x Wx + bx (N, 3H). Returns (h, gates)."""
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
    return h, GRUGates(z, r, n, hn)


def _gru_step_backward(dh: Array, h_prev: Array, Wh: Array, gates: GRUGates,
                       reset_after: bool) -> tuple[Array, Array, Array, Array]:
    """(dxa (N, 3H), dha (N, 3H), dh_prev, dWh) for one GRU step."""
    hidden = h_prev.shape[1]
    z, r, n, hn = gates
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


def _gru_biases(bx: Any, bh: Any, hidden: int) -> tuple[Array, Array]:
    bx = _as("bx", bx, (3 * hidden,))
    bh = np.zeros(3 * hidden) if bh is None else _as("bh", bh, (3 * hidden,))
    return bx, bh


class GRUCellCache(NamedTuple):
    """What :func:`gru_cell_backward` needs from :func:`gru_cell_forward`."""

    x_t: Array  #: (N, D)
    h_prev: Array  #: (N, H)
    Wx: Array  #: (D, 3H)
    Wh: Array  #: (H, 3H)
    gates: GRUGates  #: z, r, n, hn, each (N, H) (also for exercises)
    reset_after: bool  #: where the reset gate applies (module docstring)


class GRUCellGrads(NamedTuple):
    """The gradients of one GRU step, in the order of :func:`gru_cell_forward`'s arguments."""

    dx_t: Array  #: (N, D)
    dh_prev: Array  #: (N, H)
    dWx: Array  #: (D, 3H)
    dWh: Array  #: (H, 3H)
    dbx: Array  #: (3H,)
    dbh: Array  #: (3H,)


def gru_cell_forward(
    x_t: Array, h_prev: Array | None, Wx: Array, Wh: Array, bx: Array, bh: Array | None,
    reset_after: bool = True,
) -> tuple[Array, GRUCellCache]:
    """One GRU step, gate order z, r, n (Keras; PyTorch orders them r, z, n):
    ``h = z * h_prev + (1 - z) * n`` (003, module docstring).

    Inputs:
    - x_t: (N, D) inputs of the step.
    - h_prev: (N, H) previous state; None means zeros.
    - Wx: (D, 3H) input weights, gate blocks z, r, n along the columns (Keras layout).
    - Wh: (H, 3H) recurrent weights, same blocks.
    - bx: (3H,) input bias (PyTorch's ``b_ih`` reordered).
    - bh: (3H,) recurrent bias; None means zeros (003's single-bias form, or Keras
      ``reset_after=False`` whose only bias is bx).
    - reset_after: True (Keras default, PyTorch) or False (Keras 1 / Cho et al.).

    Returns a tuple of:
    - out: (N, H) the new state h.
    - cache: GRUCellCache(x_t, h_prev, Wx, Wh, gates, reset_after); ``cache.gates`` holds z,
      r, n.
    """
    x_t, h_prev, Wx, Wh, hidden = _check(x_t, h_prev, Wx, Wh, 3, seq=False)
    bx, bh = _gru_biases(bx, bh, hidden)
    h, gates = _gru_step(x_t @ Wx + bx, h_prev, Wh, bh, reset_after)
    return h, GRUCellCache(x_t, h_prev, Wx, Wh, gates, reset_after)


def gru_cell_backward(dout: Array, cache: GRUCellCache) -> GRUCellGrads:
    """Gradients of one GRU step.

    Inputs:
    - dout: (N, H) upstream gradient dL/dh.
    - cache: GRUCellCache from :func:`gru_cell_forward`.

    Returns:
    - grads: GRUCellGrads(dx_t (N, D), dh_prev (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,),
      dbh (3H,)).
    """
    dxa, dha, dh_prev, dWh = _gru_step_backward(
        _as("dout", dout, cache.h_prev.shape), cache.h_prev, cache.Wh, cache.gates,
        cache.reset_after)
    return GRUCellGrads(dxa @ cache.Wx.T, dh_prev, cache.x_t.T @ dxa, dWh,
                        dxa.sum(axis=0), dha.sum(axis=0))


class GRUCache(NamedTuple):
    """What :func:`gru_backward` needs from :func:`gru_forward`."""

    x: Array  #: (N, T, D)
    Wx: Array  #: (D, 3H)
    Wh: Array  #: (H, 3H)
    hs: Array  #: (N, T + 1, H) the states, h0 first
    gates: tuple[GRUGates, ...]  #: the gates of each step t = 0..T-1
    reset_after: bool  #: where the reset gate applies


class GRUGrads(NamedTuple):
    """The gradients of :func:`gru_forward`, in the order of its arguments."""

    dx: Array  #: (N, T, D)
    dh0: Array  #: (N, H)
    dWx: Array  #: (D, 3H)
    dWh: Array  #: (H, 3H)
    dbx: Array  #: (3H,)
    dbh: Array  #: (3H,)


def gru_forward(
    x: Array, h0: Array | None, Wx: Array, Wh: Array, bx: Array, bh: Array | None,
    reset_after: bool = True,
) -> tuple[Array, GRUCache]:
    """GRU over a sequence, batch first (gate order z, r, n); ``x @ Wx + bx`` is one product
    for all steps.

    Inputs:
    - x: (N, T, D) sequences.
    - h0: (N, H) initial state; None means zeros.
    - Wx: (D, 3H) input weights (Keras layout).
    - Wh: (H, 3H) recurrent weights.
    - bx: (3H,) input bias.
    - bh: (3H,) recurrent bias; None means zeros.
    - reset_after: True (Keras default, PyTorch) or False (Keras 1).

    Returns a tuple of:
    - out: (N, T, H) h_all, every state.
    - cache: GRUCache(x, Wx, Wh, hs, gates, reset_after).
    """
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
    return hs[:, 1:].copy(), GRUCache(x, Wx, Wh, hs, tuple(all_gates), reset_after)


def gru_backward(dout: Array, cache: GRUCache) -> GRUGrads:
    """BPTT (003) for :func:`gru_forward`.

    Inputs:
    - dout: (N, T, H) dL/dh_t coming from above at every step.
    - cache: GRUCache from :func:`gru_forward`.

    Returns:
    - grads: GRUGrads(dx (N, T, D), dh0 (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,),
      dbh (3H,)).
    """
    x, Wx, Wh, hs, all_gates, reset_after = cache
    dh_all = _as("dout", dout, hs[:, 1:].shape)
    n, steps, hidden = dh_all.shape
    dh_next = np.zeros((n, hidden))
    dxa_all = np.empty((n, steps, 3 * hidden))
    dWh = np.zeros_like(Wh)
    dbh = np.zeros(3 * hidden)
    for t in reversed(range(steps)):
        dxa, dha, dh_next, dWh_t = _gru_step_backward(
            dh_all[:, t] + dh_next, hs[:, t], Wh, all_gates[t], reset_after)
        dxa_all[:, t] = dxa
        dWh += dWh_t
        dbh += dha.sum(axis=0)
    dxa2 = dxa_all.reshape(n * steps, 3 * hidden)
    dWx = x.reshape(n * steps, -1).T @ dxa2
    return GRUGrads(dxa_all @ Wx.T, dh_next, dWx, dWh, dxa2.sum(axis=0), dbh)


# ------------------------------------------------------- PyTorch weight layout

def _reorder(a: np.ndarray, order: tuple[int, ...], hidden: int) -> np.ndarray:
    """Permute the gate blocks of size ``hidden`` along axis 0."""
    return np.concatenate([a[k * hidden:(k + 1) * hidden] for k in order], axis=0)


_TORCH_TO_KERAS = {"rnn": (0,), "lstm": (0, 1, 2, 3), "gru": (1, 0, 2)}  # r,z,n -> z,r,n


def from_torch_layout(
    cell: str, weight_ih: np.ndarray, weight_hh: np.ndarray, bias_ih: np.ndarray,
    bias_hh: np.ndarray,
) -> dict[str, np.ndarray]:
    """The reference's weights (Keras layout, gate order i, f, g, o / z, r, n) from PyTorch's.

    Inputs:
    - cell: "rnn", "lstm" or "gru".
    - weight_ih: (g H, D), PyTorch's layout, gate order i, f, g, o (LSTM) or r, z, n (GRU).
    - weight_hh: (g H, H).
    - bias_ih: (g H,).
    - bias_hh: (g H,).

    Returns:
    - params: ``{"Wx" (D, g H), "Wh" (H, g H), "b" (g H,)}`` for rnn/lstm (``b = bias_ih +
      bias_hh``), ``{"Wx", "Wh", "bx", "bh"}`` for gru (Keras order z, r, n).
    """
    if cell not in _TORCH_TO_KERAS:
        raise ParameterError("cell", text(f"doit être 'rnn', 'lstm' ou 'gru', reçu : {cell!r}", f"must be 'rnn', 'lstm' or 'gru', got {cell!r}"))
    order = _TORCH_TO_KERAS[cell]
    hidden = np.shape(weight_hh)[1]
    wi, wh, bi, bh = (_reorder(np.asarray(a, dtype=np.float64), order, hidden)
                      for a in (weight_ih, weight_hh, bias_ih, bias_hh))
    if cell == "gru":
        return {"Wx": wi.T.copy(), "Wh": wh.T.copy(), "bx": bi, "bh": bh}
    return {"Wx": wi.T.copy(), "Wh": wh.T.copy(), "b": bi + bh}


def to_torch_layout(cell: str, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """PyTorch's weights from the reference's (the inverse of :func:`from_torch_layout`); for
    rnn/lstm the single bias goes to ``bias_ih`` and ``bias_hh`` is zero.

    Inputs:
    - cell: "rnn", "lstm" or "gru".
    - params: ``{"Wx" (D, g H), "Wh" (H, g H), "b" (g H,)}``, or for gru ``"bx"`` and ``"bh"``
      (missing or None: zeros) instead of ``"b"``.

    Returns:
    - tensors: ``{"weight_ih" (g H, D), "weight_hh" (g H, H), "bias_ih" (g H,),
      "bias_hh" (g H,)}`` as arrays, PyTorch's gate order.
    """
    if cell not in _TORCH_TO_KERAS:
        raise ParameterError("cell", text(f"doit être 'rnn', 'lstm' ou 'gru', reçu : {cell!r}", f"must be 'rnn', 'lstm' or 'gru', got {cell!r}"))
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
