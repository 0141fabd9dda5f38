"""What ``run_autograder`` runs in Gradescope's container, once per submission
(``python -m course.grader.export.autograder``; see :mod:`.gradescope` for the zip).

The student is who Gradescope says submitted (``submission_metadata.json``: the user's
``sid`` as the roster's id or ``sis_id``, else the e-mail, else the name), never what the
notebook's metadata claims; a group submission is refused (each student has their own
variant). The notebook handed in (the one named ``<assignment>-*.ipynb`` when there are
several, else the first notebook, else a ``grader.export()`` zip) is copied, as a regular file
only, under the name ``course grade`` gives it, with Gradescope's submission time, and graded
by :func:`course.grader.run.grade_folder` exactly as ``course grade`` grades a folder: same
sandbox, same limits, same late policy. ``results/results.json`` is that student's
:func:`course.grader.feedback.results_json`, with the feedback as its Markdown output.

A student-side problem (not on the roster, nothing to grade, a group) gives a score of 0 and
says why; a grader-side one (the sandbox refused, the course is broken) exits non-zero without
results, so that Gradescope reports the autograder as failed instead of a grade.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from course.base.errors import CourseError
from course.base.files import atomic_write
from course.base.i18n import text
from course.planning.config import normal_name

from ..feedback import feedback_md, md_escape, results_json
from ..intake import read_regular
from ..interpreter import row as interpreter_row
from ..limits import Limits
from ..protections import protections
from .gradescope import CONFIG_NAME, CONFIG_VERSION

ROOT_ENV = "AUTOGRADER_ROOT"

T = {
    "group": {"fr": "Les remises de groupe ne sont pas corrigées : chaque étudiant a ses propres "
                    "données. Remettez votre notebook seul.",
              "en": "Group submissions are not graded: each student has their own variant. "
                    "Submit your notebook on your own."},
    "nobody": {"fr": "Votre compte Gradescope ({who}) n'est pas sur la liste de la classe : "
                     "écrivez à votre enseignant.",
               "en": "Your Gradescope account ({who}) is not on the course roster: write to "
                     "your instructor."},
    "nothing": {"fr": "Aucun notebook (.ipynb) ni zip de grader.export() dans votre remise.",
                "en": "No notebook (.ipynb) or grader.export() zip in your submission."},
    "others": {"fr": "Autres fichiers remis, non corrigés", "en": "Other files handed in, not graded"},
    "time": {"fr": "l'heure de remise Gradescope", "en": "Gradescope's submission time"},
}


def _result(text: str) -> dict[str, Any]:
    return {"score": 0.0, "output": text, "visibility": "visible", "tests": []}


def student_of(user: dict[str, Any], course: Any) -> str | None:
    """The roster id of a Gradescope user: ``sid`` (the roster's id or ``sis_id``), else the
    e-mail, else the name (one roster line only)."""
    people = course.people
    sid = str(user.get("sid") or "").strip()
    if sid:
        if sid in course.roster:
            return sid
        by_sis = [s for s in course.roster if (people.get(s) or {}).get("sis_id") == sid]
        if len(by_sis) == 1:
            return by_sis[0]
    email = str(user.get("email") or "").strip().lower()
    if email:
        by_mail = [s for s in course.roster if (people.get(s) or {}).get("email", "").lower() == email]
        if len(by_mail) == 1:
            return by_mail[0]
    name = normal_name(str(user.get("name") or ""))
    if name:
        by_name = [s for s in course.roster if normal_name((people.get(s) or {}).get("name", "")) == name]
        if len(by_name) == 1:
            return by_name[0]
    return None


def submitted_files(folder: Path, assignment: str) -> list[Path]:
    """The notebooks and zips under ``folder`` (no hidden file, no symbolic link followed), the
    one to grade first."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        found += [Path(dirpath) / f for f in sorted(filenames)
                  if not f.startswith(".") and f.lower().endswith((".ipynb", ".zip"))]

    def rank(p: Path) -> tuple[int, str]:
        nb = p.name.lower().endswith(".ipynb")
        return (0 if nb and p.name.startswith(assignment + "-") else 1 if nb else 2, str(p))

    return sorted(found, key=rank)


