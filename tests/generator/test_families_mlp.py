"""The MLP families (001, 003, 004): answers against the seeds' worked examples and PyTorch,
misconceptions recognised by their checks, bad parameters named, and the CLI path."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from course.base.errors import ParameterError
from course.base.rng import make_rng
from course.cli.main import main
from course.generator.registry import get_family


def solve(family: str, **params):
    return get_family(family).variant(params)


def mis_key(v, part: str, value) -> str | None:
    fb = v.check(value, part=part)[0]
    assert not fb.correct, (part, value)
    return fb.misconception.key if fb.misconception else None


def ok(v, part: str, value) -> bool:
    return v.check(value, part=part)[0].correct


def bad(family: str, name: str, **params) -> None:
    with pytest.raises(ParameterError) as exc:
        solve(family, **params)
    assert exc.value.name == name, exc.value


# --------------------------------------------------------------------------- matrix-dims
def test_matrix_dims_seed_network() -> None:
    # 001: 4-5-6-6-5-4-1 network, "dimensions de chaque matrice pour 10 données"
    v = solve("matrix-dims", layers=[4, 5, 6, 6, 5, 4, 1], m=10)
    assert v.answer["X"] == [4, 10]
    assert v.answer["W1"] == [5, 4] and v.answer["W2"] == [6, 5] and v.answer["W6"] == [1, 4]
    assert v.answer["b3"] == [6, 1] and v.answer["Z3"] == [6, 10] and v.answer["A6"] == [1, 10]
    assert mis_key(v, "W1", [4, 5]) == "transposed-W"
    assert mis_key(v, "Z2", [6, 1]) == "forgot-m"
    assert mis_key(v, "b2", [6, 10]) == "bias-n-by-m"
    assert mis_key(v, "X", [10, 4]) == "x-transposed"
    # W3 is square (6 x 6): no transposed misconception there
    assert [m.key for m in v.parts["W3"].misconceptions] == []
    assert ok(v, "W2", (6, 5))


def test_matrix_dims_bad_params() -> None:
    bad("matrix-dims", "m", layers=[2, 3, 1], m=0)
    bad("matrix-dims", "layers", layers=[3], m=4)
    bad("matrix-dims", "layers", layers=[2, -1, 1], m=4)


# --------------------------------------------------------------------------- forward-equations
def test_forward_equations_symbolic() -> None:
    v = solve("forward-equations", layers=[2, 3, 1], activations=["relu", "sigmoid"])
    assert ok(v, "Z1", "W1*X + b1") and ok(v, "Z1", "b1 + W1*X")
    assert mis_key(v, "Z1", "X*W1 + b1") == "product-order"
    assert mis_key(v, "Z1", "W1*X") == "forgot-bias"
    assert mis_key(v, "Z2", "W2*relu(A1) + b2") == "activation-before-product"
    assert ok(v, "A1", "relu(Z1)")
    assert mis_key(v, "A1", "Z1") == "forgot-activation"
    assert ok(v, "Yhat", "sigmoid(b2 + W2*relu(b1 + W1*X))")
    assert mis_key(v, "Yhat", "sigmoid(relu(X*W1 + b1)*W2 + b2)") == "product-order"
    assert not ok(v, "Z1", "W1*X + b2")


class _M:
    """A matrix whose ``*`` is the matrix product (to evaluate the answer strings)."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def __mul__(self, o: _M) -> _M:
        return _M(self.a @ o.a)

    def __add__(self, o: _M) -> _M:
        return _M(self.a + o.a)


