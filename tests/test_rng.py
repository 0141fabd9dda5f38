"""DESIGN rule 2: one door for randomness, stable across processes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from course.base.rng import make_rng, stable_hash


def test_stable_hash_is_stable_across_processes() -> None:
    code = "from course.base.rng import stable_hash; print(stable_hash('etu001'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "123"}).stdout.strip()
    assert int(out) == stable_hash("etu001")


def test_make_rng_depends_on_every_input() -> None:
    base = make_rng(1, "etu001", "ex").integers(0, 2**62, size=4)
    assert np.array_equal(base, make_rng(1, "etu001", "ex").integers(0, 2**62, size=4))
    for other in (make_rng(2, "etu001", "ex"), make_rng(1, "etu002", "ex"), make_rng(1, "etu001", "ey")):
        assert not np.array_equal(base, other.integers(0, 2**62, size=4))


def test_bad_seed() -> None:
    with pytest.raises(ValueError):
        make_rng(-1, "a", "b")
