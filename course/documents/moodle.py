"""Moodle XML question bank of an exam (``course exam NAME --format moodle``).

Per exam question, one *category* (``$course$/top/<exam title>/<n>. <exercise>``) holding
one question per distinct variant (students who drew identical parameters share one), so
that a Moodle quiz's "random question from category" gives each student a variant.

Question types, from the parts' checks (DESIGN rule 5):

- one ``int``/``float`` part: ``numerical``; tolerance 0 for integers and
  ``max(atol, rtol |answer|)`` for floats (Moodle's nominal, absolute tolerance); every
  named misconception is an extra answer worth 0 % whose feedback explains the mistake;
- one ``choice`` part: ``multichoice`` (``single`` false when several options are right);
- one ``bool`` part: ``truefalse``;
- one ``symbolic`` part: ``shortanswer`` (the expected expression; ``*`` escaped);
- several parts, or one array/shape/table part: ``cloze`` (multianswer) with one embedded
  NUMERICAL / MULTICHOICE / MULTIRESPONSE / SHORTANSWER field per value.

The worked solution (with the answers) is the general feedback. Text is HTML with math
as ``\\(..\\)`` and ``\\[..\\]`` (Moodle's MathJax filter). Only elements and attributes
read by Moodle's importer (``question/format/xml/format.php``: import_headers,
import_numerical, import_multichoice, import_truefalse, import_shortanswer,
import_multianswer, import_category) are written; answer fractions are from Moodle's
list of allowed grades (``question_bank::fraction_options_full``).
"""

from __future__ import annotations

import html
import json
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2

from course.documents.keys import WORDS, answers_md
from course.documents.mdlatex import Block, parse, render_inline
from course.generator.base import Part, Variant
from course.generator.checks import ArrayCheck, FloatCheck, TableCheck
from course.generator.render import solution, statement

if TYPE_CHECKING:
    from course.documents.exam import Question, StudentExam

#: Moodle's allowed answer grades, in percent (question_bank::fraction_options_full).
MOODLE_GRADES = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
                 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0)


# --------------------------------------------------------------------------- Markdown -> HTML
def _e(text: str) -> str:
    return html.escape(text, quote=False)


@lru_cache(maxsize=1 << 16)
def inline_html(text: str) -> str:
    """Inline Markdown to HTML; math becomes ``\\(..\\)`` (HTML-escaped, otherwise intact)."""
    return render_inline(text, escape=_e, math=lambda m: r"\(" + _e(m) + r"\)",
                         display=lambda m: r"\[" + _e(m) + r"\]",
                         code=lambda c: "<code>" + _e(c) + "</code>",
                         bold=lambda s: "<strong>" + s + "</strong>",
                         italic=lambda s: "<em>" + s + "</em>")


