"""``course export``: grade a small course, export it, and read every file back the way the LMS
reads it (Moodle's worksheet and feedback-zip importers, Canvas's gradebook importer,
Gradescope's autograder harness), then the bad inputs.

The importers' rules are those of their sources (see the modules of course/grader/export/):
every graded student is in the file with the gradebook's total; who handed nothing in is left
out (the LMS keeps its grade) unless ``--missing zero``; whoever has no LMS identity is named in
a warning, never silently dropped, and never given to another person.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import grader_fixture as F
import pytest

from course.base.errors import CourseError, UsageError
from course.cli.main import main
from course.grader.export import EXPORTERS, export_folder
from course.grader.export import moodle as M
from course.grader.export.common import Options
from course.grader.limits import Limits
from course.grader.run import grade_folder, load_gradebook
from course.planning.config import load_course

LIMITS = Limits(timeout_s=2.0, cpu_s=20, memory_mb=1024, nproc=24, tmpfs_mb=16)
NOT_JSON = b"{this is not json"


# ----------------------------------------------------------------------------- the importers
def moodle_import(text: str, lang: str = "en") -> dict[int, tuple[float | None, datetime, str]]:
    """What Moodle's offline-grading importer reads (importgradeslib.php, locallib.php): the
    columns by their names in the importing user's language, the participant id after
    ``get_string('hiddenuser')`` (the database compares " 123" with the integer id as 123),
    the grade through ``unformat_float`` (spaces dropped, the language's decimal separator
    made a point), the grade's last modification through ``strtotime``."""
    cols = M.COLUMNS[lang]
    hidden = {"en": "Participant ", "fr": "Participant"}[lang]
    decsep = {"en": ".", "fr": ","}[lang]
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    gi, ii, mi = header.index(cols["grade"]), header.index(cols["id"]), header.index(cols["modified"])
    fi = header.index(cols["comments"]) if cols["comments"] in header else None
    out = {}
    for r in rows[1:]:
        assert r[ii].startswith(hidden.strip())
        pid = int(r[ii][len(hidden):].strip())
        g = r[gi].strip().replace(" ", "").replace(decsep, ".")
        assert g == "" or re.fullmatch(r"\d+(\.\d+)?", g), g
        out[pid] = (float(g) if g else None, datetime.fromisoformat(r[mi]), r[fi] if fi else "")
    return out


def moodle_zip_import(data: bytes, participants: set[int]) -> dict[int, str]:
    """What Moodle's feedback-zip importer attaches (importziplib.php,
    is_valid_filename_for_import): per file not hidden, the first path part that splits on
    ``_`` (at most 5 fields) into a name, a numeric participant id of this assignment, the
    plugin type and name; the rest is the file's name."""
    got: dict[int, str] = {}
    for name in zipfile.ZipFile(io.BytesIO(data)).namelist():
        if name.rsplit("/", 1)[-1].startswith((".", "~")) or name.endswith("/"):
            continue
        for part in name.split("/"):
            info = part.split("_", 4)
            if len(info) < 4 or not info[1].isdigit() or int(info[1]) not in participants:
                continue
            assert (info[2], info[3]) == ("assignfeedback", "file"), part
            assert int(info[1]) not in got
            got[int(info[1])] = info[4] if len(info) > 4 else ""
            break
    return got


def canvas_number(field: str) -> float | None:
    """Canvas's ``decimal_comma_to_period`` converter, then the number (blank: no grade)."""
    if re.fullmatch(r"-?[0-9.,]+%?", field):
        parts = re.split(r"[,.]", field)
        field = parts[-1] if len(parts) == 1 else "".join(parts[:-1]) + "." + parts[-1]
    return float(field) if field.strip() else None


