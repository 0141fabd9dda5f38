"""``course demo``: the whole loop on the sample course, in one command.

1. the worked examples of the seeds, recomputed by the reference (``OUT/examples.md``);
2. the ``intra`` exam sheets and keys in Markdown and LaTeX (and PDF when latexmk is installed)
   for the students of the demo, and its Moodle XML and Canvas QTI banks (``OUT/exams/intra``);
3. homework ``hw3`` built for them (``OUT/hw3/student``, ``OUT/hw3/instructor``);
4. simulated submissions made from the solutions: correct ones, partly wrong ones (some answers
   missing, numbers off), and hostile ones: a cell that raises, a loop that never ends, an
   object equal to everything, a cell that looks for the hidden tests. They arrive as a
   Moodle "Download all submissions" archive with its grading worksheet
   (``OUT/hw3/submissions/``): the first student hands in a ``grader.export()`` zip, the
   second is late (and gets an override in ``OUT/hw3/overrides.csv``), the last hands in
   nothing;
5. ``course grade`` on them (``OUT/hw3/grades.csv``, ``feedback/``, ``results/``,
   ``report.html``), then the summary;
6. ``course export`` to Moodle: the grading worksheet to upload and the zip of feedback files
   (``OUT/hw3/export/moodle/``).

Every submission is made from the builder's own notebooks; nothing is typed by hand.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from course.base.errors import UsageError
from course.base.i18n import text

ASSIGNMENT = "hw3"
EXAM = "intra"
#: the kinds of simulated submission, in the order students get them (then correct and
#: partly wrong alternate)
KINDS = ("correct", "partly-wrong", "raises", "loops", "always-equal", "reads-hidden")

PLUS_ONE = '''

def _plus_one(v):  # simulated mistake: every number off by one
    if isinstance(v, bool) or not isinstance(v, (int, float, list, dict)):
        return v
    if isinstance(v, dict):
        return {{k: _plus_one(x) for k, x in v.items()}}
    if isinstance(v, list):
        return [_plus_one(x) for x in v]
    return v + 1


{qid} = _plus_one({qid})
'''

ALWAYS_EQUAL = '''class _Everything:  # simulated attack: equal to any expected value
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return 0.0


{qid} = _Everything()
'''

READS_HIDDEN = '''import glob, json, os  # simulated attack: look for the hidden tests and the solutions

found = []
for pattern in ("../instructor/*", "../../instructor/*", "/home/**/hidden_tests.json",
                "/root/**/hidden_tests.json", "/work/**/hidden_tests.json",
                os.path.expanduser("~/**/manifest.json")):
    found += glob.glob(pattern, recursive=True)
if found:
    {qid} = json.load(open(found[0]))
'''


@dataclass
class DemoResult:
    """What the demo made: the output folder, step timings (s), the grading summary."""

    out: Path
    students: list[str]
    kinds: dict[str, str]
    #: how each student hands in, when not plainly on time (:func:`demo_roles`)
    roles: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def submission_kind(i: int) -> str:
    """The kind of simulated submission of the ``i``-th student of the demo."""
    return KINDS[i] if i < len(KINDS) else ("correct" if i % 2 == 0 else "partly-wrong")


def _questions(nb: Any) -> list[dict[str, Any]]:
    return list(nb["metadata"]["course"]["questions"])


def _answer(nb: Any, qid: str) -> Any:
    return next(c for c in nb["cells"] if c.get("id") == f"{qid}-answer")


def simulate(kind: str, solution: Any, stub: Any) -> Any:
    """A submission of ``kind`` made from the builder's solutions and stub notebooks (dicts)."""
    nb = json.loads(json.dumps(solution))
    qs = _questions(nb)
    computed = [q["id"] for q in qs if q["kind"] == "computed"]
    coding = [q["id"] for q in qs if q["kind"] == "coding"]
    if kind == "correct":
        return nb
    if kind == "partly-wrong":
        for k, q in enumerate(qs):
            if k % 3 == 1:  # left as handed out
                _answer(nb, q["id"])["source"] = _answer(stub, q["id"])["source"]
        if computed:
            cell = _answer(nb, computed[0])
            cell["source"] = cell["source"] + PLUS_ONE.format(qid=computed[0])
        return nb
    if kind == "raises" and coding:
        cell = _answer(nb, coding[0])
        cell["source"] = "raise RuntimeError('simulated bug')\n" + cell["source"]
        return nb
    if kind == "loops" and coding:
        cell = _answer(nb, coding[-1])
        cell["source"] = "while True:  # simulated infinite loop\n    pass\n" + cell["source"]
        return nb
    if kind == "always-equal":
        for qid in computed:
            _answer(nb, qid)["source"] = ALWAYS_EQUAL.format(qid=qid)
        return nb
    if kind == "reads-hidden" and computed:
        _answer(nb, computed[0])["source"] = READS_HIDDEN.format(qid=computed[0])
        return nb
    return nb


