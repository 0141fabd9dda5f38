"""A coding question: one folder holding its stub, its solution, its statements, and a module
that gives its cases, its reference binding and its mistakes (see ``questions/``).

Folder layout (``<folder>/``)::

    __init__.py          QUESTION = CodingQuestion(...): id, title, names, cases, reference
    stub.py              what the student starts from (bodies raise NotImplementedError)
    solution.py          the instructor's solution (plain NumPy or PyTorch, never ``course``)
    statement.fr.md      the statement shown above the stub (Markdown with math), per language
    statement.en.md

Stub and solution are real Python files: ruff lints them and the tests import them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from course.base.errors import CourseError
from course.base.i18n import Text
from course.base.rng import make_rng

from .engine import Case, coding_rng, public_rng


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
            raise CourseError(f"the solution does not define {', '.join(missing)}", path=str(path))
        return {n: getattr(module, n) for n in names}

    return make


@dataclass(frozen=True)
class Mistake:
    """A named mistake in a coding question: a mistaken variant of the reference (same names
    and signatures) and the explanation shown when a student's results match it."""

    key: str
    explanation: Text
    make_reference: Callable[[], dict[str, Any]]


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
            raise CourseError(f"coding question '{self.id}': cannot read {name} "
                              f"({exc.strerror or exc})", path=str(path)) from None

    @property
    def stub(self) -> str:
        """The stub's source (``stub.py``)."""
        return self._read("stub.py")

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
