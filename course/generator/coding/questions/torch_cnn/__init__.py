"""A small CNN in PyTorch: architecture, forward pass on given weights, training."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding import torch_models as tm
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES

QUESTION = CodingQuestion(
    id="torch-cnn",
    title=t("Un petit CNN en PyTorch", "A small CNN in PyTorch"),
    names=("SmallCNN", "train_cnn"),
    folder=Path(__file__).parent,
    make_cases=tm.cases("cnn"),
    make_reference=tm.reference("cnn", "SmallCNN"),
    torch=True,
    setup=tm.TORCH_SETUP,
    make_data=tm.data("cnn"),
    statement_vars=tm.statement_vars("cnn"),
    mistakes=MISTAKES,
)
