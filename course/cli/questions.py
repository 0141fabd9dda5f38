"""Commands about questions: list them, draw one, solve one, check an answer, preview what a
student gets, stress-test one, and the seeds' worked examples."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from course.base.errors import ParameterError, UsageError, line_of
from course.base.i18n import colon, pick, text

from .app import CourseOpt, LangOpt, app, catalogue_of, console, lang_of


def _parse_kv(family: Any, pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(text(f"attendu : clé=valeur, reçu : {pair!r}", f"expected key=value, got {pair!r}"))
        key, value = pair.split("=", 1)
        key = key.strip()
        if key not in family.params:
            raise ParameterError(key, text(f"la famille « {family.id} » n'a pas ce paramètre (connus : {', '.join(family.params)})", f"family '{family.id}' has no such parameter "
                                 f"(known: {', '.join(family.params)})"))
        out[key] = family.params[key].parse(key, value)
    return out


def _variant(family_id: str, seed: int | None, student: str | None, kv: list[str],
             course_path: Path) -> tuple[Any, Any]:
    """(variant, template environment) of ``course generate/check``."""
    from course.base.rng import make_rng

    cat = catalogue_of(course_path)
    fam = cat.family(family_id)
    if kv:
        if seed is not None or student is not None:
            raise UsageError(text("donnez soit des paramètres clé=valeur, soit --seed/--student, pas les deux", "give either key=value parameters or --seed/--student, not both"))
        return fam.variant(_parse_kv(fam, kv)), cat.env
    course_seed = 0
    if student is not None and course_path.exists():
        from course.planning.config import load_course
        course_seed = load_course(course_path, check_families=False).seed
    sid = student or ""
    if seed is not None:
        course_seed = seed
    v = fam.generate(make_rng(course_seed, sid, family_id),
                     seed={"course_seed": course_seed, "student": sid, "exercise": family_id})
    return v, cat.env


def _print_variant(variant: Any, lang: str, fmt: str, env: Any = None) -> None:
    from course.generator.render import solution, statement, variant_document

    if fmt == "json":
        sys.stdout.write(json.dumps(variant_document(variant, lang, env), ensure_ascii=False, indent=2) + "\n")
        return
    if fmt != "md":
        raise UsageError(text(f"--format doit être 'md' ou 'json' (reçu : {fmt!r})", f"--format must be 'md' or 'json', got {fmt!r}"))
    head = ("Énoncé", "Réponse", "Solution") if lang == "fr" else ("Statement", "Answer", "Solution")
    sys.stdout.write(f"## {head[0]}\n\n{statement(variant, lang, env)}\n## {head[1]}\n\n"
                     f"```json\n{json.dumps(variant.answer, ensure_ascii=False)}\n```\n\n"
                     f"## {head[2]}\n\n{solution(variant, lang, env)}")


def _param_text(name: str, p: Any) -> str:
    bits = [f"{name}: {p.kind}"]
    if p.choices:
        bits.append("one of " + ", ".join(p.choices))
    if p.default is not None:
        bits.append(f"default {json.dumps(p.default)}")
    return " · ".join(bits) + (f" — {p.help}" if p.help else "")


@app.command()
def families(lang: str | None = LangOpt, course_path: Path = CourseOpt) -> None:
    """List the exercise families (built-in and the course's own) with their parameters."""
    cat = catalogue_of(course_path)
    lang = lang_of(lang, course_path)
    table = Table("family", "description", "parameters (name: kind · allowed · default)", show_lines=True)
    for fid in sorted(cat.families):
        fam = cat.families[fid]
        tag = " [cyan](course)[/cyan]" if fid in cat.own else ""
        table.add_row(escape(fid) + tag, escape(fam.title[lang]),
                      escape("\n".join(_param_text(k, p) for k, p in fam.params.items())))
    console.print(table)


@app.command()
def coding(lang: str | None = LangOpt, course_path: Path = CourseOpt) -> None:
    """List the coding questions of the notebooks (built-in and the course's own)."""
    cat = catalogue_of(course_path)
    lang = lang_of(lang, course_path)
    table = Table("coding question", "description", "the student writes", "cases (hidden)", show_lines=True)
    for cid in sorted(cat.coding):
        q = cat.coding[cid]
        tag = " [cyan](course)[/cyan]" if cid in cat.own else ""
        cases = q.student_cases(0, "")
        table.add_row(escape(cid) + tag + (" [magenta](PyTorch)[/magenta]" if q.torch else ""),
                      escape(q.title[lang]), escape(", ".join(q.names)),
                      escape(", ".join(c.id for c in cases)))
    console.print(table)


@app.command()
def generate(
    family: str = typer.Argument(..., help="Family id (see `course families`)."),
    seed: int | None = typer.Option(None, "--seed", help="Course seed (default 0)."),
    student: str | None = typer.Option(None, "--student", help="Student id (course seed from the course)."),
    lang: str | None = LangOpt,
    fmt: str = typer.Option("md", "--format", help="md or json."),
    course_path: Path = CourseOpt,
) -> None:
    """Print one seeded variant of a family: statement, answer and worked solution (the
    family's default draw; `course preview` shows what a student of the course gets)."""
    v, env = _variant(family, seed, student, [], course_path)
    _print_variant(v, lang_of(lang, course_path), fmt, env)


@app.command()
def preview(
    exercise: str = typer.Argument(..., help="Exercise id of the course (exercises/*.yml)."),
    student: str = typer.Option(..., "--student", help="Student id."),
    lang: str | None = LangOpt,
    fmt: str = typer.Option("md", "--format", help="md or json."),
    course_path: Path = CourseOpt,
) -> None:
    """Show exactly what STUDENT gets for EXERCISE in this course (its constraints, the course
    secret's seed): statement, answer and worked solution."""
    from course.planning.config import load_course
    from course.planning.plan import exercise_variant

    c = load_course(course_path)
    if exercise not in c.exercises:
        raise UsageError(text(f"exercice « {exercise} » inconnu (exercices de {course_path} : {', '.join(sorted(c.exercises))})", f"unknown exercise '{exercise}' (exercises of {course_path}: "
                         f"{', '.join(sorted(c.exercises))})"))
    if student not in c.roster:
        raise UsageError(text(f"--student : « {student} » n'est pas sur la liste de la classe de {course_path}", f"--student: '{student}' is not on the roster of {course_path}"))
    _print_variant(exercise_variant(c, exercise, student), lang_of(lang, course_path), fmt,
                   c.catalogue.env)


@app.command()
def solve(
    family: str = typer.Argument(..., help="Family id."),
    params: list[str] = typer.Argument(None, help="key=value parameters, e.g. h=7 w=7 kernel=3."),
    lang: str | None = LangOpt,
    fmt: str = typer.Option("md", "--format", help="md or json."),
    course_path: Path = CourseOpt,
) -> None:
    """Solve a given instance with no randomness (e.g. a textbook example)."""
    cat = catalogue_of(course_path)
    fam = cat.family(family)
    if not params and any(p.default is None for p in fam.params.values()):
        takes = ", ".join(f"{k} ({p.help})" for k, p in fam.params.items())
        raise UsageError(text(f"donnez les paramètres sous la forme clé=valeur ; la famille "
                              f"« {family} » prend : {takes}",
                              f"give the parameters as key=value; family '{family}' takes: {takes}"))
    _print_variant(fam.variant(_parse_kv(fam, params or [])), lang_of(lang, course_path), fmt, cat.env)


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
    v, _ = _variant(family, seed, student, params or [], course_path)
    lang = lang_of(lang, course_path)
    if part is None and len(v.parts) == 1:
        part = next(iter(v.parts))
    if part is not None:
        if part not in v.parts:
            raise UsageError(text(f"--part : partie {part!r} inconnue (parties : {', '.join(v.parts)})", f"--part: unknown part {part!r} (parts: {', '.join(v.parts)})"))
        try:
            value = v.parts[part].check.parse(answer)
        except ValueError as exc:
            raise UsageError(text(f"--answer : {line_of(exc, 'fr')}", f"--answer: {exc}")) from None
        feedback = v.check(value, part=part)
    else:
        try:
            value = json.loads(answer)
        except json.JSONDecodeError:
            raise UsageError(text(f"--answer : une réponse en plusieurs parties doit être un objet JSON aux clés {', '.join(v.parts)} (ou utilisez --part)", "--answer: a multi-part answer must be a JSON object "
                             f"with keys {', '.join(v.parts)} (or use --part)")) from None
        if not isinstance(value, dict):
            raise UsageError(text(f"--answer : attendu un objet JSON aux clés {', '.join(v.parts)}", f"--answer: expected a JSON object with keys {', '.join(v.parts)}"))
        for k, p in v.parts.items():
            if k in value:
                try:
                    value[k] = p.check.coerce(value[k])
                except ValueError as exc:
                    raise UsageError(text(f"--answer : partie {k!r} : {line_of(exc, 'fr')}", f"--answer: part {k!r}: {exc}")) from None
        feedback = v.check(value)
    ok = all(f.correct for f in feedback)
    for f in feedback:
        style = "green" if f.correct else "red"
        console.print(f"[{style}]{escape(f.part)}[/{style}]: {escape(f.message(lang))}")
    raise typer.Exit(0 if ok else 1)


@app.command()
def stress(
    question: str = typer.Argument(..., help="An exercise id of the course, a family id or a coding id."),
    seeds: int = typer.Option(500, "--seeds", help="Draws of a family (coding: students' cases)."),
    course_path: Path = CourseOpt,
) -> None:
    """Stress-test a question as the built-in ones are: every draw valid, its answer accepted, no
    misconception accepted, both languages rendered, varied draws; for a coding question, the
    solution passes every case and the stub none."""
    from course.generator.stress import stress_coding, stress_family

    if seeds < 1:
        raise UsageError(text(f"--seeds doit valoir au moins 1 (reçu : {seeds})", f"--seeds must be at least 1, got {seeds}"))
    cat = catalogue_of(course_path)
    constraints = None
    lang = lang_of(None)  # without a course: lang_of's default
    if course_path.exists():
        from course.planning.config import load_course

        c = load_course(course_path)
        lang = c.language
        if question in c.exercises:
            constraints = c.exercises[question].params
            question_family = c.exercises[question].family
        else:
            question_family = question
    else:
        question_family = question
    if question_family in cat.families:
        rep = stress_family(cat.families[question_family], seeds, constraints, cat.env)
        what = text(f"{rep.draws} tirages, {rep.distinct} variantes distinctes",
                    f"{rep.draws} draws, {rep.distinct} distinct variants")
    elif question in cat.coding:
        rep = stress_coding(cat.coding[question], students=max(1, min(seeds, 20)))
        what = text(f"{rep.draws} cas réussis par la solution, aucun par l'ébauche",
                    f"{rep.draws} cases passed by the solution, none by the stub")
    else:
        raise UsageError(text(f"question « {question} » inconnue (un exercice du cours, `course families` ou `course coding`)", f"unknown question '{question}' (an exercise of the course, "
                         "`course families` or `course coding`)"))
    for p in rep.problems:
        console.print(f"[red]problem:[/red] {escape(p)}", highlight=False, soft_wrap=True)
    if rep.ok:
        console.print(f"[green]OK[/green] {escape(question)}{colon(lang)} {pick(what, lang)} "
                      f"({rep.seconds:.1f} s)", highlight=False)
    raise typer.Exit(0 if rep.ok else 1)


@app.command()
def examples(lang: str | None = LangOpt) -> None:
    """Print the worked examples of the course material, recomputed by the reference."""
    from rich.panel import Panel

    from .worked_examples import worked_examples

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else f"{v:.6g}"
        if isinstance(v, list):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        return str(v)

    lang = lang_of(lang)
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
