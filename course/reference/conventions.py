"""Every convention of the course, in one place (DESIGN.md rule 4).

Output sizes
------------
The course (003, "Conv2D" and "Pooling") teaches the Keras/TensorFlow formulas:

- Conv2D, ``padding='valid'``: ``ceil((H - F + 1) / s)``
- Conv2D, ``padding='same'``:  ``ceil(H / s)``
- pooling, ``padding='valid'``: ``floor((H - P) / s) + 1``
- pooling, ``padding='same'``:  ``floor((H - 1) / s) + 1``

(The two valid formulas are equal for integers; both are kept because the course
writes them both.) The general PyTorch formula with explicit padding ``p`` and
dilation ``d`` is ``floor((H + 2p - d (F - 1) - 1) / s) + 1``.

'same' padding is split as TensorFlow does: total ``max((out - 1) s + F - H, 0)``,
``top = total // 2``, ``bottom = total - top`` (the extra row goes at the bottom/right).

Parameter counts
----------------
- Dense: ``(n_in + 1) * n_out``; an MLP with layer sizes n[0..L]: ``sum (n[l-1] + 1) n[l]``.
- Conv2D: ``(kh * kw * c_in + 1) * filters``.
- BatchNorm: 2 trainable (gamma, beta) + 2 non-trainable (moving mean, variance) per channel.
- Recurrent layers with ``g`` gates (RNN 1, GRU 3, LSTM 4), input size ``n``, units ``u``:
  Keras: ``g * (u * (n + u) + u)`` (one bias vector per gate); GRU with
  ``reset_after=True`` (the Keras default): ``3 * (u * (n + u) + 2u)``;
  PyTorch: ``g * (u * (n + u) + 2u)`` (``b_ih`` and ``b_hh``).

Layout of each module
---------------------
- Layer count (002, "Réseau de neurones à 2 couches (par convention)"): the input layer is not
  counted; a network with layer sizes n[0..L] has L layers (L - 1 hidden and one output):
  :func:`mlp_depth`.
- Notation (001): ``x_j^(i)`` is feature j of example i; ``a_j^[l](i)`` is the activation of
  neuron j of layer l for example i (``[l]`` a layer, ``(i)`` an example, the subscript a
  neuron or a feature).
- Dense layers and MLPs (:mod:`~course.reference.dense`), activations and losses: the
  course's column layout (001). ``X = A[0]`` is ``n[0] x m`` (one example per column),
  ``W[l]`` is ``n[l] x n[l-1]``, ``b[l]`` is ``n[l] x 1`` broadcast over the columns,
  ``Z[l]`` and ``A[l]`` are ``n[l] x m``; ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``.
  Softmax and the losses read the classes (outputs) along axis 0, ``C x m``, and every loss
  is the mean over the m columns.
- Convolution and pooling (:mod:`~course.reference.conv`, :mod:`~course.reference.pooling`):
  NCHW, like PyTorch, unless an exercise says otherwise. ``x`` is (N, C, H, W); Conv2D
  filters ``w`` are (F, C, kh, kw) (PyTorch's ``weight``), biases ``b`` (F,), the output
  (N, F, H', W'); pooling keeps the channels, (N, C, H', W').
- Batch normalisation (:mod:`~course.reference.batchnorm`): one example per row, x (N, D),
  or NCHW images (N, C, H, W) with one statistic per channel (PyTorch ``BatchNorm2d``);
  gamma, beta and the moving statistics are (D,) or (C,).
- Recurrent layers (:mod:`~course.reference.recurrent`): batch first (Keras, PyTorch with
  ``batch_first=True``). A sequence ``x`` is (N, T, D), one step ``x_t`` (N, D), the states
  ``h`` and ``c`` (N, H), the outputs over a sequence (N, T, H). Weights are in the Keras
  layout, one row per input: ``Wx`` (D, g H), ``Wh`` (H, g H), biases (g H,), the gate
  blocks side by side along the columns (LSTM i, f, g, o; GRU z, r, n), so that a step is
  ``x_t @ Wx + h_prev @ Wh + b``.
- The perceptron (:mod:`~course.reference.perceptron`): one observation per row, X (n, p),
  w (p,), as in 003's tables. Simple regression (:mod:`~course.reference.linreg`): 1-D x and
  y of n values (004). Metrics (:mod:`~course.reference.metrics`): 1-D label vectors; the
  confusion matrix has one row per true class.

The API of the layers (cs231n's layers.py)
------------------------------------------
- ``*_forward(...)`` returns ``(out, cache)``; ``*_backward(dout, cache)`` returns the
  gradients with respect to the forward's array inputs, in the order of its arguments: one
  array for a one-input layer (activations, pooling), a NamedTuple of arrays otherwise
  (``DenseGrads(dA_prev, dW, db)``, ...), and for the whole MLP a dict ``{"dW1", "db1", ...}``
  keyed like its parameters.
- ``dout`` has the structure of ``out``: the LSTM's ``out`` is ``LSTMOut(h, c)``, so its
  backward takes ``dout = (dh, dc)``.
- Caches are NamedTuples with named fields (they unpack like tuples); they hold what the
  backward needs.
- Nothing is mutated. Batch normalisation's moving statistics are not an output of the
  layer: :func:`~course.reference.batchnorm.batchnorm_update_state` computes the new ones from
  the forward's cache (cs231n updates them in place in ``bn_param``).
- Every public function's docstring has an ``Inputs:`` block (one ``- name: ...`` line per
  argument, with its shape) and a ``Returns`` block (``Returns:`` or ``Returns a tuple of:``).

Other conventions
-----------------
- Heaviside: ``f(Y) = 1 if Y >= 0 else 0`` (003).
- Batch normalisation defaults from 003 (Keras): ``momentum = 0.99``, ``epsilon = 1e-3``;
  moving statistics: ``moving = momentum * moving + (1 - momentum) * batch``.
- Adam uses the standard bias correction ``m / (1 - beta1 ** t)`` (003 prints
  ``m / (1 - beta1)``, a slip).
"""

