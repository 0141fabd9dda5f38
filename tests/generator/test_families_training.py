"""Training families: perceptron-table, linreg-gd, gd-variants, optimizer-step, regularization,
dropout, metrics, bias-variance, concept-quiz.

Literals come from the seeds (003's OR table, 003's quiz on 100 observations and batch size 1,
Keras' Dropout(0.5)); other expected values are recomputed independently (NumPy formulas of the
seeds, or PyTorch autograd / torch.optim).
"""

from __future__ import annotations

import string

import numpy as np
import pytest
import torch

from course.base.errors import ParameterError
from course.base.rng import make_rng
from course.cli.main import main
from course.generator.families.concept_quiz import question_bank
from course.generator.registry import registry


def fam(fid: str):
    return registry()[fid]


def verdict(v, part: str, value) -> tuple[bool, str | None]:
    fb = v.check(value, part=part)[0]
    return fb.correct, (fb.misconception.key if fb.misconception else None)


# --------------------------------------------------------------------------- perceptron-table
# 003, "Exemple introductif (4/4)": iterations 1..13 of the OR table, iteration 9's f(Y)
# corrected from the printed 0 to 1 (Y = 0 and f(Y) = 1 if Y >= 0; the printed update b -> -1
# is the one for f(Y) = 1).
SEED_OR_TABLE = [
    [1, 1, -1, 0, 0, 0, 0, 0, 1, 1, -1, -1],
    [2, 1, -1, -1, 0, 1, 1, -2, 0, 1, 0, 0],
    [3, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0],
    [4, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0],
    [5, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, -1],
    [6, 1, 0, -1, 0, 1, 1, -1, 0, 1, 1, 0],
    [7, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0],
    [8, 1, 1, 0, 1, 1, 1, 2, 1, 1, 1, 0],
    [9, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, -1],
    [10, 1, 1, -1, 0, 1, 1, 0, 1, 1, 1, -1],
    [11, 1, 1, -1, 1, 0, 1, 0, 1, 1, 1, -1],
    [12, 1, 1, -1, 1, 1, 1, 1, 1, 1, 1, -1],
    [13, 1, 1, -1, 0, 0, 0, -1, 0, 1, 1, -1],
]


def test_perceptron_reproduces_003_or_table() -> None:
    v = fam("perceptron-table").variant({"gate": "or", "w": [1.0, -1.0], "b": 0.0, "eta": 1.0})
    table = v.parts["table"].answer
    assert table[:13] == SEED_OR_TABLE
    assert len(table) == 16 and all(r[8] == 1 for r in table[13:])  # epoch 4: no correction
    assert v.parts["w"].answer == [1, 1] and v.parts["b"].answer == -1
    assert v.parts["epochs"].answer == 4 and v.parts["converges"].answer is True
    assert v.context["seed_example"] and 9 in v.context["zero_rows"]
    # the f(0) = 0 table (003's printed slip, applied everywhere) is recognised
    mis = next(m for m in v.parts["table"].misconceptions if m.key == "heaviside-f0-is-0")
    assert mis.value[0][8] == 0  # iteration 1: Y = 0, f(Y) = 0 with the mistake
    assert verdict(v, "table", mis.value) == (False, "heaviside-f0-is-0")
    assert verdict(v, "table", table) == (True, None)


def test_perceptron_xor_does_not_converge() -> None:
    v = fam("perceptron-table").variant({"gate": "xor", "w": [0.0, 0.0], "b": 0.0, "max_epochs": 5})
    assert v.parts["converges"].answer is False
    assert v.parts["epochs"].answer == 5 and len(v.parts["table"].answer) == 20


def test_perceptron_data_rows_match_heaviside_rule() -> None:
    v = fam("perceptron-table").variant({"data": [[2, 1, 1], [0, -1, 0], [1, 3, 1]],
                                         "w": [0.0, 0.0], "b": 0.0, "eta": 0.5})
    for row in v.parts["table"].answer:
        w, b, x, d, y, fy, w2, b2 = row[1:3], row[3], row[4:6], row[6], row[7], row[8], row[9:11], row[11]
        assert y == pytest.approx(np.dot(w, x) + b)
        assert fy == (1 if y >= 0 else 0)
        assert w2 == pytest.approx(list(np.add(w, 0.5 * (d - fy) * np.asarray(x))))
        assert b2 == pytest.approx(b + 0.5 * (d - fy))