@pytest.mark.parametrize("acts", [["tanh", "relu", "softmax"], ["elu", "leaky_relu", "linear"]])
def test_forward_equations_agree_with_reference(acts: list[str]) -> None:
    from course.reference.activations import ACTIVATIONS, softmax
    from course.reference.dense import mlp_forward

    layers = [3, 4, 2, 3]
    v = solve("forward-equations", layers=layers, activations=acts)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 5))
    params = {}
    for l, (p, n) in enumerate(zip(layers[:-1], layers[1:]), start=1):
        params[f"W{l}"], params[f"b{l}"] = rng.normal(size=(n, p)), rng.normal(size=(n, 1))
    env = {k: _M(val) for k, val in params.items()} | {"X": _M(X)}
    for name in acts:
        f = (lambda z: softmax(z, axis=0)) if name == "softmax" else ACTIVATIONS[name][0]
        env[name] = lambda m, f=f: _M(f(m.a))
    y_hat = eval(v.answer["Yhat"], {"__builtins__": {}}, env).a  # our own trusted expression
    AL, _ = mlp_forward(X, params, acts)
    np.testing.assert_allclose(y_hat, AL, rtol=1e-12)


def test_forward_equations_bad_params() -> None:
    bad("forward-equations", "activations", layers=[2, 3, 1], activations=["relu"])
    bad("forward-equations", "activations", layers=[2, 3, 1], activations=["relu", "swish"])


# --------------------------------------------------------------------------- forward-numeric
def test_forward_numeric_against_torch() -> None:
    W1, b1, W2, b2, x = [[0.5, -0.2], [0.3, 0.8]], [0.1, -0.1], [[1.0, -0.5]], [0.2], [2.0, 1.0]
    v = solve("forward-numeric", W1=W1, b1=b1, W2=W2, b2=b2, x=x, activations=["tanh", "sigmoid"])
    t = torch.tensor
    z1 = t(W1, dtype=torch.float64) @ t(x, dtype=torch.float64) + t(b1, dtype=torch.float64)
    a1 = torch.tanh(z1)
    z2 = t(W2, dtype=torch.float64) @ a1 + t(b2, dtype=torch.float64)
    np.testing.assert_allclose(v.answer["z1"], z1.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.answer["a1"], a1.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.answer["y_hat"], torch.sigmoid(z2).numpy(), rtol=1e-12)
    assert mis_key(v, "a1", v.answer["z1"]) == "forgot-activation"
    assert mis_key(v, "y_hat", v.answer["z2"]) == "forgot-output-activation"
    nob = (t(W2, dtype=torch.float64) @ torch.tanh(t(W1, dtype=torch.float64) @ t(x, dtype=torch.float64)))
    assert mis_key(v, "y_hat", torch.sigmoid(nob).tolist()) == "forgot-bias"
    assert mis_key(v, "z1", (t(W1, dtype=torch.float64).T @ t(x, dtype=torch.float64)
                             + t(b1, dtype=torch.float64)).tolist()) == "transposed-W"


def test_forward_numeric_bad_params() -> None:
    base = dict(W1=[[1.0, 2.0]], b1=[0.0], W2=[[1.0]], b2=[0.0], x=[1.0, 1.0])
    bad("forward-numeric", "x", **{**base, "x": [1.0]})
    bad("forward-numeric", "W2", **{**base, "W2": [[1.0, 2.0]]})
    bad("forward-numeric", "b1", **{**base, "b1": [0.0, 1.0]})


# --------------------------------------------------------------------------- activation
@pytest.mark.parametrize("function,torch_f", [
    ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", torch.relu),
    ("leaky_relu", lambda z: torch.nn.functional.leaky_relu(z, 0.1)),
    ("elu", lambda z: torch.nn.functional.elu(z, 1.0)), ("softplus", torch.nn.functional.softplus)])
@pytest.mark.parametrize("z", [-1.7, 0.4, 2.3])
def test_activation_against_torch(function: str, torch_f, z: float) -> None:
    alpha = "0.1" if function == "leaky_relu" else "auto"
    v = solve("activation", function=function, z=z, alpha=alpha)
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = torch_f(zt)
    out.backward()
    assert v.answer["value"] == pytest.approx(out.item(), rel=1e-12)
    assert v.answer["derivative"] == pytest.approx(zt.grad.item(), rel=1e-12)


