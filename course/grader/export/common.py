"""What every LMS export shares: the options, the result, which students get a grade and how
a number is written, and the LMS identities the last ``course grade`` recorded.

The rule for who gets a grade in an LMS file (:func:`grade_to_export`): a student whose
notebook was graded (on time or late) gets the gradebook's total; so does a student the
instructor gave an override (``overrides.csv``), whatever their status. A student who handed
nothing in gets 0 only with ``--missing zero``; otherwise, like a student whose files could not
be graded (unreadable, no notebook...), they are left out of the file, so that the LMS keeps
what it has, and listed in a warning. Leaving a row out is safer than a blank cell: Moodle
overwrites the feedback comments of every row it reads, and Canvas reads a blank cell as a
change to "no grade".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.base.i18n import Text

from ..gradebook import Gradebook, Row
from ..lms import Identity

MISSING_POLICIES = ("blank", "zero")


@dataclass(frozen=True)
class Options:
    """How to export. ``missing``: "blank" (students who handed nothing in are left out) or
    "zero"; ``points``: export totals out of this many points (the LMS's maximum), rescaled
    from the gradebook's; ``column``: the LMS's name of the assignment (Canvas's column,
    ``Title (id)``); ``source``: the folder that was graded (where the intake found the Moodle
    grading worksheets)."""

    missing: str = "blank"
    points: float | None = None
    column: str | None = None
    source: Path | None = None


@dataclass
class Exported:
    """The files an exporter wrote and what the instructor must know (one line each, in the
    export's language)."""

    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def say(t: Text, lang: str, **kw: Any) -> str:
    """``t`` in ``lang`` with ``kw`` filled in."""
    return t.get(lang, t["en"]).format(**kw)


def says(t: Text, **kw: Any) -> Text:
    """``t`` in every language with ``kw`` filled in (the message of an error)."""
    return {lang: s.format(**kw) for lang, s in t.items()}


def number(x: float) -> str:
    """A grade as every LMS importer reads it: a decimal point, no exponent, no thousands
    separator, at most 4 decimals (Moodle's ``unformat_float`` accepts the point in every
    language, Canvas turns a comma into a point)."""
    text = f"{round(float(x), 4) + 0.0:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def target_points(gb: Gradebook, options: Options) -> float:
    """The maximum the LMS expects: ``--points``, else the gradebook's."""
    return float(options.points) if options.points is not None else gb.max_points


def grade_to_export(row: Row, gb: Gradebook, options: Options) -> float | None:
    """The grade to write for ``row`` (out of :func:`target_points`), or None to leave the
    student out of the file (see the module docstring)."""
    if row.status in ("graded", "late") or row.overrides:
        total = row.total
    elif row.status == "missing" and options.missing == "zero":
        total = 0.0
    else:
        return None
    if options.points is not None and gb.max_points:
        total = total * float(options.points) / gb.max_points
    return round(total, 4)


T_LEFT_OUT = {
    "missing": {"fr": "{sid} : rien de remis, laissé hors du fichier (le LMS garde sa note ; "
                      "--missing zero pour 0, ou une ligne dans overrides.csv)",
                "en": "{sid}: nothing handed in, left out of the file (the LMS keeps its grade; "
                      "--missing zero gives 0, or add a line to overrides.csv)"},
    "ungraded": {"fr": "{sid} : {status}, aucune note exportée (voir report.html ; une ligne "
                       "dans overrides.csv pour en donner une)",
                 "en": "{sid}: {status}, no grade exported (see report.html; a line in "
                       "overrides.csv gives one)"},
}


def left_out_warning(row: Row, lang: str) -> str:
    """Why ``row`` has no grade in the file, one line."""
    from ..grading import STATUS_TEXT

    if row.status == "missing":
        return say(T_LEFT_OUT["missing"], lang, sid=row.student)
    status = STATUS_TEXT.get(row.status, {}).get(lang, row.status)
    return say(T_LEFT_OUT["ungraded"], lang, sid=row.student, status=status)


def recorded_identities(intake: dict[str, Any], lms: str) -> list[Identity]:
    """The identities of ``lms`` ("moodle" or "canvas") that the last ``course grade`` mapped
    to a roster student (from the signed batch file; those mapped to nobody are skipped)."""
    out = []
    for d in intake.get("identities") or []:
        ident = Identity.from_json(d)
        if ident.lms == lms and ident.student is not None:
            out.append(ident)
    return out


T_CONFLICT = {"fr": "{sid} : plusieurs identifiants {lms} ({ids}) : laissé hors du fichier "
                    "(corrigez la colonne lms_id de la liste de la classe)",
              "en": "{sid}: several {lms} ids ({ids}): left out of the file (fix the roster's "
                    "lms_id column)"}
T_SHARED = {"fr": "l'identifiant {lms} {lms_id} désigne plusieurs étudiants ({sids}) : "
                  "laissés hors du fichier",
            "en": "{lms} id {lms_id} names several students ({sids}): left out of the file"}


@dataclass
class Ids:
    """Each student's LMS id, and the students left out because their ids conflict."""

    of: dict[str, str]
    conflicted: set[str]


def resolve_ids(candidates: dict[str, list[str]], lms: str, lang: str,
                warnings: list[str]) -> Ids:
    """Each student's LMS id from their candidate ids (every source, in order): a student
    with two different ids, or an id claimed by two students, is left out with a warning (in
    ``conflicted``); an LMS grade must never reach another person."""
    chosen: dict[str, str] = {}
    conflicted: set[str] = set()
    for sid, ids in candidates.items():
        distinct = list(dict.fromkeys(i for i in ids if i))
        if len(distinct) > 1:
            warnings.append(say(T_CONFLICT, lang, sid=sid, lms=lms, ids=", ".join(distinct)))
            conflicted.add(sid)
        elif distinct:
            chosen[sid] = distinct[0]
    owners: dict[str, list[str]] = {}
    for sid, lms_id in chosen.items():
        owners.setdefault(lms_id, []).append(sid)
    for lms_id, sids in owners.items():
        if len(sids) > 1:
            warnings.append(say(T_SHARED, lang, lms=lms, lms_id=lms_id, sids=", ".join(sids)))
            for s in sids:
                del chosen[s]
                conflicted.add(s)
    return Ids(chosen, conflicted)
