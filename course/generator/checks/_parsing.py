"""Reading numbers and nested values typed by a person (``course check --answer``)."""

from __future__ import annotations

import json
import re
from typing import Any

from course.base import i18n
from course.base.errors import AnswerError


def parse_number(text: str) -> float:
    """A number from text: ``3.5``, ``3,5`` (French decimal comma), ``-1/4``, ``−2`` (Unicode
    minus), spaces ignored; ``ValueError`` with the text otherwise."""
    t = str(text).strip().replace(" ", "").replace("\u2212", "-")
    if re.fullmatch(r"[-+]?\d+,\d+", t):
        t = t.replace(",", ".")
    m = re.fullmatch(r"([-+]?\d+)/(\d+)", t)
    if m:
        return int(m.group(1)) / int(m.group(2))
    try:
        return float(t)
    except ValueError:
        raise AnswerError(i18n.text(f"pas un nombre : {text!r}", f"not a number: {text!r}")) from None


def parse_nested(text: str) -> Any:
    """JSON (``[[1, 2], [3, 4]]``), or rows separated by ``;`` of numbers separated by spaces
    or commas (``1 2; 3 4``, ``1,2,3``)."""
    t = str(text).strip()
    try:
        return json.loads(t)
    except json.JSONDecodeError:
        pass
    rows = [r for r in t.split(";") if r.strip()]
    out = [[parse_number(v) for v in re.split(r"[\s,]+", r.strip().strip("[]()")) if v] for r in rows]
    return out[0] if len(out) == 1 and ";" not in t else out
