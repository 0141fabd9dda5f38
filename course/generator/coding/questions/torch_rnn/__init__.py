"""A small recurrent network (LSTM) in PyTorch: architecture, forward pass, training."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding import torch_models as tm
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES

QUESTION = CodingQuestion(
    id="torch-rnn",
    title=t("Un petit réseau récurrent (LSTM) en PyTorch", "A small recurrent network (LSTM) in PyTorch"),
    names=("SmallRNN", "train_rnn"),
    folder=Path(__file__).parent,
    make_cases=tm.cases("rnn"),
    make_reference=tm.reference("rnn", "SmallRNN"),
    torch=True,
    setup=tm.TORCH_SETUP,
    make_data=tm.data("rnn"),
    statement_vars=tm.statement_vars("rnn"),
    mistakes=MISTAKES,
)