@pytest.mark.parametrize("params, name", [
    ({"gate": "xand", "w": [1.0, 1.0], "b": 0.0}, "gate"),
    ({"gate": "or", "w": [1.0], "b": 0.0}, "w"),
    ({"gate": "or", "data": [[0, 0, 1]], "w": [1.0, 1.0], "b": 0.0}, "data"),
    ({"data": [[0, 0, 2]], "w": [1.0, 1.0], "b": 0.0}, "data"),
    ({"gate": "or", "w": [1.0, 1.0], "b": 0.0, "eta": 0.0}, "eta"),
    ({"w": [1.0, 1.0], "b": 0.0}, "gate"),
])
def test_perceptron_bad_parameters(params, name) -> None:
    with pytest.raises(ParameterError) as exc:
        fam("perceptron-table").variant(params)
    assert exc.value.name == name


# --------------------------------------------------------------------------- gd-variants
def test_gd_variants_seed_quiz_and_floor() -> None:
    # 003, quiz: 100 observations, batch size 1 -> 100 iterations per epoch
    v = fam("gd-variants").variant({"n": 100, "batch_size": 1, "epochs": 10})
    assert v.parts["iterations"].answer == 100
    assert v.parts["sgd_updates"].answer == 1000 and v.parts["bgd_updates"].answer == 10
    v = fam("gd-variants").variant({"n": 1000, "batch_size": 64, "epochs": 3})
    assert v.answer == {"iterations": 16, "minibatch_updates": 48, "last_batch": 40,
                        "bgd_updates": 3, "sgd_updates": 3000}
    assert verdict(v, "iterations", 15) == (False, "floor-instead-of-ceil")
    assert verdict(v, "minibatch_updates", 16) == (False, "forgot-epochs")
    assert verdict(v, "last_batch", 64) == (False, "full-last-batch")


@pytest.mark.parametrize("params, name", [
    ({"n": 10, "batch_size": 20, "epochs": 1}, "batch_size"),
    ({"n": 10, "batch_size": 2, "epochs": 0}, "epochs"),
    ({"n": -5, "batch_size": 2, "epochs": 1}, "n"),
])
def test_gd_variants_bad_parameters(params, name) -> None:
    with pytest.raises(ParameterError) as exc:
        fam("gd-variants").variant(params)
    assert exc.value.name == name


# --------------------------------------------------------------------------- dropout
def test_dropout_counts_and_scale() -> None:
    v = fam("dropout").variant({"n": 10, "p": 0.5})  # 003: tf.keras.layers.Dropout(0.5)
    assert v.parts["dropped"].answer == 5 and v.parts["kept"].answer == 5
    assert v.parts["scale"].answer == pytest.approx(2.0)
    v = fam("dropout").variant({"n": 200, "p": 0.2})
    assert v.answer["dropped"] == 40 and v.answer["kept"] == 160
    assert verdict(v, "dropped", 160) == (False, "used-keep-probability")
    assert verdict(v, "scale", 5.0) == (False, "divided-by-rate")
    assert verdict(v, "scale", 0.8) == (False, "multiplied-by-keep")
    # the scale is the one PyTorch's (inverted) dropout applies to kept units
    x = torch.ones(10000, dtype=torch.float64)
    out = torch.nn.functional.dropout(x, p=0.2, training=True)
    assert float(out[out > 0][0]) == pytest.approx(v.answer["scale"])


@pytest.mark.parametrize("params, name", [({"n": 10, "p": 1.0}, "p"), ({"n": 0, "p": 0.5}, "n")])
def test_dropout_bad_parameters(params, name) -> None:
    with pytest.raises(ParameterError) as exc:
        fam("dropout").variant(params)
    assert exc.value.name == name


