"""2-D convolution (cross-correlation, like Keras and PyTorch), NCHW.

Shapes
------
``x``: (N, C, H, W) input; ``w``: (F, C, kh, kw) filters; ``b``: (F,) biases;
``out``: (N, F, H', W') with ``out[n, f, i, j] = b[f] + sum_{c, u, v}
xpad[n, c, i * sh + u, j * sw + v] * w[f, c, u, v]`` (course 003, "Convolution simple"
and "Convolution en volume": multiply element by element, add the channels, add the bias).

Padding
-------
``'valid'`` (no padding), ``'same'`` (Keras/TensorFlow: total padding
``max((ceil(H / s) - 1) s + k - H, 0)``, the extra row/column at the bottom/right, see
:func:`course.reference.conventions.same_padding`), an int ``p`` (p zeros on each side,
PyTorch's ``padding=p``) or a pair ``(ph, pw)``. Output sizes are those of
:mod:`course.reference.conventions` (Keras formulas for 'valid'/'same', PyTorch's general
formula for explicit padding).

``stride`` is an int or a pair ``(sh, sw)``.

API (conventions.py, "The API of the layers"): :func:`conv2d_forward` (im2col) and
:func:`conv2d_forward_naive` (the loops of the course) return ``(out, Conv2DCache)``;
:func:`conv2d_backward` takes ``(dout, cache)`` from either and returns ``Conv2DGrads``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference import conventions

PaddingArg = str | int | tuple[int, int]
StrideArg = int | tuple[int, int]


class Conv2DCache(NamedTuple):
    """What :func:`conv2d_backward` needs from a convolution forward."""

    x_shape: tuple[int, ...]  #: (N, C, H, W), the input's shape
    w: np.ndarray  #: (F, C, kh, kw) filters
    stride: tuple[int, int]  #: (sh, sw)
    pads: tuple[int, int, int, int]  #: zeros added (top, bottom, left, right)
    xpad: np.ndarray  #: (N, C, H + top + bottom, W + left + right) the padded input


class Conv2DGrads(NamedTuple):
    """The gradients of a convolution, in the order of the forward's arguments."""

    dx: np.ndarray  #: (N, C, H, W)
    dw: np.ndarray  #: (F, C, kh, kw)
    db: np.ndarray  #: (F,)


def _pair(name: str, value: int | tuple[int, int]) -> tuple[int, int]:
    """(a, b) from an int or a pair of positive ints; ParameterError otherwise."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        pair = (int(value[0]), int(value[1]))
    else:
        raise ParameterError(name, text(f"attendu un entier ou une paire d'entiers, reçu : {value!r}", f"expected an int or a pair of ints, got {value!r}"))
    if min(pair) <= 0:
        raise ParameterError(name, text(f"doit être positif, reçu : {value!r}", f"must be positive, got {value!r}"))
    return pair


def resolve_padding(
    padding: PaddingArg, size: tuple[int, int], kernel: tuple[int, int],
    stride: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Explicit zero padding for a padding argument; shared by convolution and pooling.

    Keras 'same' padding uses TensorFlow's split, the extra row/column at the bottom/right
    (conventions.same_padding); an int or a pair is symmetric (PyTorch's ``padding``).

    Inputs:
    - padding: 'valid', 'same', an int p or a pair (ph, pw).
    - size: (H, W) of the input.
    - kernel: (kh, kw) of the kernel or pool window.
    - stride: (sh, sw).

    Returns a tuple of:
    - top, bottom, left, right: zeros added on each side (ints).
    """
    (h, w), (kh, kw), (sh, sw) = size, kernel, stride
    if isinstance(padding, str):
        if padding == "valid":
            if kh > h or kw > w:
                raise ParameterError(
                    "padding", text(f"le noyau {kh}x{kw} est plus grand que l'entrée {h}x{w} avec 'valid'", f"kernel {kh}x{kw} is larger than the input {h}x{w} with 'valid'"))
            return 0, 0, 0, 0
        if padding == "same":
            top, bottom = conventions.same_padding(h, kh, sh)
            left, right = conventions.same_padding(w, kw, sw)
            return top, bottom, left, right
        raise ParameterError("padding", text(f"doit être 'valid', 'same', un entier ou une paire, reçu : {padding!r}", f"must be 'valid', 'same', an int or a pair, got {padding!r}"))
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        ph = pw = int(padding)
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        ph, pw = int(padding[0]), int(padding[1])
    else:
        raise ParameterError("padding", text(f"doit être 'valid', 'same', un entier ou une paire, reçu : {padding!r}", f"must be 'valid', 'same', an int or a pair, got {padding!r}"))
    if ph < 0 or pw < 0:
        raise ParameterError("padding", text(f"doit être >= 0, reçu : {padding!r}", f"must be >= 0, got {padding!r}"))
    if kh > h + 2 * ph or kw > w + 2 * pw:
        raise ParameterError("padding", text(f"le noyau {kh}x{kw} est plus grand que l'entrée complétée", f"kernel {kh}x{kw} is larger than the padded input"))
    return ph, ph, pw, pw


