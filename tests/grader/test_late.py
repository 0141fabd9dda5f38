"""Due dates, late policies and extensions: course.yml's validation and course.grader.late."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course.grader.late import DAY, iso, lateness
from course.planning.config import CourseConfigError, load_course

TZ = timezone(timedelta(hours=-4))
DUE = datetime(2026, 10, 5, 23, 59, tzinfo=TZ)
BASE = """\
title: t
language: fr
roster: roster.csv
assignments:
  hw1:
    title: Devoir 1
    questions:
      - {exercise: ex1, points: 2}
"""


def course(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "exercises").mkdir(exist_ok=True)
    (tmp_path / "exercises" / "a.yml").write_text("- id: ex1\n  family: mlp-params\n")
    (tmp_path / "roster.csv").write_text("id\nalice\nbob\n")
    (tmp_path / "course.yml").write_text(BASE + extra)
    return tmp_path / "course.yml"


def assignment(tmp_path: Path, extra: str):
    return load_course(course(tmp_path, extra)).data.assignments["hw1"]


def at(hours: float) -> float:
    return (DUE + timedelta(hours=hours)).timestamp()


def test_per_day_policy_counts_started_days(tmp_path: Path) -> None:
    a = assignment(tmp_path, f"    due: {DUE.isoformat()}\n    late: {{per_day: 10, max_days: 3}}\n")
    cases = {-5: (0, 0.0), 0: (0, 0.0), 1 / 60: (1, 0.1), 24: (1, 0.1), 24.01: (2, 0.2),
             72: (3, 0.3), 72.5: (4, 1.0)}
    for hours, (days, fraction) in cases.items():
        late = lateness(a, "alice", at(hours), "t")
        assert (late.days, late.fraction) == (days, pytest.approx(fraction)), hours
    assert lateness(a, "alice", at(30), "t").text()["fr"].endswith("-20 %")
    assert lateness(a, "alice", at(30), "t").text()["en"] == "handed in late (2 started days): -20%"


@pytest.mark.parametrize("policy,fraction", [("zero", 1.0), ("none", 0.0)])
def test_zero_and_none(tmp_path: Path, policy: str, fraction: float) -> None:
    a = assignment(tmp_path, f"    due: {DUE.isoformat()}\n    late: {policy}\n")
    late = lateness(a, "bob", at(0.5), "t")
    assert late.late and late.fraction == fraction  # "none" still reports the lateness


def test_extensions_by_days_or_a_date(tmp_path: Path) -> None:
    new = (DUE + timedelta(days=5)).isoformat()
    a = assignment(tmp_path, f"    due: {DUE.isoformat()}\n    late: zero\n"
                             f"    extensions: {{alice: {{days: 2}}, bob: '{new}'}}\n")
    assert not lateness(a, "alice", at(47), "t").late
    al = lateness(a, "alice", at(49), "t")
    assert al.late and al.extended and "après la prolongation" in al.text()["fr"]
    assert not lateness(a, "bob", at(4 * 24), "t").late


def test_a_late_marker_without_a_time_is_one_day(tmp_path: Path) -> None:
    a = assignment(tmp_path, f"    due: {DUE.isoformat()}\n    late: {{per_day: 25, max_days: 2}}\n")
    late = lateness(a, "alice", None, "Canvas's late marker", marked_late=True)
    assert (late.days, late.fraction, late.assumed) == (1, 0.25, True)
    assert "without saying how late" in late.text()["en"]
    assert lateness(a, "alice", None, "unknown").days == 0  # no time, no marker: not late


def test_no_due_date_means_never_late(tmp_path: Path) -> None:
    a = assignment(tmp_path, "")
    assert lateness(a, "alice", at(1000), "t").days == 0


def test_times_are_shown_in_the_due_dates_zone() -> None:
    assert iso(DUE.timestamp(), DUE) == "2026-10-05T23:59-04:00"
    assert iso(DUE.timestamp()) == "2026-10-06T03:59+00:00"
    assert iso(None) == "" and DAY == 86400.0


@pytest.mark.parametrize("extra,expected", [
    ("    due: 2026-10-05T23:59:00\n", "give a time zone"),
    ("    due: 2026-10-05\n", "give a time and a time zone"),
    ("    due: next monday\n", "not an ISO 8601 date and time"),
    ("    late: {per_day: 10, max_days: 3}\n", "a late policy or extensions need a due date"),
    ("    due: 2026-10-05T23:59:00Z\n    late: {per_day: 120, max_days: 3}\n", "per_day"),
    ("    due: 2026-10-05T23:59:00Z\n    late: sometimes\n", "late"),
    ("    due: 2026-10-05T23:59:00Z\n    extensions: {zoe: {days: 1}}\n", "extensions.zoe: not on the roster"),
    ("    due: 2026-10-05T23:59:00Z\n    extensions: {bob: 2026-10-09T10:00:00}\n", "extension of bob: give a time zone"),
])
def test_bad_due_dates_and_policies_are_one_line(tmp_path: Path, extra: str, expected: str) -> None:
    with pytest.raises(CourseConfigError) as err:
        load_course(course(tmp_path, extra))
    msg = str(err.value)
    assert "course.yml" in msg and expected in msg and "\n" not in msg
