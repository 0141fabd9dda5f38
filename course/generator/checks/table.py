"""A table: rows of cells (numbers within the tolerance, or words compared case-folded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from course.base.i18n import Text
from course.generator.render import answer_number, mdtable

from ._parsing import parse_nested
from .base import AnswerSpace, Check, Field, GroupField, NumberField, TextField, Tolerance
from .number import float_form
from .portable import close, plain_number, summary

#: ``Variant.context[LMS_TABLES]``, optional: ``{part: layout}``, how an LMS bank lays out a table
#: part that students fill in online (a Moodle cloze), where a paper sheet asks every cell:
#: ``given``, the columns printed as they are (data of the statement: the iteration, the
#: observation), ``omit``, the columns not asked (they repeat other cells: the weights before an
#: iteration are those after the previous one), ``group``, ``{"rows": n, "label": {fr, en}}``:
#: the rows cut into tables of ``n`` rows each captioned ``label`` (``{k}``: its number, an
#: epoch), and ``note`` ({fr, en}): a sentence said before the tables.
LMS_TABLES = "lms_tables"


def table_form(x, p):
    """A non-empty list of rows, each a list or tuple."""
    if type(x) not in (list, tuple) or not x or any(type(r) not in (list, tuple) for r in x):
        return ["not-table", {"got": summary(x)}]
    return None


def table_compare(x, want, p):
    """As many rows and cells as ``want``; numeric cells within the tolerance, text cells equal
    once stripped and case-folded."""
    if len(x) != len(want):
        return ["wrong-value", {}]
    for srow, erow in zip(x, want):
        if len(srow) != len(erow):
            return ["wrong-value", {}]
        for s, e in zip(srow, erow):
            if isinstance(e, str):
                if type(s) is not str or s.strip().casefold() != e.strip().casefold():
                    return ["wrong-value", {}]
            elif float_form(s, p) is not None or not close(plain_number(s), e, p["rtol"], p["atol"]):
                return ["wrong-value", {}]
    return None


@dataclass(frozen=True)
class TableCheck(Tolerance, Check):
    """A table; ``columns`` names the columns (statements, keys, LMS exports)."""

    kind: ClassVar[str] = "table"
    REASONS: ClassVar[dict[str, Text]] = {
        "not-table": {"fr": "attendu : une liste de lignes ({got})",
                      "en": "expected a list of rows ({got})"},
    }
    form_fn: ClassVar[Any] = table_form
    compare_fn: ClassVar[Any] = table_compare
    columns: tuple[str, ...] = field(default_factory=tuple)
    rtol: float = 1e-2
    atol: float = 1e-3

    @classmethod
    def sample(cls) -> tuple[Check, Any, Any]:
        """A check of this kind, an expected value and a submission it accepts (the tests of every
        output use them)."""
        check, value = cls(columns=("layer", "params")), [["conv", 156], ["dense", 850]]
        return check, value, value


    def parse(self, text: str) -> Any:
        return parse_nested(text)

    def describe(self, lang: str) -> str:
        return "un tableau" if lang == "fr" else "a table"

    def _header(self, value: Any) -> list[str]:
        ncol = len(value[0]) if value else len(self.columns)
        return list(self.columns) or [str(i + 1) for i in range(ncol)]

    def key_md(self, value: Any, lang: str, decimals: int | None = None) -> str:
        rows = [[f"${answer_number(c, decimals)}$" if isinstance(c, (int, float)) and not isinstance(c, bool)
                 else str(c) for c in row] for row in value]
        return mdtable(self._header(value), rows)

    def answer_space(self, value: Any, lang: str) -> AnswerSpace:
        return AnswerSpace(lines=max(2, len(value) + 1))

    def lms_field(self, value: Any, lang: str, wrong: tuple[tuple[Any, str], ...] = ()) -> Field:
        def cell(x: Any) -> Field:
            if isinstance(x, (int, float)) and not isinstance(x, bool):
                return NumberField(x, self.tolerance(x))
            return TextField((str(x),))

        return GroupField("table", tuple(tuple(cell(x) for x in row) for row in value),
                          header=tuple(self.columns))