# --------------------------------------------------------------------------- linreg-gd
@pytest.mark.parametrize("loss", ["half_mse", "mse"])
def test_linreg_gd_matches_torch_autograd(loss: str) -> None:
    x, y, a0, b0, lr, steps = [0.5, 1.0, 2.0, 2.5], [2.0, 3.4, 6.6, 8.1], 0.58, 0.25, 0.01, 3
    v = fam("linreg-gd").variant({"x": x, "y": y, "a": a0, "b": b0, "lr": lr, "steps": steps,
                                  "loss": loss})
    a = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    X, Y = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    scale = 0.5 if loss == "half_mse" else 1.0
    for k in range(steps):
        L = scale * torch.mean((Y - (a * X + b)) ** 2)
        ga, gb = torch.autograd.grad(L, (a, b))
        if k == 0:
            assert v.answer["grad_a"] == pytest.approx(float(ga))
            assert v.answer["grad_b"] == pytest.approx(float(gb))
        with torch.no_grad():
            a, b = (a - lr * ga).requires_grad_(), (b - lr * gb).requires_grad_()
    assert v.answer["a"] == pytest.approx(float(a.detach())) and v.answer["b"] == pytest.approx(float(b.detach()))
    key = "forgot-factor-2" if loss == "mse" else "extra-factor-2"
    g_wrong = v.answer["grad_a"] / 2 if loss == "mse" else v.answer["grad_a"] * 2
    assert verdict(v, "grad_a", g_wrong) == (False, key)
    assert verdict(v, "grad_a", -v.answer["grad_a"]) == (False, "residual-sign")


def test_linreg_gd_wrong_sign_and_bad_parameters() -> None:
    v = fam("linreg-gd").variant({"x": [1.0, 2.0], "y": [3.0, 5.0], "a": 0.0, "b": 0.0, "lr": 0.1})
    ga = v.answer["grad_a"]
    assert verdict(v, "a", 0.0 + 0.1 * ga) == (False, "wrong-sign")
    for params, name in [({"lr": 0.0}, "lr"), ({"y": [1.0]}, "y"), ({"steps": 0}, "steps")]:
        with pytest.raises(ParameterError) as exc:
            fam("linreg-gd").variant({"x": [1.0, 2.0], "y": [3.0, 5.0], "a": 0.0, "b": 0.0,
                                      "lr": 0.1, **params})
        assert exc.value.name == name


# --------------------------------------------------------------------------- optimizer-step
W0, GRADS = [1.0, -1.5, 0.3], [[0.5, -0.2, 0.1], [0.3, 0.1, -0.4], [-0.2, 0.6, 0.2]]


def _torch_optimizer(name: str, p, lr: float):
    return {"sgd": lambda: torch.optim.SGD([p], lr=lr),
            "momentum": lambda: torch.optim.SGD([p], lr=lr, momentum=0.9),
            "adagrad": lambda: torch.optim.Adagrad([p], lr=lr, eps=1e-7),
            "rmsprop": lambda: torch.optim.RMSprop([p], lr=lr, alpha=0.9, eps=1e-7),
            "adadelta": lambda: torch.optim.Adadelta([p], lr=lr, rho=0.9, eps=1e-7),
            "adam": lambda: torch.optim.Adam([p], lr=lr, betas=(0.9, 0.999), eps=1e-7)}[name]()


