"""The intake (course.grader.intake, .lms, .archives) on the archives instructors download:
Moodle and Canvas "download all submissions" zips, Moodle's grading worksheet, otter and
grader.export() zips, and the hostile entries a zip can hold. No grading here: what each file
becomes (owner, time and how it is known, or why it is not graded)."""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course.base.errors import CourseError
from course.grader import archives, intake, lms

NB = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}'
MTL = timezone(timedelta(hours=-5))
PEOPLE = {
    "alice": {"name": "Alice Tremblay", "email": "alice@poly.ca", "lms_id": "1001", "login": "atremblay"},
    "bob": {"name": "Bob Gagnon", "email": "bob@poly.ca"},
    "chloé": {"name": "Chloé Lévesque", "login": "clevesque"},
}
ROSTER = list(PEOPLE)


def zip_bytes(entries: dict[str, bytes], times: dict[str, tuple] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            zi = zipfile.ZipInfo(name, (times or {}).get(name, (2026, 10, 5, 14, 33, 0)))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = (stat.S_IFREG | 0o644) << 16
            z.writestr(zi, data)
    return buf.getvalue()


def take(path: Path, only: str | None = None) -> dict[str, intake.Submission]:
    got = intake.take_in(path, ["hw3", "hw3-bonus"], ROSTER, PEOPLE, only, MTL)
    return {s.source: s for s in got.submissions}


def identities(got: intake.Intake) -> dict[str, lms.Identity]:
    return {i.who(): i for i in map(lms.Identity.from_json, got.identities)}


def test_a_name_two_students_share_maps_to_nobody(tmp_path: Path) -> None:
    people = {"a1": {"name": "Marie Roy"}, "a2": {"name": "Marie Roy"}, "b": {"name": "Luc Roy"}}
    (tmp_path / "dl.zip").write_bytes(zip_bytes({moodle("Marie Roy", "11", "hw3.ipynb"): NB,
                                                 moodle("Luc Roy", "12", "hw3.ipynb"): NB}))
    got = intake.take_in(tmp_path / "dl.zip", ["hw3"], list(people), people, None, MTL)
    st = {s.source.split("!")[1].split("_")[0]: (s.student, s.status) for s in got.submissions}
    assert st == {"Marie Roy": (None, "no-owner"), "Luc Roy": ("b", "ok")}
    marie = next(s for s in got.submissions if s.student is None)
    assert "several roster students have this name" in marie.detail["en"]
    assert identities(got)["moodle Marie Roy (11)"].text()["en"].startswith("ambiguous")


def moodle(name: str, pid: str, original: str) -> str:
    return f"{name}_{pid}_assignsubmission_file_{original}"


# ----------------------------------------------------------------------------- Moodle
def test_moodle_download_maps_participants_and_reads_times(tmp_path: Path) -> None:
    z = zip_bytes({moodle("Alice Tremblay", "1001", "hw3-alice.ipynb"): NB,
                   moodle("Robert Gagnon", "2002", "devoir.ipynb"): NB,
                   moodle("Chloe LEVESQUE", "3003", "hw3.ipynb"): NB,
                   moodle("Zed Nobody", "4004", "hw3.ipynb"): NB})
    (tmp_path / "hw3.zip").write_bytes(z)
    got = take(tmp_path / "hw3.zip", only="hw3")
    by = {s.student: s for s in got.values() if s.student}
    # alice by her lms_id; chloé by her name (accents, case and order ignored)
    assert set(by) == {"alice", "chloé"}
    assert all(s.status == "ok" and s.assignment == "hw3" for s in by.values())
    ids = identities(intake.take_in(tmp_path / "hw3.zip", ["hw3", "hw3-bonus"], ROSTER, PEOPLE,
                                    "hw3", MTL))
    # a Moodle participant id is drawn per assignment: never matched to the roster's lms_id
    assert ids["moodle Alice Tremblay (1001)"].text() == {
        "fr": "alice (selon le nom de la liste des étudiants)", "en": "alice (by the roster's name)"}
    assert ids["moodle Zed Nobody (4004)"].text()["en"] == "nobody on the roster"
    # "Robert" is "Bob" on the roster, who has no lms_id; without the worksheet (his e-mail)
    # nothing says who he is: not graded, and why
    bob = got[f"hw3.zip!{moodle('Robert Gagnon', '2002', 'devoir.ipynb')}"]
    assert bob.student is None and bob.status == "no-owner"
    assert "Robert Gagnon" in bob.detail["en"] and "roster" in bob.detail["en"]
    assert "n'est sur aucune ligne de la liste des étudiants" in bob.detail["fr"]
    nobody = got[f"hw3.zip!{moodle('Zed Nobody', '4004', 'hw3.ipynb')}"]
    assert nobody.status == "no-owner"
    # the zip entry's time is local time in the due date's zone
    a = by["alice"]
    assert a.time_source == intake.TIME_ZIP
    assert a.submitted_at == datetime(2026, 10, 5, 14, 33, tzinfo=MTL).timestamp()


WORKSHEET_EN = ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
                "Last modified (submission),Last modified (grade),Feedback comments\n"
                "Participant 1001,Alice Tremblay,alice@poly.ca,Submitted for grading,,10,Yes,"
                "\"Monday, 5 October 2026, 2:33 PM\",-,\n"
                "Participant 2002,Robert Gagnon,BOB@poly.ca,Submitted for grading,,10,Yes,"
                "\"Tuesday, 6 October 2026, 11:59 PM\",-,\n")
