"""Max and average pooling, NCHW, Keras semantics (course 003, "Pooling layers").

``size`` is the pool size (int or pair), ``stride`` defaults to the pool size (Keras
``strides=None``), ``padding`` is ``'valid'`` or ``'same'`` (Keras/TensorFlow: the
padding needed for ``ceil(H / s)`` outputs, the extra row/column at the bottom/right),
or an explicit int / pair (PyTorch's symmetric padding, at most half the pool size).

Padded cells never win a max (they hold ``-inf``) and are not counted in an average
(TensorFlow's ``avg_pool`` with 'same', PyTorch's ``count_include_pad=False``);
``avgpool_forward(..., count_include_pad=True)`` counts them as zeros instead (PyTorch's
default ``nn.AvgPool2d(count_include_pad=True)``: every window is divided by ``kh kw``).
Output sizes: :func:`course.reference.conventions.pool_output_size` (003: valid
``floor((H - P) / s) + 1``, same ``floor((H - 1) / s) + 1``).

Max-pooling backward sends each output gradient to the first maximum of its window
(row-major order), as PyTorch does; windows may overlap when ``stride < size``.

API (conventions.py, "The API of the layers"): ``maxpool_forward`` / ``avgpool_forward``
return ``(out, cache)``; ``maxpool_backward`` / ``avgpool_backward`` take ``(dout, cache)``
and return dx, the only gradient (pooling has no parameters).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference import conventions
from course.reference.conv import PaddingArg, StrideArg, _pair, resolve_padding


class MaxPoolCache(NamedTuple):
    """What :func:`maxpool_backward` needs from :func:`maxpool_forward`."""

    xpad_shape: tuple[int, ...]  #: (N, C, H + top + bottom, W + left + right)
    size: tuple[int, int]  #: (kh, kw) pool size
    stride: tuple[int, int]  #: (sh, sw)
    pads: tuple[int, int, int, int]  #: (top, bottom, left, right)
    argmax: np.ndarray  #: (N, C, H', W') flat index of each window's first maximum


class AvgPoolCache(NamedTuple):
    """What :func:`avgpool_backward` needs from :func:`avgpool_forward`."""

    xpad_shape: tuple[int, ...]  #: (N, C, H + top + bottom, W + left + right)
    size: tuple[int, int]  #: (kh, kw) pool size
    stride: tuple[int, int]  #: (sh, sw)
    pads: tuple[int, int, int, int]  #: (top, bottom, left, right)
    counts: np.ndarray  #: (H', W') real (non-padded) cells in each window


def _prepare(
    x: np.ndarray, size: StrideArg, stride: StrideArg | None, padding: PaddingArg, fill: float,
) -> tuple[np.ndarray, tuple[int, int], tuple[int, int], tuple[int, int, int, int],
           np.ndarray, np.ndarray]:
    """x, the pool size, the stride, the pads, x padded with ``fill`` and the real-cell mask."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ParameterError("x", text(f"attendu (N, C, H, W), reçu la forme {x.shape}", f"expected (N, C, H, W), got shape {x.shape}"))
    k = _pair("size", size)
    s = k if stride is None else _pair("stride", stride)
    pads = resolve_padding(padding, x.shape[2:], k, s)
    top, bottom, left, right = pads
    if max(top, bottom) > k[0] // 2 or max(left, right) > k[1] // 2:
        # PyTorch's rule; it also guarantees that every window holds a real cell
        raise ParameterError("padding", text(f"doit valoir au plus la moitié de la taille de pooling {k}, reçu : {padding!r}", f"must be at most half the pool size {k}, got {padding!r}"))
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    xpad = np.pad(x, widths, constant_values=fill) if any(pads) else x
    inside = np.pad(np.ones(x.shape[2:]), widths[2:]) if any(pads) else np.ones(x.shape[2:])
    ho = (xpad.shape[2] - k[0]) // s[0] + 1
    wo = (xpad.shape[3] - k[1]) // s[1] + 1
    if isinstance(padding, str):
        assert ho == conventions.pool_output_size(x.shape[2], k[0], s[0], padding)
        assert wo == conventions.pool_output_size(x.shape[3], k[1], s[1], padding)
    return x, k, s, pads, xpad, inside


def _windows(a: np.ndarray, k: tuple[int, int], s: tuple[int, int]) -> np.ndarray:
    """View of every pooling window: (..., H', W', kh, kw)."""
    return sliding_window_view(a, k, axis=(-2, -1))[..., ::s[0], ::s[1], :, :]


def _scatter(dwin: np.ndarray, shape: tuple[int, ...], k: tuple[int, int],
             s: tuple[int, int]) -> np.ndarray:
    """Add window gradients (N, C, H', W', kh, kw) back onto the padded input grid."""
    ho, wo = dwin.shape[2:4]
    d = np.zeros(shape)
    for u in range(k[0]):
        for v in range(k[1]):
            d[:, :, u:u + s[0] * ho:s[0], v:v + s[1] * wo:s[1]] += dwin[..., u, v]
    return d


