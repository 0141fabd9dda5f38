"""The reference's API is uniform (cs231n's layers.py, conventions.py "The API of the layers"):
every ``*_forward`` returns ``(out, cache)`` with a NamedTuple cache and has a
``*_backward(dout, cache)`` that accepts a ``dout`` shaped like ``out``; every public function
documents each argument in an ``Inputs:`` block and its result in a ``Returns`` block."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from course.reference import (
    activations,
    batchnorm,
    conv,
    conventions,
    data,
    dense,
    gradcheck,
    linreg,
    losses,
    metrics,
    optimizers,
    perceptron,
    pooling,
    recurrent,
    torch_path,
)

MODULES: list[ModuleType] = [activations, batchnorm, conv, conventions, data, dense, gradcheck,
                             linreg, losses, metrics, optimizers, perceptron, pooling, recurrent,
                             torch_path]


def _public_functions() -> list[tuple[str, Callable[..., Any]]]:
    return [(f"{m.__name__}.{name}", fn) for m in MODULES
            for name, fn in inspect.getmembers(m, inspect.isfunction)
            if not name.startswith("_") and fn.__module__ == m.__name__]


def _forwards() -> dict[str, Callable[..., Any]]:
    return {name.rsplit(".", 1)[1]: fn for name, fn in _public_functions()
            if "_forward" in name.rsplit(".", 1)[1]}


def _backward_of(forward: str) -> Callable[..., Any]:
    """``conv2d_forward_naive`` -> ``conv2d_backward``; ``x_forward`` -> ``x_backward``."""
    base = forward.split("_forward")[0]
    module = inspect.getmodule(_forwards()[forward])
    return getattr(module, base + "_backward")


RNG = np.random.default_rng(0)


def _r(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


#: one small call per public forward (a new forward without an entry fails the test below)
CALLS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "activation_forward": lambda: activations.activation_forward(_r(3, 4), "tanh"),
    "dense_forward": lambda: dense.dense_forward(_r(3, 4), _r(2, 3), _r(2, 1)),
    "mlp_forward": lambda: dense.mlp_forward(
        _r(3, 4), dense.mlp_init([3, 4, 2], RNG), ["relu", "softmax"]),
    "batchnorm_forward": lambda: batchnorm.batchnorm_forward(_r(5, 3), _r(3), _r(3), None),
    "conv2d_forward": lambda: conv.conv2d_forward(_r(2, 3, 5, 5), _r(4, 3, 3, 3), _r(4), 2, "same"),
    "conv2d_forward_naive": lambda: conv.conv2d_forward_naive(_r(1, 2, 4, 4), _r(3, 2, 2, 2), _r(3)),
    "maxpool_forward": lambda: pooling.maxpool_forward(_r(2, 3, 5, 5), 2, padding="same"),
    "avgpool_forward": lambda: pooling.avgpool_forward(_r(2, 3, 5, 5), 3, 2),
    "rnn_cell_forward": lambda: recurrent.rnn_cell_forward(_r(2, 3), _r(2, 4), _r(3, 4), _r(4, 4), _r(4)),
    "rnn_forward": lambda: recurrent.rnn_forward(_r(2, 5, 3), None, _r(3, 4), _r(4, 4), _r(4)),
    "lstm_cell_forward": lambda: recurrent.lstm_cell_forward(
        _r(2, 3), _r(2, 4), _r(2, 4), _r(3, 16), _r(4, 16), _r(16)),
    "lstm_forward": lambda: recurrent.lstm_forward(
        _r(2, 5, 3), None, None, _r(3, 16), _r(4, 16), _r(16)),
    "gru_cell_forward": lambda: recurrent.gru_cell_forward(
        _r(2, 3), _r(2, 4), _r(3, 12), _r(4, 12), _r(12), _r(12)),
    "gru_forward": lambda: recurrent.gru_forward(_r(2, 5, 3), None, _r(3, 12), _r(4, 12), _r(12), None),
}


def _like(out: Any) -> Any:
    """A random ``dout`` with the structure of ``out`` (an array or a tuple of arrays)."""
    if isinstance(out, tuple):
        return tuple(_like(o) for o in out)
    return _r(*np.shape(out))


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def test_every_forward_has_a_call_here() -> None:
    assert set(_forwards()) == set(CALLS)


@pytest.mark.parametrize("forward", sorted(CALLS))
def test_every_forward_has_a_backward_taking_dout_and_cache(forward: str) -> None:
    backward = _backward_of(forward)
    assert list(inspect.signature(backward).parameters) == ["dout", "cache"], backward.__name__


@pytest.mark.parametrize("forward", sorted(CALLS))
def test_forward_returns_out_and_a_namedtuple_cache(forward: str) -> None:
    result = CALLS[forward]()
    assert isinstance(result, tuple) and len(result) == 2
    out, cache = result
    assert _is_namedtuple(cache), type(cache)
    assert not any(isinstance(v, dict) for v in cache), "no dict inside a cache"
    grads = _backward_of(forward)(_like(out), cache)
    if forward == "mlp_forward":  # keyed like the parameters (conventions.py)
        assert set(grads) == {"dW1", "db1", "dW2", "db2"}
    elif isinstance(grads, tuple):
        assert _is_namedtuple(grads) and all(isinstance(g, np.ndarray) for g in grads)
    else:
        assert isinstance(grads, np.ndarray)


def test_the_lstm_takes_dout_as_dh_and_dc() -> None:
    out, cache = CALLS["lstm_cell_forward"]()
    assert type(out).__name__ == "LSTMOut" and out._fields == ("h", "c")
    dh, dc = _like(out)
    with_dc = recurrent.lstm_cell_backward((dh, dc), cache)
    without = recurrent.lstm_cell_backward((dh, None), cache)
    assert not np.allclose(with_dc.dc_prev, without.dc_prev)


_ITEM = re.compile(r"^- (\**[A-Za-z_][\w]*(?:, \**[A-Za-z_]\w*)*):", re.M)


def _block(doc: str, title: str) -> str:
    """The lines of the block ``title`` (up to the next blank line)."""
    m = re.search(rf"^(?:{title})(?P<body>.*?)(?:\n\s*\n|\Z)", doc, re.M | re.S)
    return m.group("body") if m else ""


@pytest.mark.parametrize("name,fn", _public_functions(), ids=lambda v: v if isinstance(v, str) else "")
def test_docstring_has_inputs_and_returns_blocks(name: str, fn: Callable[..., Any]) -> None:
    doc = inspect.getdoc(fn) or ""
    assert re.search(r"^Inputs:", doc, re.M), f"{name}: no 'Inputs:' block"
    assert re.search(r"^Returns( a tuple of)?:", doc, re.M), f"{name}: no 'Returns:' block"
    params = [p for p in inspect.signature(fn).parameters]
    documented = {n.strip("*") for item in _ITEM.findall(_block(doc, "Inputs:"))
                  for n in item.split(", ")}
    assert set(params) <= documented, f"{name}: undocumented {sorted(set(params) - documented)}"
    if not params:
        assert re.search(r"^Inputs: none", doc, re.M), name
    assert _ITEM.search(_block(doc, r"Returns( a tuple of)?:")), f"{name}: empty Returns block"
