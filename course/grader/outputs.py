"""Every output of a batch, rebuilt from the records every time (so a resumed batch writes the
same files): ``grades.csv`` (the gradebook: every roster student, then the files nobody owns),
``feedback/<student>.md`` and ``.html``, ``results/<student>.json`` (Gradescope's shape) and
``report.html``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from course.base.files import atomic_write
from course.base.plain import printable

from .feedback import feedback_md, md_to_html, results_json
from .gradebook import Gradebook
from .late import iso
from .report import write_report


def csv_cell(x: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: a file name is the student's choice, and
    ``=HYPERLINK(...)``, ``+cmd|...``, ``-``, ``@`` at the start of a cell run as formulas
    (CSV injection); such cells get a leading apostrophe (OWASP's advice)."""
    if type(x) is str and x[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + x
    return x


COLUMNS = ["student", "status", "file"]
TAIL = ["raw_total", "late_days", "late_penalty", "overrides", "total", "percent", "submitted_at",
        "time_source", "source"]


def grades_csv(gb: Gradebook) -> str:
    """The gradebook as CSV: one row per roster student, then one per file nobody owns."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*COLUMNS, *gb.questions, *TAIL])
    for r in gb.rows:
        rec = r.record or (r.files[0] if r.files else None)
        late = r.lateness
        w.writerow([csv_cell(c) for c in (
            r.student, r.status, printable(rec.file) if rec else "",
            *[r.questions.get(q, 0.0) for q in gb.questions], r.raw_total,
            late.days if late else "", r.penalty,
            "; ".join(f"{o.describe()} ({o.reason})" for o in r.overrides), r.total, r.percent,
            iso(rec.submitted_at, gb.due) if rec else "", rec.time_source if rec else "",
            printable(rec.source) if rec else "")])
    for r in [*[f for row in gb.rows for f in row.files[1:]], *gb.unowned]:
        pts = {q.id: q.points for q in r.questions}
        w.writerow([csv_cell(c) for c in (
            r.student or "", r.status, printable(r.file), *[pts.get(q, 0.0) for q in gb.questions],
            0.0, "", 0.0, "", 0.0, 0.0, iso(r.submitted_at, gb.due), r.time_source or "", printable(r.source))])
    return buf.getvalue()


def write_outputs(out: Path, gb: Gradebook, lang: str, protections: list[tuple[str, bool, str]],
                  notes: list[str], intake: dict[str, Any] | None = None) -> None:
    """Write grades.csv, the feedback and results of every roster student, and report.html."""
    atomic_write(out / "grades.csv", grades_csv(gb))
    for r in gb.rows:
        atomic_write(out / "results" / f"{r.student}.json", json.dumps(results_json(r, lang), indent=1))
        md = feedback_md(r, gb.assignment, lang, due=gb.due)
        atomic_write(out / "feedback" / f"{r.student}.md", md)
        atomic_write(out / "feedback" / f"{r.student}.html", md_to_html(md, r.student, lang))
    write_report(out / "report.html", gb, protections, notes, lang, intake or {})
