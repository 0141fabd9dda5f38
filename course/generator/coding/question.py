"""A coding question: one folder holding its stub, its solution, its statements, and a module
that gives its cases, its reference binding and its mistakes (see ``questions/``).

Folder layout (``<folder>/``)::

    __init__.py          QUESTION = CodingQuestion(...): id, title, names, cases, reference
    stub.py              what the student starts from (bodies raise NotImplementedError)
    solution.py          the instructor's solution (plain NumPy or PyTorch, never ``course``)
    statement.fr.md      the statement shown above the stub (Markdown with math), per language
    statement.en.md
    docstrings.fr.md     the stub's docstrings in French (``stub.py`` holds the code and the
                         English ones; :meth:`CodingQuestion.stub_source` puts them in place)
    mistakes.py          MISTAKES: the named mistakes (:class:`Mistake`), each a mistaken
                         variant of the reference that grading and the public checks recognise

Stub and solution are real Python files: ruff lints them and the tests import them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from course.base.errors import CourseError
from course.base.i18n import Text, text
from course.base.rng import make_rng

from .engine import Case, coding_rng, expected_values, public_rng


def solution_reference(folder: Path, names: tuple[str, ...]) -> Callable[[], dict[str, Any]]:
    """The reference of a course's own coding question: its ``solution.py``, imported on the
    trusted side (instructor code; never inside a student's sandbox, never handed out), bound
    to the student's names."""
    def make() -> dict[str, Any]:
        import importlib.util

        path = folder / "solution.py"
        spec = importlib.util.spec_from_file_location(f"_course_solution_{abs(hash(str(path)))}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        missing = [n for n in names if not hasattr(module, n)]
        if missing:
            raise CourseError(text(f"la solution ne définit pas {', '.join(missing)}", f"the solution does not define {', '.join(missing)}"), path=str(path))
        return {n: getattr(module, n) for n in names}

    return make


def edited(source: str, edits: tuple[tuple[str, str], ...], where: str) -> str:
    """``source`` with each ``(old, new)`` of ``edits`` applied; ``old`` must occur exactly once
    (an edit that no longer applies is a question bug, named with ``where``)."""
    for old, new in edits:
        n = source.count(old)
        if n != 1:
            raise CourseError(text(f"la modification d'une erreur classique {old!r} apparaît {n} fois dans la solution (elle doit apparaître une seule fois)", f"a mistake's edit {old!r} occurs {n} times in the solution "
                              "(it must occur once)"), path=where)
        source = source.replace(old, new)
    return source


def read_docstrings(source: str, where: str) -> dict[str, str]:
    """``{qualified name: docstring}`` from a ``docstrings.<lang>.md`` file: a section per
    function or class, opened by a line ``## name`` (``## Class.method`` for a method), holding
    the docstring as it reads between the triple quotes; what precedes the first section is a
    note for the author."""
    out: dict[str, str] = {}
    name: str | None = None
    lines: list[str] = []

    def close() -> None:
        if name is not None:
            body = "\n".join(lines).strip("\n")
            if not body.strip() or '"""' in body or "\\" in body or body.endswith('"'):
                raise CourseError(text(f"la docstring de {name} est vide ou contient une barre oblique inverse, \"\"\" ou un guillemet final", f"the docstring of {name} is empty or holds a backslash, \"\"\" "
                                  "or a final quote"), path=where)
            out[name] = body
    for line in source.splitlines():
        if line.startswith("## "):
            close()
            name, lines = line[3:].strip(), []
            if name in out:
                raise CourseError(text(f"la docstring de {name} est donnée deux fois", f"the docstring of {name} is given twice"), path=where)
        elif name is not None:
            lines.append(line.rstrip())
    close()
    return out


def with_docstrings(source: str, docs: dict[str, str], where: str) -> str:
    """``source`` (a stub) with the docstring of each function or class named in ``docs``
    replaced (same place, same indentation); a name of ``docs`` that has no docstring in the
    stub is an error naming ``where``."""
    import ast

    found: dict[str, tuple[int, int, int]] = {}  # name -> (first line, last line, column)

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + node.name
                first = node.body[0] if node.body else None
                if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                        and isinstance(first.value.value, str)):
                    found[name] = (first.lineno, first.end_lineno or first.lineno, first.col_offset)
                walk(node.body, name + ".")

    walk(ast.parse(source).body, "")
    unknown = sorted(set(docs) - set(found))
    if unknown:
        raise CourseError(text(f"aucune docstring à remplacer pour {', '.join(unknown)} dans stub.py", f"no docstring to replace for {', '.join(unknown)} in stub.py"), path=where)
    lines = source.splitlines()
    for name, (first, last, col) in sorted(found.items(), key=lambda kv: -kv[1][0]):
        if name not in docs:
            continue
        pad = " " * col
        body = docs[name].splitlines()
        if len(body) == 1:
            new = [f'{pad}"""{body[0]}"""']
        else:
            new = [f'{pad}"""{body[0]}'] + [f"{pad}{b}" if b else "" for b in body[1:]] + [f'{pad}"""']
        lines[first - 1:last] = new
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


@dataclass(frozen=True, eq=False)
class Mistake:
    """A named mistake in a coding question: a mistaken variant of the reference (same names
    and signatures) and the explanation (fr/en, for the student, never an expected value)
    shown when a student's results match it.

    ``edits``: the mistake as a student writes it, as ``(old, new)`` replacements in the
    question's ``solution.py`` (the tests run that code as a student's answer: in-process, in
    the sandbox and in the students' kernel). ``make_reference`` is trusted code that runs on
    the trusted side only (:func:`solution_mistake` makes it from the edits; the PyTorch
    questions give a NumPy twin). Compared and hashed by identity."""

    key: str
    explanation: Text
    make_reference: Callable[[], dict[str, Any]]
    edits: tuple[tuple[str, str], ...] = ()

    @cached_property
    def reference(self) -> dict[str, Any]:
        """``{name: callable}`` of the mistaken variant (made once, then cached)."""
        return self.make_reference()

    def student_source(self, solution: str) -> str:
        """The question's solution with this mistake written in: what such a student hands in."""
        return edited(solution, self.edits, f"mistake {self.key}")


def solution_mistake(folder: Path, key: str, explanation: Text, *edits: tuple[str, str]) -> Mistake:
    """A mistake written as edits of the ``solution.py`` of the question in ``folder``; its
    reference is the edited solution's public functions (instructor code, run on the trusted
    side only, never handed out)."""
    def make() -> dict[str, Any]:
        path = folder / "solution.py"
        source = edited(path.read_text(encoding="utf-8"), edits, str(path))
        ns: dict[str, Any] = {"__name__": f"_course_mistake_{folder.name}_{key.replace('-', '_')}"}
        exec(compile(source, f"{path} ({key})", "exec"), ns)
        return {n: v for n, v in ns.items() if callable(v) and not n.startswith("_")}

    return Mistake(key, explanation, make, tuple(edits))


def mistaken_values(mistake: Mistake, case: Case) -> list[Any] | None:
    """What ``mistake``'s code gives for each expectation of ``case`` (trusted side:
    :func:`~.engine.expected_values` with the mistake's own gradients), or None when it raises
    there (then it is not recognised on this case). Floating-point warnings are silenced: a
    mistake may overflow where the reference does not (that is often the mistake)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return expected_values(mistake.reference, case, own_gradients=True)
    except Exception:  # noqa: BLE001 - a mistaken variant may fail on some inputs
        return None


def _accepts(check: Any, got: Any, want: Any) -> bool:
    try:
        return bool(check.accepts(got, want))
    except Exception:  # noqa: BLE001 - a malformed value is accepted by nothing
        return False


def distinct(case: Case, values: list[Any], wants: list[Any]) -> bool:
    """Whether ``values`` (a mistake's) can be told from ``wants`` (the reference's) on
    ``case``: some expectation's check rejects them, and each one accepts itself (a NaN, which
    no check accepts, could name no student)."""
    if not all(_accepts(e.check, v, v) for e, v in zip(case.expect, values)):
        return False
    return not all(_accepts(e.check, v, w) for e, v, w in zip(case.expect, values, wants))


def recognise(mistakes: tuple[Mistake, ...], case: Case, got: list[Any],
              wants: list[Any]) -> Mistake | None:
    """The first of ``mistakes`` whose values on ``case`` the student's (``got``, one per
    expectation) pass with every check, among those that can be told from the reference's
    (``wants``) there; None if none. A mistake that gives the right values for this case's
    inputs is never named on it."""
    for m in mistakes:
        values = mistaken_values(m, case)
        if values is None or not distinct(case, values, wants):
            continue
        if all(_accepts(e.check, g, v) for e, g, v in zip(case.expect, got, values)):
            return m
    return None


@dataclass(frozen=True, eq=False)
class CodingQuestion:
    """A coding question of the notebooks (see the module docstring).

    ``make_cases(rng, public)``: the cases (public: the sample cases of the notebook's checks,
    the same for everyone; else the hidden cases of one student, ``rng`` from
    :func:`coding_rng`). ``make_reference()``: ``{name: callable}`` with the student's names
    and signatures, computing expected values on the trusted side. ``setup``: source added to
    the assignment's locked setup cell (helpers the cases call, e.g. the PyTorch ones).
    ``make_data(rng)``: arrays shipped with the assignment (an .npz beside the notebook).
    Compared and hashed by identity (one object per question folder), so caches can key on it."""

    id: str
    title: Text
    names: tuple[str, ...]
    folder: Path
    make_cases: Callable[[np.random.Generator, bool], list[Case]]
    make_reference: Callable[[], dict[str, Any]]
    torch: bool = False
    setup: str = ""
    make_data: Callable[[np.random.Generator], dict[str, np.ndarray]] | None = None
    mistakes: tuple[Mistake, ...] = field(default_factory=tuple)
    #: ``{name: {lang: text}}`` put in place of ``{name}`` in the statements (a threshold, a
    #: time limit: one value, written once, in the question's module)
    statement_vars: dict[str, Text] = field(default_factory=dict)

    def _read(self, name: str) -> str:
        path = self.folder / name
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CourseError(text(f"question de code « {self.id} » : impossible de lire {name} ({exc.strerror or exc})", f"coding question '{self.id}': cannot read {name} "
                              f"({exc.strerror or exc})"), path=str(path)) from None

    @property
    def stub(self) -> str:
        """The stub's source as written (``stub.py``: the code, English docstrings)."""
        return self._read("stub.py")

    def stub_source(self, lang: str) -> str:
        """The stub a student of a ``lang`` course starts from: ``stub.py`` with the docstrings
        of ``docstrings.<lang>.md`` in place (the code is written once; without the file, the
        stub as written)."""
        path = self.folder / f"docstrings.{lang}.md"
        if not path.is_file():
            return self.stub
        return with_docstrings(self.stub, read_docstrings(self._read(path.name), str(path)),
                               str(path))

    @property
    def solution(self) -> str:
        """The solution's source (``solution.py``)."""
        return self._read("solution.py")

    def statement(self, lang: str) -> str:
        """The statement in ``lang`` (``statement.<lang>.md``), with :attr:`statement_vars` in
        place (``{data_file}`` is left for the notebook builder, which knows the file name)."""
        text = self._read(f"statement.{lang}.md").strip()
        for name, value in self.statement_vars.items():
            text = text.replace("{" + name + "}", value[lang])
        return text

    @property
    def reference(self) -> dict[str, Any]:
        """``{name: reference callable}`` with the student's signatures (imports lazily)."""
        return self.make_reference()

    @property
    def public_cases(self) -> list[Case]:
        """The sample cases of the notebook's checks (the same for every student)."""
        return self.make_cases(public_rng(self.id), True)

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        """The hidden cases of one student (``rng`` from :func:`coding_rng`)."""
        return self.make_cases(rng, False)

    def student_cases(self, course_seed: int, student_id: str) -> list[Case]:
        """The hidden cases of ``student_id`` in a course of seed ``course_seed``."""
        return self.hidden_cases(coding_rng(course_seed, student_id, self.id))

    def data(self, course_seed: int) -> dict[str, np.ndarray] | None:
        """The data shipped with the assignment (the same for every student), or None."""
        if self.make_data is None:
            return None
        return self.make_data(make_rng(course_seed, "", f"coding-data:{self.id}"))
