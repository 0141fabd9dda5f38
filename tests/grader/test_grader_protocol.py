"""The wire protocol: round trips, limits, and exact types on the trusted side."""

from __future__ import annotations

import base64
import json
import os

import numpy as np
import pytest

from course.grader import child, protocol
from course.grader.protocol import ProtocolError


@pytest.fixture(autouse=True)
def _child_numpy():
    child.np = np  # the child module gets numpy from its zygote
    yield


def roundtrip(x, limits=protocol.DEFAULT_DECODE_LIMITS):
    return protocol.loads(json.dumps(child.encode(x)).encode(), limits)


def test_roundtrip_plain_values():
    v = {"a": 1, "b": [1.5, None, True, "s"], "c": {"d": -3}}
    assert roundtrip(v) == v
    assert roundtrip((1, 2)) == [1, 2]
    out = roundtrip([float("nan"), float("inf")])
    assert np.isnan(out[0]) and out[1] == float("inf")


@pytest.mark.parametrize("dtype", ["f8", "f4", "i8", "i4", "u1", "?", ">f8"])
def test_roundtrip_arrays(dtype):
    a = (np.arange(12) % 3).astype(dtype).reshape(3, 4)
    b = roundtrip(a)
    assert type(b) is np.ndarray and b.shape == (3, 4)
    np.testing.assert_array_equal(b, a)
    assert b.flags.writeable


def test_numpy_scalars_become_builtins():
    out = roundtrip([np.float32(1.5), np.int64(3), np.bool_(True)])
    assert out == [1.5, 3, True] and [type(x) for x in out] == [float, int, bool]


class FakeFloat(float):
    def __eq__(self, other):
        return True


class FakeArray(np.ndarray):
    pass


@pytest.mark.parametrize("bad", [FakeFloat(1.0), np.zeros(2).view(FakeArray),
                                 np.array([object()], dtype=object), np.array(["a"]),
                                 {1: 2}, object(), np.array([1 + 2j])])
def test_child_refuses_non_plain(bad):
    with pytest.raises(child.Unsupported):
        child.encode(bad)


@pytest.mark.parametrize("msg", [
    b"{", b"\xff\xfe", b'{"$nd": "AAAA", "dtype": "|O", "shape": [1]}',
    b'{"$nd": "AAAA", "dtype": "<f8", "shape": [5]}',
    b'{"$nd": "!!", "dtype": "<f8", "shape": [0]}',
    b'{"$nd": "", "dtype": "<f8", "shape": [-1]}',
    b'{"$nd": "", "dtype": "<f8", "shape": [0], "extra": 1}',
    b"1" * 5000,
    b"[" * 100 + b"]" * 100,
    b"[" * 100000 + b"]" * 100000,
])
def test_decoder_rejects_malformed(msg):
    with pytest.raises(ProtocolError):
        protocol.loads(msg)


def test_size_and_element_limits():
    lim = protocol.DecodeLimits(max_bytes=1000, max_elements=10, max_string=5, max_items=20)
    with pytest.raises(ProtocolError):
        protocol.loads(b"[" + b"1," * 600 + b"1]", lim)
    with pytest.raises(ProtocolError):
        roundtrip(np.zeros(11), lim)
    with pytest.raises(ProtocolError):
        roundtrip("abcdef", lim)
    with pytest.raises(ProtocolError):
        roundtrip([[0] * 8] * 8, lim)
    with pytest.raises(ProtocolError):
        roundtrip([np.zeros(6), np.zeros(6)], lim)


def test_validate_plain_exact_types():
    assert protocol.validate_plain({"a": [1, 2.0, np.zeros(2)]})
    assert not protocol.validate_plain(FakeFloat(1.0))
    assert not protocol.validate_plain(np.zeros(2).view(FakeArray))
    assert not protocol.validate_plain(np.array([None], dtype=object))
    assert not protocol.validate_plain((1, 2))
    nested: list = []
    cur = nested
    for _ in range(100):
        cur.append([])
        cur = cur[0]
    assert not protocol.validate_plain(nested)


def test_request_encoding_and_child_decoding():
    a = np.arange(6.0).reshape(2, 3)
    enc = protocol.encode_value({"x": a, "n": [1, 2]})
    dec = child.decode(json.loads(json.dumps(enc)))
    np.testing.assert_array_equal(dec["x"], a)
    assert base64.b64decode(enc["x"]["$nd"]) == a.tobytes()
    with pytest.raises(ProtocolError):
        protocol.encode_value(np.array([object()]))


def test_framing_over_a_pipe():
    r, w = os.pipe()
    try:
        protocol.send_frame(w, b'{"ok": true}')
        assert protocol.loads(protocol.recv_frame(r, 1.0)) == {"ok": True}
        with pytest.raises(protocol.ChannelTimeout):
            protocol.recv_frame(r, 0.05)
        os.write(w, (10**9).to_bytes(4, "big"))
        with pytest.raises(ProtocolError):
            protocol.recv_frame(r, 1.0)
    finally:
        os.close(r)
        os.close(w)
    r, w = os.pipe()
    os.close(w)
    with pytest.raises(protocol.ChannelClosed):
        protocol.recv_frame(r, 1.0)
    os.close(r)
