"""The PyTorch path: the course's CNN and RNN blocks in PyTorch, and small models.

This is the only module of :mod:`course.reference` that imports torch (``import
course.reference`` does not import it). It gives:

- :func:`device`: the one place where the device is chosen (``COURSE_DEVICE`` if set,
  e.g. ``cpu`` or ``cuda:0``; otherwise cuda when available, else cpu);
- functional blocks with the reference's conventions (NCHW, Keras 'same' padding with
  TensorFlow's asymmetric split, pooling that ignores padded cells, batch norm with
  Keras's momentum): :func:`conv2d`, :func:`maxpool2d`, :func:`avgpool2d`,
  :func:`batchnorm`;
- weight transfer from the NumPy reference: :func:`load_recurrent` /
  :func:`export_recurrent` (gate order and layout, see
  :mod:`course.reference.recurrent`), :func:`load_conv`, :func:`load_batchnorm`;
- small models, :class:`SmallCNN` and :class:`SmallRNN`, with NumPy twins
  (:func:`small_cnn_numpy`, :func:`small_rnn_numpy`) built from the reference;
- seeded synthetic data (:func:`make_bars_crosses`, :func:`make_sequence_task`;
  nothing is downloaded) and :func:`train`, deterministic on CPU.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference import batchnorm as np_bn
from course.reference import conv as np_conv
from course.reference import pooling as np_pool
from course.reference import recurrent as np_rec
from course.reference.conv import PaddingArg, StrideArg
from course.reference.conventions import BATCHNORM_EPSILON, BATCHNORM_MOMENTUM

ENV_DEVICE = "COURSE_DEVICE"


def device() -> torch.device:
    """The device of the PyTorch path: ``$COURSE_DEVICE`` if set (e.g. ``cpu``, ``cuda:0``), else
    cuda when available, else cpu.

    Inputs: none (reads the environment variable COURSE_DEVICE).

    Returns:
    - dev: a torch.device.
    """
    wanted = os.environ.get(ENV_DEVICE, "").strip()
    if wanted:
        dev = torch.device(wanted)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ParameterError(ENV_DEVICE, text(f"demande {wanted!r} mais aucun GPU CUDA n'est disponible", f"asks for {wanted!r} but no CUDA GPU is available"))
        return dev
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_tensor(a: Any, dev: torch.device | None = None,
              dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A NumPy array as a tensor.

    Inputs:
    - a: an array (any shape).
    - dev: the device; None means :func:`device`.
    - dtype: the tensor's dtype (float64 by default, as the reference).

    Returns:
    - t: a tensor of the shape of a.
    """
    return torch.as_tensor(np.asarray(a), dtype=dtype, device=dev or device())


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """A tensor as a float64 NumPy array (detached, on the CPU).

    Inputs:
    - t: a tensor (any shape, any device).

    Returns:
    - a: a float64 array of the shape of t.
    """
    return t.detach().to("cpu", torch.float64).numpy()


# ---------------------------------------------------------------- CNN blocks

def _explicit_pad(x: torch.Tensor, size: tuple[int, int], stride: tuple[int, int],
                  padding: PaddingArg) -> tuple[int, int, int, int]:
    """(top, bottom, left, right), the reference's rule (conv.resolve_padding)."""
    return np_conv.resolve_padding(padding, tuple(x.shape[2:]), size, stride)


def conv2d(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None, stride: StrideArg = 1,
           padding: PaddingArg = "valid") -> torch.Tensor:
    """Convolution (cross-correlation) like :func:`course.reference.conv.conv2d_forward`: Keras
    'same' padding with TensorFlow's split, the extra row at the bottom (conventions.py), done
    with ``F.pad`` before ``F.conv2d``, so even kernels and strides > 1 give Keras's numbers
    (PyTorch's own ``padding='same'`` is symmetric and refuses strides > 1).

    Inputs:
    - x: (N, C, H, W) input, NCHW.
    - w: (F, C, kh, kw) filters.
    - b: (F,) biases, or None.
    - stride: an int or a pair (sh, sw).
    - padding: 'valid', 'same', an int or a pair.

    Returns:
    - out: (N, F, H', W').
    """
    s = np_conv._pair("stride", stride)
    top, bottom, left, right = _explicit_pad(x, tuple(w.shape[2:]), s, padding)
    return F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride=s)