def canvas_import(text: str) -> tuple[list[str], list[float], dict[tuple[str, str], list[float | None]]]:
    """What Canvas's gradebook importer reads (gradebook_importer.rb): the header (Student, ID,
    then SIS User ID and SIS Login ID, the last student column "Section"), the assignments'
    columns, the "Points Possible" row, and each student by ID, else SIS id, else login."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    n = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        n += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        n += 2
    assert "Section" in header[n - 1], header
    points: list[float] = []
    students: dict[tuple[str, str], list[float | None]] = {}
    for r in rows[1:]:
        if "Points Possible" in r[0]:
            points = [float(x) for x in r[n:]]
            continue
        key = ("id", r[1]) if r[1] else ("sis", r[2]) if r[2] else ("login", r[3])
        assert key not in students
        students[key] = [canvas_number(x) for x in r[n:]]
    return header[n:], points, students


def _zip(files: dict[str, str | bytes]) -> bytes:
    """A zip as archivers (Moodle's, Canvas's, zip(1)) write it: regular files, mode 0644."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 10, 5, 14, 0, 0))
            info.external_attr, info.compress_type = 0o100644 << 16, zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


# ----------------------------------------------------------------------------- Moodle
MOODLE_ROSTER = """id,name,email,section,lms_id
alice,Alice Martin,alice@uni.example,A,
bob,Bob Tremblay,bob@uni.example,A,
carol,Carol Roy,carol@uni.example,B,
dave,Dave Côté,dave@uni.example,B,
erin,Erin Lee,erin@uni.example,B,107
frank,Frank Nadeau,,B,
gina,Gina Diaz,gina@uni.example,A,
"""
WORKSHEET = """Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,Last modified (submission),Last modified (grade),Feedback comments
Participant 101,Alice Martin,alice@uni.example,Submitted for grading,,7.00,Yes,"Monday, 5 October 2026, 2:33 PM",-,
Participant 102,Bob Tremblay,bob@uni.example,Submitted for grading,,7.00,Yes,"Monday, 5 October 2026, 3:10 PM",-,
Participant 103,Carol Roy,carol@uni.example,Submitted for grading,,7.00,Yes,"Monday, 5 October 2026, 4:00 PM",-,
Participant 104,Dave Côté,dave@uni.example,No submission,,7.00,Yes,-,-,
Participant 105,Gina Diaz,gina@uni.example,No submission,,7.00,Yes,-,-,
"""


@pytest.fixture(scope="module")
def moodle(tmp_path_factory):
    """A Moodle assignment: the download archive, the grading worksheet beside it (it gives the
    participant ids of those who handed nothing in), an overrides.csv, then graded."""
    root = tmp_path_factory.mktemp("moodle")
    cp = F.make_course(root, ["x"])
    (root / "roster.csv").write_text(MOODLE_ROSTER, encoding="utf-8")
    course = load_course(cp)
    sub = root / "hw" / "submissions"
    sub.mkdir(parents=True)
    (sub / "grading-worksheet.csv").write_text(WORKSHEET, encoding="utf-8")
    entries = {"Alice Martin_101_assignsubmission_file_hwt-alice.ipynb": F.notebook(course, "alice"),
               "Bob Tremblay_102_assignsubmission_file_hwt-bob.ipynb":
                   F.notebook(course, "bob", q1=F.FORGOT_BIASES_Q1),
               "Carol Roy_103_assignsubmission_file_hwt-carol.ipynb": NOT_JSON,
               "Erin Lee_107_assignsubmission_file_hwt-erin.ipynb": F.notebook(course, "erin")}
    (sub / "moodle-download.zip").write_bytes(_zip(
        {name: nb if isinstance(nb, bytes) else json.dumps(nb) for name, nb in entries.items()}))
    (root / "hw" / "overrides.csv").write_text(
        "student,question,points,delta,reason\nbob,total,,0.5,participation\n"
        "dave,total,5,,paper copy graded by hand\n", encoding="utf-8")
    grade_folder(root / "hw", course_path=cp, jobs=1, loader="grader_fixture:load", limits=LIMITS)
    _, gb, intake = load_gradebook(root / "hw", course_path=cp)
    return {"root": root, "cp": cp, "hw": root / "hw", "gb": gb, "intake": intake,
            "totals": {r.student: r.total for r in gb.rows}}


