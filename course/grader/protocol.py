"""The wire protocol between the trusted grader and the sandboxed child (trusted side).

Frames: a 4-byte big-endian length, then UTF-8 JSON. No pickle anywhere.

Values (both directions): ``None``, ``bool``, ``int``, ``float`` (NaN and infinities as JSON's
``NaN``/``Infinity`` tokens), ``str``, lists and string-keyed dicts; NumPy arrays as
``{"$nd": <base64 of the raw little-endian bytes>, "dtype": "<f8", "shape": [...]}`` with a
numeric dtype only (bool, signed/unsigned int, float); tensors are converted to arrays in the
child. A request array may carry ``"torch": true`` so that the child passes a tensor.

The decoder is the trust boundary: it enforces a byte limit before parsing, a nesting depth
limit, element and string limits, and builds values of exact builtin types and plain
``numpy.ndarray`` only (never a subclass, never an object dtype). :func:`validate_plain` checks
the same property on any value (used again just before a check).
"""

from __future__ import annotations

import base64
import json
import math
import os
import select
import struct
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

_NUMERIC_DTYPES = {
    np.dtype(t).str for t in ("?", "<i1", "<i2", "<i4", "<i8", "<u1", "<u2", "<u4", "<u8",
                              "<f2", "<f4", "<f8")
} | {"|b1", "|i1", "|u1"}


class ProtocolError(Exception):
    """A malformed, oversized or forbidden message from the child (never trusted)."""


@dataclass(frozen=True)
class DecodeLimits:
    """Limits of the decoder on one message from the child: ``max_bytes`` (bytes of the JSON
    body), ``max_depth`` (nesting levels), ``max_elements`` (array elements, all arrays of the
    message together), ``max_string`` (characters of one string), ``max_items`` (list and dict
    entries, all together). Not the resource limits of a submission
    (:class:`course.grader.limits.Limits`)."""

    max_bytes: int = 32 * 1024 * 1024
    max_depth: int = 32
    max_elements: int = 4_000_000
    max_string: int = 100_000
    max_items: int = 100_000


DEFAULT_DECODE_LIMITS = DecodeLimits()


# --------------------------------------------------------------------------- values
def encode_value(x: Any, *, torch_arrays: bool = False, depth: int = 0) -> Any:
    """Trusted-side encoder for request arguments (exact plain types, numeric arrays)."""
    if depth > 64:
        raise ProtocolError("value nested too deeply")
    t = type(x)
    if x is None or t in (bool, int, str):
        return x
    if t is float:
        return x
    if t in (list, tuple):
        return [encode_value(v, torch_arrays=torch_arrays, depth=depth + 1) for v in x]
    if t is dict:
        if any(type(k) is not str for k in x):
            raise ProtocolError("dict keys must be str")
        return {k: encode_value(v, torch_arrays=torch_arrays, depth=depth + 1) for k, v in x.items()}
    if isinstance(x, np.generic):
        return encode_value(x.item(), torch_arrays=torch_arrays, depth=depth)
    if t is np.ndarray:
        if x.dtype.kind not in "biuf":
            raise ProtocolError(f"array dtype {x.dtype} is not numeric")
        arr = np.ascontiguousarray(x, dtype=x.dtype.newbyteorder("<") if x.dtype.byteorder == ">" else x.dtype)
        out: dict[str, Any] = {"$nd": base64.b64encode(arr.tobytes()).decode("ascii"),
                               "dtype": arr.dtype.str, "shape": list(arr.shape)}
        if torch_arrays:
            out["torch"] = True
        return out
    raise ProtocolError(f"cannot send a {t.__name__}")