def maxpool2d(x: torch.Tensor, size: StrideArg, stride: StrideArg | None = None,
              padding: PaddingArg = "valid") -> torch.Tensor:
    """Max pooling like :func:`course.reference.pooling.maxpool_forward` (pads with -inf, so padded
    cells never win; Keras 'same': extra row at the bottom, see conventions.py).

    Inputs:
    - x: (N, C, H, W) input, NCHW.
    - size: pool size, an int or a pair.
    - stride: an int or a pair; None means the pool size.
    - padding: 'valid', 'same', an int or a pair.

    Returns:
    - out: (N, C, H', W').
    """
    k = np_conv._pair("size", size)
    s = k if stride is None else np_conv._pair("stride", stride)
    top, bottom, left, right = _explicit_pad(x, k, s, padding)
    xp = F.pad(x, (left, right, top, bottom), value=float("-inf"))
    return F.max_pool2d(xp, k, s)


def avgpool2d(x: torch.Tensor, size: StrideArg, stride: StrideArg | None = None,
              padding: PaddingArg = "valid") -> torch.Tensor:
    """Average pooling over the real cells only, like :func:`course.reference.pooling.avgpool_forward`
    (Keras 'same' with any padding split).

    Inputs:
    - x: (N, C, H, W) input, NCHW.
    - size: pool size, an int or a pair.
    - stride: an int or a pair; None means the pool size.
    - padding: 'valid', 'same', an int or a pair.

    Returns:
    - out: (N, C, H', W').
    """
    k = np_conv._pair("size", size)
    s = k if stride is None else np_conv._pair("stride", stride)
    top, bottom, left, right = _explicit_pad(x, k, s, padding)
    pads = (left, right, top, bottom)
    sums = F.avg_pool2d(F.pad(x, pads), k, s, divisor_override=1)
    ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
    counts = F.avg_pool2d(F.pad(ones, pads), k, s, divisor_override=1)
    return sums / counts


def batchnorm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor,
              moving_mean: torch.Tensor, moving_var: torch.Tensor, train: bool = True,
              momentum: float = BATCHNORM_MOMENTUM,
              eps: float = BATCHNORM_EPSILON) -> torch.Tensor:
    """Batch norm with Keras's momentum (``torch momentum = 1 - momentum``, conventions.py). In
    training the moving statistics are updated **in place**, with PyTorch's unbiased batch
    variance (the reference's ``batchnorm_update_state(..., unbiased=True)``).

    Inputs:
    - x: (N, D) or (N, C, H, W).
    - gamma: (D,) or (C,) scale.
    - beta: (D,) or (C,) shift.
    - moving_mean: (D,) or (C,) tensor, updated in place in training.
    - moving_var: (D,) or (C,) tensor, updated in place in training.
    - train: batch statistics (True) or moving statistics (False).
    - momentum: Keras's momentum (weight of the old moving value).
    - eps: added to the variance.

    Returns:
    - out: the shape of x.
    """
    return F.batch_norm(x, moving_mean, moving_var, gamma, beta, training=train,
                        momentum=1.0 - momentum, eps=eps)


class Conv2d(nn.Module):
    """``nn.Conv2d`` whose padding may be Keras's 'same' (TensorFlow split) or 'valid'."""

    def __init__(self, c_in: int, filters: int, kernel_size: StrideArg, stride: StrideArg = 1,
                 padding: PaddingArg = "valid") -> None:
        super().__init__()
        k = np_conv._pair("kernel_size", kernel_size)
        self.inner = nn.Conv2d(c_in, filters, k, stride=stride, padding=0)
        self.stride, self.padding = stride, padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv2d(x, self.inner.weight, self.inner.bias, self.stride, self.padding)


def load_conv(module: nn.Conv2d | Conv2d, w: np.ndarray, b: np.ndarray) -> None:
    """Copy reference filters and biases into a conv module (in place).

    Inputs:
    - module: an ``nn.Conv2d`` or a :class:`Conv2d`.
    - w: (F, C, kh, kw) filters.
    - b: (F,) biases.

    Returns:
    - None: the module's weight and bias now hold w and b.
    """
    inner = module.inner if isinstance(module, Conv2d) else module
    if tuple(inner.weight.shape) != np.shape(w):
        raise ParameterError("w", text(f"forme {np.shape(w)} != celle du module, {tuple(inner.weight.shape)}", f"shape {np.shape(w)} != module's {tuple(inner.weight.shape)}"))
    with torch.no_grad():
        inner.weight.copy_(torch.as_tensor(np.asarray(w), dtype=inner.weight.dtype))
        inner.bias.copy_(torch.as_tensor(np.asarray(b), dtype=inner.bias.dtype))


