"""RNN/LSTM/GRU reference: PyTorch parity (cells, sequences, gradients), gradient checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference import recurrent as rec
from course.reference.conventions import rnn_params
from course.reference.gradcheck import numerical_gradient

TORCH_CELLS = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}
TORCH_LAYERS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def torch_weights(module, suffix=""):
    return [getattr(module, n + suffix).detach().numpy()
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def random_params(cell, d, h, rng, scale=0.5):
    g = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    p = {"Wx": scale * rng.standard_normal((d, g * h)), "Wh": scale * rng.standard_normal((h, g * h))}
    if cell == "gru":
        p["bx"], p["bh"] = scale * rng.standard_normal(g * h), scale * rng.standard_normal(g * h)
    else:
        p["b"] = scale * rng.standard_normal(g * h)
    return p


@st.composite
def rec_case(draw, seq=False):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, d, h = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    t = draw(st.integers(1, 6)) if seq else None
    return rng, n, d, h, t


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@settings(max_examples=30, deadline=None)
@given(case=rec_case())
def test_cells_match_torch_cells(cell, case):
    rng, n, d, h, _ = case
    torch.manual_seed(int(rng.integers(2**31)))
    module = TORCH_CELLS[cell](d, h).double()
    p = rec.from_torch_layout(cell, *torch_weights(module))
    x, h0, c0 = rng.standard_normal((n, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h))
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h0, requires_grad=True)
    ct = torch.tensor(c0, requires_grad=True)
    dh = rng.standard_normal((n, h))
    if cell == "rnn":
        out, cache = rec.rnn_cell_forward(x, h0, **p)
        yt = module(xt, ht)
        yt.backward(torch.tensor(dh))
        dx, dh_prev, dWx, dWh, db = rec.rnn_cell_backward(dh, cache)
    elif cell == "lstm":
        (out, c), cache = rec.lstm_cell_forward(x, h0, c0, **p)
        yt, c_t = module(xt, (ht, ct))
        np.testing.assert_allclose(c, c_t.detach().numpy(), rtol=1e-12, atol=1e-12)
        dc = rng.standard_normal((n, h))
        torch.autograd.backward([yt, c_t], [torch.tensor(dh), torch.tensor(dc)])
        dx, dh_prev, dc_prev, dWx, dWh, db = rec.lstm_cell_backward((dh, dc), cache)
        np.testing.assert_allclose(dc_prev, ct.grad.numpy(), rtol=1e-10, atol=1e-12)
        assert set(cache.gates._fields) >= {"i", "f", "g", "o"}
    else:
        out, cache = rec.gru_cell_forward(x, h0, **p)
        yt = module(xt, ht)
        yt.backward(torch.tensor(dh))
        dx, dh_prev, dWx, dWh, dbx, dbh = rec.gru_cell_backward(dh, cache)
        db = None
        grads = rec.from_torch_layout(cell, *(getattr(module, k).grad.numpy() for k in
                                              ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
        np.testing.assert_allclose(dbx, grads["bx"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dbh, grads["bh"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dh_prev, ht.grad.numpy(), rtol=1e-10, atol=1e-12)
    grads = rec.from_torch_layout(cell, *(getattr(module, k).grad.numpy() for k in
                                          ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    np.testing.assert_allclose(dWx, grads["Wx"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dWh, grads["Wh"], rtol=1e-10, atol=1e-12)
    if db is not None:  # torch's bias_ih and bias_hh have the same gradient, our b is one of them
        np.testing.assert_allclose(db, module.bias_ih.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, module.bias_hh.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@settings(max_examples=25, deadline=None)
@given(case=rec_case(seq=True))
def test_sequences_match_torch_layers_and_bptt(cell, case):
    rng, n, d, h, t = case
    torch.manual_seed(int(rng.integers(2**31)))
    module = TORCH_LAYERS[cell](d, h, batch_first=True).double()
    p = rec.from_torch_layout(cell, *torch_weights(module, "_l0"))
    x, h0, c0 = rng.standard_normal((n, t, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h))
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h0[None], requires_grad=True)
    ct = torch.tensor(c0[None], requires_grad=True)
    dh_all = rng.standard_normal((n, t, h))
    if cell == "rnn":
        out, cache = rec.rnn_forward(x, h0, **p)
        yt, _ = module(xt, ht)
        yt.backward(torch.tensor(dh_all))
        dx, dh0, dWx, dWh, db = rec.rnn_backward(dh_all, cache)
    elif cell == "lstm":
        (out, c_all), cache = rec.lstm_forward(x, h0, c0, **p)
        yt, (_, c_last) = module(xt, (ht, ct))
        np.testing.assert_allclose(c_all[:, -1], c_last[0].detach().numpy(), rtol=1e-12, atol=1e-12)
        dc_last = rng.standard_normal((n, h))
        torch.autograd.backward([yt, c_last[0]], [torch.tensor(dh_all), torch.tensor(dc_last)])
        dc_all = np.zeros((n, t, h))
        dc_all[:, -1] = dc_last  # the loss reads c only at the last step
        dx, dh0, dc0, dWx, dWh, db = rec.lstm_backward((dh_all, dc_all), cache)
        np.testing.assert_allclose(dc0, ct.grad[0].numpy(), rtol=1e-9, atol=1e-12)
    else:
        out, cache = rec.gru_forward(x, h0, **p)
        yt, _ = module(xt, ht)
        yt.backward(torch.tensor(dh_all))
        dx, dh0, dWx, dWh, dbx, dbh = rec.gru_backward(dh_all, cache)
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dh0, ht.grad[0].numpy(), rtol=1e-9, atol=1e-12)
    grads = rec.from_torch_layout(cell, *(getattr(module, k + "_l0").grad.numpy() for k in
                                          ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    np.testing.assert_allclose(dWx, grads["Wx"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dWh, grads["Wh"], rtol=1e-9, atol=1e-12)
    if cell == "gru":
        np.testing.assert_allclose(dbx, grads["bx"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(dbh, grads["bh"], rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_allclose(db, module.bias_ih_l0.grad.numpy(), rtol=1e-9, atol=1e-12)


def _check(f, x, analytic):
    np.testing.assert_allclose(analytic, numerical_gradient(f, x), rtol=1e-6, atol=1e-8)


def test_rnn_relu_cell_matches_torch():
    rng = np.random.default_rng(2)
    module = torch.nn.RNNCell(3, 4, nonlinearity="relu").double()
    p = rec.from_torch_layout("rnn", *torch_weights(module))
    x, h0 = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    out, _ = rec.rnn_cell_forward(x, h0, **p, activation="relu")
    np.testing.assert_allclose(out, module(torch.tensor(x), torch.tensor(h0)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "gru_reset_before"])
def test_sequence_numerical_gradients(cell):
    rng = np.random.default_rng(4)
    n, t, d, h = 2, 4, 3, 3
    kind = "gru" if cell.startswith("gru") else cell
    p = random_params(kind, d, h, rng)
    x, h0 = rng.standard_normal((n, t, d)), rng.standard_normal((n, h))
    dh_all = rng.standard_normal((n, t, h))
    if kind == "rnn":
        def run(x_, h0_, Wx, Wh, b):
            return rec.rnn_forward(x_, h0_, Wx, Wh, b)
        args = [x, h0, p["Wx"], p["Wh"], p["b"]]
        grads = rec.rnn_backward(dh_all, run(*args)[1])
    elif kind == "lstm":
        c0 = rng.standard_normal((n, h))

        def run(x_, h0_, c0_, Wx, Wh, b):
            (out, _), cache = rec.lstm_forward(x_, h0_, c0_, Wx, Wh, b)
            return out, cache
        args = [x, h0, c0, p["Wx"], p["Wh"], p["b"]]
        grads = rec.lstm_backward((dh_all, None), run(*args)[1])
    else:
        reset_after = cell == "gru"

        def run(x_, h0_, Wx, Wh, bx, bh):
            return rec.gru_forward(x_, h0_, Wx, Wh, bx, bh, reset_after=reset_after)
        args = [x, h0, p["Wx"], p["Wh"], p["bx"], p["bh"]]
        grads = rec.gru_backward(dh_all, run(*args)[1])
    for k, analytic in enumerate(grads):
        def loss(v, k=k):
            a = list(args)
            a[k] = v
            return float((run(*a)[0] * dh_all).sum())
        _check(loss, args[k], analytic)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_cell_numerical_gradients_and_seed_equations(reset_after):
    rng = np.random.default_rng(8)
    n, d, h = 3, 2, 4
    p = random_params("gru", d, h, rng)
    x, h0 = rng.standard_normal((n, d)), rng.standard_normal((n, h))
    out, cache = rec.gru_cell_forward(x, h0, **p, reset_after=reset_after)
    # 003: z, r sigmoid gates; c = tanh(W x + r * U h + b); h = z * h_prev + (1 - z) * c
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    Wx, Wh, bx, bh = p["Wx"], p["Wh"], p["bx"], p["bh"]
    z = sig(x @ Wx[:, :h] + bx[:h] + h0 @ Wh[:, :h] + bh[:h])
    r = sig(x @ Wx[:, h:2 * h] + bx[h:2 * h] + h0 @ Wh[:, h:2 * h] + bh[h:2 * h])
    if reset_after:
        c = np.tanh(x @ Wx[:, 2 * h:] + bx[2 * h:] + r * (h0 @ Wh[:, 2 * h:] + bh[2 * h:]))
    else:
        c = np.tanh(x @ Wx[:, 2 * h:] + bx[2 * h:] + (r * h0) @ Wh[:, 2 * h:] + bh[2 * h:])
    np.testing.assert_allclose(out, z * h0 + (1 - z) * c, rtol=1e-12, atol=1e-14)
    dh = rng.standard_normal((n, h))
    grads = rec.gru_cell_backward(dh, cache)
    args = [x, h0, Wx, Wh, bx, bh]
    for k, analytic in enumerate(grads):
        def loss(v, k=k):
            a = list(args)
            a[k] = v
            return float((rec.gru_cell_forward(*a, reset_after=reset_after)[0] * dh).sum())
        _check(loss, args[k], analytic)


def test_lstm_cell_seed_equations_and_gradients():
    rng = np.random.default_rng(9)
    n, d, h = 2, 3, 2
    p = random_params("lstm", d, h, rng)
    x, h0, c0 = (rng.standard_normal(s) for s in ((n, d), (n, h), (n, h)))
    (out, c), cache = rec.lstm_cell_forward(x, h0, c0, **p)
    g = cache.gates
    # 003: C_t = C_{t-1} * f + i * g ; h_t = o * tanh(C_t)
    np.testing.assert_allclose(c, c0 * g.f + g.i * g.g, rtol=1e-14)
    np.testing.assert_allclose(out, g.o * np.tanh(c), rtol=1e-14)
    dh, dc = rng.standard_normal((n, h)), rng.standard_normal((n, h))
    grads = rec.lstm_cell_backward((dh, dc), cache)
    args = [x, h0, c0, p["Wx"], p["Wh"], p["b"]]
    order = [0, 1, 2, 3, 4, 5]  # dx, dh_prev, dc_prev, dWx, dWh, db
    for k, analytic in zip(order, grads):
        def loss(v, k=k):
            a = list(args)
            a[k] = v
            (hh, cc), _ = rec.lstm_cell_forward(*a)
            return float((hh * dh).sum() + (cc * dc).sum())
        _check(loss, args[k], analytic)


def test_rnn_cell_gradients():
    rng = np.random.default_rng(10)
    p = random_params("rnn", 3, 4, rng)
    x, h0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    dh = rng.standard_normal((2, 4))
    _, cache = rec.rnn_cell_forward(x, h0, **p)
    args = [x, h0, p["Wx"], p["Wh"], p["b"]]
    for k, analytic in enumerate(rec.rnn_cell_backward(dh, cache)):
        def loss(v, k=k):
            a = list(args)
            a[k] = v
            return float((rec.rnn_cell_forward(*a)[0] * dh).sum())
        _check(loss, args[k], analytic)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_layout_round_trip_and_param_counts(cell):
    rng = np.random.default_rng(1)
    p = random_params(cell, 3, 5, rng)
    back = rec.from_torch_layout(cell, *rec.to_torch_layout(cell, p).values())
    for k, v in p.items():
        np.testing.assert_array_equal(back[k], v)
    keras_count = sum(v.size for v in p.values())
    assert keras_count == rnn_params(cell, 3, 5, "keras")
    assert sum(v.size for v in rec.to_torch_layout(cell, p).values()) == rnn_params(cell, 3, 5, "torch")


def test_sequence_equals_repeated_cells():
    rng = np.random.default_rng(12)
    p = random_params("lstm", 2, 3, rng)
    x = rng.standard_normal((2, 5, 2))
    (h_all, c_all), _ = rec.lstm_forward(x, None, None, **p)
    h = c = np.zeros((2, 3))
    for t in range(5):
        (h, c), _ = rec.lstm_cell_forward(x[:, t], h, c, **p)
        np.testing.assert_allclose(h_all[:, t], h, rtol=1e-14)
        np.testing.assert_allclose(c_all[:, t], c, rtol=1e-14)


def test_bad_input_names_the_parameter():
    rng = np.random.default_rng(0)
    p = random_params("lstm", 2, 3, rng)
    with pytest.raises(ParameterError, match="Wh"):
        rec.lstm_cell_forward(np.zeros((1, 2)), None, None, p["Wx"], p["Wh"][:, :3], p["b"])
    with pytest.raises(ParameterError, match="x"):
        rec.lstm_forward(np.zeros((1, 2)), None, None, **p)
    with pytest.raises(ParameterError, match="activation"):
        rec.rnn_cell_forward(np.zeros((1, 2)), None, np.zeros((2, 3)), np.zeros((3, 3)),
                             np.zeros(3), activation="sigmoid")
    with pytest.raises(ParameterError, match="cell"):
        rec.from_torch_layout("transformer", *[np.zeros((1, 1))] * 4)


def test_rnn_output_matches_torch_linear_tanh():
    """003: y_t = tanh(V h_t + b_y), a dense layer on h_t (row layout: h_t @ V + b_y)."""
    rng = np.random.default_rng(3)
    h, V, b_y = rng.normal(size=(2, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    lin = torch.nn.Linear(3, 2, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(V.T))
        lin.bias.copy_(torch.tensor(b_y))
    ref = torch.tanh(lin(torch.tensor(h))).detach().numpy()
    np.testing.assert_allclose(rec.rnn_output(h, V, b_y), ref, rtol=1e-12)
    with pytest.raises(ParameterError) as exc:
        rec.rnn_output(h, V.T, b_y)
    assert exc.value.name == "V"
