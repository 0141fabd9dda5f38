"""Commands that grade: ``course grade`` (progress bar, protections, summary table) and
``course demo`` (the whole loop on the sample course)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from course.base.errors import UsageError
from course.base.i18n import colon, pick, text
from course.cli.app import CourseOpt, LangOpt, app, console, err_console, lang_of
from course.grader.grading import STATUS_TEXT
from course.grader.limits import Limits
from course.grader.lms import BY, Identity
from course.grader.protections import protections
from course.grader.records import Record
from course.grader.report import timeouts_in
from course.grader.run import grade_folder


def print_protections(console: Console, lang: str, summary: dict[str, Any] | None = None,
                      cluster: bool = False) -> None:
    """This machine's protections, or those a batch's ``summary`` holds (its environment row
    included): this machine's, or (``cluster``) its workers'."""
    if summary is None:
        prot = protections()
        rows, notes = prot.items(lang), prot.notes
    else:
        rows, notes = summary["protections"], summary["notes"]
    where = (("the cluster's workers", "les workers de la grappe") if cluster else
             ("this machine", "cette machine"))
    t = Table("protection", "on" if lang == "en" else "actif", "", title=(
        f"Protections active on {where[0]}" if lang == "en" else f"Protections actives sur {where[1]}"))
    for name, on, what in rows:
        yes, no = ("oui", "NON") if lang == "fr" else ("yes", "NO")
        t.add_row(escape(name), f"[green]{yes}[/green]" if on else f"[red]{no}[/red]", escape(what))
    console.print(t)
    for n in notes:
        console.print(f"[yellow]warning:[/yellow] {escape(n)}", highlight=False)


def grade_command(path: Path, *, course_path: Path | None, assignment: str | None, jobs: int | None,
                  timeout: float, memory: int, lang: str | None, resume: bool,
                  console: Console, err_console: Console, quiet: bool = False,
                  budget: float = Limits.budget_s, student: str | None = None,
                  question: str | None = None, roster: Path | None = None,
                  cluster: str | None = None, gpu: bool = False) -> dict[str, Any]:
    if timeout <= 0:
        raise UsageError(text(f"--timeout doit être > 0 (reçu : {timeout})", f"--timeout must be > 0, got {timeout}"))
    if budget < timeout:
        raise UsageError(text(f"--budget ({budget} s) doit valoir au moins --timeout ({timeout} s)", f"--budget ({budget} s) must be at least --timeout ({timeout} s)"))
    if memory < 256:
        raise UsageError(text(f"--memory doit valoir au moins 256 Mo (reçu : {memory})", f"--memory must be at least 256 MB, got {memory}"))
    if jobs is not None and jobs < 1:
        raise UsageError(text(f"--jobs doit être >= 1 (reçu : {jobs})", f"--jobs must be >= 1, got {jobs}"))
    if cluster is not None and jobs is not None:
        raise UsageError(text("--jobs règle le pool local : avec --cluster, ce sont les workers de la grappe qui corrigent (local:N pour N workers sur cette machine)", "--jobs sizes the local pool: with --cluster the cluster's workers grade "
                         "(local:N for N workers on this machine)"))
    if gpu and cluster is None:
        raise UsageError(text("--gpu demande aux workers d'une grappe --cluster leur ressource GPU : donnez --cluster", "--gpu asks the workers of a --cluster for their GPU resource: give --cluster"))
    limits = Limits(timeout_s=timeout, budget_s=budget, memory_mb=memory,
                    cpu_s=max(30, int(timeout * 12)))
    counts = {"graded": 0, "failed": 0, "timeouts": 0}
    with contextlib.ExitStack() as stack, Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=quiet or not err_console.is_terminal) as bar:
        task = bar.add_task("grading", total=None)

        def on_record(rec: Record) -> None:
            counts["graded" if rec.status == "graded" else "failed"] += 1
            counts["timeouts"] += timeouts_in(rec.to_json()) > 0
            bar.update(task, advance=1, description=(
                f"graded {counts['graded']}  failed {counts['failed']}  timed out {counts['timeouts']}"))

        executor = None
        if cluster is not None:  # Dask is imported only here
            from course.grader.cluster import open_cluster

            executor = stack.enter_context(open_cluster(cluster, gpu=gpu))
        s = grade_folder(path, course_path=course_path, assignment=assignment, jobs=jobs,
                         limits=limits, lang=lang, resume=resume, on_record=on_record,
                         on_start=lambda n: bar.update(task, total=n), student=student,
                         question=question, roster=roster, executor=executor)
    lang = lang or s.get("lang", "en")  # the course language
    print_protections(console, lang, s, cluster=cluster is not None)
    print_summary(console, s, path, lang)
    return s


def print_summary(console: Console, s: dict[str, Any], path: Path, lang: str = "en") -> None:
    """The summary table of a graded folder, the identities the intake mapped, the students
    who handed nothing in, then where grades.csv and report.html are."""
    fr = lang == "fr"
    labels = (("fichiers remis", "corrigés", "non corrigés", "en retard", "sans remise",
               "délais dépassés", "erreurs", "moyenne", "médiane") if fr else
              ("files handed in", "graded", "not graded", "late", "missing", "timeouts", "errors",
               "mean", "median"))
    values = (s["notebooks"], s["graded"], s["failed"], s.get("late", 0), len(s.get("missing", [])),
              s["timeouts"], s["errors"], f"{s['mean']:g}", f"{s.get('median', 0):g}")
    t = Table(show_header=False, title=f"{'Résumé' if fr else 'Summary'} ({s.get('assignment', '')}, "
                                       f"{'sur' if fr else 'out of'} {s.get('max_points', 0):g})")
    t.add_column(justify="left")
    t.add_column(justify="right")
    for label, value in zip(labels, values, strict=True):
        t.add_row(label, str(value))
    console.print(t)
    for st, n in sorted(s["statuses"].items()):
        if st != "graded":  # the key of grades.csv's status column, then what it means
            why = STATUS_TEXT.get(st)
            console.print(f"  {st}: {n}" + (f" ({escape(pick(why, lang))})" if why else ""), highlight=False)
    for w in s.get("worksheets", []):
        console.print(f"{'feuille de notes Moodle lue' if fr else 'Moodle grading worksheet read'}"
                      f"{colon(lang)} {escape(w)}", highlight=False, soft_wrap=True)
    idents = [Identity.from_json(i) for i in s.get("identities", [])]
    if idents:  # how many by what; every one in the report; those mapped to nobody here
        by: dict[str, int] = {}
        for i in idents:
            if i.student is not None:
                how = pick(BY[i.by], lang) if i.by in BY else "?"
                by[how] = by.get(how, 0) + 1
        mapped = sum(by.values())
        ways = ", ".join(f"{n} {'selon' if fr else 'by'} {how}" for how, n in by.items())
        console.print(f"{'identités LMS associées' if fr else 'LMS identities mapped'}{colon(lang)} "
                      f"{mapped}/{len(idents)}" + (f" ({ways})" if ways else ""),
                      highlight=False, soft_wrap=True)
        for i in sorted((i for i in idents if i.student is None), key=Identity.who):
            console.print(f"  [yellow]{escape(i.who())}[/yellow] → {escape(pick(i.text(), lang))}",
                          highlight=False, soft_wrap=True)
    if s.get("missing"):
        console.print(("sans remise : " if fr else "missing: ") + ", ".join(s["missing"]),
                      highlight=False, soft_wrap=True)
    grades, report = ("notes", "rapport") if fr else ("grades", "report")
    console.print(f"{grades}{colon(lang)} {s.get('grades', path / 'grades.csv')}\n"
                  f"{report}{colon(lang)} {s['report']}", highlight=False, soft_wrap=True)


@app.command()
def grade(
    path: Path = typer.Argument(..., help="Submissions: a folder (PATH/submissions/, or the files in PATH) or a zip."),
    assignment: str | None = typer.Option(None, "--assignment", help="Only grade this assignment id."),
    jobs: int | None = typer.Option(None, "--jobs", help="Parallel sandboxes (default: the number of cores)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Wall-clock seconds per cell and per test case."),
    memory: int = typer.Option(2048, "--memory", help="Memory limit of one submission, all its processes together (a cgroup where usable), and of each process, MB."),
    budget: float = typer.Option(300.0, "--budget", help="Wall-clock seconds for one whole submission."),
    lang: str | None = LangOpt,
    resume: bool = typer.Option(True, "--resume/--no-resume", help="Skip notebooks already graded."),
    student: str | None = typer.Option(None, "--student", help="Grade this student's files again (the others are resumed)."),
    question: str | None = typer.Option(None, "--question", help="Grade this question again for everyone (e.g. q2, after a fix)."),
    roster: Path | None = typer.Option(None, "--roster", help="A roster file to grade against instead of course.yml's (one section)."),
    course_path: Path | None = typer.Option(None, "--course", "-c", help="course.yml (default: found from PATH)."),
    cluster: str | None = typer.Option(None, "--cluster", help="Grade on a Dask cluster: tcp://HOST:PORT (its scheduler) or local:N (N worker processes here); docs/cluster.md."),
    gpu: bool = typer.Option(False, "--gpu", help="With --cluster: PyTorch assignments' jobs ask for the workers' GPU=1 resource."),
) -> None:
    """Grade what students handed in (a folder of notebooks, Moodle or Canvas download archives,
    grader.export() or otter zips) in a sandbox: grades.csv (every roster student), feedback,
    results/*.json, report.html. Late penalties follow course.yml; PATH/overrides.csv adjusts."""
    grade_command(path, course_path=course_path, assignment=assignment, jobs=jobs, timeout=timeout,
                  memory=memory, lang=lang_of(lang) if lang else None, resume=resume,
                  console=console, err_console=err_console, budget=budget, student=student,
                  question=question, roster=roster, cluster=cluster, gpu=gpu)


@app.command()
def demo(
    course_path: Path = CourseOpt,
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: demo/ next to course.yml)."),
    students: int | None = typer.Option(None, "--students", help="First N students of the roster (default: all)."),
    lang: str | None = LangOpt,
    jobs: int | None = typer.Option(None, "--jobs", help="Parallel jobs (default: the number of cores)."),
) -> None:
    """The whole loop on the sample course: worked examples, exam, hw3 notebooks, simulated submissions, grading."""
    from .demo import run_demo

    out = out if out is not None else course_path.resolve().parent / "demo"
    r = run_demo(course_path, out, students=students, lang=lang_of(lang) if lang else None, jobs=jobs,
                 say=lambda s: console.print(s, highlight=False, soft_wrap=True))
    for n in r.notes:
        console.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False, soft_wrap=True)
    lang = lang_of(lang, course_path)
    print_protections(console, lang, r.summary)
    print_summary(console, r.summary, out / "hw3", lang)
    times = ", ".join(f"{k} {v:.1f} s" for k, v in r.timings.items())
    total = f"{sum(r.timings.values()):.0f} s ({times})"
    console.print(f"[green]OK[/green] {'démo en' if lang == 'fr' else 'demo in'} {total}", highlight=False)
