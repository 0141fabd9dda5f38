"""The ``course`` command line (typer + rich).

User mistakes (a bad file, parameter or option) print one line naming the file or the
parameter and the problem, with exit code 2 for usage errors and 1 for failures; never a
traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from course import __version__
from course.base.errors import CourseError, UsageError

app = typer.Typer(
    name="course",
    help="Randomized deep-learning exercises, exam sheets with keys, and a secure notebook grader.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

LangOpt = typer.Option(None, "--lang", help="fr or en (default: the course language, else fr).")
CourseOpt = typer.Option(Path("course.yml"), "--course", "-c", help="Path of course.yml.")


def _version(value: bool) -> None:
    if value:
        console.print(f"course {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Randomized deep-learning exercises, exam sheets with keys, and a secure notebook grader."""


def _lang(lang: str | None, course_path: Path | None = None) -> str:
    if lang is None and course_path is not None and course_path.exists():
        from course.planning.config import load_course
        try:
            return load_course(course_path, check_families=False).language
        except CourseError:
            return "fr"
    lang = lang or "fr"
    if lang not in ("fr", "en"):
        raise UsageError(f"--lang must be 'fr' or 'en', got {lang!r}")
    return lang


def _parse_kv(family: Any, pairs: list[str]) -> dict[str, Any]:
    from course.base.errors import ParameterError
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"expected key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        key = key.strip()
        if key not in family.params:
            raise ParameterError(key, f"family '{family.id}' has no such parameter "
                                 f"(known: {', '.join(family.params)})")
        out[key] = family.params[key].parse(key, value)
    return out


def _variant(family_id: str, seed: int | None, student: str | None, kv: list[str],
             course_path: Path) -> Any:
    from course.base.rng import make_rng
    from course.generator.registry import get_family

    fam = get_family(family_id)
    if kv:
        if seed is not None or student is not None:
            raise UsageError("give either key=value parameters or --seed/--student, not both")
        return fam.variant(_parse_kv(fam, kv))
    course_seed = 0
    if student is not None:
        if course_path.exists():
            from course.planning.config import load_course
            course_seed = load_course(course_path, check_families=False).seed
        sid = student
    else:
        sid = ""
    if seed is not None:
        course_seed = seed
    return fam.generate(make_rng(course_seed, sid, family_id),
                        seed={"course_seed": course_seed, "student": sid, "exercise": family_id})


def _print_variant(variant: Any, lang: str, fmt: str) -> None:
    from course.generator.render import solution, statement, variant_document

    if fmt == "json":
        sys.stdout.write(json.dumps(variant_document(variant, lang), ensure_ascii=False, indent=2) + "\n")
        return
    if fmt != "md":
        raise UsageError(f"--format must be 'md' or 'json', got {fmt!r}")
    head = ("Énoncé", "Réponse", "Solution") if lang == "fr" else ("Statement", "Answer", "Solution")
    sys.stdout.write(f"## {head[0]}\n\n{statement(variant, lang)}\n## {head[1]}\n\n"
                     f"```json\n{json.dumps(variant.answer, ensure_ascii=False)}\n```\n\n"
                     f"## {head[2]}\n\n{solution(variant, lang)}")


@app.command()
def families() -> None:
    """List the exercise families with a one-line description."""
    from course.generator.registry import registry

    table = Table("family", "description (fr)", "description (en)")
    for fid, fam in registry().items():
        table.add_row(fid, fam.title["fr"], fam.title["en"])
    console.print(table)


@app.command()
def generate(
    family: str = typer.Argument(..., help="Family id (see `course families`)."),
    seed: int | None = typer.Option(None, "--seed", help="Course seed (default 0)."),
    student: str | None = typer.Option(None, "--student", help="Student id (course seed from course.yml)."),
    lang: str | None = LangOpt,
    fmt: str = typer.Option("md", "--format", help="md or json."),
    course_path: Path = CourseOpt,
) -> None:
    """Print one seeded variant: statement, answer and worked solution."""
    _print_variant(_variant(family, seed, student, [], course_path), _lang(lang, course_path), fmt)


@app.command()
def solve(
    family: str = typer.Argument(..., help="Family id."),
    params: list[str] = typer.Argument(None, help="key=value parameters, e.g. h=7 w=7 kernel=3."),
    lang: str | None = LangOpt,
    fmt: str = typer.Option("md", "--format", help="md or json."),
    course_path: Path = CourseOpt,
) -> None:
    """Solve a given instance with no randomness (e.g. a textbook example)."""
    from course.generator.registry import get_family
    fam = get_family(family)
    if not params and any(p.default is None for p in fam.params.values()):
        raise UsageError(f"give the parameters as key=value; family '{family}' takes: "
                         + ", ".join(f"{k} ({p.help})" for k, p in fam.params.items()))
    _print_variant(fam.variant(_parse_kv(fam, params or [])), _lang(lang, course_path), fmt)