def _crop(d: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    top, bottom, left, right = pads
    return np.ascontiguousarray(d[:, :, top:d.shape[2] - bottom, left:d.shape[3] - right])


def maxpool_forward(
    x: np.ndarray, size: StrideArg, stride: StrideArg | None = None,
    padding: PaddingArg = "valid",
) -> tuple[np.ndarray, MaxPoolCache]:
    """Max pooling, ``out[n, c, i, j] = max`` of the window (003); padded cells never win.

    Inputs:
    - x: (N, C, H, W) input, NCHW.
    - size: pool size, an int or a pair (kh, kw).
    - stride: an int or a pair; None means the pool size (Keras ``strides=None``).
    - padding: 'valid', 'same' (Keras: extra row at the bottom, see conventions.py), or an
      int / pair of at most half the pool size (PyTorch).

    Returns a tuple of:
    - out: (N, C, H', W'), sizes from conventions.pool_output_size.
    - cache: MaxPoolCache(xpad_shape, size, stride, pads, argmax).
    """
    x, k, s, pads, xpad, _inside = _prepare(x, size, stride, padding, -np.inf)
    win = _windows(xpad, k, s)
    n, c, ho, wo = win.shape[:4]
    flat = win.reshape(n, c, ho, wo, k[0] * k[1])
    arg = flat.argmax(axis=-1)
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    return out, MaxPoolCache(xpad.shape, k, s, pads, arg)


def maxpool_backward(dout: np.ndarray, cache: MaxPoolCache) -> np.ndarray:
    """Gradient of max pooling: each dout goes to its window's first maximum (row-major order,
    as PyTorch); overlapping windows add up.

    Inputs:
    - dout: (N, C, H', W') upstream gradient.
    - cache: MaxPoolCache from :func:`maxpool_forward`.

    Returns:
    - dx: (N, C, H, W).
    """
    shape, k, s, pads, arg = cache
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != arg.shape:
        raise ParameterError("dout", text(f"attendu la forme {arg.shape}, reçu : {dout.shape}", f"expected shape {arg.shape}, got {dout.shape}"))
    onehot = np.zeros(arg.shape + (k[0] * k[1],))
    np.put_along_axis(onehot, arg[..., None], dout[..., None], axis=-1)
    dwin = onehot.reshape(arg.shape + k)
    return _crop(_scatter(dwin, shape, k, s), pads)


def avgpool_forward(
    x: np.ndarray, size: StrideArg, stride: StrideArg | None = None,
    padding: PaddingArg = "valid", count_include_pad: bool = False,
) -> tuple[np.ndarray, AvgPoolCache]:
    """Average pooling over the real (non-padded) cells of each window (Keras, TensorFlow's
    'same', PyTorch's ``count_include_pad=False``); with ``count_include_pad=True``, over all
    ``kh kw`` cells, padded zeros included (PyTorch's default).

    Inputs:
    - x: (N, C, H, W) input, NCHW.
    - size: pool size, an int or a pair (kh, kw).
    - stride: an int or a pair; None means the pool size (Keras ``strides=None``).
    - padding: 'valid', 'same' (Keras: extra row at the bottom, see conventions.py), or an
      int / pair of at most half the pool size (PyTorch).
    - count_include_pad: count the padded cells in each window's mean (PyTorch's default).

    Returns a tuple of:
    - out: (N, C, H', W'), sizes from conventions.pool_output_size.
    - cache: AvgPoolCache(xpad_shape, size, stride, pads, counts).
    """
    x, k, s, pads, xpad, inside = _prepare(x, size, stride, padding, 0.0)
    if count_include_pad:
        inside = np.ones(xpad.shape[2:])
    counts = _windows(inside, k, s).sum(axis=(-2, -1))  # (H', W') cells counted per window
    out = _windows(xpad, k, s).sum(axis=(-2, -1)) / counts
    return out, AvgPoolCache(xpad.shape, k, s, pads, counts)


def avgpool_backward(dout: np.ndarray, cache: AvgPoolCache) -> np.ndarray:
    """Gradient of average pooling: dout / count spread over the window's real cells.

    Inputs:
    - dout: (N, C, H', W') upstream gradient.
    - cache: AvgPoolCache from :func:`avgpool_forward`.

    Returns:
    - dx: (N, C, H, W).
    """
    shape, k, s, pads, counts = cache
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape[2:] != counts.shape or dout.shape[:2] != shape[:2]:
        raise ParameterError("dout", text(f"la forme {dout.shape} ne correspond pas à la sortie de la propagation avant", f"shape {dout.shape} does not match the forward output"))
    share = (dout / counts)[..., None, None]
    dwin = np.broadcast_to(share, dout.shape + k)
    # padded cells receive a share too, but they are cropped away: they are exactly the
    # cells not counted, so the real cells get dout / count each.
    return _crop(_scatter(dwin, shape, k, s), pads)
