"""Outputs of a batch, rebuilt from the records every time (so a resumed batch writes the same):
``grades.csv``, ``feedback/<student>.md`` and ``.html`` (course language, never an expected
value), ``results/<student>.json`` (Gradescope's results.json shape), ``report.html`` (plots
made with matplotlib's Agg backend, embedded as PNG)."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from course.base.files import atomic_write

from .grading import STATUS_TEXT
from .records import Record

T = {
    "points": {"fr": "points", "en": "points"},
    "passed": {"fr": "réussi", "en": "passed"},
    "failed": {"fr": "échoué", "en": "failed"},
    "restored": {"fr": "Cellules verrouillées modifiées ou supprimées, restaurées depuis l'original :",
                 "en": "Locked cells that were modified or deleted, restored from the original:"},
    "total": {"fr": "Total", "en": "Total"},
    "status": {"fr": "Statut", "en": "Status"},
    "feedback": {"fr": "Retour", "en": "Feedback"},
    "misconception": {"fr": "erreur classique reconnue", "en": "known mistake recognised"},
    "cell": {"fr": "Cellule de réponse", "en": "Answer cell"},
    "magics": {"fr": "commandes magiques/shell ignorées", "en": "magics/shell commands ignored"},
}


def _r(x: float) -> float:
    return round(float(x) + 0.0, 4)


def question_ids(records: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for r in records:
        for q in r.get("questions", []):
            if q["id"] not in ids:
                ids.append(q["id"])
    return ids


def totals(rec: dict[str, Any]) -> tuple[float, float]:
    qs = rec.get("questions", [])
    return _r(sum(q["points"] for q in qs)), _r(sum(q["max_points"] for q in qs))


def _csv_cell(x: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: a file name is the student's choice, and
    ``=HYPERLINK(...)``, ``+cmd|...``, ``-``, ``@`` at the start of a cell run as formulas
    (CSV injection); such cells get a leading apostrophe (OWASP's advice)."""
    if type(x) is str and x[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + x
    return x


def _file_name(name: str) -> str:
    """A submitted file's name as printable UTF-8 text: a name that is not UTF-8 arrives with
    lone surrogates (``os.listdir``), which no UTF-8 output can hold, and control characters
    would reach the terminal; both become ``?``."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in name)


def write_grades_csv(path: Path, records: list[dict[str, Any]], max_points: float) -> None:
    qids = question_ids(records)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "file", *qids, "total", "percent", "status"])
    for rec in sorted(records, key=lambda r: (r.get("student") or "", r["file"])):
        by = {q["id"]: q["points"] for q in rec.get("questions", [])}
        tot, _ = totals(rec)
        pct = 100.0 * tot / max_points if max_points else 0.0
        w.writerow([_csv_cell(c) for c in (rec.get("student") or "", rec["file"])]
                   + [*[_r(by.get(q, 0.0)) for q in qids], tot, round(pct, 2), rec["status"]])
    atomic_write(path, buf.getvalue())


def gradescope(rec: dict[str, Any], lang: str) -> dict[str, Any]:
    """Gradescope's results.json: score, tests (name, score, max_score, status, output)."""
    tests = []
    for q in rec.get("questions", []):
        for it in q["items"]:
            out = "" if it["ok"] else (it.get("why") or {}).get(lang, "")
            tests.append({"name": f"{q['id']} - {it['name']}", "score": _r(it["points"]),
                          "max_score": _r(it["max"]), "status": "passed" if it["ok"] else "failed",
                          "output": out, "visibility": "visible"})
    tot, mx = totals(rec)
    res: dict[str, Any] = {"score": tot, "tests": tests, "visibility": "visible",
                           "extra_data": {"status": rec["status"], "max_score": mx,
                                          "restored_cells": rec.get("restored", [])}}
    if rec["status"] != "graded":
        res["output"] = STATUS_TEXT.get(rec["status"], {}).get(lang, rec["status"])
    return res


#: CommonMark's escapable ASCII punctuation: a backslash before each makes it a literal
_MD_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def md_escape(text: str) -> str:
    """Text a student controls (an exception message, a file name) as literal Markdown: every
    ASCII punctuation character is backslash-escaped, so that no link, image, autolink, HTML
    or emphasis of the student's survives in a feedback .md, whatever renders it."""
    return "".join("\\" + c if c in _MD_PUNCT else c for c in text)


def feedback_md(rec: dict[str, Any], lang: str) -> str:
    tot, mx = totals(rec)
    lines = [f"# {rec.get('assignment') or ''} - {rec.get('student') or md_escape(rec['file'])}", ""]
    st = STATUS_TEXT.get(rec["status"], {}).get(lang, rec["status"])
    lines += [f"**{T['status'][lang]}** : {st}" if lang == "fr" else f"**{T['status'][lang]}**: {st}",
              "", f"**{T['total'][lang]}** : {tot:g} / {mx:g}" if lang == "fr"
              else f"**{T['total'][lang]}**: {tot:g} / {mx:g}", ""]
    if rec.get("restored"):
        lines += [T["restored"][lang], "", *[f"- `{c}`" for c in rec["restored"]], ""]
    for q in rec.get("questions", []):
        title = (q.get("title") or {}).get(lang, q["id"])
        lines += [f"## {q['id']} - {title} ({q['points']:g} / {q['max_points']:g} {T['points'][lang]})", ""]
        cell = q.get("cell")
        if cell and not cell.get("ok") and cell.get("why"):
            lines += [f"- {T['cell'][lang]} : {md_escape(cell['why'][lang])}" if lang == "fr"
                      else f"- {T['cell'][lang]}: {md_escape(cell['why'][lang])}"]
        if cell and cell.get("magics"):
            lines += [f"- {T['magics'][lang]} ({cell['magics']})"]
        for it in q["items"]:
            text = (it.get("text") or {}).get(lang, "")
            name = it["name"] + (f" ({text})" if text else "")
            if it["ok"]:
                lines.append(f"- ✅ {name} : {T['passed'][lang]}" if lang == "fr"
                             else f"- ✅ {name}: {T['passed'][lang]}")
            else:
                why = md_escape((it.get("why") or {}).get(lang, ""))
                sep = " : " if lang == "fr" else ": "
                extra = f" [{T['misconception'][lang]}{sep}{it['misconception']}]" if it.get("misconception") else ""
                lines.append(f"- ❌ {name} : {why}{extra}" if lang == "fr" else f"- ❌ {name}: {why}{extra}")
        lines.append("")
    return "\n".join(lines)


def md_to_html(md: str, title: str) -> str:
    body = []
    in_list = False
    for line in md.split("\n"):
        if line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        if line.startswith("## "):
            body.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line.strip():
            body.append(f"<p>{_inline(line)}</p>")
    if in_list:
        body.append("</ul>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def _inline(text: str) -> str:
    """One line of our Markdown as HTML: ``**bold**``, ```code```, and backslash escapes (a
    student's text is escaped by :func:`md_escape`; its characters are shown, never obeyed)."""
    out, bold, code, i = [], False, False, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in _MD_PUNCT:
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


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def timeouts_in(record: dict[str, Any]) -> int:
    """Answer cells stopped by the time limit plus test cases that ran out of time."""
    n = 0
    for q in record.get("questions", []):
        n += (q.get("cell") or {}).get("gone") == "timeout"
        n += sum("time limit" in (it.get("why") or {}).get("en", "") for it in q["items"])
    return n


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    st = Counter(r["status"] for r in records)
    timeouts = sum(timeouts_in(r) for r in records)
    errors = 0
    for r in records:
        for q in r.get("questions", []):
            for it in q["items"]:
                why = (it.get("why") or {}).get("en", "")
                errors += "process ended" in why or "your code raised" in why
    graded = [r for r in records if r["status"] == "graded"]
    tots = [totals(r)[0] for r in graded]
    return {"notebooks": len(records), "graded": len(graded),
            "failed": sum(v for k, v in st.items() if k != "graded"), "statuses": dict(st),
            "timeouts": timeouts, "errors": errors,
            "mean": round(sum(tots) / len(tots), 3) if tots else 0.0}


def write_report(path: Path, records: list[dict[str, Any]], protections: list[tuple[str, bool, str]],
                 notes: list[str], lang: str, bench: dict[str, Any] | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    graded = [r for r in records if r["status"] == "graded"]
    qids = question_ids(records)
    imgs = []
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist([totals(r)[0] for r in graded] or [0], bins=10, color="#4472c4")
    ax.set_title("Distribution des totaux" if lang == "fr" else "Distribution of totals")
    imgs.append(_png(fig))
    plt.close(fig)
    rate = []
    for q in qids:
        pts = [(qq["points"], qq["max_points"]) for r in graded for qq in r["questions"] if qq["id"] == q]
        rate.append(sum(p for p, _ in pts) / max(1e-9, sum(m for _, m in pts)) if pts else 0.0)
    fig, ax = plt.subplots(figsize=(max(4, len(qids) * 0.6), 3))
    ax.bar(qids or ["-"], rate or [0], color="#70ad47")
    ax.set_ylim(0, 1)
    ax.set_title("Taux de réussite par question" if lang == "fr" else "Success rate per question")
    imgs.append(_png(fig))
    plt.close(fig)
    case_ok: dict[str, list[int]] = {}
    mis: Counter[str] = Counter()
    for r in graded:
        for q in r["questions"]:
            for it in q["items"]:
                case_ok.setdefault(f"{q['id']}:{it['name']}", []).append(int(it["ok"]))
                if it.get("misconception"):
                    mis[f"{q['id']}: {it['misconception']}"] += 1
    names = list(case_ok)[:40]
    fig, ax = plt.subplots(figsize=(6, max(2.5, 0.22 * len(names))))
    ax.barh(names or ["-"], [sum(case_ok[n]) / len(case_ok[n]) for n in names] or [0], color="#ed7d31")
    ax.set_xlim(0, 1)
    ax.set_title("Réussite par cas de test" if lang == "fr" else "Success per test case")
    imgs.append(_png(fig))
    plt.close(fig)
    top = mis.most_common(10)
    fig, ax = plt.subplots(figsize=(6, 2.5))
    ax.barh([k for k, _ in top] or ["-"], [v for _, v in top] or [0], color="#a5a5a5")
    ax.set_title("Erreurs classiques les plus fréquentes" if lang == "fr" else "Most frequent misconceptions")
    imgs.append(_png(fig))
    plt.close(fig)
    s = summary(records)
    fig, ax = plt.subplots(figsize=(5, 2.5))
    keys = ["timeouts", "errors"] + [k for k in s["statuses"] if k != "graded"]
    vals = [s["timeouts"], s["errors"]] + [s["statuses"][k] for k in keys[2:]]
    ax.bar(keys, vals, color="#c00000")
    ax.set_title("Délais, erreurs et fichiers rejetés" if lang == "fr" else "Timeouts, errors and rejected files")
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    imgs.append(_png(fig))
    plt.close(fig)
    fr = lang == "fr"
    rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{'✅' if a else '❌'}</td><td>{html.escape(d)}</td></tr>"
                   for n, a, d in protections)
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    status_rows = "".join(f"<tr><td>{html.escape(r.get('student') or '')}</td><td>{html.escape(r['file'])}</td>"
                          f"<td>{html.escape(r['status'])}</td><td>{totals(r)[0]:g}</td></tr>"
                          for r in sorted(records, key=lambda r: r["file"]))
    doc = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>report</title>"
           "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
           "</style></head><body>"
           f"<h1>{'Rapport de correction' if fr else 'Grading report'}</h1>"
           f"<p>{s['notebooks']} notebooks, {s['graded']} {'corrigés' if fr else 'graded'}, "
           f"{s['failed']} {'rejetés' if fr else 'rejected'}, {s['timeouts']} timeouts, "
           f"{'moyenne' if fr else 'mean'} {s['mean']:g}</p>"
           f"<h2>{'Protections actives sur cette machine' if fr else 'Protections active on this machine'}</h2>"
           f"<table>{rows}</table><ul>{note_html}</ul>"
           + "".join(f"<img src='data:image/png;base64,{i}'>" for i in imgs)
           + f"<h2>{'Remises' if fr else 'Submissions'}</h2><table><tr><th>student</th><th>file</th>"
             f"<th>status</th><th>total</th></tr>{status_rows}</table></body></html>\n")
    atomic_write(path, doc)


def write_outputs(root: Path, typed: list[Record], lang: str,
                  protections: list[tuple[str, bool, str]], notes: list[str]) -> dict[str, Any]:
    """Write every output from the records; returns the summary."""
    records = [r.to_json() | {"file": _file_name(r.file)} for r in typed]
    max_points = max((totals(r)[1] for r in records if r["status"] == "graded"), default=0.0)
    write_grades_csv(root / "grades.csv", records, max_points)
    for rec in records:
        key = rec.get("student") if rec["status"] not in ("duplicate", "mismatch", "no-metadata") else None
        key = key or Path(rec["file"]).stem
        atomic_write(root / "results" / f"{key}.json", json.dumps(gradescope(rec, lang), indent=1))
        md = feedback_md(rec, lang)
        atomic_write(root / "feedback" / f"{key}.md", md)
        atomic_write(root / "feedback" / f"{key}.html", md_to_html(md, key))
    write_report(root / "report.html", records, protections, notes, lang)
    return summary(records)