def _file(res, suffix: str) -> Path:
    return next(f for f in res.files if f.name.endswith(suffix))


def test_the_batch_is_what_the_export_expects(moodle) -> None:
    gb = moodle["gb"]
    st = {r.student: r.status for r in gb.rows}
    assert st == {"alice": "graded", "bob": "graded", "carol": "not-json", "dave": "missing",
                  "erin": "graded", "frank": "missing", "gina": "missing"}
    assert moodle["totals"]["alice"] == 7.0 and moodle["totals"]["dave"] == 5.0
    assert 0 < moodle["totals"]["bob"] < 7.0
    assert moodle["intake"]["worksheets"] == ["grading-worksheet.csv"]


def test_moodle_worksheet_reads_back_in_moodle(moodle) -> None:
    _, res, lang = export_folder(moodle["hw"], "moodle", course_path=moodle["cp"])
    assert lang == "en" and _file(res, ".csv").parent == moodle["hw"] / "export" / "moodle"
    got = moodle_import(_file(res, "-moodle-worksheet.csv").read_text(encoding="utf-8"))
    t = moodle["totals"]
    assert {pid: g for pid, (g, _, _) in got.items()} == {
        101: t["alice"], 102: t["bob"], 104: 5.0, 107: t["erin"]}  # dave: his override
    for _, modified, comments in got.values():  # now: newer than what Moodle has
        assert abs((datetime.now(UTC) - modified).total_seconds()) < 120
        assert "Total" in comments and "<h1>" in comments
        assert "<style" not in comments and "<html" not in comments  # the page's body only
    # carol (unreadable file), gina (nothing handed in), frank (no participant id): one line each
    w = res.warnings
    assert len(w) == 3, w
    assert any(x.startswith("carol:") and "unreadable file" in x for x in w)
    assert any(x.startswith("gina:") and "nothing handed in" in x for x in w)
    assert any(x.startswith("frank:") for x in w)


def test_moodle_keeps_the_worksheets_identifiers_and_checks_its_maximum(moodle, tmp_path) -> None:
    _, res, _ = export_folder(moodle["hw"], "moodle", course_path=moodle["cp"], out=tmp_path)
    rows = list(csv.reader(io.StringIO(_file(res, ".csv").read_text(encoding="utf-8"))))
    assert rows[0] == WORKSHEET.splitlines()[0].split(",")
    assert {r[0] for r in rows[1:]} == {"Participant 101", "Participant 102", "Participant 104",
                                        "Participant 107"}
    assert all(r[5] == "7" for r in rows[1:])
    with pytest.raises(UsageError, match=r"maximum grade in Moodle is 7, the gradebook's 20: give --points 7"):
        export_folder(moodle["hw"], "moodle", course_path=moodle["cp"], out=tmp_path, points=20)


def test_moodle_missing_zero_gives_0_to_who_handed_nothing_in(moodle, tmp_path) -> None:
    _, res, _ = export_folder(moodle["hw"], "moodle", course_path=moodle["cp"], out=tmp_path,
                              missing="zero")
    got = moodle_import(_file(res, ".csv").read_text(encoding="utf-8"))
    assert got[105][0] == 0.0 and got[104][0] == 5.0 and 103 not in got
    assert [x.split(":")[0] for x in res.warnings] == ["carol", "frank"]
    assert "participant id" in res.warnings[1]


def test_moodle_feedback_zip_attaches_each_file_to_its_student(moodle) -> None:
    _, res, _ = export_folder(moodle["hw"], "moodle", course_path=moodle["cp"])
    data = _file(res, "-moodle-feedback.zip").read_bytes()
    got = moodle_zip_import(data, participants={101, 102, 103, 104, 105, 107})
    assert set(got) == {101, 102, 104, 107} and set(got.values()) == {"hwt-feedback.html"}
    by_pid = {101: "alice", 102: "bob", 104: "dave", 107: "erin"}
    z = zipfile.ZipFile(io.BytesIO(data))
    for name in z.namelist():
        pid = int(name.split("_")[1])
        html = z.read(name).decode()
        assert f"hwt - {by_pid[pid]}" in html
        assert f"{moodle['totals'][by_pid[pid]]:g} / 7" in html