def load_batchnorm(module: nn.modules.batchnorm._BatchNorm, gamma: np.ndarray, beta: np.ndarray,
                   state: np_bn.BatchNormState) -> None:
    """Copy gamma, beta and the moving statistics into an ``nn.BatchNorm1d/2d`` (in place).

    Inputs:
    - module: the batch-norm module.
    - gamma: (D,) scale.
    - beta: (D,) shift.
    - state: a :class:`course.reference.batchnorm.BatchNormState`.

    Returns:
    - None: the module's weight, bias, running_mean and running_var now hold them.
    """
    with torch.no_grad():
        for target, value in ((module.weight, gamma), (module.bias, beta),
                              (module.running_mean, state.moving_mean),
                              (module.running_var, state.moving_var)):
            target.copy_(torch.as_tensor(np.asarray(value), dtype=target.dtype))


def keras_batchnorm(features: int, images: bool = True, momentum: float = BATCHNORM_MOMENTUM,
                    eps: float = BATCHNORM_EPSILON) -> nn.Module:
    """``nn.BatchNorm2d`` (or 1d) configured like Keras (003 defaults, conventions.py).

    Inputs:
    - features: C (or D).
    - images: BatchNorm2d (True) or BatchNorm1d (False).
    - momentum: Keras's momentum (PyTorch gets ``1 - momentum``).
    - eps: added to the variance.

    Returns:
    - module: the batch-norm module.
    """
    cls = nn.BatchNorm2d if images else nn.BatchNorm1d
    return cls(features, eps=eps, momentum=1.0 - momentum)


# ---------------------------------------------------------------- RNN blocks

_CELLS = {"rnn": (nn.RNN, nn.RNNCell), "lstm": (nn.LSTM, nn.LSTMCell), "gru": (nn.GRU, nn.GRUCell)}


def _suffix(module: nn.Module) -> str:
    return "_l0" if isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)) else ""


def load_recurrent(module: nn.Module, cell: str, params: dict[str, np.ndarray]) -> None:
    """Copy reference weights (Keras layout, :mod:`course.reference.recurrent`) into a torch RNN
    (in place); gate order and transposition by :func:`recurrent.to_torch_layout`.

    Inputs:
    - module: an ``nn.RNN/LSTM/GRU`` (its first layer) or ``nn.RNNCell/LSTMCell/GRUCell``.
    - cell: "rnn", "lstm" or "gru".
    - params: ``{"Wx" (D, g H), "Wh" (H, g H), "b" (g H,)}`` or, for gru, ``"bx"``, ``"bh"``.

    Returns:
    - None: the module's weight_ih, weight_hh, bias_ih, bias_hh now hold them.
    """
    tensors = np_rec.to_torch_layout(cell, params)
    sfx = _suffix(module)
    with torch.no_grad():
        for name, value in tensors.items():
            target = getattr(module, name + sfx)
            if tuple(target.shape) != value.shape:
                raise ParameterError(name, text(f"forme {value.shape} != celle du module, {tuple(target.shape)}", f"shape {value.shape} != module's {tuple(target.shape)}"))
            target.copy_(torch.as_tensor(value, dtype=target.dtype))