from __future__ import annotations

import math
from typing import Literal

from course.base.errors import ParameterError
from course.base.i18n import text

Padding = Literal["valid", "same"]
Convention = Literal["keras", "torch"]
Cell = Literal["rnn", "lstm", "gru"]

HEAVISIDE_AT_ZERO = 1
BATCHNORM_MOMENTUM = 0.99
BATCHNORM_EPSILON = 1e-3
GATES: dict[str, int] = {"rnn": 1, "gru": 3, "lstm": 4}


def _check_positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ParameterError(name, text(f"doit être un entier positif, reçu : {value!r}", f"must be a positive integer, got {value!r}"))


def conv_output_size(h: int, f: int, stride: int = 1, padding: Padding = "valid") -> int:
    """Conv2D output size along one axis, Keras convention (003).

    valid: ``ceil((h - f + 1) / stride)``; same: ``ceil(h / stride)`` (see the module docstring).

    Inputs:
    - h: input size along the axis (pixels).
    - f: kernel size along the axis.
    - stride: step of the kernel.
    - padding: 'valid' (none) or 'same' (Keras, TensorFlow's split).

    Returns:
    - size: the output size along the axis (int).

    Raises ParameterError (a ValueError) when the kernel is larger than the input with 'valid'.
    """
    _check_positive("size", h)
    _check_positive("kernel", f)
    _check_positive("stride", stride)
    if padding == "valid":
        if f > h:
            raise ParameterError("kernel", text(f"{f} est plus grand que l'entrée {h} avec padding='valid'", f"{f} is larger than the input {h} with padding='valid'"))
        return math.ceil((h - f + 1) / stride)
    if padding == "same":
        return math.ceil(h / stride)
    raise ParameterError("padding", text(f"doit être 'valid' ou 'same', reçu : {padding!r}", f"must be 'valid' or 'same', got {padding!r}"))


def pool_output_size(h: int, p: int, stride: int | None = None, padding: Padding = "valid") -> int:
    """Pooling output size along one axis, Keras convention (003).

    valid: ``floor((h - p) / stride) + 1``; same: ``floor((h - 1) / stride) + 1``.

    Inputs:
    - h: input size along the axis (pixels).
    - p: pool size along the axis.
    - stride: step of the window; None means the pool size, as in Keras.
    - padding: 'valid' (none) or 'same' (Keras).

    Returns:
    - size: the output size along the axis (int).
    """
    stride = p if stride is None else stride
    _check_positive("size", h)
    _check_positive("pool size", p)
    _check_positive("stride", stride)
    if padding == "valid":
        if p > h:
            raise ParameterError("size", text(f"la taille de pooling {p} est plus grande que l'entrée {h} avec padding='valid'", f"pool size {p} is larger than the input {h} with padding='valid'"))
        return (h - p) // stride + 1
    if padding == "same":
        return (h - 1) // stride + 1
    raise ParameterError("padding", text(f"doit être 'valid' ou 'same', reçu : {padding!r}", f"must be 'valid' or 'same', got {padding!r}"))


def general_output_size(h: int, f: int, stride: int = 1, pad: int = 0, dilation: int = 1) -> int:
    """Output size along one axis, PyTorch's formula
    ``floor((h + 2 pad - dilation (f - 1) - 1) / stride) + 1``.

    Inputs:
    - h: input size along the axis (pixels).
    - f: kernel size along the axis.
    - stride: step of the kernel.
    - pad: zeros added on each side (PyTorch's symmetric ``padding``).
    - dilation: spacing between the kernel's cells.

    Returns:
    - size: the output size along the axis (int).
    """
    _check_positive("size", h)
    _check_positive("kernel", f)
    _check_positive("stride", stride)
    _check_positive("dilation", dilation)
    if pad < 0:
        raise ParameterError("padding", text(f"doit être >= 0, reçu : {pad}", f"must be >= 0, got {pad}"))
    span = dilation * (f - 1) + 1
    if span > h + 2 * pad:
        raise ParameterError("kernel", text(f"l'étendue {span} dépasse l'entrée complétée {h + 2 * pad}", f"span {span} is larger than the padded input {h + 2 * pad}"))
    return (h + 2 * pad - dilation * (f - 1) - 1) // stride + 1


