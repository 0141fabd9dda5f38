"""Commands for writing a course of one's own: ``course init`` (a new course, with one family
and one coding question of its own that pass their own tests, and the course secret) and
``course new family|coding NAME`` (a working question in the course's questions folder, with
its templates and a test). See the README, "Your own questions"."""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path

import typer
from rich.markup import escape

from course.base.errors import CourseError, UsageError
from course.base.i18n import pick, text

from .app import CourseOpt, app, console, lang_of

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
new_app = typer.Typer(help="Scaffold a question of your own in the course's questions folder.",
                      no_args_is_help=True)
app.add_typer(new_app, name="new")


def _template(name: str) -> str:
    return (resources.files("course.templates") / "new" / name).read_text(encoding="utf-8")


def _fill(text: str, ident: str, **extra: str) -> str:
    words = ident.replace("-", " ")
    values = {"__ID__": ident, "__MODULE__": ident.replace("-", "_"),
              "__FUNC__": ident.replace("-", "_"),
              "__CLASS__": "".join(w.capitalize() for w in ident.split("-")),
              "__TITLE_EN__": words.capitalize(), "__TITLE_FR__": words.capitalize(), **extra}
    for k, v in values.items():
        text = text.replace(k, v)
    return text


@app.command()
def init(
    folder: Path = typer.Argument(Path("."), help="Folder of the new course (created if needed)."),
    lang: str = typer.Option("en", "--lang", help="The course language: fr or en."),
) -> None:
    """Scaffold a new course: course.yml, a roster, exercises/, questions/ (one family and one
    coding question of its own), tests/, and the course secret."""
    from course.planning.config import load_course
    from course.planning.validate import check_course

    if lang not in ("fr", "en"):
        raise UsageError(text(f"--lang doit être 'fr' ou 'en' (reçu : {lang!r})", f"--lang must be 'fr' or 'en', got {lang!r}"))
    if (folder / "course.yml").exists():
        raise UsageError(text(f"{folder / 'course.yml'} existe déjà : `course init` crée un nouveau cours", f"{folder / 'course.yml'} exists already: `course init` makes a new course"))
    src = Path(str(resources.files("course.templates") / "scaffold"))
    shutil.copytree(src, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".course-secret", "out", "build"))
    cp = folder / "course.yml"
    cp.write_text(cp.read_text(encoding="utf-8").replace("language: en", f"language: {lang}"),
                  encoding="utf-8")
    course = load_course(cp)
    secret = course.secret  # created now, with its fingerprint in course.yml
    check_course(course)
    where, nxt = escape(str(folder)), f"cd {escape(str(folder))} && course validate && course stress rf && course build hw1"
    console.print("[green]OK[/green] " + pick(text(
        f"nouveau cours dans {where} : course.yml, roster.csv, exercises/, questions/ "
        f"(receptive-field, attention), tests/, .course-secret (secret {secret.fingerprint})\n"
        f"ensuite : {nxt}",
        f"new course in {where}: course.yml, roster.csv, exercises/, questions/ (receptive-field, "
        f"attention), tests/, .course-secret (secret {secret.fingerprint})\nnext: {nxt}"), lang),
        highlight=False, soft_wrap=True)


def _questions_dir(course_path: Path) -> tuple[Path, object]:
    from course.planning.config import load_course

    course = load_course(course_path, check_families=False)
    return course.root / course.data.questions, course.catalogue


def _check_name(name: str, cat: object) -> None:
    if not NAME_RE.match(name):
        raise UsageError(text(f"NAME : {name!r} : utilisez des minuscules, des chiffres et des tirets (p. ex. ma-question)", f"NAME: {name!r}: use lower-case letters, digits and dashes (e.g. my-question)"))
    if name in cat.families or name in cat.coding:  # type: ignore[attr-defined]
        raise UsageError(text(f"NAME : {name!r} est déjà une question (`course families`, `course coding`)", f"NAME: {name!r} is already a question (`course families`, `course coding`)"))