def export_recurrent(module: nn.Module, cell: str) -> dict[str, np.ndarray]:
    """The reference weights (Keras layout, float64) of a torch RNN module or cell.

    Inputs:
    - module: an ``nn.RNN/LSTM/GRU`` (its first layer) or ``nn.RNNCell/LSTMCell/GRUCell``.
    - cell: "rnn", "lstm" or "gru".

    Returns:
    - params: ``{"Wx", "Wh", "b"}`` or, for gru, ``{"Wx", "Wh", "bx", "bh"}``
      (:func:`recurrent.from_torch_layout`).
    """
    sfx = _suffix(module)
    arrays = [to_numpy(getattr(module, n + sfx))
              for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    return np_rec.from_torch_layout(cell, *arrays)


# -------------------------------------------------------------------- models

class SmallCNN(nn.Module):
    """conv3x3 'same' -> ReLU -> maxpool 2 -> conv3x3 'same' -> ReLU -> maxpool 2 -> dense.

    Input (N, 1, size, size) with size divisible by 4; output logits (N, classes).
    """

    def __init__(self, size: int = 8, channels: tuple[int, int] = (4, 8), classes: int = 3,
                 seed: int = 0) -> None:
        super().__init__()
        if size % 4:
            raise ParameterError("size", text(f"doit être divisible par 4, reçu : {size}", f"must be divisible by 4, got {size}"))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.conv1 = Conv2d(1, channels[0], 3, padding="same")
            self.conv2 = Conv2d(channels[0], channels[1], 3, padding="same")
            self.fc = nn.Linear(channels[1] * (size // 4) ** 2, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = maxpool2d(torch.relu(self.conv1(x)), 2)
        x = maxpool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Load {"conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc.W" (out, in), "fc.b"}."""
        load_conv(self.conv1, params["conv1.w"], params["conv1.b"])
        load_conv(self.conv2, params["conv2.w"], params["conv2.b"])
        with torch.no_grad():
            self.fc.weight.copy_(torch.as_tensor(params["fc.W"], dtype=self.fc.weight.dtype))
            self.fc.bias.copy_(torch.as_tensor(params["fc.b"], dtype=self.fc.bias.dtype))

    def numpy_params(self) -> dict[str, np.ndarray]:
        """The model's weights as reference arrays (keys of :meth:`load_numpy`)."""
        return {"conv1.w": to_numpy(self.conv1.inner.weight),
                "conv1.b": to_numpy(self.conv1.inner.bias),
                "conv2.w": to_numpy(self.conv2.inner.weight),
                "conv2.b": to_numpy(self.conv2.inner.bias),
                "fc.W": to_numpy(self.fc.weight), "fc.b": to_numpy(self.fc.bias)}


def small_cnn_numpy(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """:class:`SmallCNN`'s forward pass with the NumPy reference (conv2d_forward 'same', ReLU,
    maxpool_forward 2, twice, then the dense layer).

    Inputs:
    - params: ``{"conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc.W" (classes, in), "fc.b"}``.
    - x: (N, 1, size, size) images, NCHW.

    Returns:
    - logits: (N, classes).
    """
    a, _ = np_conv.conv2d_forward(x, params["conv1.w"], params["conv1.b"], padding="same")
    a, _ = np_pool.maxpool_forward(np.maximum(a, 0.0), 2)
    a, _ = np_conv.conv2d_forward(a, params["conv2.w"], params["conv2.b"], padding="same")
    a, _ = np_pool.maxpool_forward(np.maximum(a, 0.0), 2)
    return a.reshape(a.shape[0], -1) @ params["fc.W"].T + params["fc.b"]


class SmallRNN(nn.Module):
    """A recurrent layer (rnn, lstm or gru; batch first) and a dense layer on the last h."""

    def __init__(self, cell: str = "lstm", input_size: int = 1, hidden: int = 16,
                 classes: int = 2, seed: int = 0) -> None:
        super().__init__()
        if cell not in _CELLS:
            raise ParameterError("cell", text(f"doit être l'un de {sorted(_CELLS)}, reçu : {cell!r}", f"must be one of {sorted(_CELLS)}, got {cell!r}"))
        self.cell = cell
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.rnn = _CELLS[cell][0](input_size, hidden, batch_first=True)
            self.fc = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Load reference recurrent weights (Wx, Wh, b | bx, bh) and "fc.W", "fc.b"."""
        load_recurrent(self.rnn, self.cell, params)
        with torch.no_grad():
            self.fc.weight.copy_(torch.as_tensor(params["fc.W"], dtype=self.fc.weight.dtype))
            self.fc.bias.copy_(torch.as_tensor(params["fc.b"], dtype=self.fc.bias.dtype))

    def numpy_params(self) -> dict[str, np.ndarray]:
        """The model's weights as reference arrays (keys of :meth:`load_numpy`)."""
        params = export_recurrent(self.rnn, self.cell)
        params.update({"fc.W": to_numpy(self.fc.weight), "fc.b": to_numpy(self.fc.bias)})
        return params


def small_rnn_numpy(cell: str, params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """:class:`SmallRNN`'s forward pass with the NumPy reference: the recurrent layer, then the
    dense layer on the last state.

    Inputs:
    - cell: "rnn", "lstm" or "gru".
    - params: the recurrent weights (``"Wx", "Wh", "b"`` or ``"bx", "bh"``) and "fc.W", "fc.b".
    - x: (N, T, D) sequences, batch first.

    Returns:
    - logits: (N, classes).
    """
    if cell == "rnn":
        h, _ = np_rec.rnn_forward(x, None, params["Wx"], params["Wh"], params["b"])
    elif cell == "lstm":
        (h, _), _ = np_rec.lstm_forward(x, None, None, params["Wx"], params["Wh"], params["b"])
    elif cell == "gru":
        h, _ = np_rec.gru_forward(x, None, params["Wx"], params["Wh"], params["bx"], params["bh"])
    else:
        raise ParameterError("cell", text(f"doit être 'rnn', 'lstm' ou 'gru', reçu : {cell!r}", f"must be 'rnn', 'lstm' or 'gru', got {cell!r}"))
    return h[:, -1] @ params["fc.W"].T + params["fc.b"]


# ---------------------------------------------------------------------- data



def make_bars_crosses(n: int, size: int = 8, seed: int = 0,
                      noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Tiny seeded images: class 0 a horizontal bar, 1 a vertical bar, 2 a cross, at random rows
    and columns, plus Gaussian noise (nothing is downloaded).

    Inputs:
    - n: number of images.
    - size: side of the images (>= 3).
    - seed: seed of the private generator.
    - noise: standard deviation of the noise.

    Returns a tuple of:
    - X: (n, 1, size, size) float64, NCHW.
    - y: (n,) labels in {0, 1, 2}.
    """
    if n <= 0 or size < 3:
        raise ParameterError("n" if n <= 0 else "size", text("n doit être > 0 et size >= 3", "n must be > 0 and size >= 3"))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    X = noise * rng.standard_normal((n, 1, size, size))
    rows = rng.integers(1, size - 1, size=n)
    cols = rng.integers(1, size - 1, size=n)
    for k in range(n):
        if y[k] in (0, 2):
            X[k, 0, rows[k], :] += 1.0
        if y[k] in (1, 2):
            X[k, 0, :, cols[k]] += 1.0
    return X, y


def make_sequence_task(n: int, steps: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded sequences of N(0, 1) values, labelled 1 when their sum is positive.

    Inputs:
    - n: number of sequences.
    - steps: T, the length of each sequence.
    - seed: seed of the private generator.

    Returns a tuple of:
    - X: (n, steps, 1) float64, batch first.
    - y: (n,) int64 labels in {0, 1}.
    """
    if n <= 0 or steps <= 0:
        raise ParameterError("n" if n <= 0 else "steps", text("doit être > 0", "must be > 0"))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, steps, 1))
    return X, (X.sum(axis=(1, 2)) > 0).astype(np.int64)


# ------------------------------------------------------------------ training

def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """Share of examples whose arg-max logit is the label.

    Inputs:
    - model: a module returning (N, classes) logits.
    - X: inputs of the model (N first).
    - y: (N,) labels.

    Returns:
    - acc: a float in [0, 1].
    """
    p = next(model.parameters())
    with torch.no_grad():
        logits = model(torch.as_tensor(X, dtype=p.dtype, device=p.device))
    return float((logits.argmax(dim=1).cpu().numpy() == np.asarray(y)).mean())


def train(model: nn.Module, data: tuple[np.ndarray, ...], epochs: int = 20,
          lr: float = 0.01, seed: int = 0, batch_size: int = 32) -> float:
    """Train with Adam and cross-entropy. The model stays on its device and dtype; batches are
    shuffled with a private generator seeded by ``seed``, so a run is deterministic on CPU.

    Inputs:
    - model: a module returning (N, classes) logits; trained in place.
    - data: ``(X, y)`` (accuracy on it) or ``(X_train, y_train, X_test, y_test)`` (accuracy on
      the test part).
    - epochs: passes over the training data.
    - lr: Adam's learning rate.
    - seed: seed of the shuffling.
    - batch_size: examples per step.

    Returns:
    - acc: the accuracy after training (float).
    """
    if len(data) not in (2, 4):
        raise ParameterError("data", text("attendu (X, y) ou (X_train, y_train, X_test, y_test)", "expected (X, y) or (X_train, y_train, X_test, y_test)"))
    if epochs <= 0 or batch_size <= 0 or lr <= 0:
        raise ParameterError("epochs", text("epochs, batch_size et lr doivent être > 0", "epochs, batch_size and lr must be > 0"))
    X, y = data[0], data[1]
    p = next(model.parameters())
    Xt = torch.as_tensor(X, dtype=p.dtype, device=p.device)
    yt = torch.as_tensor(y, dtype=torch.long, device=p.device)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=gen).to(p.device)
        for start in range(0, len(Xt), batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    model.eval()
    X_eval, y_eval = (data[2], data[3]) if len(data) == 4 else (X, y)
    return accuracy(model, X_eval, y_eval)
