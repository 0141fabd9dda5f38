"""Tests of the CNN/RNN families: conv-output, conv-compute, pool-output, pool-compute,
cnn-summary, batchnorm, rnn-params, rnn-step.

Expected values are the seeds' worked examples (003: the 7x7 / 3x3 / stride 2 example gives
3x3; the 5x5 example gives [[4, 3, 4], [2, 4, 3], [2, 3, 4]]; the multi-channel example
gives 308, -498, 164 and -25) or come from PyTorch (layers built with the same numbers).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from course.base.errors import ParameterError
from course.base.rng import make_rng
from course.cli.main import main
from course.generator.registry import get_family


@pytest.fixture(autouse=True)
def _float64_by_default():
    """float64 tensors in this module only (a global default would leak into other tests)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def solve(family: str, **params):
    return get_family(family).variant(params)


def misconception_key(variant, part: str, value) -> str | None:
    fb = variant.check(value, part=part)[0]
    assert not fb.correct
    return fb.misconception.key if fb.misconception else None


def draws(family: str, n: int):
    fam = get_family(family)
    return [fam.generate(make_rng(i, f"t{i}", family)) for i in range(n)]


# --------------------------------------------------------------------------- conv-output
def test_conv_output_seed_example() -> None:
    # 003, "Convolution simple depth = 1": input 7x7, kernel 3x3, stride 2 -> output 3x3
    v = solve("conv-output", h=7, w=7, kernel=3, stride=2, padding="valid")
    assert v.parts["shape"].answer[:2] == [3, 3]


@pytest.mark.parametrize("h,w,k,s,pad,c,f", [(32, 32, 5, 1, "valid", 1, 6), (64, 64, 3, 1, "same", 3, 20),
                                             (28, 20, 3, 2, "valid", 8, 16), (9, 11, 4, 3, "valid", 2, 5)])
def test_conv_output_matches_torch(h, w, k, s, pad, c, f) -> None:
    v = solve("conv-output", h=h, w=w, kernel=k, stride=s, padding=pad, channels=c, filters=f)
    layer = torch.nn.Conv2d(c, f, k, stride=s, padding=0 if pad == "valid" else "same")
    out = layer(torch.zeros(1, c, h, w))
    assert v.parts["shape"].answer == [out.shape[2], out.shape[3], f]
    assert v.parts["params"].answer == sum(p.numel() for p in layer.parameters())


def test_conv_output_misconceptions() -> None:
    v = solve("conv-output", h=8, w=8, kernel=2, stride=2, padding="valid", channels=3, filters=4)
    assert v.parts["shape"].answer == [4, 4, 4]  # ceil(7 / 2)
    assert misconception_key(v, "shape", [3, 3, 4]) == "floor-instead-of-ceil"
    assert misconception_key(v, "shape", [4, 4, 3]) == "depth-is-channels"
    total = v.parts["params"].answer
    assert misconception_key(v, "params", total - 4) == "forgot-bias"
    assert misconception_key(v, "params", (2 * 2 + 1) * 4) == "forgot-channels"
    same = solve("conv-output", h=9, w=9, kernel=3, stride=2, padding="same")
    assert misconception_key(same, "shape", [9, 9, 1]) == "same-ignores-stride"


@pytest.mark.parametrize("bad,name", [({"kernel": 9}, "kernel"), ({"stride": 0}, "stride"),
                                      ({"padding": "full"}, "padding"), ({"h": -1}, "h"),
                                      ({"filters": 1.5}, "filters")])
def test_conv_output_bad_parameters(bad, name) -> None:
    params = {"h": 7, "w": 7, "kernel": 3, "stride": 1, "padding": "valid"} | bad
    with pytest.raises(ParameterError) as err:
        solve("conv-output", **params)
    assert err.value.name == name