def test_activation_course_conventions_and_misconceptions() -> None:
    # 003: ReLU'(Y) = 1 for Y >= 0; Heaviside f(Y) = 1 for Y >= 0
    v = solve("activation", function="relu", z=0.0)
    assert v.answer["derivative"] == 1.0
    assert mis_key(v, "derivative", 0.0) == "derivative-zero-at-zero"
    h = solve("activation", function="heaviside", z=0.0)
    assert h.answer == 1.0 and mis_key(h, "value", 0.0) == "heaviside-zero-at-zero"
    s = solve("activation", function="sigmoid", z=0.5)
    assert mis_key(s, "derivative", s.answer["value"]) == "derivative-is-sigma"
    e = solve("activation", function="elu", z=-1.0)
    assert mis_key(e, "derivative", e.answer["value"]) == "forgot-plus-alpha"
    t = solve("activation", function="tanh", z=0.8)
    assert mis_key(t, "derivative", 1 - math.tanh(0.8)) == "forgot-square"


def test_activation_bad_params() -> None:
    bad("activation", "function", function="swish", z=1.0)
    bad("activation", "alpha", function="leaky_relu", z=-1.0, alpha="-2")
    bad("activation", "alpha", function="elu", z=-1.0, alpha="abc")


# --------------------------------------------------------------------------- softmax
def test_softmax_seed_example() -> None:
    # 001: z = (5, 4, 2) -> y_hat = (0.70, 0.26, 0.04)
    v = solve("softmax", z=[5.0, 4.0, 2.0])
    np.testing.assert_allclose(v.answer["probs"], [0.70, 0.26, 0.04], atol=0.01)
    assert ok(v, "probs", [0.70, 0.26, 0.04]) and ok(v, "probs", [0.71, 0.26, 0.04])
    assert v.answer["predicted"] == 1
    ce = torch.nn.functional.cross_entropy(torch.tensor([[5.0, 4.0, 2.0]], dtype=torch.float64),
                                           torch.tensor([0]))
    assert v.answer["loss"] == pytest.approx(ce.item(), rel=1e-12)
    assert mis_key(v, "probs", [5 / 11, 4 / 11, 2 / 11]) == "normalised-z-by-sum"
    assert mis_key(v, "loss", -ce.item()) == "forgot-minus"
    assert mis_key(v, "loss", ce.item() / math.log(10)) == "log10"


def test_softmax_bad_params() -> None:
    bad("softmax", "target", z=[1.0, 2.0, 3.0], target=4)
    bad("softmax", "z", z=[1.0])


# --------------------------------------------------------------------------- loss
def test_loss_against_torch() -> None:
    v = solve("loss", kind="mse", y=[[1.0, 2.5, 0.0]], y_hat=[[1.5, 2.0, 1.5]])
    mse = torch.nn.functional.mse_loss(torch.tensor([1.5, 2.0, 1.5]), torch.tensor([1.0, 2.5, 0.0]))
    assert v.answer == pytest.approx(mse.item(), rel=1e-6)
    assert mis_key(v, "loss", 3 * mse.item()) == "sum-instead-of-mean"
    assert mis_key(v, "loss", mse.item() / 2) == "half-mse"
    yt, pt = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64), torch.tensor([0.9, 0.2, 0.6], dtype=torch.float64)
    v = solve("loss", kind="bce", y=[[1, 0, 1]], y_hat=[[0.9, 0.2, 0.6]])
    bce = torch.nn.functional.binary_cross_entropy(pt, yt).item()
    assert v.answer == pytest.approx(bce, rel=1e-12)
    assert mis_key(v, "loss", -bce) == "forgot-minus"
    assert mis_key(v, "loss", bce / math.log(10)) == "log10"
    v = solve("loss", kind="cce", y=[[1, 0, 0], [0, 1, 0]], y_hat=[[0.7, 0.2, 0.1], [0.3, 0.5, 0.2]])
    probs = torch.tensor([[0.7, 0.2, 0.1], [0.3, 0.5, 0.2]], dtype=torch.float64)
    cce = torch.nn.functional.nll_loss(torch.log(probs), torch.tensor([0, 1])).item()
    assert v.answer == pytest.approx(cce, rel=1e-12)
    assert mis_key(v, "loss", 2 * cce) == "sum-instead-of-mean"