def _check_shapes(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> None:
    if x.ndim != 4:
        raise ParameterError("x", text(f"attendu (N, C, H, W), reçu la forme {x.shape}", f"expected (N, C, H, W), got shape {x.shape}"))
    if w.ndim != 4:
        raise ParameterError("w", text(f"attendu (F, C, kh, kw), reçu la forme {w.shape}", f"expected (F, C, kh, kw), got shape {w.shape}"))
    if w.shape[1] != x.shape[1]:
        raise ParameterError("w", text(f"a {w.shape[1]} canaux d'entrée, x en a {x.shape[1]}", f"has {w.shape[1]} input channels, x has {x.shape[1]}"))
    if b.shape != (w.shape[0],):
        raise ParameterError("b", text(f"attendu la forme ({w.shape[0]},), reçu : {b.shape}", f"expected shape ({w.shape[0]},), got {b.shape}"))


def _prepare(
    x: Any, w: Any, b: Any, stride: StrideArg, padding: PaddingArg,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int], tuple[int, int, int, int],
           np.ndarray, int, int]:
    """Validated float64 (x, w, b), the stride pair, the pads, the padded x and (H', W')."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    _check_shapes(x, w, b)
    s = _pair("stride", stride)
    pads = resolve_padding(padding, x.shape[2:], w.shape[2:], s)
    top, bottom, left, right = pads
    xpad = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right))) if any(pads) else x
    kh, kw = w.shape[2:]
    ho = (xpad.shape[2] - kh) // s[0] + 1
    wo = (xpad.shape[3] - kw) // s[1] + 1
    if isinstance(padding, str):  # the course's (Keras) formulas give the same sizes
        assert ho == conventions.conv_output_size(x.shape[2], kh, s[0], padding)
        assert wo == conventions.conv_output_size(x.shape[3], kw, s[1], padding)
    return x, w, b, s, pads, xpad, ho, wo


def conv2d_position_terms(
    x: np.ndarray, w: np.ndarray, n: int, f: int, i: int, j: int,
    stride: StrideArg = 1, padding: PaddingArg = "valid",
) -> np.ndarray:
    """Per-channel products ``sum_{u,v} xpad[n, c, window] * w[f, c]`` at output (i, j): the
    numbers a student writes for each channel before adding them and the bias (003: 308,
    -498 and 164, then + 1 = -25).

    Inputs:
    - x: (N, C, H, W) input, NCHW.
    - w: (F, C, kh, kw) filters.
    - n: the image.
    - f: the filter.
    - i, j: the output position (row, column).
    - stride: an int or a pair (sh, sw).
    - padding: 'valid', 'same' (Keras: extra row at the bottom, see conventions.py), an int or
      a pair.

    Returns:
    - terms: (C,) one sum per input channel.
    """
    x, w, _b, s, _pads, xpad, ho, wo = _prepare(x, w, np.zeros(np.shape(w)[0]), stride, padding)
    if not (0 <= i < ho and 0 <= j < wo):
        raise ParameterError("position", text(f"({i}, {j}) est hors de la sortie {ho}x{wo}", f"({i}, {j}) is outside the {ho}x{wo} output"))
    kh, kw = w.shape[2:]
    window = xpad[n, :, i * s[0]:i * s[0] + kh, j * s[1]:j * s[1] + kw]
    return (window * w[f]).sum(axis=(1, 2))


def conv2d_forward_naive(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: StrideArg = 1,
    padding: PaddingArg = "valid",
) -> tuple[np.ndarray, Conv2DCache]:
    """Convolution with plain loops, as computed by hand in the course (003): for every image
    n, filter f and output position (i, j), slide the window, multiply element by element
    channel by channel, add the channels and the bias. Same result as :func:`conv2d_forward`.

    Inputs:
    - x: (N, C, H, W) input, NCHW.
    - w: (F, C, kh, kw) filters.
    - b: (F,) biases.
    - stride: an int or a pair (sh, sw).
    - padding: 'valid', 'same' (Keras: extra row at the bottom, see conventions.py), an int or
      a pair (PyTorch's symmetric padding).

    Returns a tuple of:
    - out: (N, F, H', W'), sizes from conventions.conv_output_size (Keras) or
      general_output_size (explicit padding).
    - cache: Conv2DCache(x_shape, w, stride, pads, xpad), for :func:`conv2d_backward`.
    """
    x, w, b, s, pads, xpad, ho, wo = _prepare(x, w, b, stride, padding)
    n_img, c_in = x.shape[:2]
    f_out, _, kh, kw = w.shape
    out = np.zeros((n_img, f_out, ho, wo))
    for n in range(n_img):
        for f in range(f_out):
            for i in range(ho):
                for j in range(wo):
                    total = 0.0
                    for c in range(c_in):
                        for u in range(kh):
                            for v in range(kw):
                                total += xpad[n, c, i * s[0] + u, j * s[1] + v] * w[f, c, u, v]
                    out[n, f, i, j] = total + b[f]
    return out, Conv2DCache(x.shape, w, s, pads, xpad)


def _windows(xpad: np.ndarray, kh: int, kw: int, s: tuple[int, int]) -> np.ndarray:
    """View of every window: (N, C, H', W', kh, kw) (no copy)."""
    return sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::s[0], ::s[1]]


def conv2d_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: StrideArg = 1,
    padding: PaddingArg = "valid",
) -> tuple[np.ndarray, Conv2DCache]:
    """Vectorised convolution (im2col + one matrix product per image): the windows (a strided
    view, no loops) are gathered into one im2col matrix per image, (C kh kw, H' W'), and the
    (F, C kh kw) filter matrix multiplies them all in one stacked ``matmul``, giving NCHW.

    Inputs:
    - x: (N, C, H, W) input, NCHW.
    - w: (F, C, kh, kw) filters.
    - b: (F,) biases.
    - stride: an int or a pair (sh, sw).
    - padding: 'valid', 'same' (Keras: extra row at the bottom, see conventions.py), an int or
      a pair (PyTorch's symmetric padding).

    Returns a tuple of:
    - out: (N, F, H', W'), sizes from conventions.conv_output_size (Keras) or
      general_output_size (explicit padding).
    - cache: Conv2DCache(x_shape, w, stride, pads, xpad).
    """
    x, w, b, s, pads, xpad, ho, wo = _prepare(x, w, b, stride, padding)
    n_img = x.shape[0]
    f_out, c_in, kh, kw = w.shape
    cols = _im2col(xpad, kh, kw, s)  # (N, C kh kw, H' W')
    out = np.matmul(w.reshape(f_out, -1), cols)  # (N, F, H' W')
    out += b[:, None]
    return out.reshape(n_img, f_out, ho, wo), Conv2DCache(x.shape, w, s, pads, xpad)


def _im2col(xpad: np.ndarray, kh: int, kw: int, s: tuple[int, int]) -> np.ndarray:
    """im2col per image: (N, C kh kw, H' W'), rows ordered (c, u, v) like ``w.reshape(F, -1)``."""
    win = _windows(xpad, kh, kw, s)  # (N, C, H', W', kh, kw)
    n_img, c_in, ho, wo = win.shape[:4]
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n_img, c_in * kh * kw, ho * wo)


def conv2d_backward(dout: np.ndarray, cache: Conv2DCache) -> Conv2DGrads:
    """Gradients of a convolution: ``db[f] = sum dout[:, f]``,
    ``dw[f, c, u, v] = sum_{n,i,j} dout[n,f,i,j] xpad[n,c,i sh+u, j sw+v]``; dx scatters
    ``dout * w`` back onto every window (col2im) and drops the padding.

    Inputs:
    - dout: (N, F, H', W') upstream gradient.
    - cache: Conv2DCache from :func:`conv2d_forward` or :func:`conv2d_forward_naive`.

    Returns:
    - grads: Conv2DGrads(dx (N, C, H, W), dw (F, C, kh, kw), db (F,)).
    """
    x_shape, w, s, pads, xpad = cache
    dout = np.asarray(dout, dtype=np.float64)
    f_out, c_in, kh, kw = w.shape
    n_img, _, ho, wo = dout.shape
    if dout.shape != (n_img, f_out, ho, wo) or n_img != x_shape[0]:
        raise ParameterError("dout", text(f"la forme {dout.shape} ne correspond pas à la sortie de la propagation avant", f"shape {dout.shape} does not match the forward output"))
    db = dout.sum(axis=(0, 2, 3))
    d2 = dout.reshape(n_img, f_out, ho * wo)
    cols = _im2col(xpad, kh, kw, s)
    dw = np.tensordot(d2, cols, axes=([0, 2], [0, 2])).reshape(w.shape)
    dcols = np.matmul(w.reshape(f_out, -1).T, d2).reshape(n_img, c_in, kh, kw, ho, wo)
    dxpad = np.zeros(xpad.shape)
    for u in range(kh):
        for v in range(kw):
            dxpad[:, :, u:u + s[0] * ho:s[0], v:v + s[1] * wo:s[1]] += dcols[:, :, u, v]
    top, bottom, left, right = pads
    dx = dxpad[:, :, top:xpad.shape[2] - bottom, left:xpad.shape[3] - right]
    return Conv2DGrads(np.ascontiguousarray(dx), dw, db)