def test_conv_output_cli(capsys) -> None:
    rc = main(["solve", "conv-output", "h=7", "w=7", "kernel=3", "stride=2", "padding=valid",
               "--format", "json", "--lang", "en"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["answer"]["shape"] == [3, 3, 1]
    rc = main(["check", "conv-output", "h=8", "w=8", "kernel=2", "stride=2", "--part", "shape",
               "--answer", "3x3x1", "--lang", "en"])
    out = capsys.readouterr().out
    assert rc == 1 and "ceil" in out
    rc = main(["check", "conv-output", "h=8", "w=8", "kernel=2", "stride=2", "--part", "shape",
               "--answer", "4x4x1"])
    assert rc == 0


# --------------------------------------------------------------------------- pool-output
@pytest.mark.parametrize("h,w,p,s", [(28, 28, 2, 2), (7, 6, 2, 2), (13, 10, 3, 2), (9, 9, 3, 1)])
def test_pool_output_matches_torch(h, w, p, s) -> None:
    v = solve("pool-output", h=h, w=w, size=p, stride=s, padding="valid")
    out = torch.nn.MaxPool2d(p, s)(torch.zeros(1, 1, h, w))
    assert v.answer == list(out.shape[2:])


def test_pool_output_default_stride_and_misconceptions() -> None:
    v = solve("pool-output", h=7, w=7, size=2)  # stride 0: Keras strides=None -> 2
    assert v.answer == [3, 3]
    assert misconception_key(v, "shape", [6, 6]) == "stride-one"
    assert misconception_key(v, "shape", [4, 4]) == "ceil-instead-of-floor"
    same = solve("pool-output", h=7, w=7, size=2, padding="same")
    assert same.answer == [4, 4]
    assert misconception_key(same, "shape", [7, 7]) == "same-ignores-stride"
    with pytest.raises(ParameterError) as err:
        solve("pool-output", h=3, w=3, size=4)
    assert err.value.name == "size"


# --------------------------------------------------------------------------- conv-compute
SEED_X = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
SEED_K = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def test_conv_compute_seed_5x5_example() -> None:
    v = solve("conv-compute", x=SEED_X, kernel=SEED_K)
    assert v.answer == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


def test_conv_compute_seed_multichannel_example() -> None:
    # 003/002 "Convolution en volume": the top-left corner of each channel, zero padding 1,
    # stride 2; per-channel sums 308, -498, 164 and the bias 1 give -25 (003 also prints
    # -489 once, a slip). Kernel 1 as in 002's figure: 003's transcription of it is garbled.
    x = [[[156, 155], [153, 154]], [[167, 166], [164, 165]], [[163, 162], [160, 161]]]
    k = [[[-1, -1, 1], [0, 1, -1], [0, 1, 1]], [[1, 0, 0], [1, -1, -1], [1, 0, -1]],
         [[0, 1, 1], [0, 1, 0], [1, -1, 1]]]
    v = solve("conv-compute", x=x, kernel=k, bias=1, stride=2, padding=1)
    assert v.answer == [[-25]]
    assert v.context["cells"][0]["terms"] == [308, -498, 164]
    assert misconception_key(v, "out", [[-26]]) == "forgot-bias"


def test_conv_compute_matches_torch_on_draws() -> None:
    for v in draws("conv-compute", 40):
        p = v.params
        x = torch.tensor(np.asarray(p["x"], dtype=float).reshape(-1, *np.shape(p["x"])[-2:]))[None]
        k = torch.tensor(np.asarray(p["kernel"], dtype=float).reshape(-1, *np.shape(p["kernel"])[-2:]))[None]
        if p["padding"] == "same":  # TensorFlow's split: the extra row/column at the bottom/right
            top, bottom, left, right = v.context["pads"]
            x = torch.nn.functional.pad(x, (left, right, top, bottom))
        out = torch.nn.functional.conv2d(x, k, torch.tensor([float(p["bias"])]), stride=p["stride"])
        np.testing.assert_allclose(v.answer, out[0, 0].numpy(), atol=1e-9)


def test_conv_compute_misconceptions_and_errors() -> None:
    k = [[1, 0], [0, 0]]  # asymmetric: flipping changes the result
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    v = solve("conv-compute", x=x, kernel=k, bias=0)
    assert v.answer == [[1, 2], [4, 5]]
    assert misconception_key(v, "out", [[5, 6], [8, 9]]) == "flipped-kernel"
    with pytest.raises(ParameterError) as err:
        solve("conv-compute", x=x, kernel=[[[1, 0], [0, 1]]] * 2)
    assert err.value.name == "kernel"
    with pytest.raises(ParameterError) as err:
        solve("conv-compute", x=x, kernel=[[1] * 4] * 4)
    assert err.value.name == "kernel"


# --------------------------------------------------------------------------- pool-compute
def test_pool_compute_matches_torch_and_misconceptions() -> None:
    x = [[1, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [1, 4, 3, 8]]
    t = torch.tensor(x, dtype=torch.float64)[None, None]
    vmax = solve("pool-compute", mode="max", x=x, size=2)
    np.testing.assert_allclose(vmax.answer, torch.nn.functional.max_pool2d(t, 2)[0, 0].numpy())
    vavg = solve("pool-compute", mode="avg", x=x, size=2)
    np.testing.assert_allclose(vavg.answer, torch.nn.functional.avg_pool2d(t, 2)[0, 0].numpy())
    assert misconception_key(vmax, "out", vavg.answer) == "max-avg-confusion"
    stride1 = torch.nn.functional.max_pool2d(t, 2, 1)[0, 0].tolist()
    assert misconception_key(vmax, "out", stride1) == "stride-one"
    with pytest.raises(ParameterError) as err:
        solve("pool-compute", mode="median", x=x)
    assert err.value.name == "mode"


def test_pool_compute_draws_match_torch() -> None:
    for v in draws("pool-compute", 40):
        p = v.params
        if p["padding"] != "valid":
            continue
        t = torch.tensor(p["x"], dtype=torch.float64)[None, None]
        fn = torch.nn.functional.max_pool2d if p["mode"] == "max" else torch.nn.functional.avg_pool2d
        out = fn(t, p["size"], p["stride"] or p["size"])[0, 0].numpy()
        np.testing.assert_allclose(v.answer, out, atol=1e-12)


# --------------------------------------------------------------------------- cnn-summary
LENET = "input:32x32x1,conv:6x5x5:valid,pool:2,conv:16x5x5,pool:2,flatten,dense:120,dense:84,dense:10"


def torch_summary(spec: str) -> tuple[list[list[int]], list[int], int]:
    """Output shapes (H, W, C / N), parameters (trainable + buffers of BN) per layer, trainable."""
    from course.generator.families.cnn_summary import parse_layers

    shape, layers = parse_layers(spec)
    t = torch.zeros(2, shape[2], shape[0], shape[1])
    shapes, params, trainable = [], [], 0
    for L in layers:
        kind = L["type"]
        if kind == "conv":
            assert L["padding"] == "valid" or L["stride"] == 1
            mod = torch.nn.Conv2d(t.shape[1], L["filters"], (L["kh"], L["kw"]), L["stride"],
                                  padding=0 if L["padding"] == "valid" else "same")
        elif kind in ("maxpool", "avgpool"):
            assert L["padding"] == "valid"
            mod = (torch.nn.MaxPool2d if kind == "maxpool" else torch.nn.AvgPool2d)(L["size"], L["stride"])
        elif kind == "bn":
            mod = torch.nn.BatchNorm2d(t.shape[1]) if t.dim() == 4 else torch.nn.BatchNorm1d(t.shape[1])
        elif kind == "flatten":  # Keras flattens H x W x C (channels last)
            mod = torch.nn.Sequential(torch.nn.Identity())
            t = t.permute(0, 2, 3, 1).flatten(1)
        elif kind in ("gap", "gmp"):
            t = t.mean(dim=(2, 3)) if kind == "gap" else t.amax(dim=(2, 3))
            mod = torch.nn.Identity()
        else:
            mod = torch.nn.Linear(t.shape[1], L["units"])
        if kind not in ("flatten", "gap", "gmp"):
            t = mod(t)
        n_train = sum(p.numel() for p in mod.parameters())
        n_buf = sum(b.numel() for name, b in mod.named_buffers() if "running" in name)
        shapes.append([t.shape[2], t.shape[3], t.shape[1]] if t.dim() == 4 else [t.shape[1]])
        params.append(n_train + n_buf)
        trainable += n_train
    return shapes, params, trainable


def test_cnn_summary_lenet_matches_torch() -> None:
    v = solve("cnn-summary", layers=LENET)
    shapes, params, _ = torch_summary(LENET)
    assert v.parts["shapes"].answer == shapes
    assert v.parts["params"].answer == params
    assert v.parts["total"].answer == sum(params) == 61706  # Keras's LeNet-5 summary, too
    assert v.parts["shapes"].answer[4] == [400]  # 5 x 5 x 16 flattened


def test_cnn_summary_draws_match_torch() -> None:
    checked = 0
    for v in draws("cnn-summary", 60):
        spec = v.params["layers"]
        if ":s2" in spec and ":same" in spec:
            continue  # torch has no 'same' padding with a stride
        shapes, params, trainable = torch_summary(spec)
        assert v.parts["shapes"].answer == shapes, spec
        assert v.parts["params"].answer == params, spec
        assert v.parts["total"].answer == sum(params)
        if "trainable" in v.parts:
            assert v.parts["trainable"].answer == trainable
        checked += 1
    assert checked >= 30


def test_cnn_summary_misconceptions_and_errors() -> None:
    v = solve("cnn-summary", layers="input:8x8x3,conv:4x3:valid,bn,pool:2,flatten,dense:2")
    # conv (3*3*3+1)*4 = 112, bn 4*4 = 16, flatten 3*3*4 = 36, dense 37*2 = 74
    assert v.parts["params"].answer == [112, 16, 0, 0, 74]
    assert misconception_key(v, "total", 112 - 4 + 16 + 72) == "no-bias"
    assert misconception_key(v, "total", 112 + 16 + (9 + 1) * 2) == "flatten-hw"
    assert misconception_key(v, "total", 112 + 8 + 74) == "bn-trainable-only"
    assert misconception_key(v, "trainable", 202) == "bn-all-trainable"
    for spec in ("conv:4x3", "input:8x8x3,dense:2", "input:4x4x1,conv:2x5", "input:8x8x1,conv:2x3:full",
                 "input:8x8x1,foo"):
        with pytest.raises(ParameterError) as err:
            solve("cnn-summary", layers=spec)
        assert err.value.name == "layers"


# --------------------------------------------------------------------------- batchnorm
def test_batchnorm_matches_torch() -> None:
    x = [[0.1, 1.2], [0.3, 1.1], [0.25, 0.9], [0.05, 1.0]]
    v = solve("batchnorm", x=x, gamma=[1.5, 0.5], beta=[0.2, -0.1])
    bn = torch.nn.BatchNorm1d(2, eps=1e-3, momentum=0.01)  # torch momentum = 1 - Keras momentum
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.5, 0.5]))
        bn.bias.copy_(torch.tensor([0.2, -0.1]))
    t = torch.tensor(x)
    y = bn.train()(t).detach().numpy()
    np.testing.assert_allclose(v.parts["y"].answer, y, atol=1e-12)
    np.testing.assert_allclose(v.parts["moving_mean"].answer, bn.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(v.parts["var"].answer, t.var(0, unbiased=False).numpy(), atol=1e-12)
    # torch's running_var uses the unbiased variance: the course's (and Keras 3's) uses 1/m
    assert misconception_key(v, "var", t.var(0, unbiased=True).tolist()) == "unbiased-variance"


def test_batchnorm_misconceptions_and_errors() -> None:
    x = [[0.1], [0.2], [0.15]]  # a small variance: eps matters
    v = solve("batchnorm", x=x)
    t = torch.tensor(x)
    no_eps = ((t - t.mean(0)) / t.var(0, unbiased=False).sqrt()).tolist()
    assert misconception_key(v, "y", no_eps) == "forgot-eps"
    swapped = (0.01 * 0.0 + 0.99 * t.mean(0)).tolist()
    assert misconception_key(v, "moving_mean", swapped) == "momentum-swapped"
    with pytest.raises(ParameterError) as err:
        solve("batchnorm", x=x, gamma=[1.0, 2.0])
    assert err.value.name == "gamma"
    with pytest.raises(ParameterError) as err:
        solve("batchnorm", x=x, momentum=1.5)
    assert err.value.name == "momentum"


# --------------------------------------------------------------------------- rnn-params
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("n,u", [(10, 32), (1, 4), (300, 128)])
def test_rnn_params_match_torch(cell, n, u) -> None:
    layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](n, u)
    total = sum(p.numel() for p in layer.parameters())
    assert solve("rnn-params", cell=cell, input_size=n, units=u, convention="torch").answer == total
    # Keras keeps one bias vector per block (drop PyTorch's bias_hh) ...
    one_bias = total - layer.bias_hh_l0.numel()
    keras = solve("rnn-params", cell=cell, input_size=n, units=u, convention="keras", reset_after=False)
    assert keras.answer == one_bias
    if cell != "gru":
        assert solve("rnn-params", cell=cell, input_size=n, units=u).answer == one_bias
    else:  # ... except a GRU with reset_after=True (the default), which has two, like PyTorch
        assert solve("rnn-params", cell="gru", input_size=n, units=u).answer == total


