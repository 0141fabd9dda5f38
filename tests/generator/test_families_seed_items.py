"""The seeds' items added as families, parameters or quiz questions: each with the seed's own
numbers as a literal, and every computed value checked against PyTorch.

001: notation, linear collapse (2-3-1: W[2]W[1] is 1 x 2, W[2]b[1] + b[2] is 1 x 1),
non-convexity, the last layer's activation per task; 002: the layer count ("2 couches"),
AlexNet's first convolution (224, 11 x 11, stride 4; the printed 55); 003: the softmax
Jacobian, multi-class back-propagation (ReLU + softmax), the RNN output, Adadelta, VGG /
ResNet / DenseNet, the perceptron activity (10 observations, 21st iteration).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from course.base.rng import make_rng
from course.generator.families.concept_quiz import question_bank
from course.generator.families.perceptron_activity import SEED_B, SEED_DATA, SEED_W
from course.generator.registry import get_family
from course.generator.render import solution, statement


def solve(family: str, **params):
    return get_family(family).variant(params)


def verdict(v, part: str, value) -> tuple[bool, str | None]:
    fb = v.check(value, part=part)[0]
    return fb.correct, fb.misconception.key if fb.misconception else None


def _t(x) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64)


# --------------------------------------------------------------------------- 001
def test_linear_collapse_001_dimensions() -> None:
    v = solve("linear-collapse")  # 001's 2-3-1 network
    assert v.answer == {"W_shape": [1, 2], "b_shape": [1, 1]}
    assert verdict(v, "W_shape", [3, 2]) == (False, "shape-of-W1")
    assert verdict(v, "b_shape", [3, 1]) == (False, "shape-of-b1")
    assert "(1 \\times 3) \\cdot (3 \\times 2) = 1 \\times 2" in solution(v, "fr")


@pytest.mark.parametrize("seed", range(5))
def test_linear_collapse_matches_torch(seed: int) -> None:
    v = get_family("linear-collapse").generate(make_rng(seed, "t", "linear-collapse"))
    p = v.params
    lin1, lin2 = torch.nn.Linear(*reversed(np.shape(p["W1"])), dtype=torch.float64), \
        torch.nn.Linear(*reversed(np.shape(p["W2"])), dtype=torch.float64)
    with torch.no_grad():
        lin1.weight.copy_(_t(p["W1"]))
        lin1.bias.copy_(_t(p["b1"]))
        lin2.weight.copy_(_t(p["W2"]))
        lin2.bias.copy_(_t(p["b2"]))
    X = torch.randn(4, len(p["W1"][0]), dtype=torch.float64)
    net = lin2(lin1(X))  # identity hidden activation
    ours = X @ _t(v.answer["W"]).T + _t(v.answer["b"])[:, 0]
    torch.testing.assert_close(ours, net)
    W1, W2 = np.array(p["W1"]), np.array(p["W2"])
    if (W1.T @ W2.T).shape != np.shape(v.answer["W"]) or not np.allclose(W1.T @ W2.T, v.answer["W"]):
        assert verdict(v, "W", (W1.T @ W2.T).tolist()) == (False, "product-order")


def test_001_quiz_notation_nonconvexity_and_output_layer() -> None:
    bank = question_bank()
    for qid in ("notation-feature-example", "notation-activation-example", "non-convexity-consequence",
                "non-convexity-remedies", "output-activation-binary", "output-activation-multiclass",
                "regression-output"):
        assert qid in bank
    act = bank["notation-activation-example"]
    answer = next(o for o in act["options"] if o["correct"])
    assert answer["fr"] == "L'activation du 3e neurone de la couche 1 pour le 2e étudiant"  # 001's answer
    assert "$a_3^{[1](2)}$" in act["question"]["fr"] and "$x_2^{(3)}$" in bank["notation-feature-example"]["question"]["fr"]
    nonconvex = next(o for o in bank["non-convexity-consequence"]["options"] if o["correct"])
    assert "minimum local" in nonconvex["fr"]
    assert sum(o["correct"] for o in bank["non-convexity-remedies"]["options"]) == 4  # 001's (1)-(4)
    v = solve("concept-quiz", question="output-activation-multiclass")
    assert "softmax" in solution(v, "fr") and "70 %" in solution(v, "fr")  # 001: chat 70 %


# --------------------------------------------------------------------------- 002
def test_layer_count_convention_002() -> None:
    v = solve("mlp-params", layers=[4, 6, 2], ask_depth=True)  # 002: a hidden layer of 6 neurons, an output of 2
    assert v.answer["depth"] == 2  # "Réseau de neurones à 2 couches (par convention)"
    assert verdict(v, "depth", 3) == (False, "counted-input-layer")
    assert "couche d'entrée n'est pas comptée" in solution(v, "fr")
    assert "layer-count-convention" in question_bank()


def test_alexnet_first_convolution_002() -> None:
    v = solve("conv-output", h=224, w=224, kernel=11, stride=4, channels=3, filters=96)
    out = torch.nn.Conv2d(3, 96, 11, stride=4)(torch.zeros(1, 3, 224, 224))
    assert v.answer["shape"] == [out.shape[2], out.shape[3], 96]
    assert v.answer["params"] == sum(p.numel() for p in torch.nn.Conv2d(3, 96, 11, stride=4).parameters())
    assert verdict(v, "shape", [55, 55, 96]) == (False, "alexnet-printed-55")  # 002's figure
    with_227 = torch.nn.Conv2d(3, 96, 11, stride=4)(torch.zeros(1, 3, 227, 227))
    padded = torch.nn.Conv2d(3, 96, 11, stride=4, padding=2)(torch.zeros(1, 3, 224, 224))
    assert with_227.shape[2] == padded.shape[2] == 55
    text = solution(v, "fr")
    assert "coquille" in text and "227" in text and "55" in text
    assert v.context["alexnet"]


# --------------------------------------------------------------------------- 003
@pytest.mark.parametrize("seed", range(5))
def test_softmax_jacobian_matches_torch(seed: int) -> None:
    v = get_family("softmax-jacobian").generate(make_rng(seed, "t", "softmax-jacobian"))
    z = _t(v.params["z"])
    jac = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), z)
    np.testing.assert_allclose(v.answer["jacobian"], jac.numpy(), atol=1e-12)
    zz = z.clone().requires_grad_(True)
    F.cross_entropy(zz[None], torch.tensor([v.params["target"] - 1])).backward()
    np.testing.assert_allclose(v.answer["delta"], zz.grad.numpy(), atol=1e-12)
    diag = np.diag(np.diag(jac.numpy()))
    assert verdict(v, "jacobian", diag.tolist()) == (False, "diagonal-only")


@pytest.mark.parametrize("seed", range(8))
def test_backprop_softmax_matches_torch_autograd(seed: int) -> None:
    v = get_family("backprop-softmax").generate(make_rng(seed, "t", "backprop-softmax"))
    p = v.params
    psi = _t(p["psi"]).requires_grad_(True)
    Z = _t(p["fy"]) @ psi + _t(p["b_z"])
    Z.retain_grad()
    T = torch.relu(Z) @ _t(p["alpha"]) + _t(p["b_t"])
    T.retain_grad()
    E = F.cross_entropy(T[None], torch.tensor([p["target"] - 1]))
    E.backward()
    j, l = p["psi_index"]
    assert v.answer["loss"] == pytest.approx(float(E.detach()))
    np.testing.assert_allclose(v.answer["probs"], torch.softmax(T, 0).detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(v.answer["delta_T"], T.grad.numpy(), atol=1e-12)
    # 003's ReLU derivative is 1 for z >= 0; no Z is drawn at 0, so torch's convention agrees
    np.testing.assert_allclose(v.answer["grad_Z"], Z.grad.numpy(), atol=1e-12)
    assert v.answer["grad_psi"] == pytest.approx(float(psi.grad[j - 1, l - 1]))
    assert v.answer["psi_new"] == pytest.approx(p["psi"][j - 1][l - 1] - p["eta"] * float(psi.grad[j - 1, l - 1]))
    if np.any(np.array(v.context["Z"]) < 0):
        no_relu = (_t(p["alpha"]) @ T.grad).numpy()
        assert verdict(v, "grad_Z", no_relu.tolist()) == (False, "forgot-relu-derivative")


def test_backprop_softmax_draws_use_both_relu_branches() -> None:
    fam = get_family("backprop-softmax")
    negative = sum(bool(np.any(np.array(fam.generate(make_rng(i, "t", "b")).context["Z"]) < 0))
                   for i in range(200))
    assert 0.25 * 200 <= negative <= 0.6 * 200


def test_rnn_output_003_matches_torch() -> None:
    v = solve("rnn-step", cell="rnn", x=[0.5, -0.3], h_prev=[0.2], Wx=[[0.4], [-0.6]], Wh=[[0.7]], b=[0.1],
              V=[[0.8]], b_y=[-0.2])
    cell = torch.nn.RNNCell(2, 1, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(_t([[0.4, -0.6]]))
        cell.weight_hh.copy_(_t([[0.7]]))
        cell.bias_ih.copy_(_t([0.1]))
        cell.bias_hh.zero_()
    h = cell(_t([[0.5, -0.3]]), _t([[0.2]]))
    y = torch.tanh(h @ _t([[0.8]]) + _t([-0.2]))  # 003: y = tanh(V h + b_y)
    np.testing.assert_allclose(v.answer["y"], y.detach().numpy()[0], atol=1e-12)
    assert verdict(v, "y", (h @ _t([[0.8]]) + _t([-0.2])).detach().numpy()[0].tolist()) == (False, "output-forgot-tanh")
    assert "y_t" in statement(v, "en")


def test_003_architecture_quiz_questions() -> None:
    bank = question_bank()
    vgg = bank["vgg16-conv-layers"]
    assert next(o for o in vgg["options"] if o["correct"])["fr"] == "13"  # 003: "13 Couches de convolution"
    trans = next(o for o in bank["densenet-transition-layer"]["options"] if o["correct"])
    assert "1 × 1" in trans["fr"] and "AveragePooling 2 × 2" in trans["fr"]  # 003's Transition_layer
    assert "resnet-residual-block" in bank and "densenet-vs-resnet" in bank


def test_perceptron_activity_003_premise_is_false() -> None:
    v = solve("perceptron-activity")  # 003's activity: 10 observations, 2 epochs
    X, d = _t([r[:-1] for r in SEED_DATA]), _t([r[-1] for r in SEED_DATA])
    w, b = _t(SEED_W), SEED_B
    assert SEED_W[1] == 2 * SEED_W[0]  # 003: w2 = 2 w1
    y = X @ w + b
    pred = (y >= 0).double()
    assert v.context["it_next"] == 21  # 003: "la 21ème itération"
    assert v.answer["Y"] == pytest.approx(float(y[0])) and v.answer["output"] == int(pred[0])
    assert v.answer["w_new"] == pytest.approx(SEED_W) and v.answer["b_new"] == pytest.approx(SEED_B)
    assert v.answer["accuracy"] == pytest.approx(float((pred == d).double().mean()))
    assert v.answer["consistent"] is False
    assert v.answer["first_error"] == 1 == int(torch.nonzero(pred != d)[0])  # observation 1
    assert verdict(v, "accuracy", 1.0) == (False, "trusted-the-premise")
    assert "prémisse de l'énoncé est fausse" in solution(v, "fr")


def test_perceptron_activity_draws_follow_a_real_training_run() -> None:
    fam = get_family("perceptron-activity")
    kinds = set()
    for i in range(40):
        v = fam.generate(make_rng(i, "t", "perceptron-activity"))
        kinds.add(v.answer["consistent"])
        if v.answer["consistent"]:
            n = len(v.params["data"])
            assert v.answer["convergence"] == n * v.params["epochs"] and v.answer["accuracy"] == 1.0
    assert kinds == {True, False}