WORKSHEET_FR = ("Identifiant,Nom complet,Adresse de courriel,Statut,Note,Note maximale,"
                "La note peut être modifiée,Dernière modification (travail remis),"
                "Dernière modification (note),Feedback par commentaires\n"
                "Participant 2002,Robert Gagnon,bob@poly.ca,Remis pour évaluation,,10,Oui,"
                "\"mardi 6 octobre 2026, 23:59\",-,\n")


@pytest.mark.parametrize("sheet", [WORKSHEET_EN, WORKSHEET_FR], ids=["en", "fr"])
def test_the_grading_worksheet_gives_emails_and_times(tmp_path: Path, sheet: str) -> None:
    (tmp_path / "hw3.zip").write_bytes(zip_bytes({moodle("Robert Gagnon", "2002", "devoir.ipynb"): NB}))
    (tmp_path / "Grades-hw3.csv").write_text(sheet, encoding="utf-8")
    got = intake.take_in(tmp_path, ["hw3"], ROSTER, PEOPLE, None, MTL)
    assert got.worksheets == ["Grades-hw3.csv"]  # read, never graded
    (s,) = got.submissions
    assert (s.student, s.status, s.time_source) == ("bob", "ok", intake.TIME_WORKSHEET)
    assert s.submitted_at == datetime(2026, 10, 6, 23, 59, tzinfo=MTL).timestamp()
    assert identities(got)["moodle Robert Gagnon (2002)"].text() == {
        "fr": "bob (selon le courriel de la feuille de notes)", "en": "bob (by the worksheet's e-mail)"}


def test_moodle_folders_layout_and_an_extracted_download(tmp_path: Path) -> None:
    folder = "Alice Tremblay_1001_assignsubmission_file"
    (tmp_path / "in-folders.zip").write_bytes(zip_bytes({f"{folder}/hw3.ipynb": NB}))
    got = take(tmp_path / "in-folders.zip")
    (s,) = got.values()
    assert (s.student, s.assignment, s.status) == ("alice", "hw3", "ok")
    ex = tmp_path / "extracted"
    (ex / folder).mkdir(parents=True)
    (ex / folder / "hw3.ipynb").write_bytes(NB)
    (ex / folder / "notes.txt").write_text("hi")
    got = intake.take_in(ex, ["hw3"], ROSTER, PEOPLE, None, MTL).submissions
    st = {s.name: (s.student, s.status) for s in got}
    assert st == {"hw3.ipynb": ("alice", "ok"), "notes.txt": ("alice", "not-notebook")}


