"""Grading records: what the grader concluded about one submitted file, as typed data.

One :class:`Record` per submitted file, written as ``PATH/.grader/<file stem>.json`` (signed;
see :mod:`course.grader.batch`) and read back by resume and by every output
(:mod:`course.grader.report`). A record is made by one constructor per status:
:meth:`Record.graded` (the notebook ran and its questions were graded), :meth:`Record.rejected`
(the file could not be graded: not a notebook, no owner, ...; ``status`` says why) and
:meth:`Record.error` (the grader itself failed). ``to_json``/``from_json`` are exact inverses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from course.base.i18n import Text

RECORD_VERSION = 2


@dataclass
class Item:
    """One graded item: a part of a computed question, or a case of a coding question.

    ``points``/``max``: points earned / possible (scaled to the question's points); ``why``:
    the reason it failed (fr/en, never an expected value); ``misconception``: the key of the
    named mistake recognised, with its explanation in ``why`` and, on its own,
    ``misconception_text`` (fr/en: what report.html shows, never the key); ``text``: what the
    case or part tests (a case's feedback text, a part's label); ``seconds``: wall clock of a
    coding case."""

    name: str
    ok: bool
    points: float
    max: float
    why: Text | None = None
    misconception: str | None = None
    text: Text | None = None
    seconds: float | None = None
    misconception_text: Text | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Item:
        return cls(**{k: d.get(k) for k in ("name", "ok", "points", "max", "why", "misconception",
                                            "text", "seconds", "misconception_text")})


@dataclass
class QuestionResult:
    """A question's outcome: its items, the points, and ``error`` (fr/en) when it could not be
    graded at all (the process died, the time budget ran out); ``cell``: the report of its
    answer cell (did it run, magics ignored)."""

    id: str
    points: float
    max_points: float
    items: list[Item]
    error: Text | None = None
    kind: str = ""
    title: Text = field(default_factory=dict)
    cell: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "points": self.points,
                "max_points": self.max_points, "items": [i.to_json() for i in self.items],
                "error": self.error, "cell": self.cell}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> QuestionResult:
        return cls(d["id"], d["points"], d["max_points"], [Item.from_json(i) for i in d["items"]],
                   d.get("error"), d.get("kind", ""), d.get("title") or {}, d.get("cell"))


@dataclass
class Record:
    """What the grader concluded about one submitted file (see the module docstring)."""

    file: str
    sha256: str
    status: str
    assignment: str | None
    student: str | None
    #: why it was not graded, in both languages (or one plain string: an exception's text)
    detail: Text | str = ""
    questions: list[QuestionResult] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    cells: dict[str, Any] = field(default_factory=dict)
    protections: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    traceback: str | None = None
    #: where the file was found, when it was handed in (POSIX seconds) and how that is known,
    #: and what the instructor should know about it (one line each)
    source: str = ""
    submitted_at: float | None = None
    time_source: str | None = None
    notes: list[Text | str] = field(default_factory=list)
    #: the submission's memory peak (all its processes, from its cgroup) and OOM kills
    memory_peak_mb: float | None = None
    oom_kills: int | None = None
    version: int = RECORD_VERSION
    mac: str | None = None

    # ----------------------------------------------------------------- constructors
    @classmethod
    def graded(cls, file: str, sha256: str, assignment: str, student: str,
               questions: list[QuestionResult], *, restored: list[str], cells: dict[str, Any],
               protections: dict[str, Any], seconds: float) -> Record:
        """The notebook ran in the sandbox and each question was graded."""
        return cls(file, sha256, "graded", assignment, student, "", questions, restored, cells,
                   protections, seconds)

    @classmethod
    def rejected(cls, file: str, sha256: str, status: str, assignment: str | None = None,
                 student: str | None = None, detail: Text | str = "") -> Record:
        """The file could not be graded; ``status`` says why (a key of
        :data:`course.grader.grading.STATUS_TEXT`)."""
        return cls(file, sha256, status, assignment, student, detail)

    @classmethod
    def error(cls, file: str, sha256: str, assignment: str | None, student: str | None,
              detail: Text | str, traceback: str | None = None) -> Record:
        """The grader failed on this file (it is graded again by the next run)."""
        return cls(file, sha256, "error", assignment, student, detail, traceback=traceback)

    # ----------------------------------------------------------------- totals
    @property
    def total(self) -> float:
        return round(sum(q.points for q in self.questions) + 0.0, 4)

    @property
    def max_points(self) -> float:
        return round(sum(q.max_points for q in self.questions) + 0.0, 4)

    # ----------------------------------------------------------------- JSON
    def to_json(self) -> dict[str, Any]:
        d = asdict(replace(self, questions=[]))  # each question once, by its own to_json
        d["questions"] = [q.to_json() for q in self.questions]
        if d["mac"] is None:
            del d["mac"]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Record:
        """A record from its JSON; ``KeyError``/``TypeError`` for anything malformed."""
        if type(d) is not dict:
            raise TypeError("a record is a JSON object")
        return cls(d["file"], d["sha256"], d["status"], d.get("assignment"), d.get("student"),
                   d.get("detail", ""), [QuestionResult.from_json(q) for q in d.get("questions", [])],
                   list(d.get("restored", [])), dict(d.get("cells", {})),
                   dict(d.get("protections", {})), d.get("seconds"), d.get("traceback"),
                   d.get("source", ""), d.get("submitted_at"), d.get("time_source"),
                   list(d.get("notes", [])), d.get("memory_peak_mb"), d.get("oom_kills"),
                   d.get("version", 0), d.get("mac"))

    def handed_in(self, source: str, submitted_at: float | None, time_source: str | None,
                  notes: list[Text | str] | tuple[Text | str, ...]) -> Record:
        """This record with where and when its file was handed in and the intake's notes
        (returns itself)."""
        self.source, self.submitted_at, self.time_source = source, submitted_at, time_source
        self.notes = list(notes)
        return self
