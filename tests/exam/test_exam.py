"""`course exam`: golden sources, determinism, seeding, manifest, bad input, CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from course.base.errors import CourseError, UsageError
from course.base.rng import make_rng
from course.cli.main import main
from course.documents import latex
from course.documents.exam import build_exam, recheck
from course.generator.registry import registry
from course.planning.config import load_course
from course.planning.plan import plan_exam

from .conftest import COURSE

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_FILES = ["manifest.json", "tex/course-exam.sty", "tex/sheets.tex", "tex/sheet-S01.tex",
                "tex/parts/sheet-S01.tex", "tex/parts/key-S01.tex", "md/S01-sheet.md",
                "md/S01-key.md", "moodle/mini.xml"]


@pytest.mark.parametrize("rel", GOLDEN_FILES)
def test_golden_sources(built_sources: Path, rel: str) -> None:
    """Regenerate with ``UPDATE_GOLDEN=1 pytest tests/exam/test_exam.py`` and review the diff."""
    text = (built_sources / rel).read_text(encoding="utf-8")
    golden = GOLDEN / rel.replace("/", "__")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"missing golden {golden.name}: run with UPDATE_GOLDEN=1 and review it"
    assert text == golden.read_text(encoding="utf-8")


def test_regeneration_is_byte_identical(built_sources: Path, tmp_path: Path) -> None:
    build_exam(COURSE, "mini", out=tmp_path, formats="tex,md,moodle,qti", jobs=1)
    a = sorted(p.relative_to(built_sources) for p in built_sources.rglob("*") if p.is_file())
    b = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    # manifest, sty, combined, wrappers, parts, md, Moodle xml, QTI zip
    assert a == b and len(a) == 1 + 1 + 2 + 4 + 4 + 4 + 1 + 1
    for rel in a:
        assert (built_sources / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_variants_come_from_the_one_rng_door(built_sources: Path) -> None:
    man = json.loads((built_sources / "manifest.json").read_text())
    course = load_course(COURSE)
    qs = plan_exam(course, "mini")
    assert [q.key for q in qs] == ["mlp", "conv", "soft", "percep", "quiz", "loss", "mlp#2"]
    for st in man["students"]:
        for q, vd in zip(qs, st["variants"]):
            assert vd["seed"] == {"course_seed": 4242, "student": st["id"], "exercise": q.key}
            v = registry()[q.family].generate(make_rng(4242, st["id"], q.key), q.constraints)
            assert v.params == vd["params"] and v.answer == vd["answer"]
    # two students, different variants for an unconstrained family
    conv = [st["variants"][1]["params"] for st in man["students"]]
    assert conv[0] != conv[1]


def test_manifest_recheck_and_tampering(built_sources: Path) -> None:
    man = json.loads((built_sources / "manifest.json").read_text())
    assert recheck(man) == []
    man["students"][0]["variants"][0]["answer"]["total"] += 1
    man["students"][1]["variants"][1]["params"]["h"] += 1
    problems = recheck(man)
    assert len(problems) == 2 and "answer differs" in problems[0] and "params differ" in problems[1]


def test_sheet_and_key_content(built_sources: Path) -> None:
    sheet = (built_sources / "tex/parts/sheet-S_02.tex").read_text()
    key = (built_sources / "tex/parts/key-S_02.tex").read_text()
    assert "\\begin{student}{S_02}{\\texttt{S\\char95{}02}}" in sheet  # raw id in labels, a glyph when printed
    assert sheet.count("\\ceexercise{") == 7 and key.count("\\ceexercise{") == 7
    assert "Nom, prénom" in sheet and "Nom, prénom" not in key
    assert "\\cetable{\\begin{tabular}" in key and "\\toprule" in key  # perceptron table
    assert "\\cechoices{" in sheet  # multiple choice boxes
    wrapper = (built_sources / "tex/sheets.tex").read_text()
    assert "\\ceduplextrue" in wrapper and "\\input{parts/sheet-S_02.tex}" in wrapper


def test_english(tmp_path: Path) -> None:
    build_exam(COURSE, "short", out=tmp_path, formats="tex,md", lang="en", jobs=1)
    assert "Exercise 1" in (tmp_path / "md/S01-sheet.md").read_text()
    assert "[english]{babel}" in (tmp_path / "tex/course-exam.sty").read_text()


def _course(tmp_path: Path, exercises: str, roster: bytes = b"id\nA1\nB2\n",
            exam: str = "{exercise: e1, points: 2}") -> Path:
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "ex.yml").write_text(exercises)
    (tmp_path / "roster.csv").write_bytes(roster)
    (tmp_path / "course.yml").write_text(
        "title: T\nseed: 1\nroster: roster.csv\nexams:\n  x:\n    title: X\n"
        f"    questions:\n      - {exam}\n")
    return tmp_path / "course.yml"


@pytest.mark.parametrize("exercises, roster, message", [
    ("- {id: e1, family: no-such-family}\n", b"id\nA1\n", "unknown family 'no-such-family'"),
    ("- {id: e1, family: conv-output, params: {h: {min: 30, max: 4}}}\n", b"id\nA1\n",
     "parameter 'h': empty range min=30 > max=4"),
    ("- {id: e1, family: mlp-params}\n", b"id\n", "the roster is empty"),
    ("- {id: e1, family: mlp-params}\n", b"id\nA1\nA1\n", "duplicated student id 'A1'"),
    ("- {id: e1, family: mlp-params}\n", "id\nAndré\n".encode("latin-1"), "roster is not UTF-8"),
])
def test_bad_input_fails_before_writing(tmp_path: Path, exercises: str, roster: bytes, message: str) -> None:
    course = _course(tmp_path, exercises, roster)
    out = tmp_path / "out"
    with pytest.raises(CourseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_exam(course, "x", out=out, formats="tex,md,moodle")
    assert not out.exists()


def test_roster_option_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "r.csv"
    bad.write_bytes(b"id\nx1\nx1\n")
    with pytest.raises(CourseError, match="duplicated student id 'x1'"):
        build_exam(COURSE, "mini", roster=bad, out=tmp_path / "o", formats="md")
    assert not (tmp_path / "o").exists()


def test_unknown_exam_and_format(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown exam 'nope'.*mini, short"):
        build_exam(COURSE, "nope", out=tmp_path / "o", formats="md")
    with pytest.raises(UsageError, match="unknown format 'docx'"):
        build_exam(COURSE, "mini", out=tmp_path / "o", formats="md,docx")
    assert not (tmp_path / "o").exists()


def test_pdf_without_tex_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latex.shutil, "which", lambda name: None)
    with pytest.raises(latex.TexMissing, match="apt-get install texlive-latex-base .*latexmk"):
        build_exam(COURSE, "short", out=tmp_path / "o", formats="pdf,tex")
    assert not (tmp_path / "o").exists()
    build_exam(COURSE, "short", out=tmp_path / "o", formats="tex,md")  # works without TeX
    assert (tmp_path / "o/tex/sheets.tex").exists()


def test_rerun_replaces_previous_outputs(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("id\nzz9\n")
    build_exam(COURSE, "short", out=tmp_path / "o", formats="md")
    build_exam(COURSE, "short", roster=roster, out=tmp_path / "o", formats="md")
    assert sorted(p.name for p in (tmp_path / "o/md").iterdir()) == ["zz9-key.md", "zz9-sheet.md"]


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["exam", "short", "-c", str(COURSE), "--out", str(tmp_path), "--format", "md,moodle,qti", "-q"])
    assert rc == 0 and (tmp_path / "moodle/short.xml").exists() and (tmp_path / "qti/short.zip").exists()
    assert main(["exam", "nope", "-c", str(COURSE), "--format", "md"]) == 2
    assert "examen 'nope' inconnu" in capsys.readouterr().err  # the test course is French
    assert main(["exam", "nope", "-c", str(COURSE), "--format", "md", "--lang", "en"]) == 2
    assert "unknown exam 'nope'" in capsys.readouterr().err



def test_parallel_rendering_gives_the_same_sources(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("id\n" + "".join(f"p{i:02d}\n" for i in range(17)))
    build_exam(COURSE, "mini", roster=roster, out=tmp_path / "a", formats="tex,md,moodle,qti", jobs=1)
    build_exam(COURSE, "mini", roster=roster, out=tmp_path / "b", formats="tex,md,moodle,qti", jobs=2)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) == 1 + 1 + 2 + 17 * 6 + 1 + 1
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
