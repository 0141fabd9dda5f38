"""The one door through which randomness enters (DESIGN.md rule 2).

A variant's generator is built from
``SeedSequence([course_seed, stable_hash(student_id), stable_hash(exercise_id)])``.
``stable_hash`` uses hashlib (never Python's salted ``hash()``), so the same
(course seed, student, exercise) gives the same variant on every machine and in
every process; the grader regenerates variants instead of trusting files.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_hash(text: str) -> int:
    """A 64-bit unsigned integer from the SHA-256 of ``text`` (UTF-8); stable across runs."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def make_rng(course_seed: int, student_id: str, exercise_id: str) -> np.random.Generator:
    """The generator for one (course seed, student, exercise) triple."""
    if not isinstance(course_seed, int) or course_seed < 0:
        raise ValueError(f"course seed must be a non-negative integer, got {course_seed!r}")
    seq = np.random.SeedSequence([course_seed, stable_hash(student_id), stable_hash(exercise_id)])
    return np.random.Generator(np.random.PCG64(seq))