def test_a_name_with_underscores_still_names_the_participant() -> None:
    assert M.file_name_part("Jean_Luc / .Picard") == "Jean Luc .Picard"
    assert M.file_name_part("._~") == "student"
    entry = f"{M.file_name_part('a_b_c')}_42_assignfeedback_file_x.html"
    assert moodle_zip_import(_zip({entry: "x"}), {42}) == {42: "x.html"}


def test_moodle_without_a_worksheet_in_french(moodle, tmp_path) -> None:
    """No worksheet: the ids come from the archive and the roster's lms_id; the columns carry
    French Moodle's names, which a French Moodle reads; points rescaled with --points."""
    course, gb = load_course(moodle["cp"]), moodle["gb"]
    intake = {"worksheets": [], "identities": moodle["intake"]["identities"]}
    res = M.export(course, gb, intake, tmp_path, "fr", Options(points=20))
    text = _file(res, ".csv").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("Identifiant,Nom complet,Adresse de courriel,Statut,Note,")
    got = moodle_import(text, "fr")
    t = moodle["totals"]
    assert {pid: g for pid, (g, _, _) in got.items()} == {
        101: 20.0, 102: round(t["bob"] * 20 / 7, 4), 107: 20.0}
    # "Participant 101": an English Moodle reads 101 as well (its string has the space)
    assert all(r[0].startswith("Participant 1") for r in list(csv.reader(io.StringIO(text)))[1:])
    assert any(x.startswith("dave :") and "identifiant de participant" in x for x in res.warnings)


# ----------------------------------------------------------------------------- Canvas
CANVAS_ROSTER = """id,name,login,sis_id,section,lms_id
alice,Alice Martin,amartin,S001,A,2001
bob,Bob Tremblay,btremblay,S002,A,
carol,Carol Roy,,S003,B,
dave,Dave Côté,,,B,
frank,Frank Nadeau,fnadeau,,B,2006
"""