def _write(path: Path, content: str) -> None:
    if path.exists():
        raise CourseError(text("existe déjà : non écrasé", "exists already: not overwritten"), path=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


@new_app.command("family")
def new_family(name: str = typer.Argument(..., help="The family id (e.g. neuron-output)."),
               course_path: Path = CourseOpt) -> None:
    """A working family in the course's questions folder (module, fr/en templates) and a test."""
    from course.generator.catalogue import Catalogue
    from course.generator.stress import stress_family

    folder, cat = _questions_dir(course_path)
    _check_name(name, cat)
    module = name.replace("-", "_")
    _write(folder / f"{module}.py", _fill(_template("family.py.txt"), name))
    for lang in ("fr", "en"):
        _write(folder / f"{name}.{lang}.md.j2", _fill(_template(f"family.{lang}.md.j2.txt"), name))
    _write(course_path.parent / "tests" / f"test_{module}.py", _fill(_template("test.py.txt"), name,
           __STRESS__="stress_family",
           __CALL__=f'stress_family(COURSE.catalogue.family("{name}"), 200, env=COURSE.catalogue.env)'))
    fresh = Catalogue(folder)
    rep = stress_family(fresh.family(name), 50, env=fresh.env)
    if not rep.ok:  # pragma: no cover - the scaffold is tested
        raise CourseError("; ".join(rep.problems[:3]), path=str(folder / f"{module}.py"))
    console.print("[green]OK[/green] " + pick(text(
        f"famille « {name} » : {folder / (module + '.py')}, ses gabarits {name}.fr.md.j2 et "
        f"{name}.en.md.j2, et tests/test_{module}.py ; ajoutez un exercice avec `family: {name}` "
        f"dans exercises/, puis `course stress {name}`",
        f"family '{name}': {folder / (module + '.py')}, its templates {name}.fr.md.j2 and "
        f"{name}.en.md.j2, and tests/test_{module}.py; add an exercise with `family: {name}` in "
        f"exercises/, then `course stress {name}`"), lang_of(None, course_path)),
        highlight=False, soft_wrap=True)


@new_app.command("coding")
def new_coding(name: str = typer.Argument(..., help="The coding question id (e.g. leaky-relu)."),
               course_path: Path = CourseOpt) -> None:
    """A working coding question in the course's questions folder (stub, solution, statements,
    cases) and a test."""
    from course.generator.catalogue import Catalogue
    from course.generator.stress import stress_coding

    folder, cat = _questions_dir(course_path)
    _check_name(name, cat)
    module = name.replace("-", "_")
    qdir = folder / module
    if qdir.exists():
        raise CourseError(text("existe déjà : non écrasé", "exists already: not overwritten"), path=str(qdir))
    for src, dst in (("coding_init.py.txt", "__init__.py"), ("coding_stub.py.txt", "stub.py"),
                     ("coding_solution.py.txt", "solution.py"),
                     ("coding_docstrings.fr.md.txt", "docstrings.fr.md"),
                     ("coding_statement.fr.md.txt", "statement.fr.md"),
                     ("coding_statement.en.md.txt", "statement.en.md")):
        _write(qdir / dst, _fill(_template(src), name))
    _write(course_path.parent / "tests" / f"test_{module}.py", _fill(_template("test.py.txt"), name,
           __STRESS__="stress_coding",
           __CALL__=f'stress_coding(COURSE.catalogue.coding_question("{name}"))'))
    rep = stress_coding(Catalogue(folder).coding_question(name))
    if not rep.ok:  # pragma: no cover - the scaffold is tested
        raise CourseError("; ".join(rep.problems[:3]), path=str(qdir))
    console.print("[green]OK[/green] " + pick(text(
        f"question de code « {name} » : {qdir}/ (stub.py et ses docstrings en français, "
        f"solution.py, énoncés, cas et erreurs classiques dans __init__.py) et "
        f"tests/test_{module}.py ; ajoutez `{{coding: {name}, points: 2}}` à un devoir, puis "
        f"`course stress {name}`",
        f"coding question '{name}': {qdir}/ (stub.py and its French docstrings, solution.py, "
        f"statements, cases and mistakes in __init__.py) and tests/test_{module}.py; add "
        f"`{{coding: {name}, points: 2}}` to an assignment, then `course stress {name}`"),
        lang_of(None, course_path)), highlight=False, soft_wrap=True)
