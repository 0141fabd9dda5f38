"""Outputs of a batch, rebuilt from the records every time (so a resumed batch writes the same):
``grades.csv``, ``feedback/<student>.md`` and ``.html`` (course language, never an expected
value), ``results/<student>.json`` (Gradescope's results.json shape), ``report.html`` (plots
made with matplotlib's Agg backend, embedded as PNG)."""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from pathlib import Path
from typing import Any

from course.base.files import atomic_write
from course.base.plain import printable

from .gradebook import Gradebook

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


def write_report(path: Path, gb: Gradebook, protections: list[tuple[str, bool, str]],
                 notes: list[str], lang: str, intake: dict[str, Any]) -> None:
    """report.html of a gradebook."""
    records = [r.to_json() for row in gb.rows for r in row.files] + [r.to_json() for r in gb.unowned]
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
    status_rows = "".join(f"<tr><td>{html.escape(r.get('student') or '')}</td><td>{html.escape(printable(r['file']))}</td>"
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
             f"<th>status</th><th>total</th></tr>{status_rows}</table>"
           + f"<h2>{'Sans remise' if fr else 'Missing'}</h2><p>{html.escape(', '.join(gb.missing) or '-')}</p>"
           + "</body></html>\n")
    atomic_write(path, doc)

