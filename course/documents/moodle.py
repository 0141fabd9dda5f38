"""Moodle XML question bank of an exam (``course exam NAME --format moodle``).

Per exam question, one *category* (``$course$/top/<exam title>/<n>. <exercise>``) holding
one question per distinct variant (students who drew identical parameters share one), so
that a Moodle quiz's "random question from category" gives each student a variant.

Question types, from the LMS field each part's check gives (``Check.lms_field``, DESIGN rule 5),
as :func:`variant_field` shows it:

- one number (:class:`NumberField`): ``numerical``, written with the decimals the statement asks
  (0.9610 for 4 decimals, not 16 digits: :func:`~course.generator.checks.at_precision`) and the
  check's absolute tolerance (0 for integers, one unit of the last asked decimal for numbers);
  every named misconception is an extra answer worth 0 % whose feedback explains the mistake.
  The accepted interval is centred on the rounded answer: the answer rounded as asked is
  accepted, every mistake (at least two units away: the separation rule of
  :mod:`course.generator.precision`) is not; a value a little more than one unit from the exact
  answer but within one unit of the rounded one is accepted here and not by the grader;
- one true/false choice, or a quiz question whose options are Vrai / Faux: ``truefalse``; one
  other choice: ``multichoice`` (``single`` false when several options are right), whose answers
  are the options' *texts* (the variant's ``context["options"]``, not the letters A-D), shuffled,
  each wrong one with its reason as feedback; the statement is the template's ``lms_statement``
  block when it has one (the question without its lettered list);
- one text (:class:`TextField`): ``shortanswer`` (``*`` escaped); a symbolic answer lists the
  texts students write for the same expression (:func:`~course.generator.checks.symbolic.written_forms`:
  sums in any order, three spacings), every one worth 100 %: Moodle's shortanswer compares
  strings (trimmed, case ignored), and its regular-expression short answer is a plugin
  (qtype_regexp), not part of Moodle, so a bank that needs it would not import everywhere;
- several parts, or a group of fields (shape, array, table): ``cloze`` (multianswer) with one
  embedded NUMERICAL / MULTICHOICE / MULTIRESPONSE / SHORTANSWER field per value. A table with a
  layout (``context["lms_tables"]``, :data:`~course.generator.checks.table.LMS_TABLES`: the
  perceptron's) is one table per epoch, the iteration and the observation printed and the
  weights before each iteration (those after the previous one) not asked: 5 fields an
  iteration instead of 12. It stays one question (a category holds one question per variant,
  and a quiz draws one question per slot, so the epochs cannot be questions of their own).

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
from dataclasses import replace
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2

from course.base.i18n import colon
from course.documents.keys import answers_md
from course.documents.mdlatex import Block, parse, render_inline
from course.generator.base import Part, Variant
from course.generator.checks import (
    ChoiceField,
    Field,
    GroupField,
    NumberField,
    TextField,
    at_precision,
)
from course.generator.checks.boolean import WORDS
from course.generator.checks.table import LMS_TABLES
from course.generator.precision import DECIMALS
from course.generator.render import fmt, lms_statement, solution

if TYPE_CHECKING:
    from course.documents.exam import StudentExam
    from course.planning.plan import PlannedQuestion

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
def num(x: Any, decimals: int | None = None) -> str:
    """A number as Moodle reads it: with exactly ``decimals`` decimals when given (a value asked
    with 4 decimals is written 0.9610), else as Python's ``float()`` reads it back exactly."""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    if decimals is not None:
        return f"{float(x):.{decimals}f}"
    return repr(float(x))


def answer(f: NumberField) -> str:
    """The answer of a numerical field, as the statement asks it (:func:`at_precision`)."""
    return num(f.value, f.decimals)


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


