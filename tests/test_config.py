"""course.yml validation: every malformed file gets an error naming the file, the key and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.cli.main import main
from course.planning.config import CourseConfigError, load_course, load_roster

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
title: Test course
language: en
seed: 3
roster: roster.csv
exams:
  final:
    title: Final
    questions:
      - {exercise: ex1, points: 2}
"""


def make_course(tmp_path: Path, text: str = GOOD, roster: str | bytes = "id\netu001\netu002\n",
                exercises: str = "- id: ex1\n  family: mlp-params\n") -> Path:
    (tmp_path / "exercises").mkdir(exist_ok=True)
    (tmp_path / "exercises" / "a.yml").write_text(exercises, encoding="utf-8")
    if isinstance(roster, bytes):
        (tmp_path / "roster.csv").write_bytes(roster)
    else:
        (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    path = tmp_path / "course.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_course_is_valid() -> None:
    c = load_course(ROOT / "course.yml")
    assert c.language == "fr" and len(c.roster) == 30 and c.roster[0] == "etu001"


def test_good_course(tmp_path: Path) -> None:
    c = load_course(make_course(tmp_path))
    assert c.language == "en" and c.seed == 3 and c.roster == ["etu001", "etu002"]
    assert c.exercises["ex1"].family == "mlp-params"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: [unclosed\n", "invalid YAML: line"),
        (GOOD + "colour: blue\n", "colour: unknown key"),
        (GOOD.replace("seed: 3", "seed: three"), "seed:"),
        (GOOD.replace("seed: 3", "seed: -1"), "seed:"),
        (GOOD.replace("language: en", "language: de"), "language:"),
        (GOOD.replace("title: Test course\n", ""), "title: missing key"),
        (GOOD.replace("exercise: ex1", "exercise: nope"), "exams.final.questions[0].exercise: unknown exercise 'nope'"),
        (GOOD.replace("points: 2", "points: 0"), "exams.final.questions[0].points"),
        (GOOD.replace("{exercise: ex1, points: 2}", "{exercise: ex1, coding: sigmoid, points: 2}"),
         "exactly one of"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_bad_course_file(tmp_path: Path, text: str, expected: str) -> None:
    path = make_course(tmp_path, text)
    with pytest.raises(CourseConfigError) as info:
        load_course(path)
    msg = str(info.value)
    assert str(path) in msg and expected in msg


def test_missing_roster(tmp_path: Path) -> None:
    path = make_course(tmp_path, GOOD.replace("roster.csv", "missing.csv"))
    with pytest.raises(CourseConfigError, match="missing.csv: roster file not found"):
        load_course(path)


@pytest.mark.parametrize(
    ("roster", "expected"),
    [("id\n", "the roster is empty"), ("id\netu001\netu001\n", "line 3: duplicated student id .etu001."),
     ("\ufeffid\n".encode("utf-16"), "not UTF-8"), ("id\nétu 01\n", "invalid student id")],
)
def test_bad_roster(tmp_path: Path, roster: str | bytes, expected: str) -> None:
    path = make_course(tmp_path, roster=roster)
    with pytest.raises(CourseConfigError, match=expected):
        load_course(path)


def test_roster_without_an_id_column_is_an_error(tmp_path: Path) -> None:
    """The header row never silently becomes a student: a roster names its columns."""
    (tmp_path / "r.txt").write_text("a1\nb2\n", encoding="utf-8")
    with pytest.raises(CourseConfigError, match="r.txt: line 1: no 'id' column in the header .found: a1."):
        load_roster(tmp_path / "r.txt")
    (tmp_path / "r2.csv").write_text("name,email\nAda,ada@x.org\n", encoding="utf-8")
    with pytest.raises(CourseConfigError, match="no 'id' column.*found: name, email"):
        load_roster(tmp_path / "r2.csv")


@pytest.mark.parametrize("delim", [";", "\t", ","])
def test_roster_delimiter_is_detected(tmp_path: Path, delim: str) -> None:
    from course.planning.config import read_roster

    (tmp_path / "r.csv").write_text(delim.join(["id", "name", "email", "lms_id"]) + "\n"
                                    + delim.join(["ada", "Ada Lovelace", "ada@x.org", "123"]) + "\n",
                                    encoding="utf-8")
    r = read_roster(tmp_path / "r.csv")
    assert r.ids == ["ada"] and r.people["ada"] == {"name": "Ada Lovelace", "email": "ada@x.org", "lms_id": "123"}


@pytest.mark.parametrize(
    ("exercises", "expected"),
    [("- id: ex1\n  family: no-such-family\n", "unknown family 'no-such-family'"),
     ("- id: ex1\n  family: mlp-params\n  params: {kernel: 3}\n", "parameter 'kernel'"),
     ("- id: ex1\n  family: mlp-params\n  colour: red\n", "[0].colour: unknown key"),
     ("- id: ex1\n  family: mlp-params\n- id: ex1\n  family: mlp-params\n", "defined twice"),
     ("id: ex1\n", "expected a list")],
)
def test_bad_exercises(tmp_path: Path, exercises: str, expected: str) -> None:
    path = make_course(tmp_path, exercises=exercises)
    with pytest.raises(CourseConfigError) as info:
        load_course(path)
    assert expected in str(info.value) and "exercises" in str(info.value)


def test_cli_validate_reports_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_course(tmp_path, GOOD + "colour: blue\n")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "colour: unknown key" in err and "Traceback" not in err
    assert main(["validate", str(make_course(tmp_path))]) == 0


# --------------------------------------------------------------------------- titles per language
@pytest.mark.parametrize(
    ("title", "expected"),
    [("title: {de: Kurs}\n", "title: unknown language 'de' in the title (fr, en)"),
     ("title: {}\n", "title: give the title in fr and/or en"),
     ("title: {fr: ''}\n", "title: the fr title must be a non-empty string"),
     ("title: ''\n", "title: the title is empty"),
     ("title: [a, b]\n", "title: expected a string or {fr: ..., en: ...}")],
)
def test_bad_titles(tmp_path: Path, title: str, expected: str) -> None:
    path = make_course(tmp_path, GOOD.replace("title: Test course\n", title))
    with pytest.raises(CourseConfigError) as info:
        load_course(path)
    assert expected in str(info.value)
    bad_exam = GOOD.replace("    title: Final\n", "    " + title.replace("title", "title", 1))
    with pytest.raises(CourseConfigError, match=r"exams\.final\.title"):
        load_course(make_course(tmp_path, bad_exam))


def test_titles_per_language_with_a_fallback_said_once(tmp_path: Path) -> None:
    from course.planning import config
    from course.planning.secret import NOTICES

    text = GOOD.replace("title: Test course\n", "title: {fr: Cours de test, en: Test course}\n")
    text = text.replace("    title: Final\n", "    title: {fr: Examen final}\n")
    c = load_course(make_course(tmp_path, text))
    assert c.title == "Test course" and c.title_in("fr") == "Cours de test"
    config._FALLBACKS.clear()
    NOTICES.clear()
    assert c.exam_title("final", "fr") == "Examen final"
    assert not NOTICES
    assert c.exam_title("final", "en") == c.exam_title("final", "en") == "Examen final"  # falls back
    assert len(NOTICES) == 1 and "exams.final.title: no English title" in NOTICES[0]["en"]
    assert "exams.final.title : pas de titre en anglais" in NOTICES[0]["fr"]
    NOTICES.clear()
    # a plain string is in the course language: used as is in the other language, with a note
    plain = load_course(make_course(tmp_path, GOOD))
    assert plain.title_in("en") == "Test course" and not NOTICES
    assert plain.title_in("fr") == "Test course" and "no French title" in NOTICES[0]["en"]
    NOTICES.clear()


def test_validate_warns_of_a_title_in_one_language(tmp_path: Path) -> None:
    from course.planning.validate import check_course

    text = GOOD.replace("    title: Final\n", "    title: {fr: Examen final}\n")
    warnings = check_course(load_course(make_course(tmp_path, text)))
    assert any("exams.final.title: given in fr only" in w["en"] for w in warnings)
    assert any("exams.final.title : donné en fr seulement" in w["fr"] for w in warnings)


def test_an_english_exam_of_the_sample_course_has_english_titles(tmp_path: Path) -> None:
    from course.documents.exam import build_exam

    out = tmp_path / "intra"
    build_exam(ROOT / "course.yml", "intra", out=out, formats="md,moodle", lang="en", roster=None, jobs=1)
    key = next((out / "md").glob("*-key.md")).read_text(encoding="utf-8")
    assert key.startswith("# Midterm exam — Answer key") and "Neural networks and deep learning" in key
    assert "Examen intra" not in key and "Réseaux de neurones" not in key
    xml = (out / "moodle" / "intra.xml").read_text(encoding="utf-8")
    assert "$course$/top/Neural networks and deep learning/Midterm exam/Q01" in xml
    fr = tmp_path / "intra-fr"
    build_exam(ROOT / "course.yml", "intra", out=fr, formats="md", jobs=1)
    assert next((fr / "md").glob("*-key.md")).read_text(encoding="utf-8").startswith("# Examen intra — Corrigé")


def test_notebook_headings_use_the_title_of_their_language() -> None:
    from course.documents.notebooks import build_notebook

    c = load_course(ROOT / "course.yml")
    for lang, head, course_title in (("en", "# Assignment 1: the multilayer perceptron (MLP)",
                                      "**Neural networks and deep learning**"),
                                     ("fr", "# Devoir 1 : le perceptron multicouche (MLP)",
                                      "**Réseaux de neurones et apprentissage profond**")):
        title = "".join(build_notebook(c, "hw1", c.roster[0], lang=lang)["cells"][0]["source"])
        assert title.startswith(head) and course_title in title
