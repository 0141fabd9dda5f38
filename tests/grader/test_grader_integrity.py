"""Grading integrity at the edges (red team): secrets out of course.yml, identity from where a
file was handed in, only regular files, student text made inert in Markdown.

Same standard as the other red-team suites: no undeserved point, no leak, no harm to another
submission, the batch completes."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
from pathlib import Path

import grader_fixture as F
import pytest

from course.base.errors import CourseError
from course.grader.batch import sign_record
from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course
from course.planning.secret import SECRET_NAME

LIMITS = Limits(timeout_s=2.0, cpu_s=20, memory_mb=1024, nproc=24, tmpfs_mb=16)


def _rows(hw: Path) -> dict[str, dict[str, str]]:
    return {r["file"]: r for r in csv.DictReader(open(hw / "grades.csv"))}


def _records(hw: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (hw / ".grader").glob("*.json")}


# ----------------------------------------------------------------------------- 1. secrets
def _course_without_seed(root: Path, students: list[str]) -> Path:
    cp = F.make_course(root, students)
    cp.write_text(cp.read_text().replace("seed: 7\n", ""))
    return cp


def test_the_secret_is_created_once_outside_course_yml(tmp_path: Path) -> None:
    cp = _course_without_seed(tmp_path / "c", ["s1"])
    c = load_course(cp)
    seed = c.seed  # the first command that needs it creates it
    secret = tmp_path / "c" / SECRET_NAME
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert SECRET_NAME in (tmp_path / "c" / ".gitignore").read_text().splitlines()
    text = cp.read_text()
    assert f"secret_id: {c.secret.fingerprint}" in text and str(seed) not in text
    assert c.secret.record_key.hex() not in text
    again = load_course(cp)
    assert again.seed == seed and again.record_key == c.record_key
    assert not again.warnings()


def test_a_lost_secret_is_an_error_that_says_what_it_protects(tmp_path: Path) -> None:
    cp = _course_without_seed(tmp_path / "c", ["s1"])
    assert load_course(cp).seed >= 0
    (tmp_path / "c" / SECRET_NAME).unlink()
    with pytest.raises(CourseError, match="seed every student's variants were drawn from.*Restore"):
        assert load_course(cp).seed >= 0
    assert not (tmp_path / "c" / SECRET_NAME).exists()  # never silently replaced


def test_a_seed_in_course_yml_is_public_and_validate_says_so(tmp_path: Path) -> None:
    cp = F.make_course(tmp_path / "c", ["s1"])
    c = load_course(cp)
    assert c.seed == 7
    assert any("anyone who reads course.yml can compute every answer" in w["en"] for w in c.warnings())
    assert any("quiconque lit course.yml peut calculer toutes les réponses" in w["fr"] for w in c.warnings())
    # the record key never comes from course.yml, even then
    assert c.record_key != hashlib.sha256(b"course-grader-record-v1:7").digest()
    assert len(c.record_key) == 32


def test_a_record_signed_with_a_key_derivable_from_course_yml_is_regraded(tmp_path: Path) -> None:
    """The old record key was sha256(prefix + seed): whoever read course.yml could plant a
    record with full marks that resume accepted. Now such a record is graded again."""
    cp = F.make_course(tmp_path, ["s1"])
    course = load_course(cp)
    hw = tmp_path / "hw"
    F.write(hw / "submissions", "hwt-s1.ipynb", F.notebook(course, "s1", q1="q1 = ...\n", q2=""))
    grade_folder(hw, course_path=cp, jobs=1, loader="grader_fixture:load", limits=LIMITS)
    rec = _records(hw)["hwt-s1"]
    assert rec["status"] == "graded" and sum(q["points"] for q in rec["questions"]) == 0.0
    # forge: full marks, signed with the key anyone could derive from course.yml's seed
    from course.grader.records import Record

    forged = Record.from_json(rec)
    for q in forged.questions:
        q.points = q.max_points
    sign_record(forged, hashlib.sha256(b"course-grader-record-v1:7").digest())
    (hw / ".grader" / "hwt-s1.json").write_text(json.dumps(forged.to_json()))
    grade_folder(hw, course_path=cp, jobs=1, loader="grader_fixture:load", limits=LIMITS)
    assert float(_rows(hw)["hwt-s1.ipynb"]["total"]) == 0.0


# ----------------------------------------------------------------------------- 2, 3. files, owners
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("integrity")
    students = ["alice", "bob", "carol", "dave", "erin", "frank"]
    cp = F.make_course(root, students)
    course = load_course(cp)
    sub = root / "hw" / "submissions"
    # alice hands in honestly; evil.ipynb claims to be alice's, with full marks
    F.write(sub, "hwt-alice.ipynb", F.notebook(course, "alice"))
    F.write(sub, "evil.ipynb", F.notebook(course, "alice"))
    # bob never handed in; a file claims to be his (named after nobody)
    F.write(sub, "bobs-work.ipynb", F.notebook(course, "bob"))
    # carol's file claims dave: graded for carol, who handed it in
    F.write(sub, "hwt-carol.ipynb", F.notebook(course, "dave", q2=""))
    # a symlink to the instructor's solutions, a FIFO, a hard link, a folder
    sol = root / "instructor-solution.ipynb"
    F.write(root, sol.name, F.notebook(course, "erin"))
    (sub / "hwt-erin.ipynb").symlink_to(sol)
    os.mkfifo(sub / "hwt-frank.ipynb")
    os.link(sol, sub / "hwt-dave.ipynb")
    (sub / "notes").mkdir()
    # two files of one student: the later one (by modification time) is graded
    early = F.write(sub, "hwt-alice-Copy1.ipynb", F.notebook(course, "alice", q1="q1 = ...\n"))
    os.utime(early, (1_000_000_000, 1_000_000_000))
    # a student's exception message that tries Markdown links and images in the feedback
    F.write(sub, "hwt-bob.ipynb", F.notebook(course, "bob", q1=(
        "raise ValueError('[click](javascript:alert(1)) ![](http://evil.example/x.png) "
        "<img src=x onerror=alert(1)> **bold** http://evil.example')")))
    summary = grade_folder(root / "hw", course_path=cp, jobs=1, loader="grader_fixture:load",
                           limits=LIMITS)
    return {"root": root, "hw": root / "hw", "rows": _rows(root / "hw"),
            "records": _records(root / "hw"), "summary": summary}


def test_every_submitted_file_is_graded_or_listed_with_a_reason(batch) -> None:
    names = {n for n in os.listdir(batch["hw"] / "submissions")}
    assert set(batch["rows"]) == names
    for name, row in batch["rows"].items():
        assert row["status"], name


def test_a_file_claiming_another_student_harms_no_one(batch) -> None:
    rows = batch["rows"]
    assert rows["hwt-alice.ipynb"]["status"] == "graded" and float(rows["hwt-alice.ipynb"]["total"]) == 7.0
    assert rows["evil.ipynb"]["status"] == "no-owner" and float(rows["evil.ipynb"]["total"]) == 0.0
    assert rows["bobs-work.ipynb"]["status"] == "no-owner"
    assert rows["bobs-work.ipynb"]["student"] == ""  # never graded in bob's name


def test_metadata_that_disagrees_is_reported_and_the_owner_graded(batch) -> None:
    row = batch["rows"]["hwt-carol.ipynb"]
    assert (row["student"], row["status"], float(row["total"])) == ("carol", "graded", 3.0)
    notes = batch["records"]["hwt-carol"]["notes"]
    assert any("says it belongs to dave" in n["en"] for n in notes), notes


@pytest.mark.parametrize("name,detail", [("hwt-erin.ipynb", "symbolic link"), ("hwt-frank.ipynb", "pipe"),
                                         ("hwt-dave.ipynb", "hard link"), ("notes", "folder")])
def test_only_regular_files_are_read(batch, name: str, detail: str) -> None:
    row = batch["rows"][name]
    assert row["status"] == "not-regular" and float(row["total"]) == 0.0
    rec = next(r for r in batch["records"].values() if r["file"] == name)
    assert detail in rec["detail"]["en"] and rec["sha256"] == ""  # never opened


def test_the_later_of_two_files_is_graded_and_says_why(batch) -> None:
    rows, recs = batch["rows"], batch["records"]
    assert rows["hwt-alice-Copy1.ipynb"]["status"] == "superseded"
    early = recs["hwt-alice-Copy1"]
    assert "hwt-alice.ipynb" in early["detail"]["en"] and "modification time" in early["detail"]["en"]
    assert "date de modification du fichier" in early["detail"]["fr"]
    assert any("hwt-alice-Copy1.ipynb" in n["en"] for n in recs["hwt-alice"]["notes"])


def test_student_text_is_inert_in_markdown_feedback(batch) -> None:
    md = (batch["hw"] / "feedback" / "bob.md").read_text()
    assert "](javascript" not in md and "![](" not in md and "<img" not in md
    assert "http://evil" not in md and "**bold**" not in md
    html = (batch["hw"] / "feedback" / "bob.html").read_text()
    assert "<img" not in html and "href" not in html


def test_assignment_ids_with_dashes(tmp_path: Path) -> None:
    cp = F.make_course(tmp_path, ["s-1", "s2"])
    cp.write_text(cp.read_text().replace(f"  {F.ASSIGNMENT}:", "  hw-3:"))
    course = load_course(cp)
    hw = tmp_path / "hw"
    F.write(hw / "submissions", "hw-3-s-1.ipynb", F.notebook(course, "s-1", assignment="hw-3"))
    F.write(hw / "submissions", "hw-3-s2.ipynb", F.notebook(course, "s2", assignment="hw-3"))
    grade_folder(hw, course_path=cp, jobs=1, loader="grader_fixture:load", limits=LIMITS)
    rows = _rows(hw)
    assert {(r["student"], r["status"], r["total"]) for r in rows.values()} == \
        {("s-1", "graded", "7.0"), ("s2", "graded", "7.0")}
