"""The conventions an answer depends on are stated, and the other convention is a named
misconception (pool-compute, conv-compute, dropout, optimizer-step, activation, softmax).

Expected values come from PyTorch, run with the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from course.generator.precision import float_check
from course.generator.registry import get_family
from course.generator.render import solution, statement


def solve(family: str, **params):
    return get_family(family).variant(params)


def verdict(v, part: str, value) -> tuple[bool, str | None]:
    fb = v.check(value, part=part)[0]
    return fb.correct, fb.misconception.key if fb.misconception else None


# --------------------------------------------------------------------------- pool-compute
X5 = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15], [16, 17, 18, 19, 20], [21, 22, 23, 24, 25]]


def test_avg_pool_same_excludes_padding_and_pads_bottom_right() -> None:
    """5x5, 2x2, stride 2, 'same': one extra row/column of padding, at the bottom/right (Keras)."""
    v = solve("pool-compute", mode="avg", x=X5, size=2, stride=0, padding="same")
    xt = torch.tensor(X5, dtype=torch.float64)[None, None]
    keras = F.avg_pool2d(F.pad(xt, (0, 1, 0, 1), value=float("nan")).nan_to_num(0.0), 2, 2)
    counts = F.avg_pool2d(F.pad(torch.ones_like(xt), (0, 1, 0, 1)), 2, 2)
    np.testing.assert_allclose(v.answer, (keras / counts)[0, 0].numpy())
    # PyTorch's default counts the padded zeros: a named misconception
    counted = F.avg_pool2d(F.pad(xt, (0, 1, 0, 1)), 2, 2)[0, 0].numpy()
    assert verdict(v, "out", counted.tolist()) == (False, "counted-padding")
    # the extra padding at the top/left instead
    top_left = F.avg_pool2d(F.pad(xt, (1, 0, 1, 0)), 2, 2) / F.avg_pool2d(
        F.pad(torch.ones_like(xt), (1, 0, 1, 0)), 2, 2)
    assert verdict(v, "out", top_left[0, 0].numpy().tolist()) == (False, "extra-padding-top-left")
    for lang, words in (("fr", ("ne comptent pas", "en bas", "count_include_pad")),
                        ("en", ("do not count", "at the bottom", "count_include_pad"))):
        text = statement(v, lang)
        assert all(w in text for w in words), (lang, text)


def test_max_pool_same_states_the_padding() -> None:
    v = solve("pool-compute", mode="max", x=X5, size=2, stride=0, padding="same")
    assert "en bas" in statement(v, "fr") and "never win" in statement(v, "en")
    xt = torch.tensor(X5, dtype=torch.float64)[None, None]
    top_left = F.max_pool2d(F.pad(xt, (1, 0, 1, 0), value=-1e9), 2, 2)[0, 0].numpy()
    assert verdict(v, "out", top_left.tolist()) == (False, "extra-padding-top-left")


# --------------------------------------------------------------------------- conv-compute
def test_conv_same_asymmetric_padding_and_the_pytorch_misconception() -> None:
    """6x6 input, 3x3 kernel, stride 2, 'same': TensorFlow pads 0 on top, 1 at the bottom."""
    x = [[(3 * i + j) % 4 for j in range(6)] for i in range(6)]
    k = [[1, 0, -1], [1, 1, 0], [0, -1, 1]]
    v = solve("conv-compute", x=x, kernel=k, stride=2, padding="same")
    xt, kt = torch.tensor(x, dtype=torch.float64)[None, None], torch.tensor(k, dtype=torch.float64)[None, None]
    keras = F.conv2d(F.pad(xt, (0, 1, 0, 1)), kt, stride=2)[0, 0].numpy()
    np.testing.assert_allclose(v.answer, keras)
    torch_sym = F.conv2d(xt, kt, stride=2, padding=1)[0, 0].numpy()
    assert verdict(v, "out", torch_sym.tolist()) == (False, "symmetric-padding")
    assert v.context["pads"] == [0, 1, 0, 1]
    assert "en bas" in statement(v, "fr") and "at the bottom" in statement(v, "en")
    assert "PyTorch" in solution(v, "en")


# --------------------------------------------------------------------------- dropout
def test_dropout_asks_the_expected_count() -> None:
    v = solve("dropout", n=200, p=0.3)
    assert v.answer["dropped"] == 60
    assert "en moyenne" in statement(v, "fr") and "on average" in statement(v, "en")
    assert "expected" in statement(v, "en") and "attendus" in statement(v, "fr")
    # the count of one iteration is random (Keras/PyTorch drop each unit independently)
    torch.manual_seed(0)
    counts = {int((F.dropout(torch.ones(200), 0.3) == 0).sum()) for _ in range(50)}
    assert len(counts) > 1 and abs(np.mean(sorted(counts)) - 60) < 10


# --------------------------------------------------------------------------- optimizer-step
def test_adam_several_steps_names_stopping_after_one() -> None:
    w0, grads = [1.0, -1.5, 0.3], [[0.5, -0.2, 0.1], [0.3, 0.1, -0.4], [-0.2, 0.6, 0.2]]
    v = solve("optimizer-step", optimizer="adam", w=w0, grads=grads, lr=0.1)
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-7)
    p.grad = torch.tensor(grads[0], dtype=torch.float64)
    opt.step()
    one_step = p.detach().numpy().tolist()
    assert verdict(v, "w", one_step) == (False, "stopped-after-one-step")
    assert verdict(v, "w", w0) == (False, None)  # the weights before the steps: rejected
    assert v.context["before"] == {"w": w0}


def test_adadelta_matches_torch_and_names_rmsprop_step() -> None:
    w0, grads = [1.0, -1.5], [[0.5, -0.2], [0.3, 0.1], [-0.2, 0.6]]
    v = solve("optimizer-step", optimizer="adadelta", w=w0, grads=grads, lr=1.0, rho=0.9, eps=1e-6)
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adadelta([p], lr=1.0, rho=0.9, eps=1e-6)
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    np.testing.assert_allclose(v.answer, p.detach().numpy(), rtol=1e-12)
    assert "forgot-delta-accumulator" in [m.key for m in v.parts["w"].misconceptions]
    assert "Adadelta" in statement(v, "fr")


# --------------------------------------------------------------------------- activation
def test_heaviside_asks_the_exact_value_and_relu_negative_branch() -> None:
    h = solve("activation", function="heaviside", z=-0.5)
    assert "décimale" not in statement(h, "fr") and "decimal" not in statement(h, "en")
    assert "0 et 1" in statement(h, "fr")
    r = solve("activation", function="relu", z=-1.3)
    assert r.answer == {"value": 0.0, "derivative": 0.0}
    assert verdict(r, "value", -1.3) == (False, "kept-negative")
    assert verdict(r, "derivative", 1.0) == (False, "derivative-one-for-negative")
    z = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    torch.relu(z).backward()
    assert r.answer["derivative"] == float(z.grad)


# --------------------------------------------------------------------------- softmax
def test_softmax_loss_is_asked_to_3_decimals() -> None:
    v = solve("softmax", z=[5, 4, 2], target=2)
    loss = float(F.cross_entropy(torch.tensor([[5.0, 4.0, 2.0]]), torch.tensor([1])))
    assert v.answer["loss"] == pytest.approx(loss)
    assert v.parts["loss"].check == float_check(3)
    assert v.check(round(loss, 3), part="loss")[0].correct
    assert not v.check(round(loss, 3) - 0.04, part="loss")[0].correct  # the audit's 2.30 for 2.341
    assert v.check([0.70, 0.26, 0.04], part="probs")[0].correct  # 001's printed values
