"""Fixtures of the exam tests: the small fixed course in tests/exam/data/."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
COURSE = DATA / "course.yml"


@pytest.fixture(scope="session")
def built_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``mini`` exam of the test course as tex, md, moodle and qti sources (built once)."""
    from course.documents.exam import build_exam

    out = tmp_path_factory.mktemp("exam") / "mini"
    build_exam(COURSE, "mini", out=out, formats="tex,md,moodle,qti", jobs=1)
    return out
