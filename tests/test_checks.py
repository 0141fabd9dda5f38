"""The typed checks: acceptance, tolerances, parsing, exact-type validation, JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from course.generator.checks import (
    ArrayCheck,
    BoolCheck,
    ChoiceCheck,
    FloatCheck,
    IntCheck,
    ShapeCheck,
    SymbolicCheck,
    TableCheck,
    check_from_json,
)


def test_int_check() -> None:
    c = IntCheck()
    assert c.accepts(13, 13) and c.accepts(13.0, 13) and c.accepts(np.int64(13), 13)
    assert not c.accepts(12, 13) and not c.accepts("13", 13) and not c.accepts(True, 1)
    assert not c.accepts(float("nan"), 13)
    assert c.parse(" 167 ") == 167
    with pytest.raises(ValueError):
        c.parse("12.5")


def test_int_check_rejects_subclasses() -> None:
    class Sneaky(int):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = int.__hash__

    assert not IntCheck().accepts(Sneaky(0), 13)


@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(0, 0.1), st.floats(0, 1))
def test_float_check_relabs(e: float, rtol: float, atol: float) -> None:
    c = FloatCheck(rtol=rtol, atol=atol)
    tol = atol + rtol * abs(e)  # numpy's isclose and PrairieLearn's relabs rule
    assume(tol > abs(e) * 1e-9)  # a tolerance below float64's resolution at e cannot be probed
    assert c.accepts(e, e)
    assert c.accepts(e + tol * 0.999, e)
    assert not c.accepts(e + tol * 1.01 + 1e-9, e)


def test_float_check_types_and_parsing() -> None:
    c = FloatCheck(rtol=0, atol=0.005)
    assert c.accepts(0.70, 0.7011) and not c.accepts(0.71, 0.7011)

    class AlwaysEqual(float):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = float.__hash__

    assert not c.accepts(AlwaysEqual(99.0), 0.7)
    assert not c.accepts(np.array([0.7]), 0.7)  # not a scalar
    assert not c.accepts(float("inf"), 0.7)
    assert c.parse("0,70") == 0.7 and c.parse("−1.5") == -1.5 and c.parse("3/4") == 0.75


def test_array_check() -> None:
    c = ArrayCheck(rtol=0, atol=1e-6)
    e = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    assert c.accepts(np.array(e), e) and c.accepts(e, e)
    assert not c.accepts(np.array(e).T, e)
    assert not c.accepts(np.array(e, dtype=object), e)
    assert not c.accepts([[4, 3], [2, 4]], e)
    assert not c.accepts([[4, 3, 4], [2, 4], [2, 3, 4]], e)  # ragged
    assert not c.accepts([["4", 3, 4], [2, 4, 3], [2, 3, 4]], e)

    class Sub(np.ndarray):
        pass

    assert not c.accepts(np.array(e).view(Sub), e)
    assert c.parse("1 2; 3 4") == [[1, 2], [3, 4]] and c.parse("[1, 2]") == [1, 2]


def test_shape_check() -> None:
    c = ShapeCheck()
    assert c.accepts((3, 4), [3, 4]) and c.accepts([3, 4], [3, 4])
    assert not c.accepts((4, 3), [3, 4]) and not c.accepts((3, 4, 1), [3, 4])
    assert c.parse("3x4") == [3, 4] and c.parse("(3, 4)") == [3, 4] and c.parse("3 × 4") == [3, 4]


def test_table_check() -> None:
    c = TableCheck(columns=("w", "ok"), rtol=0, atol=1e-9)
    assert c.accepts([[1, "yes"], [2.0, "No"]], [[1, "yes"], [2, "no"]])
    assert not c.accepts([[1, "yes"], [3, "no"]], [[1, "yes"], [2, "no"]])
    assert not c.accepts([[1, "yes"]], [[1, "yes"], [2, "no"]])


def test_symbolic_check() -> None:
    c = SymbolicCheck(matrices=("W1", "X", "b1", "Z1", "A1"), functions=("g1",))
    assert c.accepts("W1*X + b1", "W1*X + b1")
    assert c.accepts("b1 + W1*X", "W1*X + b1")
    assert not c.accepts("X*W1 + b1", "W1*X + b1")
    assert not c.accepts("W1*X", "W1*X + b1")
    assert c.accepts("g1(Z1)", "g1(Z1)") and not c.accepts("Z1", "g1(Z1)")
    for hostile in ("__import__('os').system('true')", "W1.__class__", "lambda: 1", "exec('1')"):
        assert not c.accepts(hostile, "W1*X + b1")
        with pytest.raises(ValueError):
            c.parse(hostile)


def test_choice_and_bool_checks() -> None:
    c = ChoiceCheck(options=("A", "B", "C", "D"))
    assert c.accepts("b", "B") and c.accepts(["C", "a"], ["A", "C"])
    assert not c.accepts(["A"], ["A", "C"]) and not c.accepts(1, "B")
    assert c.parse("a, c") == ["A", "C"]
    b = BoolCheck()
    assert b.accepts(False, False) and not b.accepts(0, False) and b.parse("non") is False


@pytest.mark.parametrize("check", [IntCheck(), FloatCheck(0.01, 0.1), ShapeCheck(),
                                   ArrayCheck(0, 1e-3), TableCheck(("a", "b")),
                                   SymbolicCheck(("W",), ("g",)), ChoiceCheck(("A", "B")),
                                   BoolCheck()])
def test_json_round_trip(check: object) -> None:
    assert check_from_json(check.to_json()) == check  # type: ignore[attr-defined]