@pytest.fixture(scope="module")
def canvas(tmp_path_factory):
    root = tmp_path_factory.mktemp("canvas")
    cp = F.make_course(root, ["x"])
    (root / "roster.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    course = load_course(cp)
    sub = root / "hw" / "submissions"
    sub.mkdir(parents=True)
    (sub / "submissions.zip").write_bytes(_zip({
        "amartin_2001_9001_hwt-alice.ipynb": json.dumps(F.notebook(course, "alice")),
        "btremblay_2002_9002_hwt-bob.ipynb": json.dumps(F.notebook(course, "bob", q1=F.FORGOT_BIASES_Q1)),
        # Canvas user 2007 has frank's login, the roster says 2006: which one is frank?
        "fnadeau_2007_9007_hwt-frank.ipynb": json.dumps(F.notebook(course, "frank"))}))
    grade_folder(root / "hw", course_path=cp, jobs=1, loader="grader_fixture:load", limits=LIMITS)
    _, gb, intake = load_gradebook(root / "hw", course_path=cp)
    return {"cp": cp, "hw": root / "hw", "gb": gb, "totals": {r.student: r.total for r in gb.rows}}


def test_canvas_csv_reads_back_in_canvas(canvas) -> None:
    _, res, _ = export_folder(canvas["hw"], "canvas", course_path=canvas["cp"])
    columns, points, students = canvas_import(_file(res, ".csv").read_text(encoding="utf-8"))
    assert columns == ["t"] and points == [7.0]
    t = canvas["totals"]
    # alice by the roster's lms_id, bob by the archive's user id (mapped by his login)
    assert students == {("id", "2001"): [t["alice"]], ("id", "2002"): [t["bob"]]}
    w = res.warnings
    assert any(x.startswith("frank:") and "2007, 2006" in x for x in w), w  # never guessed
    assert sum(x.startswith(("carol:", "dave:")) for x in w) == 2
    assert any("column 't'" in x for x in w)


def test_canvas_missing_zero_and_identities(canvas, tmp_path) -> None:
    _, res, _ = export_folder(canvas["hw"], "canvas", course_path=canvas["cp"], out=tmp_path,
                              missing="zero", column="Devoir test (555)", points=10)
    columns, points, students = canvas_import(_file(res, ".csv").read_text(encoding="utf-8"))
    assert columns == ["Devoir test (555)"] and points == [10.0]
    assert students[("sis", "S003")] == [0.0]  # carol: no Canvas id, her SIS id
    assert students[("id", "2001")] == [round(canvas["totals"]["alice"] * 10 / 7, 4)]
    assert any(x.startswith("dave:") and "no Canvas identity" in x for x in res.warnings)
    assert not any("column '" in x for x in res.warnings)


# ----------------------------------------------------------------------------- Gradescope
@pytest.fixture(scope="module")
def gradescope(tmp_path_factory):
    """A real notebook (course build), graded by `course grade` with the real loader."""
    from course.documents.notebooks import build_assignment

    root = tmp_path_factory.mktemp("gradescope")
    cp = F.make_course(root, ["x"])
    (root / "roster.csv").write_text("id,name,email\nalice,Alice Martin,alice@uni.example\n"
                                     "bob,Bob Tremblay,bob@uni.example\n", encoding="utf-8")
    course = load_course(cp)
    build_assignment(course, F.ASSIGNMENT, roster=["alice"], out=root / "build", jobs=1)
    name = f"{F.ASSIGNMENT}-alice.ipynb"
    nb = json.loads((root / "build" / "instructor" / "solutions" / name).read_text(encoding="utf-8"))
    stub = json.loads((root / "build" / "student" / name).read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if c.get("id", "").endswith("-answer"))
    first["source"] = next(c for c in stub["cells"] if c.get("id") == first["id"])["source"]
    data = json.dumps(nb).encode()
    hw = root / "hw"
    (hw / "submissions").mkdir(parents=True)
    (hw / "submissions" / name).write_bytes(data)
    grade_folder(hw, course_path=cp, jobs=1, limits=LIMITS)
    _, gb, _ = load_gradebook(hw, course_path=cp)
    return {"root": root, "cp": cp, "hw": hw, "notebook": data, "row": gb.row("alice")}


def _autograder(zip_path: Path, where: Path, files: dict[str, bytes], users: list[dict]) -> dict:
    """Lay ``where`` out as Gradescope does (source/, run_autograder, submission/, the
    metadata), run run_autograder there with this Python (setup.sh's part is the venv), and
    return results.json."""
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(where / "source")
    shutil.copy(where / "source" / "run_autograder", where / "run_autograder")
    for name, data in files.items():
        (where / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (where / "submission" / name).write_bytes(data)
    (where / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2026-10-05T14:22:32.365935-04:00", "users": users,
        "assignment": {"title": "t", "total_points": "7.0"}}))
    env = {"PATH": "/usr/bin:/bin", "AUTOGRADER_ROOT": str(where),
           "AUTOGRADER_PYTHON": sys.executable, "HOME": str(where)}
    r = subprocess.run(["bash", str(where / "run_autograder")], env=env, capture_output=True,
                       text=True, timeout=600, cwd=where)
    assert r.returncode == 0, r.stdout + r.stderr
    (where / "stdout.txt").write_text(r.stdout, encoding="utf-8")  # what the staff read
    return json.loads((where / "results" / "results.json").read_text(encoding="utf-8"))


