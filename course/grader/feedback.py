"""Each student's feedback, in the course language, as Markdown (``feedback/<student>.md``) and
HTML (``.html``): the status, when it was handed in and what lateness cost, each question's
points with what passed and why each item failed (a named mistake explained; never an expected
value), the instructor's overrides with their reasons. Text a student controls is inert in
both forms (:func:`md_escape`). The HTML page has the report's style
(:func:`course.grader.page.html_page`); passed and failed items are marked with ✓ and ✗ and
said in words (no emoji: the page must render with any system font)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from course.base.i18n import colon, pick
from course.base.plain import printable

from .gradebook import Row
from .grading import STATUS_TEXT
from .intake import time_text
from .page import html_page

T = {
    "points": {"fr": "points", "en": "points"},
    "passed": {"fr": "réussi", "en": "passed"},
    "failed": {"fr": "échoué", "en": "failed"},
    "restored": {"fr": "Cellules verrouillées modifiées ou supprimées, restaurées depuis l'original :",
                 "en": "Locked cells that were modified or deleted, restored from the original:"},
    "total": {"fr": "Total", "en": "Total"},
    "raw": {"fr": "Points avant pénalité", "en": "Points before the penalty"},
    "status": {"fr": "Statut", "en": "Status"},
    "handed": {"fr": "Remis", "en": "Handed in"},
    "late": {"fr": "Retard", "en": "Lateness"},
    "override": {"fr": "Ajustement de l'enseignant", "en": "Instructor's adjustment"},
    "adjusted": {"fr": "ajusté par l'enseignant", "en": "adjusted by the instructor"},
    "misconception": {"fr": "erreur classique reconnue", "en": "known mistake recognised"},
    "cell": {"fr": "Cellule de réponse", "en": "Answer cell"},
    "magics": {"fr": "commandes magiques/shell ignorées", "en": "magics/shell commands ignored"},
    "files": {"fr": "Autres fichiers remis, non corrigés", "en": "Other files handed in, not graded"},
}

#: the marks of a passed and a failed item (in DejaVu Sans, Segoe UI Symbol, Apple's fonts)
PASS_MARK, FAIL_MARK = "✓", "✗"

#: CommonMark's escapable ASCII punctuation: a backslash before each makes it a literal
MD_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def md_escape(text: str) -> str:
    """Text a student controls (an exception message, a file name) as literal Markdown: every
    ASCII punctuation character is backslash-escaped, so that no link, image, autolink, HTML
    or emphasis of the student's survives in a feedback .md, whatever renders it."""
    return "".join("\\" + c if c in MD_PUNCT else c for c in printable(text))


def _line(label: str, value: str, lang: str) -> str:
    return f"**{label}**{colon(lang)} {value}"


