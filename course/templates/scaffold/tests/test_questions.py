"""This course's own questions pass the toolkit's stress tests (run: python -m pytest tests)."""

from pathlib import Path

from course.generator.stress import stress_coding, stress_family
from course.planning.config import load_course

COURSE = load_course(Path(__file__).resolve().parents[1] / "course.yml")


def test_receptive_field_family() -> None:
    rep = stress_family(COURSE.catalogue.family("receptive-field"), 200, env=COURSE.catalogue.env)
    assert rep.ok, rep.problems


def test_attention_coding_question() -> None:
    rep = stress_coding(COURSE.catalogue.coding_question("attention"))
    assert rep.ok, rep.problems