def demo_roles(ids: list[str]) -> dict[str, str]:
    """How each demo student hands in, when not plainly on time: the first as a
    ``grader.export()`` zip, the second late, the last not at all (from 3 students on)."""
    roles = {}
    if ids:
        roles[ids[0]] = "export-zip"
    if len(ids) >= 2:
        roles[ids[1]] = "late"
    if len(ids) >= 3:
        roles[ids[-1]] = "missing"
    return roles


def _moodle_time(t: datetime) -> str:
    """Moodle's English worksheet time: "Monday, 12 October 2026, 9:59 PM"."""
    hour = t.hour % 12 or 12
    return f"{t:%A}, {t.day} {t:%B %Y}, {hour}:{t:%M} {'AM' if t.hour < 12 else 'PM'}"


def moodle_download(folder: Path, course: Any, handed: dict[str, bytes], roles: dict[str, str],
                    due: datetime | None, maximum: float) -> None:
    """What an instructor downloads from a Moodle assignment: the "Download all submissions"
    zip (``<Full name>_<participant id>_assignsubmission_file_<file>``) and the grading
    worksheet (its "Last modified (submission)" column gives the times and the e-mails that
    say who is who) in ``folder``. Moodle draws a participant id per student and assignment:
    here a number made from both."""
    due = due or datetime.now(UTC).replace(microsecond=0)
    tz = due.tzinfo
    rows = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (sid, data) in enumerate(handed.items()):
            person = course.people.get(sid, {})
            name = person.get("name", sid)
            pid = str(10000 + int(hashlib.sha256(f"{ASSIGNMENT}/{sid}".encode()).hexdigest()[:8], 16) % 90000)
            when = due + (timedelta(hours=26) if roles.get(sid) == "late" else -timedelta(hours=2, minutes=i))
            local = when.astimezone(tz)
            prefix = f"{name}_{pid}_assignsubmission_file_"
            stamp = local.timetuple()[:6]
            if roles.get(sid) == "export-zip":  # what grader.export() writes: the notebook in a zip
                inner = io.BytesIO()
                with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as e:
                    e.writestr(zipfile.ZipInfo(f"{ASSIGNMENT}-{sid}.ipynb", stamp), data)
                z.writestr(zipfile.ZipInfo(f"{prefix}{ASSIGNMENT}-{sid}.zip", stamp), inner.getvalue())
            else:
                z.writestr(zipfile.ZipInfo(f"{prefix}{ASSIGNMENT}-{sid}.ipynb", stamp), data)
            rows.append([f"Participant {pid}", name, person.get("email", ""), "Submitted for grading",
                         "", f"{maximum:.2f}", "Yes", _moodle_time(local), "-", ""])
    (folder / f"moodle-{ASSIGNMENT}.zip").write_bytes(buf.getvalue())
    with open(folder / f"Grades-{ASSIGNMENT}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                    "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                    "Feedback comments"])
        w.writerows(rows)