def test_loss_bad_params() -> None:
    bad("loss", "y_hat", kind="mse", y=[[1.0, 2.0]], y_hat=[[1.0]])
    bad("loss", "y_hat", kind="bce", y=[[1, 0]], y_hat=[[1.0, 0.5]])
    bad("loss", "y", kind="cce", y=[[1, 1, 0]], y_hat=[[0.5, 0.3, 0.2]])
    bad("loss", "y_hat", kind="cce", y=[[1, 0, 0]], y_hat=[[0.5, 0.3, 0.3]])
    bad("loss", "kind", kind="hinge", y=[[1.0]], y_hat=[[1.0]])


# --------------------------------------------------------------------------- backprop-step
def _torch_step(w, psi, x, y, eta, bh, bo, i, j, k):
    W = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    P = torch.tensor(psi, dtype=torch.float64, requires_grad=True)
    B = torch.tensor(bh, dtype=torch.float64, requires_grad=True)
    Bo = torch.tensor(bo, dtype=torch.float64, requires_grad=True)
    h = torch.sigmoid(torch.tensor(x, dtype=torch.float64) @ W + B)
    out = torch.sigmoid(h @ P + Bo)
    E = torch.nn.functional.binary_cross_entropy(out, torch.tensor(float(y), dtype=torch.float64))
    E.backward()
    return {"y_hat": out.item(), "loss": E.item(), "grad_psi": P.grad[k - 1].item(),
            "psi_new": psi[k - 1] - eta * P.grad[k - 1].item(), "grad_w": W.grad[i - 1, j - 1].item(),
            "w_new": w[i - 1][j - 1] - eta * W.grad[i - 1, j - 1].item(),
            "grad_b_hidden": B.grad[j - 1].item(), "b_hidden_new": bh[j - 1] - eta * B.grad[j - 1].item(),
            "grad_b_out": Bo.grad.item(), "b_out_new": bo - eta * Bo.grad.item()}


def test_backprop_step_defaults_are_the_seed_activity() -> None:
    fam = get_family("backprop-step")
    v = fam.variant({})
    # 003's activity: w, psi, 3rd observation (7, 8, 10), y = 1, biases 0, update w34, b4, psi1, b5
    w = [[0.179, -0.186, -0.008, -0.448], [0.044, -0.028, -0.063, -0.131], [0.01, -0.035, -0.004, 0.088]]
    psi = [0.09, -0.171, 0.005, -0.04]
    assert v.params["w"] == w and v.params["psi"] == psi and v.params["x"] == [7.0, 8.0, 10.0]
    assert v.params["w_index"] == [3, 4] and v.params["psi_index"] == 1 and v.params["y"] == 1
    expected = _torch_step(w, psi, [7.0, 8.0, 10.0], 1, 1.0, [0.0] * 4, 0.0, 3, 4, 1)
    for key, val in expected.items():
        assert v.answer[key] == pytest.approx(val, rel=1e-9, abs=1e-15), key
    assert mis_key(v, "w_new", 0.088 + 1.0 * v.answer["grad_w"]) == "wrong-sign"
    fz = v.answer["y_hat"]
    assert mis_key(v, "grad_psi", (-1 / fz) * v.context["fY"][0]) == "forgot-sigmoid-derivative"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_backprop_step_drawn_against_torch(seed: int) -> None:
    v = get_family("backprop-step").generate(make_rng(seed, "t", "backprop-step"))
    p = v.params
    i, j = p["w_index"]
    expected = _torch_step(p["w"], p["psi"], p["x"], p["y"], p["eta"], p["b_hidden"], p["b_out"],
                           i, j, p["psi_index"])
    for key, val in expected.items():
        assert v.answer[key] == pytest.approx(val, rel=1e-9, abs=1e-15), key


def test_backprop_step_bad_params() -> None:
    bad("backprop-step", "w_index", w_index=[4, 1])
    bad("backprop-step", "y", y=2)
    bad("backprop-step", "psi", psi=[0.1, 0.2])
    bad("backprop-step", "eta", eta=-0.1)