@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam"])
def test_optimizer_step_matches_torch_optim(name: str) -> None:
    lr = 1.0 if name == "adadelta" else 0.1
    v = fam("optimizer-step").variant({"optimizer": name, "w": W0, "grads": GRADS, "lr": lr})
    p = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
    o = _torch_optimizer(name, p, lr)
    for g in GRADS:
        o.zero_grad()
        p.grad = torch.tensor(g, dtype=torch.float64)
        o.step()
    np.testing.assert_allclose(v.answer, p.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_optimizer_step_adam_slip_of_003() -> None:
    v = fam("optimizer-step").variant({"optimizer": "adam", "w": W0, "grads": GRADS, "lr": 0.1})
    # 003 prints m / (1 - beta1): run it by hand and check it is recognised
    w, m, s = np.array(W0), np.zeros(3), np.zeros(3)
    for g in np.array(GRADS):
        m, s = 0.9 * m + 0.1 * g, 0.999 * s + 0.001 * g * g
        w = w - 0.1 * (m / 0.1) / (np.sqrt(s / 0.001) + 1e-7)
    assert verdict(v, "w", w.tolist()) == (False, "bias-correction-without-t")
    # at t = 1 the slip is harmless (1 - beta1^1 = 1 - beta1): no misconception left
    v1 = fam("optimizer-step").variant({"optimizer": "adam", "w": W0, "grads": GRADS[:1], "lr": 0.1})
    assert "bias-correction-without-t" not in [m.key for m in v1.parts["w"].misconceptions]
    with pytest.raises(ParameterError) as exc:
        fam("optimizer-step").variant({"optimizer": "adam", "w": W0, "grads": [[1.0]], "lr": 0.1})
    assert exc.value.name == "grads"


# --------------------------------------------------------------------------- regularization
@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_regularization_matches_torch(norm: str) -> None:
    w0, grad, alpha, lr = [0.5, -1.2, 0.0, 2.0], [0.1, -0.3, 0.2, 0.05], 0.05, 0.5
    v = fam("regularization").variant({"norm": norm, "w": w0, "grad": grad, "alpha": alpha, "lr": lr})
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    penalty = alpha * (w.abs().sum() if norm == "l1" else (w ** 2).sum())
    E = torch.dot(w, torch.tensor(grad, dtype=torch.float64)) + penalty  # dE/dw = grad
    (gw,) = torch.autograd.grad(E, w)
    assert v.answer["penalty"] == pytest.approx(float(penalty.detach()))
    np.testing.assert_allclose(v.answer["w"], (w - lr * gw).detach().numpy(), rtol=1e-12)
    no_pen = (np.array(w0) - lr * np.array(grad)).tolist()
    assert verdict(v, "w", no_pen) == (False, "forgot-penalty-gradient")
    # 003's last line: w - eta dE/dw + alpha1 sign(w) + alpha2 2w (penalty gradient added)
    pen_grad = alpha * (np.sign(w0) if norm == "l1" else 2 * np.array(w0))
    assert verdict(v, "w", (np.array(no_pen) + pen_grad).tolist()) == (False, "handout-formula")
    if norm == "l2":
        half = (np.array(w0) - lr * (np.array(grad) + alpha * np.array(w0))).tolist()
        assert verdict(v, "w", half) == (False, "l2-without-factor-2")


# --------------------------------------------------------------------------- metrics
def test_metrics_from_the_definitions_of_003() -> None:
    cm = [[30, 5, 2], [4, 25, 6], [1, 3, 24]]
    v = fam("metrics").variant({"cm": cm})
    a = np.array(cm, dtype=float)
    prec, rec = np.diag(a) / a.sum(axis=0), np.diag(a) / a.sum(axis=1)
    np.testing.assert_allclose(v.answer["precision"], prec)
    np.testing.assert_allclose(v.answer["recall"], rec)
    np.testing.assert_allclose(v.answer["f1"], 2 * prec * rec / (prec + rec))
    assert v.answer["accuracy"] == pytest.approx(np.trace(a) / a.sum())
    assert v.answer["macro_precision"] == pytest.approx(prec.mean())
    assert verdict(v, "precision", rec.tolist()) == (False, "swapped-precision-recall")
    # binary: TP at (yes, yes), specificity = TN / (FP + TN) with class 1 = "yes"
    v = fam("metrics").variant({"cm": [[50, 10], [5, 35]]})
    assert v.answer["recall"][1] == pytest.approx(35 / 40)
    assert v.answer["specificity"][1] == pytest.approx(50 / 60)
    assert verdict(v, "specificity", [35 / 45, 50 / 55]) == (False, "transposed-matrix")
    for bad in ([[1, 2, 3]], [[1, 0], [0, 0]], [[1, -1], [2, 3]]):
        with pytest.raises(ParameterError) as exc:
            fam("metrics").variant({"cm": bad})
        assert exc.value.name == "cm"


# --------------------------------------------------------------------------- bias-variance
def test_bias_variance_formulas_of_003() -> None:
    p, t = [2.8, 3.6, 4.4, 5.1, 3.8], [2.4, 2.5, 3.0, 4.8, 2.8]
    v = fam("bias-variance").variant({"predictions": p, "targets": t})
    y_bar = np.mean(p)
    assert v.answer["mean_prediction"] == pytest.approx(y_bar)
    assert v.answer["bias2"] == pytest.approx(np.mean((y_bar - np.array(t)) ** 2))
    assert v.answer["variance"] == pytest.approx(np.var(p, ddof=1))
    assert verdict(v, "variance", float(np.var(p))) == (False, "divided-by-n")
    with pytest.raises(ParameterError) as exc:
        fam("bias-variance").variant({"predictions": p, "targets": t[:3]})
    assert exc.value.name == "targets"


# --------------------------------------------------------------------------- concept-quiz
def test_quiz_bank_is_complete_and_bilingual() -> None:
    bank = question_bank()
    assert len(bank) >= 30
    kinds = {q["kind"] for q in bank.values()}
    assert kinds == {"single", "multiple", "truefalse"}
    for q in bank.values():
        for text in (q["question"], q["explanation"], *q["options"]):
            assert text["fr"].strip() and text["en"].strip() and text["fr"] != "" and text["en"] != ""
        assert q["source"]


@pytest.mark.parametrize("qid", sorted(question_bank()))
def test_quiz_answer_follows_the_shuffle(qid: str) -> None:
    q = question_bank()[qid]
    k = len(q["options"])
    for seed in range(3):
        order = [int(i) for i in np.random.default_rng(seed).permutation(k)]
        v = fam("concept-quiz").variant({"question": qid, "order": order})
        letters = v.answer if isinstance(v.answer, list) else [v.answer]
        shown = [q["options"][i] for i in order]
        assert sorted(letters) == [string.ascii_uppercase[j] for j, o in enumerate(shown) if o["correct"]]
        assert verdict(v, "choice", v.answer) == (True, None)
        for m in v.parts["choice"].misconceptions:
            assert verdict(v, "choice", m.value) == (False, m.key)


def test_quiz_seed_answers_and_bad_parameters() -> None:
    # 003 quiz: 100 observations, batch size 1 -> "100 itérations" (agrees with gd-variants)
    v = fam("concept-quiz").variant({"question": "batch-size-one"})
    assert v.context["options"][ord(v.answer) - 65]["fr"].startswith("il faudra 100")
    assert fam("gd-variants").variant({"n": 100, "batch_size": 1, "epochs": 1}).answer["iterations"] == 100
    v = fam("concept-quiz").variant({"question": "perceptron-xor"})
    assert v.context["options"][ord(v.answer) - 65]["fr"] == "Faux"
    with pytest.raises(ParameterError) as exc:
        fam("concept-quiz").variant({"question": "no-such-question"})
    assert exc.value.name == "question"
    with pytest.raises(ParameterError) as exc:
        fam("concept-quiz").variant({"question": "pooling-purpose", "order": [0, 1, 1, 2]})
    assert exc.value.name == "order"


def test_quiz_draws_shuffle_options() -> None:
    orders = {tuple(fam("concept-quiz").generate(make_rng(0, f"s{i}", "concept-quiz"),
                                                 {"question": "pooling-purpose"}).params["order"])
              for i in range(30)}
    assert len(orders) > 5


# --------------------------------------------------------------------------- CLI
def test_cli_solve_and_check(capsys) -> None:
    assert main(["solve", "perceptron-table", "gate=or", "w=1,-1", "b=0", "eta=1", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "slip" in out and "iteration 9" in out
    rc = main(["check", "gd-variants", "n=1000", "batch_size=64", "epochs=3", "--part", "iterations",
               "--answer", "15", "--lang", "en"])
    assert rc == 1 and "rounded up" in capsys.readouterr().out
    assert main(["check", "dropout", "n=200", "p=0.2", "--part", "dropped", "--answer", "40"]) == 0
    assert main(["solve", "gd-variants", "n=10", "batch_size=20", "epochs=1"]) == 2