def _write_examples(path: Path, lang: str) -> int:
    from course.cli.worked_examples import worked_examples

    exs = worked_examples(lang)
    lines = ["# " + ("Exemples résolus du cours" if lang == "fr" else "Worked examples of the course"), ""]
    for ex in exs:
        lines += [f"## {ex['title']} ({ex['source']})", "", ex["explanation"], "",
                  "```", json.dumps(ex["inputs"], ensure_ascii=False, default=str),
                  json.dumps(ex["result"], ensure_ascii=False, default=str), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return len(exs)


def run_demo(course_path: Path, out: Path, *, students: int | None = None, lang: str | None = None,
             jobs: int | None = None, timeout: float = 10.0,
             say: Callable[[str], None] = print) -> DemoResult:
    """Run the whole loop (see the module docstring); ``say`` reports each step."""
    from course.documents.exam import build_exam
    from course.documents.notebooks import build_assignment
    from course.grader.export import export_folder
    from course.grader.limits import Limits
    from course.grader.run import grade_folder
    from course.planning.config import load_course
    from course.planning.plan import plan_assignment

    course_path = Path(course_path)
    course = load_course(course_path)
    lang = lang or course.language
    if students is not None and students < 1:
        raise UsageError(text(f"--students doit valoir au moins 1 (reçu : {students})", f"--students must be at least 1, got {students}"))
    if ASSIGNMENT not in course.data.assignments:
        raise UsageError(text(f"--course : {course_path} n'a pas de devoir « {ASSIGNMENT} » pour la démo", f"--course: {course_path} has no assignment '{ASSIGNMENT}' for the demo"))
    if EXAM not in course.data.exams:
        raise UsageError(text(f"--course : {course_path} n'a pas d'examen « {EXAM} » pour la démo", f"--course: {course_path} has no exam '{EXAM}' for the demo"))
    ids = list(course.roster[: students or len(course.roster)])
    out = Path(out)
    hw = out / ASSIGNMENT
    if hw.exists():  # a fresh demo each time (the folder is the demo's own)
        shutil.rmtree(hw)
    out.mkdir(parents=True, exist_ok=True)
    roster = out / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as f:  # the course roster's first lines
        cols = ["id", *[c for c in ("name", "email", "lms_id") if any(c in course.people.get(s, {}) for s in ids)]]
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        w.writerows([sid, *[course.people.get(sid, {}).get(c, "") for c in cols[1:]]] for sid in ids)
    res = DemoResult(out, ids, {sid: submission_kind(i) for i, sid in enumerate(ids)},
                     demo_roles(ids))

    t = time.perf_counter()
    n = _write_examples(out / "examples.md", lang)
    res.timings["examples"] = time.perf_counter() - t
    def s(fr: str, en: str) -> str:
        return fr if lang == "fr" else en

    say(s(f"1. {n} exemples résolus du cours, recalculés : {out / 'examples.md'}",
          f"1. {n} worked examples of the seeds, recomputed: {out / 'examples.md'}"))

    t = time.perf_counter()
    formats = "md,tex,moodle,qti"
    if shutil.which("latexmk") is not None:
        formats += ",pdf"
    else:
        res.notes.append(s("latexmk n'est pas installé : pas de PDF d'examen (apt-get install "
                           "latexmk texlive-latex-extra texlive-lang-french)",
                           "latexmk is not installed: exam PDFs skipped (apt-get install latexmk "
                           "texlive-latex-extra texlive-lang-french)"))
    exam_out = out / "exams" / EXAM
    try:
        ex = build_exam(course_path, EXAM, roster=roster, out=exam_out, formats=formats, lang=lang,
                        jobs=jobs)
    except Exception as exc:  # noqa: BLE001 - a broken TeX install must not stop the demo
        if "pdf" not in formats:
            raise
        why = f"{type(exc).__name__}: {str(exc)[:200]}"
        res.notes.append(s(f"les PDF d'examen ont échoué ({why}) : Markdown, LaTeX et les banques "
                           "seulement",
                           f"exam PDFs failed ({why}); Markdown, LaTeX and the banks only"))
        formats = "md,tex,moodle,qti"
        ex = build_exam(course_path, EXAM, roster=roster, out=exam_out, formats=formats, lang=lang,
                        jobs=jobs)
    res.timings["exam"] = time.perf_counter() - t
    say(s(f"2. examen « {EXAM} » ({formats}) pour {ex.students} élèves : {exam_out}",
          f"2. exam '{EXAM}' ({formats}) for {ex.students} students: {exam_out}"))

    t = time.perf_counter()
    b = build_assignment(course, ASSIGNMENT, roster=ids, out=hw, lang=lang)
    res.timings["build"] = time.perf_counter() - t
    say(s(f"3. {ASSIGNMENT} construit pour {b.students} élèves : {hw / 'student'}, {hw / 'instructor'}",
          f"3. {ASSIGNMENT} built for {b.students} students: {hw / 'student'}, {hw / 'instructor'}"))

    t = time.perf_counter()
    sub = hw / "submissions"
    sub.mkdir()
    handed = {}
    for sid, kind in res.kinds.items():
        if res.roles.get(sid) == "missing":
            continue
        name = f"{ASSIGNMENT}-{sid}.ipynb"
        sol = json.loads((hw / "instructor" / "solutions" / name).read_text(encoding="utf-8"))
        stub = json.loads((hw / "student" / name).read_text(encoding="utf-8"))
        handed[sid] = json.dumps(simulate(kind, sol, stub), ensure_ascii=False).encode("utf-8")
    due = course.data.assignments[ASSIGNMENT].due
    moodle_download(sub, course, handed, res.roles, due,
                    sum(q.points for q in plan_assignment(course, ASSIGNMENT)))
    first_q = plan_assignment(course, ASSIGNMENT)[0]
    late = [sid for sid, r in res.roles.items() if r == "late"]
    if late:
        reason = ("réponse juste mais mal formatée : corrigée à la main" if lang == "fr"
                  else "right answer, wrong format: regraded by hand")
        (hw / "overrides.csv").write_text(
            "student,question,points,delta,reason\n"
            f"{late[0]},{first_q.id},{first_q.points:g},,\"{reason}\"\n", encoding="utf-8")
    with open(hw / "simulated.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["student", "kind", "handed in"])
        w.writerows((sid, k, res.roles.get(sid, "on time")) for sid, k in res.kinds.items())
    res.timings["submissions"] = time.perf_counter() - t
    counts: dict[str, int] = {}
    for sid, k in res.kinds.items():
        if res.roles.get(sid) != "missing":
            counts[k] = counts.get(k, 0) + 1
    roles = ", ".join(f"{r} {sid}" for sid, r in res.roles.items())
    kinds = ", ".join(f"{k} {v}" for k, v in counts.items())
    say(s(f"4. {len(handed)} remises simulées ({kinds} ; {roles}) dans un téléchargement Moodle "
          f"avec sa feuille de notes : {sub}",
          f"4. {len(handed)} simulated submissions ({kinds}; {roles}) in a Moodle download with its "
          f"grading worksheet: {sub}"))

    t = time.perf_counter()
    res.summary = grade_folder(hw, course_path=course_path, jobs=jobs, lang=lang,
                               limits=Limits(timeout_s=timeout), resume=False, roster=roster)
    res.timings["grade"] = time.perf_counter() - t
    took = f"{res.timings['grade']:.1f} s"
    say(s(f"5. corrigé en {took} : {hw / 'grades.csv'}, {hw / 'report.html'}",
          f"5. graded in {took}: {hw / 'grades.csv'}, {hw / 'report.html'}"))

    t = time.perf_counter()
    _, exported, _ = export_folder(hw, "moodle", course_path=course_path, roster=roster, lang=lang)
    res.timings["export"] = time.perf_counter() - t
    res.notes += exported.warnings
    files = ", ".join(str(f) for f in exported.files)
    say(s(f"6. exporté vers Moodle (la feuille d'évaluation et les retours en zip, à importer par "
          f"les actions du devoir « Upload grading worksheet » et « Upload multiple feedback files "
          f"in a zip » de Moodle en anglais) : {files}",
          f"6. exported to Moodle (Upload grading worksheet; Upload multiple feedback files in a "
          f"zip): {files}"))
    return res
