"""The PyTorch path: device choice, blocks vs the NumPy reference, models, training."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course.base.errors import ParameterError
from course.reference import torch_path as tp
from course.reference.batchnorm import batchnorm_forward, batchnorm_update_state
from course.reference.conv import conv2d_forward
from course.reference.pooling import avgpool_forward, maxpool_forward

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models: one thread is many times faster than fighting for shared cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_import_course_reference_does_not_import_torch():
    code = ("import sys, course.reference, course.reference.conv, course.reference.pooling, "
            "course.reference.batchnorm, course.reference.recurrent; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_device_choice(monkeypatch):
    monkeypatch.delenv(tp.ENV_DEVICE, raising=False)
    assert tp.device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setenv(tp.ENV_DEVICE, "cpu")
    assert tp.device() == CPU
    if not torch.cuda.is_available():
        monkeypatch.setenv(tp.ENV_DEVICE, "cuda")
        with pytest.raises(ParameterError, match="COURSE_DEVICE"):
            tp.device()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 4), s=st.integers(1, 3),
       h=st.integers(4, 9), padding=st.sampled_from(["valid", "same", 1]))
def test_blocks_match_reference(seed, k, s, h, padding):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((2, 3, h, h + 1)), rng.standard_normal((4, 3, k, k)), rng.standard_normal(4)
    xt = tp.to_tensor(x, CPU)
    np.testing.assert_allclose(
        tp.to_numpy(tp.conv2d(xt, tp.to_tensor(w, CPU), tp.to_tensor(b, CPU), s, padding)),
        conv2d_forward(x, w, b, s, padding)[0], rtol=1e-12, atol=1e-12)
    if padding == 1 and k == 1:  # pooling padding must be at most half the pool size
        with pytest.raises(ParameterError, match="padding"):
            maxpool_forward(x, k, s, padding)
        return
    np.testing.assert_allclose(tp.to_numpy(tp.maxpool2d(xt, k, s, padding)),
                               maxpool_forward(x, k, s, padding)[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tp.to_numpy(tp.avgpool2d(xt, k, s, padding)),
                               avgpool_forward(x, k, s, padding)[0], rtol=1e-12, atol=1e-12)


def test_batchnorm_block_and_loader_match_reference():
    rng = np.random.default_rng(3)
    x, gamma, beta = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal(3), rng.standard_normal(3)
    mean, var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    out = tp.batchnorm(tp.to_tensor(x, CPU), tp.to_tensor(gamma, CPU), tp.to_tensor(beta, CPU),
                       mean, var, train=True)
    ref, cache = batchnorm_forward(x, gamma, beta, None)
    state = batchnorm_update_state(None, cache, unbiased=True)
    np.testing.assert_allclose(tp.to_numpy(out), ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(var.numpy(), state.moving_var, rtol=1e-12)
    bn = tp.keras_batchnorm(3).double().eval()
    tp.load_batchnorm(bn, gamma, beta, state)
    ref_eval, _ = batchnorm_forward(x, gamma, beta, state, train=False)
    np.testing.assert_allclose(tp.to_numpy(bn(tp.to_tensor(x, CPU))), ref_eval, rtol=1e-10)


def test_small_cnn_matches_numpy_twin():
    model = tp.SmallCNN(size=8, seed=1).double()
    x, _ = tp.make_bars_crosses(6, size=8, seed=2)
    params = model.numpy_params()
    with torch.no_grad():
        logits = model(tp.to_tensor(x, CPU))
    np.testing.assert_allclose(tp.to_numpy(logits), tp.small_cnn_numpy(params, x), rtol=1e-10, atol=1e-12)
    rng = np.random.default_rng(0)
    other = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    model.load_numpy(other)
    with torch.no_grad():
        logits = model(tp.to_tensor(x, CPU))
    np.testing.assert_allclose(tp.to_numpy(logits), tp.small_cnn_numpy(other, x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_small_rnn_loads_numpy_weights(cell):
    model = tp.SmallRNN(cell, input_size=2, hidden=5, seed=4).double()
    rng = np.random.default_rng(5)
    params = {k: 0.5 * rng.standard_normal(v.shape) for k, v in model.numpy_params().items()}
    model.load_numpy(params)
    back = model.numpy_params()
    for k in params:
        np.testing.assert_allclose(back[k], params[k], rtol=1e-15)
    x = rng.standard_normal((3, 7, 2))
    with torch.no_grad():
        logits = model(tp.to_tensor(x, CPU))
    np.testing.assert_allclose(tp.to_numpy(logits), tp.small_rnn_numpy(cell, params, x),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_load_recurrent_into_cells(cell):
    module = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[cell](3, 4)
    module = module.double()
    params = tp.export_recurrent(module, cell)
    rng = np.random.default_rng(6)
    new = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    tp.load_recurrent(module, cell, new)
    got = tp.export_recurrent(module, cell)
    for k in new:
        np.testing.assert_allclose(got[k], new[k], rtol=1e-15)
    with pytest.raises(ParameterError):
        tp.load_recurrent(module, cell, {**new, "Wx": np.zeros((5, new["Wx"].shape[1]))})


def test_data_generators_are_seeded():
    a, ya = tp.make_bars_crosses(20, seed=3)
    b, yb = tp.make_bars_crosses(20, seed=3)
    c, _ = tp.make_bars_crosses(20, seed=4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a, c)
    assert set(ya.tolist()) <= {0, 1, 2} and a.shape == (20, 1, 8, 8)
    x, y = tp.make_sequence_task(30, steps=6, seed=1)
    assert x.shape == (30, 6, 1) and np.array_equal(y, (x.sum(axis=(1, 2)) > 0).astype(int))


def test_cnn_trains_and_is_deterministic():
    data = tp.make_bars_crosses(240, seed=1) + tp.make_bars_crosses(120, seed=2)
    acc1 = tp.train(m1 := tp.SmallCNN(seed=0), data, epochs=8, lr=0.02, seed=0)
    acc2 = tp.train(m2 := tp.SmallCNN(seed=0), data, epochs=8, lr=0.02, seed=0)
    assert acc1 == acc2
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        assert torch.equal(p1, p2)
    assert acc1 >= 0.8  # three classes: chance is 1/3


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_rnn_trains(cell):
    data = tp.make_sequence_task(256, steps=8, seed=1) + tp.make_sequence_task(128, steps=8, seed=2)
    acc = tp.train(tp.SmallRNN(cell, hidden=8, seed=0), data, epochs=10, lr=0.02, seed=0)
    assert acc >= 0.8  # two balanced classes: chance is 1/2


def test_train_rejects_bad_data():
    with pytest.raises(ParameterError, match="data"):
        tp.train(tp.SmallRNN("rnn"), (np.zeros((2, 3, 1)),), epochs=1)
