"""Typed checks (DESIGN.md rule 5): one kind of check is one module of this package (see
:mod:`.base` for what a check class owns and :mod:`.portable` for the part that also runs in
the student's notebook). The built-in kinds are re-exported here for convenience; the registry
(:func:`check_classes`) finds every module, so a new kind needs no edit here."""

from .accuracy import AccuracyCheck
from .array import ArrayCheck
from .array_shape import ArrayShapeCheck
from .base import (
    AnswerSpace,
    Check,
    ChoiceField,
    Field,
    GroupField,
    NumberField,
    TextField,
    Verdict,
    at_precision,
    check_class,
    check_classes,
    check_from_json,
)
from .boolean import BoolCheck
from .choice import ChoiceCheck
from .integer import IntCheck
from .number import FloatCheck
from .shape import ShapeCheck
from .state_dict import StateDictCheck
from .symbolic import SymbolicCheck
from .table import TableCheck

__all__ = ["AccuracyCheck", "AnswerSpace", "ArrayCheck", "ArrayShapeCheck", "BoolCheck", "Check",
           "ChoiceCheck", "ChoiceField", "Field", "FloatCheck", "GroupField", "IntCheck",
           "NumberField", "ShapeCheck", "StateDictCheck", "SymbolicCheck", "TableCheck",
           "TextField", "Verdict", "at_precision", "check_class", "check_classes", "check_from_json"]
