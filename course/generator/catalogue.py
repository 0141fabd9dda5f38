"""The catalogue of a course: every family and coding question it can ask, built-in or its own.

A course's own questions live in its ``questions/`` folder (course.yml ``questions:``), beside
course.yml, never in the installed package:

    questions/receptive_field.py          a module defining a Family subclass (same API as the
    questions/receptive-field.fr.md.j2    built-ins), with its two templates beside it, named
    questions/receptive-field.en.md.j2    after the family id
    questions/attention/                  a coding question: a folder like the built-ins'
        __init__.py  stub.py  solution.py  statement.fr.md  statement.en.md

:class:`Catalogue` finds them with the built-ins (an id that clashes with a built-in is an error
naming both), imports them under a private module name, turns a syntax or import error into one
line naming the file and the line, and gives the template environment that renders their
statements. ``catalogue(None)`` is the built-in catalogue.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2

from course.base.errors import CourseError, UsageError
from course.base.i18n import text

from .base import Family
from .coding.question import CodingQuestion
from .coding.registry import coding_registry
from .registry import registry
from .render import template_environment


def _load(path: Path, name: str) -> ModuleType:
    """Import ``path`` (a module file, or a package's ``__init__.py``) as module ``name``; a
    syntax or import error is one :class:`CourseError` line naming the file and the line."""
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(path.parent)] if path.name == "__init__.py" else None)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[name]
        where = Path(exc.filename) if exc.filename else path
        raise CourseError(text(f"ligne {exc.lineno} : erreur de syntaxe : {exc.msg}", f"line {exc.lineno}: syntax error: {exc.msg}"), path=str(where)) from None
    except Exception as exc:  # noqa: BLE001 - any error of an instructor's module, in one line
        del sys.modules[name]
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if Path(f.filename).resolve().is_relative_to(path.parent.resolve())]
        where = frames[-1] if frames else None
        loc = f"line {where.lineno}: " if where else ""
        raise CourseError(text(f"{loc.replace('line', 'ligne').replace(':', ' :')}{type(exc).__name__} : {exc}", f"{loc}{type(exc).__name__}: {exc}"),
                          path=str(where.filename if where else path)) from None
    return module


class Catalogue:
    """The families and coding questions of one course (built-in + the course's ``folder``)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder).resolve() if folder is not None else None
        self.families: dict[str, Family] = dict(registry())
        self.coding: dict[str, CodingQuestion] = dict(coding_registry())
        #: ids of the course's own questions (the others are built-in)
        self.own: set[str] = set()
        if self.folder is not None:
            self._load_folder(self.folder)
        self.env = self._environment()

    # ----------------------------------------------------------------- loading
    def _load_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        tag = "course_questions_" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
        pkg = ModuleType(tag)
        pkg.__path__ = [str(folder)]
        sys.modules.setdefault(tag, pkg)
        for path in sorted(folder.iterdir()):
            if path.name.startswith(("_", ".")):
                continue
            if path.suffix == ".py":
                module = _load(path, f"{tag}.{path.stem}")
                found = [obj for obj in vars(module).values()
                         if isinstance(obj, type) and issubclass(obj, Family) and obj is not Family
                         and "id" in vars(obj) and obj.__module__ == module.__name__]
                if not found:
                    raise CourseError(text("ne définit aucune sous-classe de Family ayant un id", "defines no Family subclass with an id"), path=str(path))
                for cls in found:
                    self._add_family(cls(), path)
            elif path.is_dir() and (path / "__init__.py").is_file():
                module = _load(path / "__init__.py", f"{tag}.{path.name}")
                q = getattr(module, "QUESTION", None)
                if not isinstance(q, CodingQuestion):
                    raise CourseError(text("ne définit pas QUESTION = CodingQuestion(...)", "defines no QUESTION = CodingQuestion(...)"),
                                      path=str(path / "__init__.py"))
                self._add_coding(q, path)

    def _add_family(self, fam: Family, path: Path) -> None:
        if fam.id in self.families:
            where = "a built-in family" if fam.id not in self.own else "another module of the course"
            raise CourseError(text(f"l'identifiant de famille {fam.id!r} est déjà pris par {'une famille intégrée' if fam.id not in self.own else 'un autre module du cours'} (`course families`) ; donnez un autre identifiant à la vôtre", f"family id {fam.id!r} is already {where} (`course families`); "
                              "give yours another id"), path=str(path))
        for lang in ("fr", "en"):
            t = path.parent / f"{fam.id}.{lang}.md.j2"
            if not t.is_file():
                raise CourseError(text(f"la famille {fam.id!r} n'a pas de gabarit {t.name} à côté d'elle", f"family {fam.id!r} has no template {t.name} beside it"), path=str(path))
        self.families[fam.id] = fam
        self.own.add(fam.id)

    def _add_coding(self, q: CodingQuestion, path: Path) -> None:
        if q.id in self.coding:
            where = "a built-in coding question" if q.id not in self.own else "another folder of the course"
            raise CourseError(text(f"l'identifiant de question de code {q.id!r} est déjà pris par {'une question de code intégrée' if q.id not in self.own else 'un autre dossier du cours'} (`course coding`) ; donnez un autre identifiant à la vôtre", f"coding question id {q.id!r} is already {where} (`course coding`); "
                              "give yours another id"), path=str(path))
        for name in ("stub.py", "solution.py", "statement.fr.md", "statement.en.md"):
            if not (q.folder / name).is_file():
                raise CourseError(text(f"la question de code {q.id!r} n'a pas de {name}", f"coding question {q.id!r} has no {name}"), path=str(q.folder))
        self.coding[q.id] = q
        self.own.add(q.id)

    def _environment(self) -> jinja2.Environment:
        """Templates: the built-in ones, plus ``families/<id>.<lang>.md.j2`` of the course's
        families found beside their modules."""
        root = str(resources.files("course.templates"))
        folder = self.folder

        def course_template(name: str) -> str | None:
            if folder is None or not name.startswith("families/"):
                return None
            fid = name[len("families/"):].split(".")[0]
            if fid not in self.own:
                return None
            path = folder / name[len("families/"):]
            return path.read_text(encoding="utf-8") if path.is_file() else None

        return template_environment(jinja2.ChoiceLoader([jinja2.FunctionLoader(course_template),
                                                         jinja2.FileSystemLoader(root)]))

    # ----------------------------------------------------------------- lookups
    def family(self, family_id: str) -> Family:
        """The family ``family_id``; a :class:`UsageError` listing the known ids otherwise."""
        if family_id not in self.families:
            raise UsageError(text(f"famille « {family_id} » inconnue (connues : {', '.join(sorted(self.families))})", f"unknown family '{family_id}' (known: {', '.join(sorted(self.families))})"))
        return self.families[family_id]

    def coding_question(self, coding_id: str) -> CodingQuestion:
        """The coding question ``coding_id``; a :class:`UsageError` listing the known ids."""
        if coding_id not in self.coding:
            raise UsageError(text(f"question de code « {coding_id} » inconnue (connues : {', '.join(sorted(self.coding))})", f"unknown coding question '{coding_id}' "
                             f"(known: {', '.join(sorted(self.coding))})"))
        return self.coding[coding_id]

    def describe(self) -> dict[str, Any]:
        """Plain data for ``course families`` / ``course coding``."""
        return {"families": sorted(self.families), "coding": sorted(self.coding), "own": sorted(self.own)}


@cache
def catalogue(folder: Path | None = None) -> Catalogue:
    """The catalogue of the questions folder ``folder`` (None: the built-in questions only)."""
    return Catalogue(folder)