def feedback_md(row: Row, assignment: str, lang: str, due: datetime | None = None) -> str:
    """The feedback of one gradebook row (a student's), in ``lang``; times are shown in the
    time zone of ``due`` (the assignment's due date) when given."""
    rec = row.record
    lines = [f"# {assignment} - {row.student}", ""]
    st = STATUS_TEXT.get(row.status, {}).get(lang, row.status)
    if rec is None and row.files:
        why = pick(row.files[0].detail, lang)
        st += f" ({md_escape(why)})" if why else ""
    lines += [_line(T["status"][lang], st, lang), ""]
    if rec is not None and rec.submitted_at is not None and row.lateness is not None:
        from .late import iso

        how = time_text(rec.time_source, lang)
        lines += [_line(T["handed"][lang], f"{iso(rec.submitted_at, due)} ({md_escape(how)})", lang), ""]
    if row.lateness is not None and row.lateness.late:
        lines += [_line(T["late"][lang], row.lateness.text()[lang], lang), ""]
    if row.penalty:
        lines += [_line(T["raw"][lang], f"{row.raw_total:g} / {row.max_points:g}", lang), ""]
    lines += [_line(T["total"][lang], f"{row.total:g} / {row.max_points:g}", lang), ""]
    for o in row.overrides:
        lines += [f"- {T['override'][lang]}{colon(lang)} {o.describe()} — {md_escape(o.reason)}"]
    if row.overrides:
        lines.append("")
    if rec is not None and rec.restored:
        lines += [T["restored"][lang], "", *[f"- `{c}`" for c in rec.restored], ""]
    for q in rec.questions if rec is not None else []:
        title = q.title.get(lang, q.id)
        shown = row.questions.get(q.id, q.points)
        adjusted = f", {T['adjusted'][lang]}" if any(o.question == q.id for o in row.overrides) else ""
        lines += [f"## {q.id} - {title} ({shown:g} / {q.max_points:g} {T['points'][lang]}{adjusted})", ""]
        cell = q.cell
        if cell and not cell.get("ok") and cell.get("why"):
            lines.append(f"- {T['cell'][lang]}{colon(lang)} {md_escape(cell['why'][lang])}")
        if cell and cell.get("magics"):
            lines.append(f"- {T['magics'][lang]} ({cell['magics']})")
        for it in q.items:
            text = (it.text or {}).get(lang, "")
            name = it.name + (f" ({text})" if text else "")
            if it.ok:
                lines.append(f"- {PASS_MARK} {name}{colon(lang)} {T['passed'][lang]}")
            else:
                why = md_escape((it.why or {}).get(lang, ""))
                extra = f" [{T['misconception'][lang]}]" if it.misconception else ""
                lines.append(f"- {FAIL_MARK} {name}{colon(lang)} {T['failed'][lang]} — {why}{extra}")
        lines.append("")
    others = [r for r in row.files if r is not rec]
    if others:
        lines += [T["files"][lang] + colon(lang), ""]
        lines += [f"- {md_escape(r.file)}{colon(lang)} {STATUS_TEXT.get(r.status, {}).get(lang, r.status)}"
                  for r in others]
        lines.append("")
    return "\n".join(lines)


def inline_html(text: str) -> str:
    """One line of our Markdown as HTML: ``**bold**``, ```code```, and backslash escapes (a
    student's text is escaped by :func:`md_escape`; its characters are shown, never obeyed)."""
    out, bold, code, i = [], False, False, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in MD_PUNCT:
            out.append(html.escape(text[i + 1]))
            i += 2
            continue
        if text.startswith("**", i) and not code:
            out.append("</b>" if bold else "<b>")
            bold = not bold
            i += 2
            continue
        if c == "`":
            out.append("</code>" if code else "<code>")
            code = not code
        else:
            out.append(html.escape(c))
        i += 1
    return "".join(out) + ("</code>" if code else "") + ("</b>" if bold else "")


def md_to_html(md: str, title: str, lang: str = "en") -> str:
    """Our feedback Markdown (headings, paragraphs, bullet lists) as a self-contained page in
    the grader's style (a passed item's line has the class ``pass``, a failed one ``fail``)."""
    body: list[str] = []
    in_list = False
    for line in md.split("\n"):
        if line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            kind = {PASS_MARK: "pass", FAIL_MARK: "fail"}.get(line[2:3])
            if kind is not None and line[3:4] == " ":
                body.append(f"<li class='{kind}'><span class='mark'>{line[2]}</span> {inline_html(line[4:])}</li>")
            else:
                body.append(f"<li>{inline_html(line[2:])}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        if line.startswith("## "):
            body.append(f"<h2>{inline_html(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{inline_html(line[2:])}</h1>")
        elif line.strip():
            body.append(f"<p>{inline_html(line)}</p>")
    if in_list:
        body.append("</ul>")
    return html_page(title, "\n".join(body), lang, kind="feedback")


def results_json(row: Row, lang: str) -> dict[str, Any]:
    """Gradescope's results.json of a row: score, tests (name, score, max_score, status, output)."""
    tests = []
    rec = row.record
    for q in rec.questions if rec is not None else []:
        for it in q.items:
            out = "" if it.ok else (it.why or {}).get(lang, "")
            tests.append({"name": f"{q.id} - {it.name}", "score": round(it.points, 4),
                          "max_score": round(it.max, 4), "status": "passed" if it.ok else "failed",
                          "output": out, "visibility": "visible"})
    res: dict[str, Any] = {"score": row.total, "tests": tests, "visibility": "visible",
                           "extra_data": {"status": row.status, "max_score": row.max_points,
                                          "raw_total": row.raw_total, "late_penalty": row.penalty,
                                          "restored_cells": rec.restored if rec else []}}
    if row.status not in ("graded", "late"):
        res["output"] = STATUS_TEXT.get(row.status, {}).get(lang, row.status)
    return res