def test_gradescope_zip_grades_like_course_grade(gradescope, tmp_path) -> None:
    _, res, _ = export_folder(gradescope["hw"], "gradescope", course_path=gradescope["cp"])
    zpath = _file(res, "-gradescope-autograder.zip")
    names = zipfile.ZipFile(zpath).namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt", "autograder.json",
            "course/course.yml", "course/roster.csv", "course/.course-secret",
            "lib/course/grader/child.py"} <= set(names)
    assert not any("__pycache__" in n for n in names)
    z = zipfile.ZipFile(zpath)
    assert z.getinfo("run_autograder").external_attr >> 16 & 0o111
    setup = z.read("setup.sh").decode()
    assert "bubblewrap" in setup and subprocess.run(["bash", "-n", "-c", setup]).returncode == 0
    reqs = z.read("requirements.txt").decode().split()
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[^=\s]+", r) for r in reqs) and any(
        r.lower().startswith("numpy==") for r in reqs)
    assert any(".course-secret" in w for w in res.warnings)

    ag = tmp_path / "autograder"
    out = _autograder(zpath, ag, {"my notebook.ipynb": gradescope["notebook"]},
                      [{"email": "Alice@uni.example", "name": "A. Martin", "id": 77}])
    row = gradescope["row"]
    assert row.status == "graded" and 0 < row.total < 7
    assert out["score"] == row.total
    assert sum(t["score"] for t in out["tests"]) == pytest.approx(row.total)
    assert all({"name", "score", "max_score", "status", "output"} <= set(t) for t in out["tests"])
    assert out["output_format"] == "md" and "# hwt - alice" in out["output"]


STUDENT_PY = F.REPO / ".venv-student" / "bin" / "python"