def same_padding(h: int, f: int, stride: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' split along one axis: total ``max((ceil(h / stride) - 1) stride + f - h, 0)``,
    the extra one after (at the bottom/right).

    Inputs:
    - h: input size along the axis (pixels).
    - f: kernel (or pool) size along the axis.
    - stride: step of the window.

    Returns a tuple of:
    - before: zeros before the input (top/left), ``total // 2``.
    - after: zeros after the input (bottom/right), ``total - before``.
    """
    out = math.ceil(h / stride)
    total = max((out - 1) * stride + f - h, 0)
    return total // 2, total - total // 2


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Parameters of a dense layer: ``n_in * n_out`` weights + ``n_out`` biases.

    Inputs:
    - n_in: input size n[l-1].
    - n_out: number of neurons n[l].
    - bias: whether the layer has biases.

    Returns:
    - count: the number of parameters (int).
    """
    return n_in * n_out + (n_out if bias else 0)


def mlp_params(layers: list[int] | tuple[int, ...], bias: bool = True) -> int:
    """Total parameters of an MLP, ``sum (n[l-1] + 1) n[l]`` (001: 2-3-1 -> 13).

    Inputs:
    - layers: the layer sizes ``[n0, n1, ..., nL]`` (input first).
    - bias: whether the layers have biases.

    Returns:
    - count: the number of parameters (int).
    """
    if len(layers) < 2:
        raise ParameterError("layers", text("un MLP demande au moins une couche d'entrée et une couche de sortie", "an MLP needs at least an input and an output layer"))
    for n in layers:
        _check_positive("layer size", n)
    return sum(dense_params(a, b, bias) for a, b in zip(layers[:-1], layers[1:]))


def mlp_depth(layers: list[int] | tuple[int, ...]) -> int:
    """The number of layers of an MLP, the input layer not counted (002).

    Inputs:
    - layers: the sizes n[0], ..., n[L].

    Returns:
    - L: the number of layers (hidden and output).
    """
    if len(layers) < 2:
        raise ParameterError("layers", text("demande au moins une couche d'entrée et une couche de sortie", "needs at least an input and an output layer"))
    for n in layers:
        _check_positive("layers", n)
    return len(layers) - 1


def conv2d_params(kh: int, kw: int, c_in: int, filters: int, bias: bool = True) -> int:
    """Conv2D parameters: ``(kh * kw * c_in + 1) * filters`` (003).

    Inputs:
    - kh, kw: kernel height and width.
    - c_in: input channels.
    - filters: output channels (number of filters).
    - bias: whether the layer has one bias per filter.

    Returns:
    - count: the number of parameters (int).
    """
    return (kh * kw * c_in + (1 if bias else 0)) * filters


def batchnorm_params(channels: int) -> tuple[int, int]:
    """BatchNorm parameters of one layer: gamma and beta (trainable), moving mean and
    variance (non-trainable), one of each per channel (003, Keras).

    Inputs:
    - channels: features (D) or channels (C) normalised.

    Returns a tuple of:
    - trainable: 2C.
    - non_trainable: 2C.
    """
    return 2 * channels, 2 * channels


def rnn_params(
    cell: Cell, input_size: int, units: int, convention: Convention = "keras",
    reset_after: bool = True,
) -> int:
    """Parameters of a recurrent layer (formulas in the module docstring).

    Inputs:
    - cell: "rnn", "lstm" or "gru".
    - input_size: n, the size of one input vector x_t.
    - units: u, the size of the state h.
    - convention: "keras" (one bias vector per gate) or "torch" (``b_ih`` and ``b_hh``).
    - reset_after: Keras GRU only; True is the Keras 2+ default (two bias vectors).

    Returns:
    - count: the number of parameters (int).
    """
    if cell not in GATES:
        raise ParameterError("cell", text(f"doit être l'un de {sorted(GATES)}, reçu : {cell!r}", f"must be one of {sorted(GATES)}, got {cell!r}"))
    _check_positive("input size", input_size)
    _check_positive("units", units)
    g = GATES[cell]
    weights = g * units * (input_size + units)
    if convention == "torch":
        return weights + 2 * g * units
    if convention == "keras":
        two_biases = cell == "gru" and reset_after
        return weights + (2 if two_biases else 1) * g * units
    raise ParameterError("convention", text(f"doit être 'keras' ou 'torch', reçu : {convention!r}", f"must be 'keras' or 'torch', got {convention!r}"))


def iterations_per_epoch(n: int, batch_size: int) -> int:
    """Mini-batch iterations per epoch: ``ceil(n / batch_size)`` (003).

    Inputs:
    - n: number of observations.
    - batch_size: observations per mini-batch.

    Returns:
    - iterations: weight updates per epoch (int).
    """
    _check_positive("n", n)
    _check_positive("batch_size", batch_size)
    return math.ceil(n / batch_size)