def cloze(f: Field) -> str:
    """An LMS field as HTML with embedded cloze (multianswer) subquestions."""
    if isinstance(f, NumberField):
        alts = [f"={answer(f)}:{num(f.tolerance)}"]
        alts += [f"%0%{num(v, f.decimals)}:{num(f.tolerance)}#{_cloze_text(inline_html(fb))}"
                 for v, fb in f.wrong]
        return "{1:NUMERICAL:" + "~".join(alts) + "}"
    if isinstance(f, ChoiceField):
        kind = "MULTIRESPONSE" if f.multiple else "MULTICHOICE"
        texts = f.texts or f.options
        why = f.feedback or ("",) * len(f.options)
        return "{1:" + kind + ":" + "~".join(
            ("=" if o in f.correct else "") + _cloze_text(inline_html(t) if f.texts else t)
            + (f"#{_cloze_text(inline_html(w))}" if w else "")
            for o, t, w in zip(f.options, texts, why)) + "}"
    if isinstance(f, TextField):
        return "{1:SHORTANSWER:" + "~".join("=" + _cloze_text(_shortanswer(a)) for a in f.accepted) + "}"
    if f.layout == "tuple":
        return "(" + ", ".join(cloze(c) for c in f.rows[0]) + ")"
    head = ("<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in f.header) + "</tr></thead>"
            if f.header else "")
    rows = "".join("<tr>" + "".join(f"<td>{cloze(c)}</td>" for c in row) + "</tr>" for row in f.rows)
    return f'<table class="table table-sm">{head}<tbody>{rows}</tbody></table>'


def _field(part: Part, lang: str) -> Field:
    wrong = tuple((m.value, m.explanation[lang]) for m in part.misconceptions)
    return part.check.lms_field(part.answer, lang, wrong)


def option_texts(v: Variant, lang: str) -> dict[str, str]:
    """``{label: text}`` of the options a variant shows beside their labels (``context["options"]``:
    ``[{"letter", "fr", "en"}, ...]``, as concept-quiz writes them); empty when it shows none."""
    options = v.context.get("options")
    if not isinstance(options, list):
        return {}
    return {o["letter"]: o[lang] for o in options
            if isinstance(o, dict) and isinstance(o.get("letter"), str) and isinstance(o.get(lang), str)}


def variant_field(v: Variant, key: str, lang: str) -> Field:
    """The LMS field of part ``key`` of ``v``, as an LMS bank shows it: numbers with the decimals
    the statement asks (:func:`~course.generator.checks.at_precision`, not 16 digits), and a
    choice among labelled options with the options' texts (an answer reads "LSTM", not "A"; a
    "Vrai"/"Faux" pair is a true/false question)."""
    f = at_precision(_field(v.parts[key], lang), v.context.get(DECIMALS, {}).get(key))
    if isinstance(f, ChoiceField) and not f.texts:
        texts = option_texts(v, lang)
        if f.options and all(o in texts for o in f.options):
            shown = tuple(texts[o] for o in f.options)
            if not f.multiple and shown == (WORDS[lang][True], WORDS[lang][False]):
                return ChoiceField(shown, tuple(texts[o] for o in f.correct), truefalse=True)
            return replace(f, texts=shown)
    return f


def _lms_table(v: Variant, key: str, f: Field, lang: str) -> str | None:
    """A table part laid out for filling in online (``context["lms_tables"]``, see
    :data:`~course.generator.checks.table.LMS_TABLES`): the given columns printed, the omitted
    ones left out, the rows cut into captioned tables (one per epoch); None without a layout."""
    layout = (v.context.get(LMS_TABLES) or {}).get(key)
    if not layout or not isinstance(f, GroupField) or f.layout != "table":
        return None
    given, omit = set(layout.get("given", [])), set(layout.get("omit", []))
    keep = [j for j in range(len(f.header) or len(f.rows[0])) if j not in omit]
    answer_rows = v.parts[key].answer
    head = ("<thead><tr>" + "".join(f"<th>{_e(f.header[j])}</th>" for j in keep) + "</tr></thead>"
            if f.header else "")

    def row(i: int) -> str:
        cells = [(_e(fmt(answer_rows[i][j])) if j in given else cloze(f.rows[i][j])) for j in keep]
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

    group = layout.get("group") or {}
    size = int(group.get("rows") or len(f.rows))
    out = [f"<p>{inline_html(layout['note'][lang])}</p>"] if layout.get("note") else []
    for k, start in enumerate(range(0, len(f.rows), size), start=1):
        if group.get("label"):
            out.append(f"<p><em>{_e(group['label'][lang].format(k=k))}</em></p>")
        out.append(f'<table class="table table-sm">{head}<tbody>'
                   + "".join(row(i) for i in range(start, min(start + size, len(f.rows))))
                   + "</tbody></table>")
    return "\n".join(out)