@pytest.mark.skipif(not STUDENT_PY.exists(), reason="the students' environment is missing: run scripts/setup")
def test_gradescope_builds_and_uses_the_students_environment(gradescope, tmp_path) -> None:
    """course.yml's grading.python travels as pinned requirements that setup.sh installs as
    /autograder/venv-student; run_autograder grades there (here: a link to .venv-student)."""
    cp = gradescope["cp"]
    text = cp.read_text(encoding="utf-8")
    try:
        cp.write_text(text + f"grading:\n  python: {STUDENT_PY}\n", encoding="utf-8")
        _, res, _ = export_folder(gradescope["hw"], "gradescope", course_path=cp, out=tmp_path / "zip")
    finally:
        cp.write_text(text, encoding="utf-8")
    z = zipfile.ZipFile(_file(res, ".zip"))
    pins = z.read("requirements-student.txt").decode().split()
    have = subprocess.run([str(STUDENT_PY), "-c", "import numpy; print(numpy.__version__)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert f"numpy=={have}" in pins and not any(p.lower().startswith(("pip==", "setuptools==", "nvidia"))
                                                 for p in pins)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[^=\s]+", p) for p in pins)
    assert all(p.endswith("+cpu") for p in pins if p.lower().startswith("torch=="))
    assert json.loads(z.read("autograder.json"))["students_python"] == "venv-student/bin/python"
    setup = z.read("setup.sh").decode()
    assert "/autograder/venv-student" in setup and subprocess.run(["bash", "-n", "-c", setup]).returncode == 0
    ag = tmp_path / "autograder"
    ag.mkdir()
    (ag / "venv-student").symlink_to(STUDENT_PY.parent.parent)  # what setup.sh builds
    out = _autograder(_file(res, ".zip"), ag, {"my notebook.ipynb": gradescope["notebook"]},
                      [{"email": "alice@uni.example", "name": "A. Martin", "id": 77}])
    assert out["score"] == gradescope["row"].total
    staff = (ag / "stdout.txt").read_text(encoding="utf-8")
    assert f"environment: yes (the students' environment: {ag / 'venv-student' / 'bin' / 'python'}" in staff


def test_gradescope_refuses_a_stranger_and_an_empty_submission(gradescope, tmp_path) -> None:
    _, res, _ = export_folder(gradescope["hw"], "gradescope", course_path=gradescope["cp"],
                              out=tmp_path / "zip")
    zpath = _file(res, ".zip")
    out = _autograder(zpath, tmp_path / "a", {"x.ipynb": gradescope["notebook"]},
                      [{"email": "eve@elsewhere.example", "name": "Eve", "id": 9}])
    assert out["score"] == 0.0 and "eve@elsewhere.example" in out["output"]
    out = _autograder(zpath, tmp_path / "b", {"notes.txt": b"hello"},
                      [{"email": "bob@uni.example", "name": "Bob", "id": 8}])
    assert out["score"] == 0.0 and ".ipynb" in out["output"]


# ----------------------------------------------------------------------------- bad input
def run(args: list[str], capsys) -> tuple[int, str, str]:
    rc = main(args)
    o = capsys.readouterr()
    return rc, o.out, o.err


def test_the_command_prints_what_it_wrote_and_the_warnings(canvas, tmp_path, capsys) -> None:
    rc, out, err = run(["export", str(canvas["hw"]), "--to", "canvas", "--out", str(tmp_path),
                        "--course", str(canvas["cp"])], capsys)
    assert rc == 0, err
    assert f"written: {tmp_path / 'hwt-canvas-grades.csv'}" in out
    assert out.count("warning:") == 4
    rc, out, err = run(["export", str(canvas["hw"]), "--to", "canvas", "--out", str(tmp_path),
                        "--course", str(canvas["cp"]), "--lang", "fr"], capsys)
    assert rc == 0 and "écrit :" in out and out.count("attention :") == 4


def test_export_before_grade_is_one_line(tmp_path, capsys) -> None:
    cp = F.make_course(tmp_path, ["alice"])
    course = load_course(cp)
    assert course.record_key  # the secret exists (its creation notice is not the point here)
    F.write(tmp_path / "hw" / "submissions", "hwt-alice.ipynb", F.notebook(course, "alice"))
    capsys.readouterr()
    rc, _, err = run(["export", str(tmp_path / "hw"), "--to", "moodle", "--course", str(cp)], capsys)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert rc == 1 and len(errors) == 1 and "run `course grade" in errors[0], err


def test_unknown_format_and_bad_options_exit_2(tmp_path, capsys) -> None:
    # the course found from the current folder is the sample course: French
    for args, needle in [(["--to", "blackboard"], "format « blackboard » inconnu"),
                         (["--to", "blackboard", "--lang", "en"], "unknown format 'blackboard'"),
                         (["--to", "moodle", "--missing", "maybe"], "--missing"),
                         (["--to", "canvas", "--points", "0"], "--points"),
                         (["--to", "gradescope", "--points", "10"], "ne s'appliquent pas"),
                         (["--to", "gradescope", "--points", "10", "--lang", "en"], "do not apply")]:
        rc, _, err = run(["export", str(tmp_path), *args], capsys)
        assert rc == 2 and needle in err, (args, err)
        lines = err.strip().splitlines()  # one error; a note (the course secret created) aside
        assert len([x for x in lines if not x.startswith("note:")]) == 1, err
        french = "--lang" not in args
        assert all(("créé" in x) == french for x in lines if x.startswith("note:")), err
    assert set(EXPORTERS) == {"moodle", "canvas", "gradescope"}


def test_a_tampered_batch_file_is_refused(canvas, tmp_path, capsys) -> None:
    hw = tmp_path / "hw"
    shutil.copytree(canvas["hw"], hw, ignore=shutil.ignore_patterns("export"))
    bp = hw / ".grader" / "batch.signed"
    doc = json.loads(bp.read_text())
    rec = next(r for r in doc["records"] if r["student"] == "bob")
    rec["questions"][0]["points"] = rec["questions"][0]["max_points"]  # full marks for bob
    bp.write_text(json.dumps(doc))
    rc, _, err = run(["export", str(hw), "--to", "canvas", "--course", str(canvas["cp"])], capsys)
    assert rc == 1 and "not signed by this course's grader" in err
    with pytest.raises(CourseError, match="not signed"):
        export_folder(hw, "moodle", course_path=canvas["cp"])
    assert not (hw / "export").exists()
