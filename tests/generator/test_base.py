"""The generator's data model: Variant checks, misconception filtering, constraints."""

from __future__ import annotations

import numpy as np
import pytest

from course.base.errors import ParameterError
from course.generator.base import Constraints, Misconception, Param, wrong_only
from course.generator.checks import IntCheck
from course.generator.registry import get_family


def test_wrong_only_drops_right_and_repeated_values() -> None:
    t = {"fr": "x", "en": "x"}
    ms = [Misconception("a", 3, t), Misconception("b", 4, t), Misconception("c", 4.0, t),
          Misconception("d", 5, t)]
    assert [m.key for m in wrong_only(IntCheck(), 3, ms)] == ["b", "d"]


def test_constraints_fixed_choices_and_ranges() -> None:
    params = {"h": Param("int", "size"), "padding": Param("str", "padding")}
    rng = np.random.default_rng(0)
    c = Constraints("fam", params, {"h": {"min": 5, "max": 6}, "padding": ["same"]})
    assert all(5 <= c.int(rng, "h", 1, 100) <= 6 for _ in range(20))
    assert c.choice(rng, "padding", ["valid", "same"]) == "same"
    with pytest.raises(ParameterError, match="parameter 'kernel'"):
        Constraints("fam", params, {"kernel": 3})
    with pytest.raises(ParameterError, match="empty range"):
        Constraints("fam", params, {"h": {"min": 9, "max": 2}}).int(rng, "h", 1, 10)


def test_instructor_constraints_reach_the_variant() -> None:
    fam = get_family("mlp-params")
    v = fam.generate(np.random.default_rng(1), {"layers": [2, 3, 1]})
    assert v.answer["total"] == 13  # 001's 2-3-1 network


def test_impossible_constraints_give_a_clear_error() -> None:
    fam = get_family("conv-output")
    with pytest.raises(ParameterError):
        fam.generate(np.random.default_rng(0), {"h": 3, "w": 3, "kernel": 7, "padding": "valid"})
