"""Due dates, late work and extensions (course.yml: an assignment's ``due``, ``late`` and
``extensions``): how late a submission is, and what it costs.

A day late is a *started* day: one minute after the due date is one day late. The ``per_day``
policy takes that percent of the points per day, and everything after ``max_days`` days;
``zero`` takes everything from the first minute; ``none`` takes nothing (lateness is still
reported). An extension moves the student's own due date (a new date, or ``{days: N}``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from course.base.i18n import Text

DAY = 86400.0


@dataclass(frozen=True)
class Lateness:
    """A submission's lateness: its owner's due date (POSIX seconds), when it was handed in
    and how that is known, the started days late, and the fraction of the points it loses."""

    due: float | None
    submitted: float | None
    time_source: str | None
    days: int
    fraction: float
    extended: bool = False
    assumed: bool = False  # the time is not known, only that it is late (Canvas's marker)

    @property
    def late(self) -> bool:
        return self.days > 0

    def text(self) -> Text:
        """What the student and the instructor read (empty when on time and no due date)."""
        if not self.late:
            return {"fr": "", "en": ""}
        pct = round(100 * self.fraction)
        d = self.days
        fr = f"remis en retard ({d} jour{'s' if d > 1 else ''} commencé{'s' if d > 1 else ''})"
        en = f"handed in late ({d} started day{'s' if d > 1 else ''})"
        if self.assumed:
            fr += " : le LMS le marque en retard sans dire de combien, compté 1 jour"
            en += ": the LMS marks it late without saying how late, counted as 1 day"
        if self.extended:
            fr += ", après la prolongation accordée"
            en += ", after the extension granted"
        return {"fr": f"{fr} : -{pct} %".replace("-0 %", "aucune pénalité"),
                "en": f"{en}: -{pct}%".replace("-0%", "no penalty")}


def due_of(assignment: Any, student: str) -> tuple[datetime | None, bool]:
    """The student's due date (with their extension) and whether an extension applies."""
    due = assignment.due
    ext = assignment.extensions.get(student)
    if due is None or ext is None:
        return due, False
    if isinstance(ext, datetime):
        return ext, True
    return due + timedelta(days=ext.days), True


def lateness(assignment: Any, student: str, submitted: float | None, time_source: str | None,
             marked_late: bool = False) -> Lateness:
    """How late ``student``'s submission handed in at ``submitted`` (POSIX seconds) is under
    ``assignment`` (course.yml's), and what it costs. ``marked_late``: the LMS says it is late
    but gives no time (Canvas's file names): one started day."""
    due, extended = due_of(assignment, student)
    if due is None:
        return Lateness(None, submitted, time_source, 0, 0.0)
    due_s = due.timestamp()
    if submitted is None or (marked_late and submitted <= due_s):
        days, assumed = (1, True) if marked_late else (0, False)
    else:
        over = submitted - due_s
        days, assumed = (math.ceil(over / DAY) if over > 0 else 0), False
    policy = assignment.late
    if days == 0 or policy == "none":
        fraction = 0.0
    elif policy == "zero" or days > policy.max_days:
        fraction = 1.0
    else:
        fraction = min(1.0, policy.per_day / 100.0 * days)
    return Lateness(due_s, submitted, time_source, days, fraction, extended, assumed)


def iso(t: float | None, like: datetime | None = None) -> str:
    """POSIX seconds as ISO 8601, in the time zone of ``like`` (the due date) when given."""
    if t is None:
        return ""
    tz = like.tzinfo if like is not None and like.tzinfo is not None else UTC
    return datetime.fromtimestamp(t, tz).isoformat(timespec="minutes")