# --------------------------------------------------------------------------- init-variance
def test_init_variance_against_torch() -> None:
    torch.manual_seed(0)
    fan_in, fan_out = 256, 128
    he = solve("init-variance", scheme="he", fan_in=fan_in, fan_out=fan_out)
    t = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.nn.init.kaiming_uniform_(t, nonlinearity="relu")  # U[-sqrt(6/fan_in), +]
    assert he.answer["bound"] == pytest.approx(t.abs().max().item(), rel=2e-3)
    assert he.answer["std"] == pytest.approx(torch.nn.init.calculate_gain("relu") / math.sqrt(fan_in))
    gl = solve("init-variance", scheme="glorot", fan_in=fan_in, fan_out=fan_out)
    torch.nn.init.xavier_uniform_(t)
    assert gl.answer["bound"] == pytest.approx(t.abs().max().item(), rel=2e-3)
    torch.nn.init.xavier_normal_(t)
    assert gl.answer["variance"] == pytest.approx(t.var().item(), rel=0.03)
    # 001: Xavier N(0, 1/n[l-1]), He N(0, 2/n[l-1])
    xa = solve("init-variance", scheme="xavier", fan_in=fan_in, fan_out=fan_out)
    assert xa.answer["variance"] == pytest.approx(1 / fan_in) and he.answer["variance"] == pytest.approx(2 / fan_in)
    assert mis_key(he, "variance", 1 / fan_in) == "he-xavier-swapped"
    assert mis_key(he, "variance", he.answer["std"]) == "std-for-variance"
    assert mis_key(he, "std", 2 / fan_in) == "variance-for-std"
    u = solve("init-variance", scheme="uniform", fan_in=10)
    assert u.answer["bound"] == pytest.approx(1.0)  # 001: U[-1, 1]


def test_init_variance_bad_params() -> None:
    bad("init-variance", "scheme", scheme="lecun", fan_in=3)
    bad("init-variance", "fan_in", scheme="he", fan_in=0)
    bad("init-variance", "fan_out", scheme="glorot", fan_in=10)


# --------------------------------------------------------------------------- hyperparam-grid
def test_hyperparam_grid_seed(capsys: pytest.CaptureFixture[str]) -> None:
    # 001: 4 x 5 x 3 = 60 configurations
    v = solve("hyperparam-grid", choices=[4, 5, 3], names=["learning_rate", "n_layers", "activation"])
    assert v.answer == 60
    assert mis_key(v, "configurations", 12) == "sum-instead-of-product"
    assert main(["check", "hyperparam-grid", "choices=4,5,3", "--answer", "60"]) == 0
    assert main(["check", "hyperparam-grid", "choices=4,5,3", "--answer", "12", "--lang", "en"]) == 1
    assert "multiply" in capsys.readouterr().out
    bad("hyperparam-grid", "choices", choices=[4, 0])
    bad("hyperparam-grid", "names", choices=[4, 5], names=["learning_rate"])


# --------------------------------------------------------------------------- normalize
def test_normalize_against_torch() -> None:
    train = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    v = solve("normalize", train=train, x=11.0)
    t = torch.tensor(train, dtype=torch.float64)
    mean, std = t.mean().item(), t.std(correction=0).item()
    assert v.answer["mean"] == pytest.approx(mean) and v.answer["std"] == pytest.approx(std)
    assert v.answer["z"] == pytest.approx((11.0 - mean) / std)
    s = t.std(correction=1).item()
    assert mis_key(v, "std", s) == "sample-std"
    assert mis_key(v, "z", (11.0 - mean) / s) == "sample-std"
    assert mis_key(v, "z", 11.0 - mean) == "forgot-std"
    bad("normalize", "train", train=[3.0, 3.0], x=1.0)
    bad("normalize", "train", train=[3.0], x=1.0)


# --------------------------------------------------------------------------- CLI
def test_cli_solve_softmax_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "softmax", "z=5,4,2", "--format", "json", "--lang", "fr"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [round(p, 2) for p in doc["answer"]["probs"]][1:] == [0.26, 0.04]
    assert "0.7054" in doc["solution"]
    assert main(["check", "softmax", "z=5,4,2", "--part", "probs", "--answer", "0.70,0.26,0.04"]) == 0