@app.command()
def check(
    family: str = typer.Argument(..., help="Family id."),
    params: list[str] = typer.Argument(None, help="key=value parameters (or use --seed/--student)."),
    answer: str = typer.Option(..., "--answer", help="The answer: a value, or JSON (a dict for multi-part)."),
    part: str | None = typer.Option(None, "--part", help="Check only this part."),
    seed: int | None = typer.Option(None, "--seed"),
    student: str | None = typer.Option(None, "--student"),
    lang: str | None = LangOpt,
    course_path: Path = CourseOpt,
) -> None:
    """Grade one answer and name the misconception when a known mistake produces it."""
    v = _variant(family, seed, student, params or [], course_path)
    lang = _lang(lang, course_path)
    if part is None and len(v.parts) == 1:
        part = next(iter(v.parts))
    if part is not None:
        if part not in v.parts:
            raise UsageError(f"--part: unknown part {part!r} (parts: {', '.join(v.parts)})")
        try:
            value = v.parts[part].check.parse(answer)
        except ValueError as exc:
            raise UsageError(f"--answer: {exc}") from None
        feedback = v.check(value, part=part)
    else:
        try:
            value = json.loads(answer)
        except json.JSONDecodeError:
            raise UsageError("--answer: a multi-part answer must be a JSON object "
                             f"with keys {', '.join(v.parts)} (or use --part)") from None
        if not isinstance(value, dict):
            raise UsageError(f"--answer: expected a JSON object with keys {', '.join(v.parts)}")
        for k, p in v.parts.items():
            if isinstance(value.get(k), str) and p.check.kind not in ("symbolic", "choice"):
                try:
                    value[k] = p.check.parse(value[k])
                except ValueError as exc:
                    raise UsageError(f"--answer: part {k!r}: {exc}") from None
        feedback = v.check(value)
    ok = all(f.correct for f in feedback)
    for f in feedback:
        style = "green" if f.correct else "red"
        console.print(f"[{style}]{escape(f.part)}[/{style}]: {escape(f.message(lang))}")
    raise typer.Exit(0 if ok else 1)


@app.command()
def validate(course_path: Path = typer.Argument(Path("course.yml"), help="Path of course.yml.")) -> None:
    """Validate course.yml, its exercises and its roster."""
    from course.planning.config import load_course

    c = load_course(course_path)
    console.print(f"[green]OK[/green] {course_path}: '{c.title}' ({c.language}), "
                  f"{len(c.roster)} students, {len(c.exercises)} exercises, "
                  f"{len(c.data.assignments)} assignments, {len(c.data.exams)} exams")


@app.command()
def examples(lang: str | None = LangOpt) -> None:
    """Print the worked examples of the course material, recomputed by the reference."""
    from rich.markup import escape
    from rich.panel import Panel

    from course.cli.worked_examples import worked_examples

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else f"{v:.6g}"
        if isinstance(v, list):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        return str(v)

    lang = _lang(lang)
    labels = ("Données", "Résultat") if lang == "fr" else ("Inputs", "Result")
    for ex in worked_examples(lang):
        console.print(Panel(escape(ex["explanation"]),
                            title=f"[bold]{escape(ex['title'])}[/bold] ({ex['source']})",
                            title_align="left", expand=False))
        console.print(f"[cyan]{labels[0]}[/cyan]: " + escape("; ".join(
            f"{k} = {fmt(v)}" for k, v in ex["inputs"].items())), highlight=False, soft_wrap=True)
        for k, v in ex["result"].items():
            if isinstance(v, dict) and "columns" in v:
                table = Table(*(escape(str(c)) for c in v["columns"]))
                for row in v["rows"]:
                    table.add_row(*(escape(fmt(x)) for x in row))
                console.print(table)
            else:
                console.print(f"[green]{labels[1]}[/green] " + escape(f"{k} = {fmt(v)}"), highlight=False,
                              soft_wrap=True)
        console.print()