def _html_blocks(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if b.kind == "para":
            out.append("<p>" + inline_html(b.text).replace("\n", " ") + "</p>")
        elif b.kind == "math":
            out.append(r"<p>\[" + _e(b.text) + r"\]</p>")
        elif b.kind == "code":
            out.append("<pre><code>" + _e(b.text) + "</code></pre>")
        elif b.kind == "heading":
            out.append(f"<h{min(6, b.level + 2)}>" + inline_html(b.text) + f"</h{min(6, b.level + 2)}>")
        elif b.kind == "table":
            style = {"l": "left", "c": "center", "r": "right"}
            head = "".join(f'<th style="text-align:{style[a]}">{inline_html(c)}</th>'
                           for c, a in zip(b.header, b.align))
            rows = "".join("<tr>" + "".join(f'<td style="text-align:{style[a]}">{inline_html(c)}</td>'
                                            for c, a in zip(r, b.align)) + "</tr>" for r in b.rows)
            out.append(f'<table class="table table-sm"><thead><tr>{head}</tr></thead>'
                       f"<tbody>{rows}</tbody></table>")
        elif b.kind == "list":
            tag = "ol" if b.ordered else "ul"
            items = "".join("<li>" + _html_blocks(it) + "</li>" for it in b.items)
            out.append(f"<{tag}>{items}</{tag}>")
    return "\n".join(out)


@lru_cache(maxsize=1 << 14)
def md_to_html(md: str) -> str:
    """Markdown (the subset of :mod:`course.documents.mdlatex`) to HTML for Moodle."""
    return _html_blocks(parse(md))


# --------------------------------------------------------------------------- answers
def num(x: Any) -> str:
    """A number as Moodle reads it (and as Python's ``float()`` reads it back exactly)."""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    return repr(float(x))


def float_tolerance(check: Any, expected: float) -> float:
    """Moodle's absolute tolerance equivalent to the check's relabs tolerance."""
    if isinstance(check, FloatCheck):
        return max(check.atol, check.rtol * abs(float(expected)))
    if isinstance(check, (ArrayCheck, TableCheck)):  # element-wise
        if isinstance(check, TableCheck):
            return max(check.atol, check.rtol * abs(float(expected)))
        return check.atol + check.rtol * abs(float(expected))
    return 0.0


def grade(fraction: float) -> str:
    """``fraction`` (-1..1) as one of Moodle's allowed percentages; error if none matches."""
    pct = 100 * fraction
    for g in MOODLE_GRADES:
        if abs(abs(pct) - g) < 1e-3:
            return str(g) if pct >= 0 or g == 0 else f"-{g}"
    raise ValueError(f"{pct}% is not a grade Moodle accepts")


def _cloze_text(text: str) -> str:
    """Escape a cloze answer/feedback: ``}``, ``#``, ``~`` end a field in Moodle's parser."""
    return text.replace("}", "\\}").replace("#", "\\#").replace("~", "\u223c")


def _shortanswer(text: str) -> str:
    return text.replace("*", "\\*")


def _cloze_numeric(value: Any, tol: float, misconceptions: list[tuple[Any, str]] | None = None) -> str:
    alts = [f"={num(value)}:{num(tol)}"]
    alts += [f"%0%{num(v)}:{num(tol)}#{_cloze_text(inline_html(fb))}" for v, fb in misconceptions or []]
    return "{1:NUMERICAL:" + "~".join(alts) + "}"


def _cloze_part(part: Part, lang: str) -> str:
    """The HTML with embedded cloze fields for one part."""
    c, v, kind = part.check, part.answer, part.check.kind
    if kind in ("int", "float"):
        tol = 0 if kind == "int" else float_tolerance(c, v)
        mis = [(m.value, m.explanation[lang]) for m in part.misconceptions
               if isinstance(m.value, (int, float)) and not isinstance(m.value, bool)]
        return _cloze_numeric(v, tol, mis)
    if kind == "bool":
        w = WORDS[lang]
        right, wrong = w[bool(v)], w[not bool(v)]
        return "{1:MULTICHOICE:=" + right + "~" + wrong + "}"
    if kind == "choice":
        opts = list(getattr(c, "options", ()))
        right = {v} if isinstance(v, str) else set(v)
        opts = opts or sorted(right)
        kind_ = "MULTICHOICE" if isinstance(v, str) else "MULTIRESPONSE"
        return "{1:" + kind_ + ":" + "~".join(("=" if o in right else "") + _cloze_text(o)
                                            for o in opts) + "}"
    if kind == "symbolic":
        return "{1:SHORTANSWER:=" + _cloze_text(_shortanswer(str(v))) + "}"
    if kind == "shape":
        return "(" + ", ".join(_cloze_numeric(int(x), 0) for x in v) + ")"
    if kind == "array":
        if isinstance(v, list) and v and isinstance(v[0], list):
            rows = "".join("<tr>" + "".join(f"<td>{_cloze_numeric(x, float_tolerance(c, x))}</td>"
                                            for x in row) + "</tr>" for row in v)
            return f'<table class="table table-sm"><tbody>{rows}</tbody></table>'
        if isinstance(v, list):
            return "(" + ", ".join(_cloze_numeric(x, float_tolerance(c, x)) for x in v) + ")"
        return _cloze_numeric(v, float_tolerance(c, v))
    if kind == "table":
        cols = list(getattr(c, "columns", ()))
        head = "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in cols) + "</tr></thead>" if cols else ""
        cells = []
        for row in v:
            tds = []
            for x in row:
                if isinstance(x, (int, float)) and not isinstance(x, bool):
                    tds.append(f"<td>{_cloze_numeric(x, float_tolerance(c, x))}</td>")
                else:
                    tds.append("<td>{1:SHORTANSWER:=" + _cloze_text(_shortanswer(str(x))) + "}</td>")
            cells.append("<tr>" + "".join(tds) + "</tr>")
        return f'<table class="table table-sm">{head}<tbody>{"".join(cells)}</tbody></table>'
    return "{1:SHORTANSWER:=" + _cloze_text(_shortanswer(json.dumps(v))) + "}"


# --------------------------------------------------------------------------- questions
def moodle_question(v: Variant, name: str, points: float, lang: str,
                    statement_md: str | None = None, solution_md: str | None = None) -> dict[str, Any]:
    """The template data of one Moodle question for variant ``v`` (the statement and
    solution Markdown may be passed in when already rendered)."""
    text = md_to_html(statement_md if statement_md is not None else statement(v, lang))
    head = "Réponses" if lang == "fr" else "Answers"
    sol = solution_md if solution_md is not None else solution(v, lang)
    feedback = (f"<p><strong>{head}</strong></p>\n" + md_to_html(answers_md(v.parts, lang))
                + "\n" + md_to_html(sol))
    q: dict[str, Any] = {"name": name, "text": text, "feedback": feedback, "grade": num(points)}
    parts = list(v.parts.values())
    only = parts[0] if len(parts) == 1 else None
    kind = only.check.kind if only else None
    if only is not None and kind in ("int", "float"):
        tol = 0 if kind == "int" else float_tolerance(only.check, only.answer)
        answers = [{"fraction": "100", "text": num(only.answer), "tolerance": num(tol), "feedback": ""}]
        answers += [{"fraction": "0", "text": num(m.value), "tolerance": num(tol),
                     "feedback": md_to_html(m.explanation[lang])}
                    for m in only.misconceptions
                    if isinstance(m.value, (int, float)) and not isinstance(m.value, bool)]
        q.update(type="numerical", answers=answers)
    elif only is not None and kind == "choice":
        opts = list(getattr(only.check, "options", ()))
        right = [only.answer] if isinstance(only.answer, str) else list(only.answer)
        opts = opts or sorted(right)
        wrong = [o for o in opts if o not in right]
        single = isinstance(only.answer, str)
        answers = []
        for o in opts:
            if o in right:
                frac = grade(1 / len(right))
            else:
                frac = "0" if single or not wrong else grade(-1 / len(wrong))
            answers.append({"fraction": frac, "text": _e(o), "feedback": ""})
        q.update(type="multichoice", single="true" if single else "false", answers=answers)
    elif only is not None and kind == "bool":
        q.update(type="truefalse", answers=[
            {"fraction": "100" if bool(only.answer) else "0", "text": "true", "feedback": ""},
            {"fraction": "0" if bool(only.answer) else "100", "text": "false", "feedback": ""}])
    elif only is not None and kind == "symbolic":
        q.update(type="shortanswer", answers=[
            {"fraction": "100", "text": _shortanswer(str(only.answer)), "feedback": ""}])
    else:
        colon = " :" if lang == "fr" else ":"
        fields = "\n".join(f"<p><strong>{_e(p.label[lang])}</strong>{colon} {_cloze_part(p, lang)}</p>"
                           for p in parts)
        q.update(type="cloze", text=text + "\n" + fields)
    return q


@cache
def _env() -> jinja2.Environment:
    root = resources.files("course.templates")
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(root)),
                              undefined=jinja2.StrictUndefined, autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def question_name(exam_id: str, q: Question, sid: str) -> str:
    """``<exam> Q<n> <exercise key> <student>``: traces a question back to the manifest."""
    return f"{exam_id} Q{q.number} {q.key} {sid}"


def quiz_xml(course_title: str, exam_id: str, exam_title: str, questions: list[Question],
             students: list[StudentExam], lang: str,
             items: list[list[dict[str, Any]]] | None = None) -> str:
    """The Moodle XML of an exam: one category per question, one question per distinct
    variant. ``items[s][i]``, when given, is :func:`moodle_question` of student ``s``'s
    question ``i`` (computed in parallel by :mod:`course.documents.exam`)."""
    categories = []
    for i, q in enumerate(questions):
        seen: set[str] = set()
        found: list[dict[str, Any]] = []
        for s, st in enumerate(students):
            v = st.variants[i]
            ident = json.dumps(v.params, sort_keys=True)
            if ident in seen:
                continue
            seen.add(ident)
            found.append(items[s][i] if items is not None
                         else moodle_question(v, question_name(exam_id, q, st.sid), q.points, lang))
        names = [course_title, exam_title, f"Q{q.number:02d} {q.title[lang]}"]
        path = "$course$/top/" + "/".join(n.replace("/", "//") for n in names)
        categories.append({"path": path,
                           "info": f"{q.key} ({q.family}), {len(found)} variants",
                           "questions": found})
    return _env().get_template("moodle/quiz.xml.j2").render(categories=categories)