class _Decoder:
    def __init__(self, limits: DecodeLimits):
        self.limits = limits
        self.items = 0
        self.elements = 0

    def value(self, x: Any, depth: int) -> Any:
        lim = self.limits
        if depth > lim.max_depth:
            raise ProtocolError(f"value nested deeper than {lim.max_depth}")
        t = type(x)
        if x is None or t is bool or t is int:
            return x
        if t is float:
            return x
        if t is str:
            if len(x) > lim.max_string:
                raise ProtocolError(f"string longer than {lim.max_string}")
            return x
        if t is list:
            self._count(len(x))
            return [self.value(v, depth + 1) for v in x]
        if t is dict:
            if "$nd" in x:
                return self.array(x)
            self._count(len(x))
            return {k: self.value(v, depth + 1) for k, v in x.items()}
        raise ProtocolError(f"unexpected JSON type {t.__name__}")

    def _count(self, n: int) -> None:
        self.items += n
        if self.items > self.limits.max_items:
            raise ProtocolError(f"more than {self.limits.max_items} values")

    def array(self, x: dict[str, Any]) -> np.ndarray:
        if set(x) != {"$nd", "dtype", "shape"}:
            raise ProtocolError("malformed array")
        dtype, shape, data = x["dtype"], x["shape"], x["$nd"]
        if type(dtype) is not str or dtype not in _NUMERIC_DTYPES:
            raise ProtocolError(f"forbidden array dtype {dtype!r}")
        if (type(shape) is not list or len(shape) > 32
                or not all(type(s) is int and 0 <= s <= self.limits.max_elements for s in shape)):
            raise ProtocolError("malformed array shape")
        n = math.prod(shape)
        # the non-zero dimensions too: shape [0, 4e6, 4e6, 4e6] has 0 elements, but numpy's
        # reshape raises ValueError ("array is too big") on it, which is not a ProtocolError
        if n > self.limits.max_elements or math.prod(max(s, 1) for s in shape) > self.limits.max_elements:
            raise ProtocolError(f"array larger than {self.limits.max_elements} elements")
        self.elements += n
        if self.elements > self.limits.max_elements:
            raise ProtocolError(f"more than {self.limits.max_elements} array elements")
        if type(data) is not str:
            raise ProtocolError("malformed array data")
        try:
            raw = base64.b64decode(data.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise ProtocolError("malformed array data") from None
        dt = np.dtype(dtype)
        if len(raw) != n * dt.itemsize:
            raise ProtocolError("array data does not match its shape")
        arr = np.frombuffer(raw, dtype=dt).reshape(shape).copy()
        return arr


def decode_value(x: Any, limits: DecodeLimits = DEFAULT_DECODE_LIMITS) -> Any:
    """Validate and rebuild one JSON-parsed value (arrays decoded, limits enforced)."""
    return _Decoder(limits).value(x, 0)


def loads(data: bytes, limits: DecodeLimits = DEFAULT_DECODE_LIMITS) -> Any:
    """Parse one message body (bytes) under ``limits``; raises :class:`ProtocolError`."""
    if len(data) > limits.max_bytes:
        raise ProtocolError(f"message larger than {limits.max_bytes} bytes")
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ProtocolError(f"malformed message ({type(exc).__name__})") from None
    return decode_value(obj, limits)


def dumps(obj: Any) -> bytes:
    """Encode one request (values must already be encoded with :func:`encode_value`)."""
    return json.dumps(obj, allow_nan=True).encode("utf-8")


def validate_plain(x: Any, depth: int = 0, max_depth: int = 64) -> bool:
    """True if ``x`` is plain data of exact types (no subclass, no object array)."""
    if depth > max_depth:
        return False
    t = type(x)
    if x is None or t in (bool, int, float, str):
        return True
    if t is np.ndarray:
        return x.dtype.kind in "biuf"
    if t is list:
        return all(validate_plain(v, depth + 1, max_depth) for v in x)
    if t is dict:
        return all(type(k) is str and validate_plain(v, depth + 1, max_depth) for k, v in x.items())
    return False


# --------------------------------------------------------------------------- framing
class ChannelClosed(ProtocolError):
    """The child closed its end (it exited or crashed)."""


class ChannelTimeout(ProtocolError):
    """No complete reply within the wall-clock timeout."""


def send_frame(fd: int, payload: bytes) -> None:
    """Write one frame (blocking); raises :class:`ChannelClosed` if the child is gone."""
    buf = memoryview(struct.pack(">I", len(payload)) + payload)
    try:
        while buf:
            n = os.write(fd, buf)
            buf = buf[n:]
    except (BrokenPipeError, ConnectionResetError, OSError) as exc:
        raise ChannelClosed(f"cannot write to the child ({exc.__class__.__name__})") from None


def recv_frame(fd: int, timeout: float, limits: DecodeLimits = DEFAULT_DECODE_LIMITS) -> bytes:
    """Read one frame within ``timeout`` seconds (wall clock), never more than ``max_bytes``."""
    deadline = time.monotonic() + timeout
    header = _read(fd, 4, deadline)
    (n,) = struct.unpack(">I", header)
    if n > limits.max_bytes:
        raise ProtocolError(f"reply of {n} bytes exceeds the limit of {limits.max_bytes}")
    return _read(fd, n, deadline)


def _read(fd: int, n: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    while n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ChannelTimeout("timed out")
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            raise ChannelTimeout("timed out")
        try:
            b = os.read(fd, min(n, 1 << 20))
        except (ConnectionResetError, OSError):
            b = b""
        if not b:
            raise ChannelClosed("the child closed the channel")
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)