def test_rnn_params_misconceptions() -> None:
    v = solve("rnn-params", cell="lstm", input_size=10, units=32)
    assert v.answer == 5504
    assert misconception_key(v, "total", 5632) == "two-biases"
    assert misconception_key(v, "total", 5504 - 4 * 32 * 32) == "forgot-recurrent"
    assert misconception_key(v, "total", 3 * 5504 // 4) == "wrong-gates"
    t = solve("rnn-params", cell="gru", input_size=10, units=32, convention="torch")
    assert misconception_key(t, "total", t.answer - 3 * 32) == "one-bias"
    with pytest.raises(ParameterError) as err:
        solve("rnn-params", cell="transformer", input_size=3, units=2)
    assert err.value.name == "cell"


# --------------------------------------------------------------------------- rnn-step
def _torch_cell(v):
    p = v.params
    cell = p["cell"]
    x = torch.tensor([p["x"]])
    h = torch.tensor([p["h_prev"]])
    Wx, Wh, b = (torch.tensor(np.asarray(p[k], dtype=float)) for k in ("Wx", "Wh", "b"))
    hdim = h.shape[1]
    if cell == "rnn":
        mod = torch.nn.RNNCell(x.shape[1], hdim)
    elif cell == "lstm":
        mod = torch.nn.LSTMCell(x.shape[1], hdim)
    else:
        mod = torch.nn.GRUCell(x.shape[1], hdim)
        # Keras order z, r, n -> PyTorch order r, z, n; 003's single bias goes on the input side
        order = torch.cat([torch.arange(hdim, 2 * hdim), torch.arange(hdim), torch.arange(2 * hdim, 3 * hdim)])
        Wx, Wh, b = Wx[:, order], Wh[:, order], b[order]
    with torch.no_grad():
        mod.weight_ih.copy_(Wx.T)
        mod.weight_hh.copy_(Wh.T)
        mod.bias_ih.copy_(b)
        mod.bias_hh.zero_()
    if cell == "lstm":
        c = torch.tensor([np.broadcast_to(p["c_prev"], (hdim,)).tolist()])
        h_new, c_new = mod(x, (h, c))
        return h_new[0].detach().numpy(), c_new[0].detach().numpy()
    return mod(x, h)[0].detach().numpy(), None


def test_rnn_step_matches_torch() -> None:
    seen = set()
    for v in draws("rnn-step", 30):
        h, c = _torch_cell(v)
        np.testing.assert_allclose(v.parts["h"].answer, h, atol=1e-12)
        if c is not None:
            np.testing.assert_allclose(v.parts["c"].answer, c, atol=1e-12)
        seen.add(v.params["cell"])
    assert seen == {"rnn", "lstm", "gru"}


def test_rnn_step_misconceptions_and_errors() -> None:
    v = solve("rnn-step", cell="gru", x=[0.5], h_prev=[0.8], Wx=[[0.3, -0.2, 0.6]],
              Wh=[[0.1, 0.4, -0.5]], b=[0.0, 0.1, -0.1])
    z, n = v.parts["z"].answer[0], v.parts["n"].answer[0]
    assert misconception_key(v, "h", [(1 - z) * 0.8 + z * n]) == "z-swapped"
    lstm = solve("rnn-step", cell="lstm", x=[1.0], h_prev=[0.5], c_prev=[0.9],
                 Wx=[[0.2, 0.3, -0.4, 0.5]], Wh=[[0.1, -0.1, 0.2, 0.3]], b=[0, 0, 0, 0])
    i, g = lstm.parts["i"].answer[0], lstm.parts["g"].answer[0]
    assert misconception_key(lstm, "c", [0.9 + i * g]) == "forgot-forget-gate"
    o, c = lstm.parts["o"].answer[0], lstm.parts["c"].answer[0]
    assert misconception_key(lstm, "h", [o * c]) == "h-without-tanh"
    with pytest.raises(ParameterError) as err:
        solve("rnn-step", cell="lstm", x=[1.0], h_prev=[0.5], Wx=[[0.2, 0.3]], Wh=[[0.1] * 4], b=[0] * 4)
    assert err.value.name == "Wx"
