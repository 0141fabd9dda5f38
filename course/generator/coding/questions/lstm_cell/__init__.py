"""One time step of an LSTM cell (batch first, gate order i, f, g, o)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course.base.i18n import text as t
from course.generator.coding.question import CodingQuestion

from ..rnn_cell import cell_cases
from .mistakes import MISTAKES


def reference() -> dict[str, Any]:
    from course.reference import recurrent

    def forward(x_t: Any, h_prev: Any, c_prev: Any, Wx: Any, Wh: Any, b: Any) -> tuple[Any, Any, Any]:
        """The student's signature: ``(h, c, cache)`` (the reference returns ``((h, c), cache)``)."""
        (h, c), cache = recurrent.lstm_cell_forward(x_t, h_prev, c_prev, Wx, Wh, b)
        return h, c, cache

    return {"lstm_cell_forward": forward}


QUESTION = CodingQuestion(
    id="lstm-cell",
    title=t("Cellule LSTM (propagation avant)", "LSTM cell (forward pass)"),
    names=("lstm_cell_forward",),
    folder=Path(__file__).parent,
    make_cases=cell_cases("lstm"),
    make_reference=reference,
    mistakes=MISTAKES,
)