def test_an_otter_export_inside_a_moodle_download(tmp_path: Path) -> None:
    otter = zip_bytes({"hw3.ipynb": NB, "hw3.pdf": b"%PDF", ".OTTER_LOG": b"x"})
    (tmp_path / "dl.zip").write_bytes(zip_bytes({moodle("Alice Tremblay", "1001", "hw3_2026.zip"): otter}))
    (s,) = take(tmp_path / "dl.zip").values()
    assert (s.student, s.status, s.name) == ("alice", "ok", "hw3.ipynb")
    assert s.source.endswith("hw3_2026.zip!hw3.ipynb") and s.data == NB


def test_grader_export_zips_in_a_folder(tmp_path: Path) -> None:
    sub = tmp_path / "submissions"
    sub.mkdir()
    (sub / "hw3-bob.zip").write_bytes(zip_bytes({"hw3-bob.ipynb": NB}))
    (sub / "mine.zip").write_bytes(zip_bytes({"hw3-alice.ipynb": NB}))  # owner from the notebook
    (sub / "empty.zip").write_bytes(zip_bytes({"readme.txt": b"x"}))
    (sub / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    got = {s.source: s for s in intake.take_in(tmp_path, ["hw3"], ROSTER, PEOPLE).submissions}
    assert (got["hw3-bob.zip!hw3-bob.ipynb"].student, got["hw3-bob.zip!hw3-bob.ipynb"].status) == ("bob", "ok")
    assert got["mine.zip!hw3-alice.ipynb"].student == "alice"
    assert got["empty.zip"].status == "not-notebook"
    assert got["broken.zip"].status == "corrupt-archive" and "zip" in got["broken.zip"].detail["en"]
    assert len(got) == 4  # every file is accounted for


# ----------------------------------------------------------------------------- Canvas
def test_canvas_download_late_marker_and_logins(tmp_path: Path) -> None:
    z = zip_bytes({"atremblay_1001_555_hw3-alice.ipynb": NB,      # lms_id
                   "clevesque_late_3003_556_hw3.ipynb": NB,       # login, late
                   "gagnonbob_2002_557_hw3.ipynb": NB})           # "last first" name
    (tmp_path / "submissions.zip").write_bytes(z)
    got = {s.student: s for s in take(tmp_path / "submissions.zip", only="hw3").values()}
    assert set(got) == {"alice", "chloé", "bob"}
    assert got["chloé"].time_source == intake.TIME_CANVAS_LATE
    assert got["alice"].time_source == intake.TIME_CANVAS_ON_TIME
    assert all(s.status == "ok" for s in got.values())


def test_lms_names_parse() -> None:
    n = lms.parse_lms_name("Jean-Luc Picard_123_assignsubmission_file_hw3-jl.ipynb")
    assert n is not None and (n.lms, n.person, n.lms_id, n.original) == ("moodle", "Jean-Luc Picard", "123", "hw3-jl.ipynb")
    n = lms.parse_lms_name("picardjl_LATE_42_99_hw 3.ipynb")
    assert n is not None and (n.lms, n.person, n.lms_id, n.original, n.late) == ("canvas", "picardjl", "42", "hw 3.ipynb", True)
    assert lms.parse_lms_name("hw3-alice.ipynb") is None


# ----------------------------------------------------------------------------- hostile zips
def test_hostile_entries_are_each_rejected_with_their_reason(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        good = moodle("Alice Tremblay", "1001", "hw3.ipynb")
        z.writestr(good, NB)
        z.writestr("../../etc/" + moodle("Alice Tremblay", "1001", "evil.ipynb"), NB)
        z.writestr("/abs/" + moodle("Alice Tremblay", "1001", "abs.ipynb"), NB)
        link = zipfile.ZipInfo(moodle("Alice Tremblay", "1001", "link.ipynb"))
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/root/.course-secret")
        fifo = zipfile.ZipInfo(moodle("Alice Tremblay", "1001", "fifo.ipynb"))
        fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
        z.writestr(fifo, "")
        z.writestr(moodle("Alice Tremblay", "1001", "bomb.ipynb"), b"\0" * (20 << 20))
        inner = zip_bytes({"deeper.zip": zip_bytes({"hw3-alice.ipynb": NB})})
        z.writestr(moodle("Alice Tremblay", "1001", "nested.zip"), inner)
    (tmp_path / "dl.zip").write_bytes(buf.getvalue())
    got = {s.source.split("!", 1)[1]: s for s in take(tmp_path / "dl.zip", only="hw3").values()}
    assert got[good].status == "ok"
    why = {k: (s.status, s.detail["en"]) for k, s in got.items() if k != good}
    assert all("zip-slip" in d for k, (st, d) in why.items() if "evil" in k or "abs" in k)
    assert why[moodle("Alice Tremblay", "1001", "link.ipynb")] == ("not-regular", "a symbolic link")
    assert why[moodle("Alice Tremblay", "1001", "fifo.ipynb")] == ("not-regular", "a special file")
    assert "zip bomb" in why[moodle("Alice Tremblay", "1001", "bomb.ipynb")][1]
    # an archive in an archive in an archive is not opened: the middle one has no notebook
    assert why[moodle("Alice Tremblay", "1001", "nested.zip")][0] == "not-notebook"
    assert len(got) == 7  # nothing is dropped silently


def test_limits_on_entries_and_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "MAX_ENTRIES", 3)
    with pytest.raises(archives.ArchiveError, match="4 entries"):
        archives.read_zip(zip_bytes({f"{i}.ipynb": NB for i in range(4)}))
    monkeypatch.setattr(archives, "MAX_ENTRY_BYTES", 10)
    (e,) = archives.read_zip(zip_bytes({"a.ipynb": NB}))
    assert e.status == "too-large" and e.data is None


def test_one_archive_path_that_holds_nothing_gradable_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "corrupt.zip").write_bytes(b"not a zip at all")
    with pytest.raises(CourseError, match=r"corrupt\.zip: not a readable zip archive"):
        take(tmp_path / "corrupt.zip")
    (tmp_path / "odd.zip").write_bytes(zip_bytes({"x/y/notes.ipynb": NB, "data.csv": b"1"}))
    with pytest.raises(CourseError, match=r"odd\.zip: no entry belongs to a student.*known layouts"):
        take(tmp_path / "odd.zip")


