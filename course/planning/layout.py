"""The code cells of an assignment's notebook, for one student: what the builder hands out and
what the grader runs, from one place that renders no statement.

A notebook (nbformat 4.5, stable cell ids) is, in order: ``title`` (Markdown), ``setup`` (code,
locked: imports and the helpers the coding questions need; the grader runs it in the sandbox),
``checks`` (code, locked: the public checks, :mod:`course.documents.runtime`; never run by the
grader), then per question ``qN-statement`` (Markdown), ``qN-answer`` (code: the only cells a
student writes in) and ``qN-check`` (code, locked: ``grader.check("qN")``). The Markdown cells
and the ``checks`` cell are made by :mod:`course.documents.notebooks`; the other code cells here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from course.generator.render import environment

from .plan import DrawnQuestion

#: cells the grader runs; every other code cell is locked and never run
RUN_ROLES = ("setup", "answer")


@dataclass(frozen=True)
class Cell:
    """One notebook cell: ``kind`` "code" or "markdown", ``role`` (title, setup, check,
    statement, answer, solution), the question it belongs to, and its source."""

    id: str
    kind: str
    role: str
    source: str
    question: str | None = None


def notebook_filename(assignment_id: str, student_id: str) -> str:
    """The file name a student's notebook is handed out (and handed in) under."""
    return f"{assignment_id}-{student_id}.ipynb"


def data_filename(assignment_id: str, coding_id: str) -> str:
    """The data file of a coding question, handed out beside the notebook."""
    return f"{assignment_id}-{coding_id}.npz"


def render_code(name: str, **ctx: Any) -> str:
    """``templates/notebook/<name>`` rendered (a code or Markdown cell's source)."""
    return environment().get_template(f"notebook/{name}").render(**ctx).strip("\n") + "\n"


@cache
def setup_source(lang: str, setups: tuple[str, ...]) -> str:
    """The locked set-up cell: NumPy, plus each distinct helper source the questions need."""
    torch_setup = "\n\n".join(s.strip() for s in setups)
    return render_code(f"setup.{lang}.py.j2", torch=bool(setups), torch_setup=torch_setup)


def parts_view(q: DrawnQuestion, lang: str) -> list[dict[str, str]]:
    """The parts of a computed question as the answer cell and statement show them."""
    assert q.variant is not None
    return [{"name": k, "label": p.label[lang], "describe": p.check.describe(lang)}
            for k, p in q.variant.parts.items()]


def answer_stub(q: DrawnQuestion, lang: str) -> str:
    """The answer cell a student starts from."""
    if q.coding is not None:
        return q.coding.stub_source(lang)
    return render_code(f"answer.{lang}.py.j2", qid=q.id, parts=parts_view(q, lang))


def check_source(q: DrawnQuestion) -> str:
    """The locked cell that runs a question's public check."""
    return f'grader.check("{q.id}")\n'


def code_cells(lang: str, drawn: list[DrawnQuestion]) -> list[Cell]:
    """The code cells of a student's notebook that this layer owns, in order: the set-up cell,
    then each question's answer cell (holding its stub) and check cell."""
    setups = tuple(dict.fromkeys(q.coding.setup for q in drawn if q.coding is not None and q.coding.setup))
    cells = [Cell("setup", "code", "setup", setup_source(lang, setups))]
    for q in drawn:
        cells.append(Cell(f"{q.id}-answer", "code", "answer", answer_stub(q, lang), q.id))
        cells.append(Cell(f"{q.id}-check", "code", "check", check_source(q), q.id))
    return cells
