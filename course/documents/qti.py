"""Canvas QTI 1.2 question banks of an exam (``course exam NAME --format qti``).

``OUT/qti/<exam>.zip`` holds ``imsmanifest.xml`` and one file per exam question,
``<bank>.xml``: a QTI 1.2 ``<objectbank>`` whose ``bank_title`` names the Canvas question bank
(``<exam title> · Q<nn> <exercise title>``), holding the items of every distinct variant
(students who drew identical parameters share them), as the Moodle export has a category per
exam question. Canvas's "Import Content > QTI .zip" converts the package to QTI 2.1 with
Instructure's QTIMigrationTool (``lib/imsqtiv1.py``: an ``objectbank``'s items get its
``bank_title`` as their question bank; ``qtimetadata`` fields ``question_type`` and
``points_possible`` become Canvas's own metadata) and then reads it with the ``qti_exporter``
plugin (``assessment_item_converter.rb`` picks the converter by ``question_type``). The items
have the shape Canvas's own QTI export writes (``lib/cc/qti/qti_items.rb``), which that
importer reads back.

Items, from the LMS field each part's check gives (``Check.lms_field``, DESIGN rule 5), as the
Moodle export shows it (:func:`course.documents.moodle.variant_field`: numbers with the decimals
the statement asks, a quiz question's options by their texts, Vrai / Faux as true/false, the
texts students write for a symbolic answer):

- one number (:class:`NumberField`): ``numerical_question``, an exact answer with a margin:
  ``varequal`` the answer, or ``vargte`` and ``varlte`` the answer -/+ the check's absolute
  tolerance (0 for integers, ``atol + rtol |answer|`` for numbers), the bounds written as exact
  decimal sums so that the margin Canvas computes (``upper - exact`` in BigDecimal,
  ``numeric_interaction.rb``) is the tolerance itself. Canvas gives full marks for *every*
  answer of a numerical question (the importer weighs each one 100 and the scorer accepts any
  match, ``numerical_question.rb``), so a named misconception cannot be an answer worth 0 as in
  Moodle: the misconceptions and their explanations are the question's incorrect-answer
  feedback (``general_incorrect_fb``) instead;
- one true/false choice: ``true_false_question`` (its answers read True and False: Canvas's
  importer keeps the type only then, ``choice_interaction.rb``, and shows its own words); one
  other choice: ``multiple_choice_question``, or ``multiple_answers_question`` when several
  options are right;
- one text (:class:`TextField`): ``short_answer_question`` (Canvas compares case-insensitively);
- several values without a number: ``multiple_dropdowns_question`` when each is a single
  choice, ``fill_in_multiple_blanks_question`` when each is a text (one ``[bN]`` blank per value);
- several values with a number among them (several parts, or a :class:`GroupField` of a shape,
  an array or a table): Canvas grades a blank of ``fill_in_multiple_blanks_question`` (and of
  ``multiple_dropdowns_question``) by comparing strings only (``fill_in_the_blank.rb``,
  ``fill_in_multiple_blanks_question.rb``: no tolerance, "2.50" is not "2.5"), and no Canvas
  type has several numerical answers. So such a variant becomes a *run* of items, one per value
  (each a type above: numerical questions keep their tolerance), each with the whole statement
  and naming the value it asks for (``<variant> · <label> [row, column]``), worth its share of
  the question's points (each value weighs the same, as each field of a Moodle cloze does). A
  quiz's question group that picks from the bank then draws self-contained questions. A group
  of more than :data:`MAX_RUN` values with numbers (the perceptron's table: 144 numbers) would be
  that many questions, each repeating the statement: it is one ``essay_question`` instead,
  graded by hand against the key in its feedback (it says so to the student).

The worked solution (with the answers) is the general feedback (``general_fb``, shown after
answering). Text is HTML with math as ``\\(..\\)`` and ``\\[..\\]`` (Canvas's MathJax), made by
:func:`course.documents.moodle.md_to_html`. The zip's bytes depend only on its content (fixed
timestamps, sorted names).
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from course.base.i18n import colon
from course.documents.keys import answers_md
from course.documents.moodle import (
    answer,
    distinct_variants,
    inline_html,
    md_to_html,
    num,
    question_name,
    variant_field,
)
from course.generator.base import Part, Variant
from course.generator.checks import ChoiceField, Field, GroupField, NumberField, TextField
from course.generator.checks.boolean import WORDS
from course.generator.precision import DECIMALS
from course.generator.render import lms_statement, solution

if TYPE_CHECKING:
    from course.documents.exam import StudentExam
    from course.planning.plan import PlannedQuestion

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
QTI_XSD = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
#: the resource type of a QTI 1.2 file in an IMS content package
QTI_RESOURCE = "imsqti_xmlv1p2"
#: a group of more values than this (a table), with numbers, is one essay question graded by
#: hand rather than a run of that many numerical questions (see the module docstring)
MAX_RUN = 16
#: a fixed timestamp for every member of the zip (deterministic bytes)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

TEXTS = {
    "fr": {"answers": "Réponses", "ask": "Donnez seulement", "mistakes": "Erreurs fréquentes",
           "found": "Si vous avez trouvé",
           "by_hand": "Écrivez les {n} valeurs (corrigé à la main : Canvas ne peut pas noter "
                      "automatiquement autant de nombres avec leur tolérance).", "component": "composante {j}",
           "cell": "ligne {i}, colonne {j}", "column": "ligne {i}, colonne « {h} »"},
    "en": {"answers": "Answers", "ask": "Give only", "mistakes": "Common mistakes",
           "found": "If you found",
           "by_hand": "Write the {n} values (graded by hand: Canvas cannot grade so many numbers "
                      "with their tolerance automatically).", "component": "component {j}",
           "cell": "row {i}, column {j}", "column": "row {i}, column “{h}”"},
}


# --------------------------------------------------------------------------- values
def _e(text: str) -> str:
    return html.escape(text, quote=False)


def decimal_bounds(value: float, tolerance: float) -> tuple[str, str]:
    """``value -/+ tolerance`` as exact decimals (no rounding: ``upper - value`` is the
    tolerance itself, as Canvas's importer computes the margin)."""
    with localcontext() as ctx:
        ctx.prec = 200
        v, t = Decimal(num(value)), Decimal(num(tolerance))
        return str(v - t), str(v + t)


def ident(*parts: str) -> str:
    """A stable QTI identifier for a name (Canvas keeps it as the migration id)."""
    return "g" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _flat(f: Field, where: tuple[int, ...] = (),
          group: GroupField | None = None) -> list[tuple[tuple[int, ...], Field, GroupField | None]]:
    """The values of a field: ``(position, field, innermost group)``, in reading order."""
    if not isinstance(f, GroupField):
        return [(where, f, group)]
    out: list[tuple[tuple[int, ...], Field, GroupField | None]] = []
    for i, row in enumerate(f.rows):
        for j, cell in enumerate(row):
            out += _flat(cell, where + ((j,) if f.layout == "tuple" else (i, j)), f)
    return out


def _where(pos: tuple[int, ...], group: GroupField | None, lang: str, markup: bool = True) -> str:
    """Which cell of a group a value is, in words ("row 2, column “w1”"; HTML unless not
    ``markup``)."""
    t = TEXTS[lang]
    if group is None or not pos:
        return ""
    if group.layout == "tuple":
        return t["component"].format(j=pos[-1] + 1)
    i, j = pos[-2], pos[-1]
    if group.layout == "table" and group.header and j < len(group.header):
        return t["column"].format(i=i + 1, h=inline_html(group.header[j]) if markup else group.header[j])
    return t["cell"].format(i=i + 1, j=j + 1)


# --------------------------------------------------------------------------- items (plain data)
def _choices(f: ChoiceField, lang: str, start: int = 1, canvas_truefalse: bool = False) -> list[dict[str, Any]]:
    """The options of a choice, numbered from ``start``; a true/false question's read True and
    False (Canvas keeps the type only then, and shows its own words: choice_interaction.rb)."""
    options = f.options
    if f.truefalse:
        options = (WORDS[lang][True], WORDS[lang][False])
        if canvas_truefalse:
            truth = f.correct[0] == WORDS[lang][True]
            return [{"ident": str(start), "text": "True", "correct": truth},
                    {"ident": str(start + 1), "text": "False", "correct": not truth}]
    texts = f.texts if f.texts and not f.truefalse else options
    return [{"ident": str(start + k), "text": t, "correct": o in f.correct}
            for k, (o, t) in enumerate(zip(options, texts))]


def _single(f: Field, lang: str) -> dict[str, Any]:
    """The type-specific data of an item asking one value."""
    if isinstance(f, NumberField):
        lower, upper = decimal_bounds(f.value, f.tolerance)
        mistakes = ""
        if f.wrong:
            t = TEXTS[lang]
            items = "".join(f"<li>{t['found']} {_e(num(v, f.decimals))}{colon(lang)} {inline_html(fb)}</li>"
                            for v, fb in f.wrong)
            mistakes = f"<p>{t['mistakes']}{colon(lang)}</p><ul>{items}</ul>"
        return {"type": "numerical_question", "value": answer(f), "lower": lower, "upper": upper,
                "incorrect": mistakes}
    if isinstance(f, ChoiceField):
        kind = ("true_false_question" if f.truefalse else
                "multiple_answers_question" if f.multiple else "multiple_choice_question")
        return {"type": kind, "choices": _choices(f, lang, canvas_truefalse=True)}
    if isinstance(f, TextField):
        return {"type": "short_answer_question", "accepted": list(f.accepted)}
    raise TypeError(f"not a single value: {f!r}")  # pragma: no cover - _flat never gives a group


def _blank(f: Field, lang: str, blanks: list[dict[str, Any]]) -> str:
    """The ``[bN]`` of one value (its data appended to ``blanks``)."""
    bid = f"b{len(blanks) + 1}"
    if isinstance(f, ChoiceField):
        blanks.append({"id": bid, "choices": _choices(f, lang, start=100 * len(blanks) + 1)})
    elif isinstance(f, TextField):
        blanks.append({"id": bid, "choices": [{"ident": str(100 * len(blanks) + 1 + k), "text": a, "correct": True}
                                              for k, a in enumerate(f.accepted)]})
    return f"[{bid}]"


def _blanks_html(f: Field, lang: str, blanks: list[dict[str, Any]]) -> str:
    """A field as HTML with a ``[bN]`` blank per value (laid out as :func:`moodle.cloze` does)."""
    if not isinstance(f, GroupField):
        return _blank(f, lang, blanks)
    if f.layout == "tuple":
        return "(" + ", ".join(_blanks_html(c, lang, blanks) for c in f.rows[0]) + ")"
    head = ("<thead><tr>" + "".join(f"<th>{inline_html(h)}</th>" for h in f.header) + "</tr></thead>"
            if f.header else "")
    rows = "".join("<tr>" + "".join(f"<td>{_blanks_html(c, lang, blanks)}</td>" for c in row) + "</tr>"
                   for row in f.rows)
    return f"<table>{head}<tbody>{rows}</tbody></table>"


def qti_items(v: Variant, name: str, points: float, lang: str,
              statement_md: str | None = None, solution_md: str | None = None,
              env: Any = None) -> list[dict[str, Any]]:
    """The items of variant ``v`` (one, or a run of one per value: see the module docstring),
    as plain data for :func:`bank_xml` (the statement and solution Markdown may be passed in
    when already rendered)."""
    text = md_to_html(lms_statement(v, lang, env, statement_md))
    sol = solution_md if solution_md is not None else solution(v, lang, env)
    feedback = (f"<p><strong>{TEXTS[lang]['answers']}</strong></p>\n"
                + md_to_html(answers_md(v.parts, lang, v.context.get(DECIMALS))) + "\n" + md_to_html(sol))
    keys, parts = list(v.parts), list(v.parts.values())
    fields = [variant_field(v, k, lang) for k in keys]
    values = [(p, pos, f, g) for p, field in zip(parts, fields) for pos, f, g in _flat(field)]
    base = {"title": name, "ident": ident(name), "points": num(points), "text": text,
            "feedback": feedback, "incorrect": ""}
    if len(values) == 1:
        return [{**base, **_single(values[0][2], lang)}]
    kinds = {type(f) for _, _, f, _ in values}
    single_choices = kinds == {ChoiceField} and not any(f.multiple for _, _, f, _ in values)  # type: ignore[union-attr]
    if single_choices or kinds == {TextField}:
        blanks: list[dict[str, Any]] = []
        lines = "\n".join(f"<p><strong>{inline_html(p.label[lang])}</strong>{colon(lang)} "
                          f"{_blanks_html(field, lang, blanks)}</p>" for p, field in zip(parts, fields))
        kind = "multiple_dropdowns_question" if single_choices else "fill_in_multiple_blanks_question"
        return [{**base, "type": kind, "text": text + "\n" + lines, "blanks": blanks}]
    units: list[tuple[str, Part, tuple[int, ...], Field | None, GroupField | None, int]] = []
    for key, p, field in zip(keys, parts, fields):
        flat = _flat(field)
        if len(flat) > MAX_RUN and any(isinstance(f, NumberField) for _, f, _ in flat):
            units.append((key, p, (), None, None, len(flat)))  # one essay for a big group (a table)
        else:
            units += [(key, p, pos, f, g, 1) for pos, f, g in flat]
    total = sum(u[-1] for u in units)
    items = []
    for key, p, pos, f, g, n in units:
        where = _where(pos, g, lang)
        plain = _where(pos, g, lang, markup=False)
        title = f"{name} · {p.label[lang]}" + (f" [{plain}]" if plain else "")
        asked = (f"<p><strong>{TEXTS[lang]['ask']}{colon(lang)} {inline_html(p.label[lang])}</strong>"
                 + (f" ({where})" if where else "") + "</p>")
        data = _single(f, lang) if f is not None else {"type": "essay_question"}
        if f is None:
            asked += f"<p>{TEXTS[lang]['by_hand'].format(n=n)}</p>"
        items.append({**base, **data, "title": title, "ident": ident(name, key, *map(str, pos)),
                      "points": num(points * n / total), "text": text + "\n" + asked})
    return items


# --------------------------------------------------------------------------- XML
def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _mattext(parent: ET.Element, html_text: str, texttype: str = "text/html") -> None:
    _sub(_sub(parent, "material"), "mattext", html_text, texttype=texttype)


def _meta(parent: ET.Element, fields: list[tuple[str, str]]) -> None:
    md = _sub(parent, "qtimetadata")
    for label, entry in fields:
        f = _sub(md, "qtimetadatafield")
        _sub(f, "fieldlabel", label)
        _sub(f, "fieldentry", entry)


def _feedback_ref(parent: ET.Element, ref: str) -> None:
    rc = _sub(parent, "respcondition", **{"continue": "Yes"})
    _sub(_sub(rc, "conditionvar"), "other")
    _sub(rc, "displayfeedback", feedbacktype="Response", linkrefid=ref)


def _response_lid(parent: ET.Element, rid: str, choices: list[dict[str, Any]], card: str = "Single",
                  label: str | None = None, texttype: str = "text/html") -> None:
    lid = _sub(parent, "response_lid", ident=rid, rcardinality=card)
    if label is not None:
        _mattext(lid, label, "text/plain")
    rc = _sub(lid, "render_choice")
    for c in choices:
        _mattext(_sub(rc, "response_label", ident=c["ident"]),
                 _e(c["text"]) if texttype == "text/html" else c["text"], texttype)


def item_element(q: dict[str, Any]) -> ET.Element:
    """One ``<item>`` in the shape Canvas's QTI export writes (``qti_items.rb``)."""
    kind = q["type"]
    item = ET.Element("item", {"ident": q["ident"], "title": q["title"]})
    _meta(_sub(item, "itemmetadata"), [("question_type", kind), ("points_possible", q["points"])])
    pres = _sub(item, "presentation")
    _mattext(pres, f"<div>{q['text']}</div>")
    if kind == "numerical_question":
        rs = _sub(pres, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(rs, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    elif kind in ("short_answer_question", "essay_question"):
        rs = _sub(pres, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(rs, "render_fib"), "response_label", ident="answer1", rshuffle="No")
    elif kind in ("multiple_choice_question", "true_false_question", "multiple_answers_question"):
        _response_lid(pres, "response1", q["choices"],
                      "Multiple" if kind == "multiple_answers_question" else "Single")
    else:  # fill_in_multiple_blanks_question, multiple_dropdowns_question: one response_lid a blank
        for b in q["blanks"]:  # a text's accepted answers are its "choices", all right
            _response_lid(pres, f"response_{b['id']}", b["choices"], label=b["id"], texttype="text/plain")

    proc = _sub(item, "resprocessing")
    _sub(_sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    _feedback_ref(proc, "general_fb")
    if kind == "numerical_question":
        rc = _sub(proc, "respcondition", **{"continue": "No"})
        alt = _sub(_sub(rc, "conditionvar"), "or")
        _sub(alt, "varequal", q["value"], respident="response1")
        both = _sub(alt, "and")
        _sub(both, "vargte", q["lower"], respident="response1")
        _sub(both, "varlte", q["upper"], respident="response1")
        _sub(rc, "setvar", "100", action="Set", varname="SCORE")
    elif kind in ("multiple_choice_question", "true_false_question"):
        rc = _sub(proc, "respcondition", **{"continue": "No"})
        right = next(c["ident"] for c in q["choices"] if c["correct"])
        _sub(_sub(rc, "conditionvar"), "varequal", right, respident="response1")
        _sub(rc, "setvar", "100", action="Set", varname="SCORE")
    elif kind == "multiple_answers_question":
        rc = _sub(proc, "respcondition", **{"continue": "No"})
        both = _sub(_sub(rc, "conditionvar"), "and")
        for c in q["choices"]:
            target = both if c["correct"] else _sub(both, "not")
            _sub(target, "varequal", c["ident"], respident="response1")
        _sub(rc, "setvar", "100", action="Set", varname="SCORE")
    elif kind == "short_answer_question":
        rc = _sub(proc, "respcondition", **{"continue": "No"})
        cond = _sub(rc, "conditionvar")
        for a in q["accepted"]:
            _sub(cond, "varequal", a, respident="response1")
        _sub(rc, "setvar", "100", action="Set", varname="SCORE")
    elif kind == "essay_question":  # graded by hand
        _sub(_sub(_sub(proc, "respcondition", **{"continue": "No"}), "conditionvar"), "other")
    else:  # each blank adds its share (Canvas's multiple_dropdowns_resprocessing)
        share = f"{100 / len(q['blanks']):.2f}"
        for b in q["blanks"]:
            right = next(c["ident"] for c in b["choices"] if c["correct"])
            rc = _sub(proc, "respcondition")
            _sub(_sub(rc, "conditionvar"), "varequal", right, respident=f"response_{b['id']}")
            _sub(rc, "setvar", share, action="Add", varname="SCORE")
    if q["incorrect"]:
        _feedback_ref(proc, "general_incorrect_fb")

    for fid, html_text in (("general_fb", q["feedback"]), ("general_incorrect_fb", q["incorrect"])):
        if html_text:
            _mattext(_sub(_sub(item, "itemfeedback", ident=fid), "flow_mat"), html_text)
    return item


#: characters XML 1.0 forbids (ElementTree writes them as they are, making the file unreadable)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _NOT_XML.sub("", text) + "\n"


def bank_xml(bank_ident: str, title: str, items: list[dict[str, Any]]) -> str:
    """One question bank: a ``<questestinterop>`` holding an ``<objectbank>`` of ``items``."""
    root = ET.Element("questestinterop", {"xmlns": QTI_NS, "xmlns:xsi": XSI_NS,
                                          "xsi:schemaLocation": f"{QTI_NS} {QTI_XSD}"})
    bank = _sub(root, "objectbank", ident=bank_ident)
    _meta(bank, [("bank_title", title)])
    for q in items:
        bank.append(item_element(q))
    return _xml(root)


def manifest_xml(package_ident: str, banks: list[tuple[str, str]]) -> str:
    """``imsmanifest.xml``: one resource per bank file (``(identifier, href)``)."""
    root = ET.Element("manifest", {"identifier": package_ident, "xmlns": CP_NS, "xmlns:xsi": XSI_NS,
                                   "xsi:schemaLocation": f"{CP_NS} {CP_XSD}"})
    meta = _sub(root, "metadata")
    _sub(meta, "schema", "IMS Content")
    _sub(meta, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for rid, href in banks:
        res = _sub(resources, "resource", identifier=rid, type=QTI_RESOURCE, href=href)
        _sub(res, "file", href=href)
    return _xml(root)


# --------------------------------------------------------------------------- the package
def bank_title(exam_title: str, q: PlannedQuestion, lang: str) -> str:
    return f"{exam_title} · Q{q.number:02d} {q.title[lang]}"


def package_files(course_title: str, exam_id: str, exam_title: str, questions: list[PlannedQuestion],
                  students: list[StudentExam], lang: str,
                  items: list[list[list[dict[str, Any]]]] | None = None) -> dict[str, str]:
    """The files of the package, ``{name in the zip: XML}``: one bank per exam question, one
    item (or run of items) per distinct variant. ``items[s][i]``, when given, is
    :func:`qti_items` of student ``s``'s question ``i`` (computed in parallel by
    :mod:`course.documents.exam`)."""
    files: dict[str, str] = {}
    banks: list[tuple[str, str]] = []
    for i, q in enumerate(questions):
        found: list[dict[str, Any]] = []
        for s in distinct_variants(students, i):
            found += (items[s][i] if items is not None
                      else qti_items(students[s].variants[i], question_name(exam_id, q, students[s].sid),
                                     q.points, lang))
        bid = ident(exam_id, q.key)
        href = f"{exam_id}-Q{q.number:02d}.xml"
        files[href] = bank_xml(bid, bank_title(exam_title, q, lang), found)
        banks.append((bid, href))
    files["imsmanifest.xml"] = manifest_xml(ident(course_title, exam_id), banks)
    return files


def zip_bytes(files: dict[str, str]) -> bytes:
    """A zip of ``files`` whose bytes depend only on them (fixed times, sorted, the manifest first)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(files, key=lambda n: (n != "imsmanifest.xml", n)):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, files[name].encode("utf-8"), compresslevel=9)
    return buf.getvalue()


def package(course_title: str, exam_id: str, exam_title: str, questions: list[PlannedQuestion],
            students: list[StudentExam], lang: str,
            items: list[list[list[dict[str, Any]]]] | None = None) -> bytes:
    """``OUT/qti/<exam>.zip``: see the module docstring."""
    return zip_bytes(package_files(course_title, exam_id, exam_title, questions, students, lang, items))