def _submitted_at(meta: dict[str, Any]) -> float | None:
    try:
        return datetime.fromisoformat(str(meta.get("created_at"))).timestamp()
    except (TypeError, ValueError):
        return None


def autograde(root: Path) -> int:
    """Grade the submission in ``root`` (laid out like ``/autograder``); the exit status."""
    from course.planning.config import load_course

    from ..run import grade_folder, load_gradebook

    t0 = time.monotonic()
    results = root / "results" / "results.json"
    cfg = json.loads((root / "source" / CONFIG_NAME).read_text(encoding="utf-8"))
    if cfg.get("version") != CONFIG_VERSION:
        raise CourseError(text(f"{CONFIG_NAME} : écrit par une autre version de l'outil", f"{CONFIG_NAME}: written by another version of the toolkit"))
    aid, lang = cfg["assignment"], cfg["lang"]
    course_path = root / "source" / cfg["course"]
    course = load_course(course_path)
    meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    users = meta.get("users") or []

    def refuse(text: str) -> int:
        atomic_write(results, json.dumps(_result(text), indent=1, ensure_ascii=False))
        print(f"not graded: {text}")
        return 0

    if len(users) != 1:
        return refuse(T["group"][lang])
    sid = student_of(users[0], course)
    if sid is None:
        who = users[0].get("email") or users[0].get("name") or users[0].get("sid") or "?"
        return refuse(T["nobody"][lang].format(who=who))
    files = submitted_files(root / "submission", aid)
    if not files:
        return refuse(T["nothing"][lang])
    chosen, others = files[0], files[1:]
    work = Path(tempfile.mkdtemp(prefix="course-autograder-"))
    try:
        sub = work / "submissions"
        sub.mkdir()
        data, status, detail = read_regular(chosen)
        dst = sub / f"{aid}-{sid}{'.zip' if chosen.name.lower().endswith('.zip') else '.ipynb'}"
        dst.write_bytes(data if data is not None else b"")
        if data is None:
            print(f"{chosen.name}: {status} ({detail}): graded as an empty file")
        when = _submitted_at(meta)
        if when is not None:
            os.utime(dst, (when, when))
        limits = Limits(**cfg.get("limits", {}))
        if cfg.get("students_python"):  # the students' environment setup.sh built
            limits = replace(limits, python=str(root / cfg["students_python"]))
        grade_folder(work, course_path=course_path, assignment=aid, jobs=1, lang=lang,
                     limits=limits, resume=False, students_env=False)
        _, gb, _ = load_gradebook(work, course_path=course_path)
        row = gb.row(sid)
        if when is not None and row.record is not None:  # the copy's time is Gradescope's
            row.record.time_source = T["time"][lang]
        res = results_json(row, lang)
        md = feedback_md(row, aid, lang, due=gb.due)
        if others:
            md += f"\n{T['others'][lang]}:\n\n" + "".join(
                f"- {md_escape(str(p.relative_to(root / 'submission')))}\n" for p in others)
        res.update(output=md, output_format="md", execution_time=round(time.monotonic() - t0))
        atomic_write(results, json.dumps(res, indent=1, ensure_ascii=False))
        print(f"{aid} {sid}: {row.status}, {row.total:g} / {row.max_points:g}")
        prot = protections()
        env_name, env_on, env_what = interpreter_row(limits.python)
        for name, on, what in [*prot.items("en"), (env_name["en"], env_on, env_what["en"])]:
            print(f"  {name}: {'yes' if on else 'NO'} ({what})")  # stdout: for the instructor only
        for note in prot.notes:
            print(f"  warning: {note}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    root = Path(os.environ.get(ROOT_ENV) or "/autograder")
    try:
        return autograde(root)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