def test_two_files_of_one_student_the_later_by_worksheet_time_wins(tmp_path: Path) -> None:
    z = zip_bytes({moodle("Alice Tremblay", "1001", "hw3-v1.ipynb"): NB,
                   moodle("Alice Tremblay", "1001", "hw3-v2.ipynb"): NB + b" "},
                  times={moodle("Alice Tremblay", "1001", "hw3-v1.ipynb"): (2026, 10, 5, 9, 0, 0),
                         moodle("Alice Tremblay", "1001", "hw3-v2.ipynb"): (2026, 10, 5, 8, 0, 0)})
    (tmp_path / "dl.zip").write_bytes(z)
    subs = intake.take_in(tmp_path / "dl.zip", ["hw3"], ROSTER, PEOPLE, None, MTL).submissions
    intake.keep_latest(subs)
    st = {s.name.rsplit("_", 1)[-1]: s.status for s in subs}
    assert st == {"hw3-v1.ipynb": "ok", "hw3-v2.ipynb": "superseded"}


def test_the_lms_says_who_handed_in_not_the_file_name(tmp_path: Path) -> None:
    """Alice uploads a notebook named after Bob: it is Alice's (Moodle and Canvas alike)."""
    (tmp_path / "m.zip").write_bytes(zip_bytes({moodle("Alice Tremblay", "77", "hw3-bob.ipynb"): NB}))
    (tmp_path / "c.zip").write_bytes(zip_bytes({"atremblay_1001_9_hw3-bob.ipynb": NB}))
    for z in ("m.zip", "c.zip"):
        (s,) = take(tmp_path / z, only="hw3").values()
        assert (s.student, s.status) == ("alice", "ok"), z
