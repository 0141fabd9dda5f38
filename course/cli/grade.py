"""The ``course grade`` command's body: progress bar, protections, summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from course.base.errors import UsageError
from course.grader.limits import Limits
from course.grader.protections import protections
from course.grader.report import timeouts_in
from course.grader.run import find_notebooks, grade_folder


def print_protections(console: Console, lang: str) -> None:
    prot = protections()
    t = Table("protection", "on" if lang == "en" else "actif", "", title=(
        "Protections active on this machine" if lang == "en" else "Protections actives sur cette machine"))
    for name, on, what in prot.items(lang):
        yes, no = ("oui", "NON") if lang == "fr" else ("yes", "NO")
        t.add_row(name, f"[green]{yes}[/green]" if on else f"[red]{no}[/red]", what)
    console.print(t)
    for n in prot.notes:
        console.print(f"[yellow]warning:[/yellow] {n}", highlight=False)


def grade_command(path: Path, *, course_path: Path | None, assignment: str | None, jobs: int | None,
                  timeout: float, memory: int, lang: str | None, resume: bool,
                  console: Console, err_console: Console, quiet: bool = False,
                  budget: float = Limits.budget_s) -> dict[str, Any]:
    if timeout <= 0:
        raise UsageError(f"--timeout must be > 0, got {timeout}")
    if budget < timeout:
        raise UsageError(f"--budget ({budget} s) must be at least --timeout ({timeout} s)")
    if memory < 256:
        raise UsageError(f"--memory must be at least 256 MB, got {memory}")
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {jobs}")
    total = len(find_notebooks(path))
    limits = Limits(timeout_s=timeout, budget_s=budget, memory_mb=memory,
                    cpu_s=max(30, int(timeout * 12)))
    counts = {"graded": 0, "failed": 0, "timeouts": 0}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=quiet or not err_console.is_terminal) as bar:
        task = bar.add_task("grading", total=total)

        def on_record(rec: dict[str, Any]) -> None:
            counts["graded" if rec["status"] == "graded" else "failed"] += 1
            counts["timeouts"] += timeouts_in(rec) > 0
            bar.update(task, advance=1, description=(
                f"graded {counts['graded']}  failed {counts['failed']}  timed out {counts['timeouts']}"))

        s = grade_folder(path, course_path=course_path, assignment=assignment, jobs=jobs,
                         limits=limits, lang=lang, resume=resume, on_record=on_record)
    lang = lang or s.get("lang", "en")  # the course language
    print_protections(console, lang)
    print_summary(console, s, path, lang)
    return s


def print_summary(console: Console, s: dict[str, Any], path: Path, lang: str = "en") -> None:
    """The summary table of a graded folder, then where grades.csv and report.html are."""
    if lang == "fr":
        t = Table("notebooks", "corrigés", "rejetés", "délais dépassés", "erreurs", "moyenne",
                  title="Résumé")
    else:
        t = Table("notebooks", "graded", "rejected", "timeouts", "errors", "mean", title="Summary")
    t.add_row(str(s["notebooks"]), str(s["graded"]), str(s["failed"]), str(s["timeouts"]),
              str(s["errors"]), f"{s['mean']:g}")
    console.print(t)
    for st, n in sorted(s["statuses"].items()):
        if st != "graded":
            console.print(f"  {st}: {n}")
    console.print(f"grades: {path / 'grades.csv'}\nreport: {s['report']}", highlight=False,
                  soft_wrap=True)