@app.command()
def exam(
    name: str = typer.Argument(..., help="Exam id in course.yml (exams: NAME)."),
    roster: Path | None = typer.Option(None, "--roster", help="CSV with an id column (default: course.yml's roster)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: build/exams/NAME next to course.yml)."),
    formats: str = typer.Option("pdf,tex,md,moodle", "--format", help="Comma-separated: pdf, tex, md, moodle."),
    lang: str | None = LangOpt,
    jobs: int | None = typer.Option(None, "--jobs", help="Parallel jobs (default: the number of cores)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    course_path: Path = CourseOpt,
) -> None:
    """Per-student exam sheets and answer keys (PDF, LaTeX, Markdown), a manifest, and a Moodle XML bank."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from course.documents.exam import build_exam

    if lang is not None:
        lang = _lang(lang)
    with Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=quiet or not err_console.is_terminal) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = build_exam(course_path, name, roster=roster, out=out, formats=formats, lang=lang,
                            jobs=jobs, progress=progress)
    times = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    console.print(f"[green]OK[/green] exam '{name}': {result.students} students, "
                  f"{len(result.files)} files in {result.out} ({times})")


@app.command()
def grade(
    path: Path = typer.Argument(..., help="Assignment folder (PATH/submissions/*.ipynb, or notebooks in PATH)."),
    assignment: str | None = typer.Option(None, "--assignment", help="Only accept this assignment id."),
    jobs: int | None = typer.Option(None, "--jobs", help="Parallel sandboxes (default: the number of cores)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Wall-clock seconds per cell and per test case."),
    memory: int = typer.Option(2048, "--memory", help="Memory limit of one submission, all its processes together (a cgroup where usable), and of each process, MB."),
    budget: float = typer.Option(300.0, "--budget", help="Wall-clock seconds for one whole submission."),
    lang: str | None = LangOpt,
    resume: bool = typer.Option(True, "--resume/--no-resume", help="Skip notebooks already graded."),
    course_path: Path | None = typer.Option(None, "--course", "-c", help="course.yml (default: found from PATH)."),
) -> None:
    """Grade submitted notebooks in a sandbox: grades.csv, feedback, results/*.json, report.html."""
    # issue 6 (grader): the body lives in course.cli.grade
    from course.cli.grade import grade_command

    grade_command(path, course_path=course_path, assignment=assignment, jobs=jobs, timeout=timeout,
                  memory=memory, lang=_lang(lang) if lang else None, resume=resume,
                  console=console, err_console=err_console, budget=budget)


@app.command()
def build(
    assignment: str = typer.Argument(..., help="Assignment id in course.yml (assignments: ID)."),
    roster: Path | None = typer.Option(None, "--roster", help="CSV with an id column (default: course.yml's roster)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: out/ASSIGNMENT next to course.yml)."),
    lang: str | None = LangOpt,
    execute: bool = typer.Option(False, "--execute/--no-execute", help="Execute the solutions notebooks in a Jupyter kernel."),
    kernel: str | None = typer.Option(None, "--kernel", help="Kernel for --execute (default: python3)."),
    course_path: Path = CourseOpt,
) -> None:
    """Per-student homework notebooks with public checks; solutions, manifest and hidden tests for the instructor."""
    # issue 5 (notebooks): the body lives in course.documents.notebooks
    from course.documents.notebooks import build_assignment
    from course.planning.config import load_course, load_roster

    c = load_course(course_path)
    ids = load_roster(roster) if roster is not None else None
    r = build_assignment(c, assignment, roster=ids, out=out, lang=_lang(lang) if lang else None,
                         execute=execute, kernel=kernel)
    console.print(f"[green]OK[/green] assignment '{assignment}': {r.students} notebooks in "
                  f"{r.out / 'student'}, solutions, manifest and hidden tests in "
                  f"{r.out / 'instructor'} ({r.seconds:.1f} s"
                  + (f", {r.executed} solutions executed)" if execute else ")"), highlight=False,
                  soft_wrap=True)


@app.command()
def demo(
    course_path: Path = CourseOpt,
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: demo/ next to course.yml)."),
    students: int | None = typer.Option(None, "--students", help="First N students of the roster (default: all)."),
    lang: str | None = LangOpt,
    jobs: int | None = typer.Option(None, "--jobs", help="Parallel jobs (default: the number of cores)."),
) -> None:
    """The whole loop on the sample course: worked examples, exam, hw3 notebooks, simulated submissions, grading."""
    # issue 6 (grader): the body lives in course.cli.demo
    from course.cli.demo import run_demo
    from course.cli.grade import print_protections, print_summary

    out = out if out is not None else course_path.resolve().parent / "demo"
    r = run_demo(course_path, out, students=students, lang=_lang(lang) if lang else None, jobs=jobs,
                 say=lambda s: console.print(s, highlight=False, soft_wrap=True))
    for n in r.notes:
        console.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False, soft_wrap=True)
    lang = _lang(lang, course_path)
    print_protections(console, lang)
    print_summary(console, r.summary, out / "hw3", lang)
    times = ", ".join(f"{k} {v:.1f} s" for k, v in r.timings.items())
    console.print(f"[green]OK[/green] demo in {sum(r.timings.values()):.0f} s ({times})", highlight=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning user mistakes into one-line errors."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except CourseError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 1
    except Exception as exc:
        # click usage errors (typer may vendor its own click, so match the class by name)
        if any(c.__name__ == "ClickException" for c in type(exc).__mro__):
            exc.show()  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        raise
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
