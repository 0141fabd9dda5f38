"""One time step of an LSTM cell (batch first, gate order i, f, g, o)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course.base.i18n import text as t
from course.generator.coding.question import CodingQuestion

from ..rnn_cell import cell_cases


def reference() -> dict[str, Any]:
    from course.reference import recurrent

    return {"lstm_cell_forward": recurrent.lstm_cell_forward}


QUESTION = CodingQuestion(
    id="lstm-cell",
    title=t("Cellule LSTM (propagation avant)", "LSTM cell (forward pass)"),
    names=("lstm_cell_forward",),
    folder=Path(__file__).parent,
    make_cases=cell_cases("lstm"),
    make_reference=reference,
)