# --------------------------------------------------------------------------- questions
def moodle_question(v: Variant, name: str, points: float, lang: str,
                    statement_md: str | None = None, solution_md: str | None = None,
                    env: Any = None) -> dict[str, Any]:
    """The template data of one Moodle question for variant ``v`` (the statement and
    solution Markdown may be passed in when already rendered)."""
    text = md_to_html(lms_statement(v, lang, env, statement_md))
    head = "Réponses" if lang == "fr" else "Answers"
    sol = solution_md if solution_md is not None else solution(v, lang, env)
    feedback = (f"<p><strong>{head}</strong></p>\n" + md_to_html(answers_md(v.parts, lang, v.context.get(DECIMALS)))
                + "\n" + md_to_html(sol))
    q: dict[str, Any] = {"name": name, "text": text, "feedback": feedback, "grade": num(points)}
    parts = list(v.parts.values())
    f = variant_field(v, next(iter(v.parts)), lang) if len(parts) == 1 else None
    if isinstance(f, NumberField):
        answers = [{"fraction": "100", "text": answer(f), "tolerance": num(f.tolerance), "feedback": ""}]
        answers += [{"fraction": "0", "text": num(w, f.decimals), "tolerance": num(f.tolerance),
                     "feedback": md_to_html(fb)} for w, fb in f.wrong]
        q.update(type="numerical", answers=answers)
    elif isinstance(f, ChoiceField) and f.truefalse:
        truth = f.correct[0] == WORDS[lang][True]
        q.update(type="truefalse", answers=[
            {"fraction": "100" if truth else "0", "text": "true", "feedback": ""},
            {"fraction": "0" if truth else "100", "text": "false", "feedback": ""}])
    elif isinstance(f, ChoiceField):
        wrong = [o for o in f.options if o not in f.correct]
        why = f.feedback or ("",) * len(f.options)
        answers = []
        for o, t, w in zip(f.options, f.texts or f.options, why):
            if o in f.correct:
                frac = grade(1 / len(f.correct))
            else:
                frac = "0" if not f.multiple or not wrong else grade(-1 / len(wrong))
            answers.append({"fraction": frac, "text": inline_html(t) if f.texts else _e(o),
                            "feedback": md_to_html(w) if w else ""})
        q.update(type="multichoice", single="false" if f.multiple else "true", answers=answers)
    elif isinstance(f, TextField):
        q.update(type="shortanswer", answers=[
            {"fraction": "100", "text": _shortanswer(a), "feedback": ""} for a in f.accepted])
    else:
        lines = []
        for key, p in v.parts.items():
            pf = variant_field(v, key, lang)
            table = _lms_table(v, key, pf, lang)
            label = f"<p><strong>{_e(p.label[lang])}</strong>{colon(lang)}"
            lines.append(label + "</p>\n" + table if table is not None else f"{label} {cloze(pf)}</p>")
        q.update(type="cloze", text=text + "\n" + "\n".join(lines))
    return q


@cache
def _env() -> jinja2.Environment:
    root = resources.files("course.templates")
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(root)),
                              undefined=jinja2.StrictUndefined, autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def question_name(exam_id: str, q: PlannedQuestion, sid: str) -> str:
    """``<exam> Q<n> <exercise key> <student>``: traces a question back to the manifest."""
    return f"{exam_id} Q{q.number} {q.key} {sid}"


def distinct_variants(students: list[StudentExam], i: int) -> list[int]:
    """The students (indexes, in roster order) whose variant of question ``i`` is the first with
    its parameters: a bank holds one question per distinct variant."""
    seen: set[str] = set()
    first: list[int] = []
    for s, st in enumerate(students):
        key = json.dumps(st.variants[i].params, sort_keys=True)
        if key not in seen:
            seen.add(key)
            first.append(s)
    return first


def quiz_xml(course_title: str, exam_id: str, exam_title: str, questions: list[PlannedQuestion],
             students: list[StudentExam], lang: str,
             items: list[list[dict[str, Any]]] | None = None) -> str:
    """The Moodle XML of an exam: one category per question, one question per distinct
    variant. ``items[s][i]``, when given, is :func:`moodle_question` of student ``s``'s
    question ``i`` (computed in parallel by :mod:`course.documents.exam`)."""
    categories = []
    for i, q in enumerate(questions):
        found = [items[s][i] if items is not None
                 else moodle_question(students[s].variants[i], question_name(exam_id, q, students[s].sid),
                                      q.points, lang)
                 for s in distinct_variants(students, i)]
        names = [course_title, exam_title, f"Q{q.number:02d} {q.title[lang]}"]
        path = "$course$/top/" + "/".join(n.replace("/", "//") for n in names)
        categories.append({"path": path,
                           "info": f"{q.key} ({q.family}), {len(found)} variants",
                           "questions": found})
    return _env().get_template("moodle/quiz.xml.j2").render(categories=categories)


