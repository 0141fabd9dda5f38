"""``report.html``: what an instructor reads after ``course grade PATH``, rebuilt from the
gradebook every time (so a resumed batch writes the same page).

One self-contained page in the course language (:func:`course.grader.page.html_page`: inline
CSS, charts as inline SVG drawn by :mod:`.svg_charts`, no script, no network):

* the summary: files handed in, students graded, late, missing, files not graded (each reason
  counted), mean and median out of the maximum, timeouts and errors, each figure explained;
* per question: mean points, full-marks rate, the most frequent named mistake *in words* (the
  explanation carried in the record, ``Item.misconception_text``), the part or hidden case
  failed most often (by its name and what it tests, never its expected value);
* per student: status in words, points, late penalty, the instructor's overrides and their
  reason, a relative link to ``feedback/<student>.html``;
* the students who handed nothing in, the files not graded and why;
* charts (integer axes for counts, "none" said in words rather than drawn empty, every label
  in the course language, real text that the page's fonts draw);
* the sandbox protections active on this machine.
"""

from __future__ import annotations

import html
import math
import statistics
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from course.base.files import atomic_write
from course.base.i18n import colon, pick
from course.base.plain import printable

from . import svg_charts as svg
from .gradebook import Gradebook, Row
from .grading import STATUS_TEXT
from .lms import Identity
from .page import html_page
from .records import Item, Record

T: dict[str, dict[str, str]] = {
    "title": {"fr": "Rapport de correction", "en": "Grading report"},
    "summary": {"fr": "Résumé", "en": "Summary"},
    "figure": {"fr": "Chiffre", "en": "Figure"},
    "value": {"fr": "Valeur", "en": "Value"},
    "meaning": {"fr": "Ce qu'il compte", "en": "What it counts"},
    "roster": {"fr": "Élèves sur la liste de la classe", "en": "Students on the roster"},
    "roster_why": {"fr": "une ligne par élève dans grades.csv et dans le tableau par élève",
                   "en": "one line per student in grades.csv and in the per-student table"},
    "files": {"fr": "Fichiers remis", "en": "Files handed in"},
    "files_why": {"fr": "tous les fichiers trouvés dans le dossier corrigé et ses archives, "
                         "corrigés ou non",
                  "en": "every file found in the graded folder and its archives, graded or not"},
    "graded": {"fr": "Élèves corrigés", "en": "Students graded"},
    "graded_why": {"fr": "élèves dont un notebook a été corrigé, à l'heure ou en retard",
                   "en": "students with a graded notebook, on time or late"},
    "late": {"fr": "dont remis en retard", "en": "of whom handed in late"},
    "late_why": {"fr": "remis après leur date limite (prolongations comprises) ; la pénalité "
                        "est dans le tableau par élève",
                 "en": "handed in after their due date (extensions included); the penalty is in "
                       "the per-student table"},
    "missing": {"fr": "Sans remise", "en": "Nothing handed in"},
    "missing_why": {"fr": "élèves de la liste sans aucun fichier (0 point)",
                    "en": "roster students with no file at all (0 points)"},
    "not_graded": {"fr": "Fichiers non corrigés", "en": "Files not graded"},
    "not_graded_why": {"fr": "fichiers qui n'ont pas été corrigés, comptés par raison",
                       "en": "files that were not graded, counted by reason"},
    "mean": {"fr": "Moyenne", "en": "Mean"},
    "median": {"fr": "Médiane", "en": "Median"},
    "mean_why": {"fr": "des totaux des élèves corrigés, après pénalité de retard et ajustements "
                       "(les élèves sans copie corrigée ne comptent pas)",
                 "en": "of the graded students' totals, after late penalties and adjustments "
                       "(students without a graded notebook are not counted)"},
    "timeouts": {"fr": "Délais dépassés", "en": "Timeouts"},
    "timeouts_why": {"fr": "cellules de réponse et cas de test arrêtés par le délai (boucle infinie ?)",
                     "en": "answer cells and test cases stopped by the time limit (infinite loop?)"},
    "errors": {"fr": "Erreurs d'exécution", "en": "Errors"},
    "errors_why": {"fr": "parties de réponse et cas de test où le code de l'élève a levé une "
                          "exception ou dont le processus s'est arrêté (plantage, exit, mémoire "
                          "épuisée) ; le chiffre « erreurs » du terminal",
                   "en": "answer parts and test cases where the student's code raised an "
                         "exception or its process ended (crash, exit, out of memory); the "
                         "terminal's \"errors\""},
    "cell_errors": {"fr": "Cellules de réponse en erreur", "en": "Answer cells that raised"},
    "cell_errors_why": {"fr": "cellules de réponse dont l'exécution a levé une exception (ce qui "
                               "en dépend échoue ensuite)",
                        "en": "answer cells whose code raised an exception (what depends on them "
                              "fails next)"},
    "worksheets": {"fr": "Feuilles de notes lues", "en": "Grading worksheets read"},
    "worksheets_why": {"fr": "feuilles du LMS lues pour les identités et les heures de remise (jamais corrigées)",
                       "en": "LMS worksheets read for identities and submission times (never graded)"},
    "identities": {"fr": "Identités LMS associées", "en": "LMS identities mapped"},
    "identities_why": {"fr": "noms de dépôt du LMS associés à un élève de la liste",
                       "en": "LMS submission names mapped to a roster student"},
    "per_question": {"fr": "Par question", "en": "Per question"},
    "question": {"fr": "Question", "en": "Question"},
    "q_title": {"fr": "Intitulé", "en": "Title"},
    "q_mean": {"fr": "Moyenne / max", "en": "Mean / max"},
    "q_full": {"fr": "Réussite complète", "en": "Full marks"},
    "q_mis": {"fr": "Erreur classique la plus fréquente", "en": "Most frequent known mistake"},
    "q_case": {"fr": "Partie ou cas le plus souvent échoué", "en": "Part or case failed most often"},
    "q_note": {"fr": "Moyenne : points des élèves corrigés sur la question, ajustements compris, "
                     "avant pénalité de retard. Réussite complète : part des élèves corrigés qui "
                     "ont tous les points de la question. Erreur classique : une réponse fausse "
                     "qu'une erreur connue produit, reconnue par le correcteur (nombre d'élèves). "
                     "Partie ou cas le plus souvent échoué : une partie d'une question calculée ou "
                     "un cas de test caché d'une question de code, par son nom et ce qu'il teste, "
                     "jamais sa valeur attendue (nombre d'élèves qui l'ont échoué).",
               "en": "Mean: the graded students' points on the question, adjustments included, "
                     "before the late penalty. Full marks: the share of graded students with all "
                     "the question's points. Known mistake: a wrong answer that a known mistake "
                     "produces, recognised by the grader (number of students). Part or case "
                     "failed most often: a part of a computed question or a hidden test case of "
                     "a coding question, by its name and what it tests, never its expected value "
                     "(number of students who failed it)."},
    "per_student": {"fr": "Par élève", "en": "Per student"},
    "student": {"fr": "Élève", "en": "Student"},
    "status": {"fr": "Statut", "en": "Status"},
    "file": {"fr": "Fichier", "en": "File"},
    "raw": {"fr": "Avant pénalité", "en": "Before penalty"},
    "penalty": {"fr": "Pénalité de retard", "en": "Late penalty"},
    "overrides": {"fr": "Ajustements (raison)", "en": "Adjustments (reason)"},
    "total": {"fr": "Total", "en": "Total"},
    "feedback": {"fr": "Retour", "en": "Feedback"},
    "feedback_link": {"fr": "retour", "en": "feedback"},
    "s_note": {"fr": "Points par question : ajustements de overrides.csv compris. Avant pénalité : "
                     "leur somme. Pénalité de retard : points retirés selon la règle de retard du "
                     "devoir (jours commencés). Total : après pénalité et ajustements du total, "
                     "borné à [0, max]. Retour : la page que l'élève reçoit.",
               "en": "Points per question: overrides.csv's adjustments included. Before penalty: "
                     "their sum. Late penalty: points taken by the assignment's late policy "
                     "(started days). Total: after the penalty and the total's adjustments, "
                     "clamped to [0, max]. Feedback: the page the student gets."},
    "nothing_in": {"fr": "Élèves sans remise", "en": "Students who handed nothing in"},
    "files_not_graded": {"fr": "Fichiers non corrigés", "en": "Files not graded"},
    "reason": {"fr": "Raison", "en": "Reason"},
    "detail": {"fr": "Détail", "en": "Detail"},
    "nobody": {"fr": "(personne)", "en": "(nobody)"},
    "intake": {"fr": "Ce que l'admission a remarqué", "en": "What the intake noticed"},
    "intake_ids": {"fr": "Identités LMS et élèves de la liste", "en": "LMS identities and roster students"},
    "intake_notes": {"fr": "Notes sur les fichiers remis", "en": "Notes on the files handed in"},
    "who_lms": {"fr": "Personne sur le LMS", "en": "Person on the LMS"},
    "note": {"fr": "Note", "en": "Note"},
    "charts": {"fr": "Graphiques", "en": "Charts"},
    "protections": {"fr": "Protections actives sur cette machine", "en": "Protections active on this machine"},
    "protection": {"fr": "Protection", "en": "Protection"},
    "active": {"fr": "Active", "en": "Active"},
    "what": {"fr": "Ce qu'elle fait", "en": "What it does"},
    "yes": {"fr": "oui", "en": "yes"},
    "no": {"fr": "NON", "en": "NO"},
    "warnings": {"fr": "Avertissements du correcteur (en anglais)", "en": "The grader's warnings"},
    "p_note": {"fr": "Les noms des protections sont ceux du terminal (les mêmes dans les deux langues).",
               "en": "The protections' names are the terminal's (the same in both languages)."},
    "none_f": {"fr": "aucune", "en": "none"},
    "none_m": {"fr": "aucun", "en": "none"},
    "misconception": {"fr": "erreur classique reconnue", "en": "known mistake recognised"},
    # charts
    "c_totals": {"fr": "Distribution des totaux", "en": "Distribution of totals"},
    "c_totals_x": {"fr": "total (sur {max})", "en": "total (out of {max})"},
    "c_students": {"fr": "élèves", "en": "students"},
    "c_totals_cap": {"fr": "Nombre d'élèves corrigés par tranche de total (après pénalité et ajustements).",
                     "en": "Number of graded students per range of totals (after penalties and adjustments)."},
    "c_totals_none": {"fr": "Aucun élève corrigé : pas de distribution.", "en": "No student graded: no distribution."},
    "c_rate": {"fr": "Points obtenus par question", "en": "Points earned per question"},
    "c_rate_y": {"fr": "% des points", "en": "% of the points"},
    "c_rate_cap": {"fr": "Points obtenus par les élèves corrigés, en pourcentage des points de la question.",
                   "en": "Points the graded students earned, as a percentage of the question's points."},
    "c_cases": {"fr": "Réussite par partie et par cas de test", "en": "Success per part and test case"},
    "c_cases_x": {"fr": "% des élèves corrigés qui le réussissent", "en": "% of graded students who pass it"},
    "c_cases_cap": {"fr": "Pour chaque partie (question calculée) ou cas de test caché (question de code) : "
                          "la part des élèves corrigés qui le réussissent.",
                    "en": "For each part (computed question) or hidden test case (coding question): the share "
                          "of graded students who pass it."},
    "c_cases_more": {"fr": " Les {n} les moins réussis sur {m}.", "en": " The {n} least passed of {m}."},
    "c_mis": {"fr": "Erreurs classiques les plus fréquentes", "en": "Most frequent known mistakes"},
    "c_mis_cap": {"fr": "Nombre d'élèves chez qui le correcteur a reconnu chaque erreur classique.",
                  "en": "Number of students in whose answer the grader recognised each known mistake."},
    "c_mis_none": {"fr": "Aucune erreur classique reconnue.", "en": "No known mistake recognised."},
    "c_inc": {"fr": "Incidents", "en": "Incidents"},
    "c_inc_cap": {"fr": "Délais dépassés, erreurs d'exécution, cellules en erreur et fichiers non corrigés "
                        "(définis dans le résumé).",
                  "en": "Timeouts, errors, answer cells that raised and files not graded (defined in the "
                        "summary)."},
    "c_inc_none": {"fr": "Aucun incident : ni délai dépassé, ni erreur, ni fichier non corrigé.",
                   "en": "No incident: no timeout, no error, no file left ungraded."},
    "c_count": {"fr": "nombre", "en": "count"},
    "i_timeouts": {"fr": "délais dépassés", "en": "timeouts"},
    "i_errors": {"fr": "erreurs d'exécution", "en": "errors"},
    "i_cells": {"fr": "cellules en erreur", "en": "cells that raised"},
    "i_files": {"fr": "fichiers non corrigés", "en": "files not graded"},
}


def _t(key: str, lang: str, **kw: Any) -> str:
    text = T[key][lang]
    return text.format(**kw) if kw else text


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _n(x: float) -> str:
    """A number of points as the gradebook writes it (at most 2 decimals)."""
    return f"{round(float(x), 2) + 0.0:g}"


def _pct(x: float, lang: str) -> str:
    return f"{x:.0f} %" if lang == "fr" else f"{x:.0f}%"


def _students(n: int, lang: str) -> str:
    if lang == "fr":
        return f"{n} élève{'s' if n > 1 else ''}"
    return f"{n} student{'s' if n != 1 else ''}"


# --------------------------------------------------------------------------- figures
def timeouts_in(record: dict[str, Any]) -> int:
    """Answer cells stopped by the time limit plus test cases that ran out of time."""
    n = 0
    for q in record.get("questions", []):
        n += (q.get("cell") or {}).get("gone") == "timeout"
        n += sum("time limit" in (it.get("why") or {}).get("en", "") for it in q["items"])
    return n


def raised(item: Item) -> bool:
    """The student's code raised, or its process ended, while this part or case was graded
    (what the terminal counts as an error)."""
    why = (item.why or {}).get("en", "")
    return "process ended" in why or "your code raised" in why


def cell_errors_in(record: Record) -> int:
    """Answer cells whose code raised (not those stopped by the time limit or a crash)."""
    return sum(1 for q in record.questions
               if q.cell and q.cell.get("ok") is False and not q.cell.get("gone"))


def _graded(gb: Gradebook) -> list[Row]:
    return [r for r in gb.rows if r.status in ("graded", "late") and r.record is not None]


def _ungraded_files(gb: Gradebook) -> list[Record]:
    """Every file that does not stand for its owner's grade: not graded, superseded, nobody's."""
    return [f for row in gb.rows for f in row.files if f is not row.record] + list(gb.unowned)


def summary(gb: Gradebook) -> dict[str, Any]:
    """The figures of the report's summary."""
    records = [f for row in gb.rows for f in row.files] + list(gb.unowned)
    graded = _graded(gb)
    totals = [r.total for r in graded]
    reasons = Counter(f.status for f in _ungraded_files(gb))
    return {"students": len(gb.rows), "files": len(records), "graded": len(graded),
            "late": sum(r.status == "late" for r in graded), "missing": gb.missing,
            "not_graded": sum(reasons.values()), "reasons": reasons,
            "mean": statistics.fmean(totals) if totals else None,
            "median": statistics.median(totals) if totals else None,
            "timeouts": sum(timeouts_in(r.to_json()) for r in records),
            "errors": sum(raised(it) for r in records for q in r.questions for it in q.items),
            "cell_errors": sum(cell_errors_in(r) for r in records)}


def _status(status: str, lang: str) -> str:
    return STATUS_TEXT.get(status, {}).get(lang, status)


def _misconception_words(item: Item, lang: str) -> str:
    """A named mistake in words: its explanation (carried in the record at grading time); a
    record written before it was carried has it only in ``why``; never the internal key."""
    for t in (item.misconception_text, item.why):
        if t and t.get(lang):
            return t[lang]
    return _t("misconception", lang)


# --------------------------------------------------------------------------- per question
def question_stats(gb: Gradebook, lang: str) -> list[dict[str, Any]]:
    """One dict per question: title, maximum, mean, full-marks share, the most frequent known
    mistake (words, students) and the most failed part or case (name, text, students)."""
    graded = _graded(gb)
    out = []
    for qid in gb.questions:
        results = [(row, next((q for q in row.record.questions if q.id == qid), None))
                   for row in graded if row.record is not None]
        results = [(row, q) for row, q in results if q is not None]
        first = results[0][1] if results else None
        maximum = first.max_points if first else None
        pts = [row.questions.get(qid, 0.0) for row, _ in results]
        mis: Counter[str] = Counter()
        mis_text: dict[str, str] = {}
        fails: Counter[str] = Counter()
        case_text: dict[str, str] = {}
        for _, q in results:
            seen = set()
            for it in q.items:
                if it.misconception and it.misconception not in seen:
                    seen.add(it.misconception)
                    mis[it.misconception] += 1
                    mis_text.setdefault(it.misconception, _misconception_words(it, lang))
                if not it.ok:
                    fails[it.name] += 1
                case_text.setdefault(it.name, (it.text or {}).get(lang, ""))
        top_mis = mis.most_common(1)
        top_case = fails.most_common(1)
        out.append({
            "id": qid, "title": (first.title.get(lang) or qid) if first else qid, "max": maximum,
            "n": len(results), "mean": statistics.fmean(pts) if pts else None,
            "full": (100.0 * sum(p >= maximum - 1e-9 for p in pts) / len(pts)
                     if pts and maximum is not None else None),
            "rate": (100.0 * sum(pts) / (maximum * len(pts)) if pts and maximum else None),
            "mis": [(mis_text[k], c) for k, c in mis.most_common()],
            "top_mis": (mis_text[top_mis[0][0]], top_mis[0][1]) if top_mis else None,
            "top_case": (top_case[0][0], case_text.get(top_case[0][0], ""), top_case[0][1])
            if top_case else None,
            "cases": [(name, 100.0 * (len(results) - fails[name]) / len(results)) for name in case_text],
        })
    return out


# --------------------------------------------------------------------------- charts
def _label(text: str, width: int = 40, lines: int = 3) -> str:
    """A chart label: ``text`` wrapped in at most ``lines`` lines, cut with an ellipsis."""
    wrapped = textwrap.wrap(" ".join(printable(text).split()), width)
    if len(wrapped) > lines:
        last = wrapped[lines - 1]
        if len(last) + 2 > width:
            last = last[:width - 2].rsplit(" ", 1)[0]
        wrapped = [*wrapped[:lines - 1], last + " …"]
    return "\n".join(wrapped)


def charts(gb: Gradebook, stats: list[dict[str, Any]], s: dict[str, Any], lang: str
           ) -> list[tuple[str, str | None, str]]:
    """(title, inline ``<svg>`` or None, caption) of each chart; None with a caption that says
    there is nothing to draw, rather than an empty chart."""
    out: list[tuple[str, str | None, str]] = []
    totals = [r.total for r in _graded(gb)]
    mx = gb.max_points

    hist = None
    if totals:
        top = max(mx, max(totals), 1.0)
        step = max(1, math.ceil(top / 12))  # whole points per bar, at most about 12 bars
        edges = [float(step * i) for i in range(math.ceil(top / step) + 1)]
        counts = [0] * (len(edges) - 1)  # bins [lo, hi), the last one [lo, hi]
        for t in totals:
            counts[min(max(int(t // step), 0), len(counts) - 1)] += 1
        hist = svg.histogram(_t("c_totals", lang), counts, edges, _t("c_totals_x", lang, max=_n(mx)),
                             [_n(e) for e in edges], svg.count_axis(_t("c_students", lang), max(counts)),
                             "#2f5d8a")
    out.append((_t("c_totals", lang), hist, _t("c_totals_cap", lang) if totals else _t("c_totals_none", lang)))

    rated = [q for q in stats if q["rate"] is not None]
    if rated:
        out.append((_t("c_rate", lang), svg.bars(
            _t("c_rate", lang), [_label(q["id"], 14, 2) for q in rated], [q["rate"] for q in rated],
            svg.percent_axis(_t("c_rate_y", lang)), "#3d8b5a",
            bar_texts=[_pct(q["rate"], lang) for q in rated]), _t("c_rate_cap", lang)))

    cases = [(f"{q['id']} · {name}", r) for q in stats if q["n"] for name, r in q["cases"]]
    if cases:
        cap = _t("c_cases_cap", lang)
        if len(cases) > 40:
            cap += _t("c_cases_more", lang, n=40, m=len(cases))
            keep = sorted(range(len(cases)), key=lambda i: cases[i][1])[:40]
            cases = [cases[i] for i in sorted(keep)]
        out.append((_t("c_cases", lang), svg.bars(
            _t("c_cases", lang), [_label(n, 48, 1) for n, _ in cases], [r for _, r in cases],
            svg.percent_axis(_t("c_cases_x", lang)), "#c8743a",
            horizontal=True, bar_px=20), cap))

    mis = sorted(((f"{q['id']} : {text}" if lang == "fr" else f"{q['id']}: {text}", c)
                  for q in stats for text, c in q["mis"]), key=lambda x: -x[1])[:10]
    out.append((_t("c_mis", lang), svg.bars(
        _t("c_mis", lang), [_label(k) for k, _ in mis], [c for _, c in mis],
        svg.count_axis(_t("c_students", lang), max(c for _, c in mis)), "#7b6fa8", horizontal=True,
        bar_texts=[str(c) for _, c in mis]) if mis else None,
        _t("c_mis_cap", lang) if mis else _t("c_mis_none", lang)))

    inc = [(_t("i_timeouts", lang), s["timeouts"]), (_t("i_errors", lang), s["errors"]),
           (_t("i_cells", lang), s["cell_errors"]), (_t("i_files", lang), s["not_graded"])]
    any_inc = any(v for _, v in inc)
    out.append((_t("c_inc", lang), svg.bars(
        _t("c_inc", lang), [_label(k, 14) for k, _ in inc], [v for _, v in inc],
        svg.count_axis(_t("c_count", lang), max(v for _, v in inc)), "#b42318",
        bar_texts=[str(v) for _, v in inc]) if any_inc else None,
        _t("c_inc_cap", lang) if any_inc else _t("c_inc_none", lang)))
    return out


# --------------------------------------------------------------------------- HTML
def _table(head: list[str], rows: list[list[str]], num: set[int] | frozenset[int] = frozenset()) -> str:
    """A table of cells already in HTML; columns in ``num`` are right-aligned numbers."""
    def cls(i: int) -> str:
        return " class='num'" if i in num else ""

    th = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<div class='wide'><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>"


def _summary_html(gb: Gradebook, s: dict[str, Any], intake: dict[str, Any], lang: str) -> str:
    mx = _n(gb.max_points)
    out_of = "sur" if lang == "fr" else "out of"

    def avg(x: float | None) -> str:
        return f"{_n(x)} {out_of} {mx}" if x is not None else "–"

    reasons = "".join(f"<li>{_e(_status(k, lang) + colon(lang))} {v}</li>" for k, v in s["reasons"].most_common())
    cards = [(_t("files", lang), s["files"]), (_t("graded", lang), s["graded"]),
             (_t("late", lang), s["late"]), (_t("missing", lang), len(s["missing"])),
             (_t("not_graded", lang), s["not_graded"]),
             (_t("mean", lang), avg(s["mean"])), (_t("median", lang), avg(s["median"]))]
    rows = [[_t("roster", lang), str(s["students"]), _t("roster_why", lang)],
            [_t("files", lang), str(s["files"]), _t("files_why", lang)],
            [_t("graded", lang), str(s["graded"]), _t("graded_why", lang)],
            [_t("late", lang), str(s["late"]), _t("late_why", lang)],
            [_t("missing", lang), str(len(s["missing"])), _t("missing_why", lang)],
            [_t("not_graded", lang), str(s["not_graded"]), _t("not_graded_why", lang)],
            [_t("mean", lang), avg(s["mean"]), _t("mean_why", lang)],
            [_t("median", lang), avg(s["median"]), _t("mean_why", lang)],
            [_t("timeouts", lang), str(s["timeouts"]), _t("timeouts_why", lang)],
            [_t("errors", lang), str(s["errors"]), _t("errors_why", lang)],
            [_t("cell_errors", lang), str(s["cell_errors"]), _t("cell_errors_why", lang)]]
    rows = [[_e(a), _e(b), _e(c)] for a, b, c in rows]
    if reasons:
        rows[5][2] += f"<ul>{reasons}</ul>"
    if intake.get("worksheets"):
        rows.append([_e(_t("worksheets", lang)), _e(len(intake["worksheets"])),
                     _e(_t("worksheets_why", lang) + colon(lang)) + " " + ", ".join(f"<code>{_e(printable(w))}</code>" for w in intake["worksheets"])])
    if intake.get("identities"):
        rows.append([_e(_t("identities", lang)), _e(len(intake["identities"])), _e(_t("identities_why", lang))])
    card_html = "".join(f"<div class='card'><b>{_e(v)}</b>{_e(k)}</div>" for k, v in cards)
    return (f"<h2>{_e(_t('summary', lang))}</h2><div class='cards'>{card_html}</div>"
            + _table([_e(_t("figure", lang)), _e(_t("value", lang)), _e(_t("meaning", lang))], rows, {1}))


def _questions_html(stats: list[dict[str, Any]], lang: str) -> str:
    rows = []
    for q in stats:
        mean = f"{_n(q['mean'])} / {_n(q['max'])}" if q["mean"] is not None else "–"
        full = _pct(q["full"], lang) if q["full"] is not None else "–"
        if q["top_mis"]:
            text, c = q["top_mis"]
            mis = f"{_e(text)} <span class='muted'>({_e(_students(c, lang))})</span>"
        else:
            mis = f"<span class='muted'>{_e(_t('none_f', lang))}</span>"
        if q["top_case"]:
            name, text, c = q["top_case"]
            case = (f"<code>{_e(name)}</code>" + (f" {_e(text)}" if text else "")
                    + f" <span class='muted'>({_e(_students(c, lang))} / {q['n']})</span>")
        else:
            case = f"<span class='muted'>{_e(_t('none_m', lang))}</span>"
        rows.append([_e(q["id"]), _e(q["title"]), mean, full, mis, case])
    head = [_e(_t(k, lang)) for k in ("question", "q_title", "q_mean", "q_full", "q_mis", "q_case")]
    return (f"<h2>{_e(_t('per_question', lang))}</h2>" + _table(head, rows, {2, 3})
            + f"<p class='note'>{_e(_t('q_note', lang))}</p>")


def feedback_href(student: str) -> str:
    """The relative link from report.html to a student's feedback page."""
    return "feedback/" + quote(student, safe="") + ".html"


def _students_html(gb: Gradebook, lang: str) -> str:
    rows = []
    for r in gb.rows:
        rec = r.record or (r.files[0] if r.files else None)
        graded = r.record is not None
        st_cls = {"graded": "ok", "late": "warn", "missing": "ko"}.get(r.status, "ko")
        pen = ""
        if r.lateness is not None and r.lateness.late:
            d = r.lateness.days
            days = (f"{d} jour{'s' if d > 1 else ''} de retard" if lang == "fr"
                    else f"{d} day{'s' if d > 1 else ''} late")
            pen = f"{_n(-r.penalty) if r.penalty else '0'} <span class='muted'>({_e(days)})</span>"
        ovr = "<br>".join(f"<code>{_e(o.describe())}</code> — {_e(o.reason)}" for o in r.overrides)
        qs = [_n(r.questions.get(q, 0.0)) if graded else "–" for q in gb.questions]
        rows.append([_e(r.student), f"<span class='{st_cls}'>{_e(_status(r.status, lang))}</span>",
                     f"<b>{_n(r.total)}</b> / {_n(r.max_points)}",
                     f"<a href='{_e(feedback_href(r.student))}'>{_e(_t('feedback_link', lang))}</a>",
                     *qs, _n(r.raw_total), pen, ovr,
                     f"<code>{_e(printable(rec.file))}</code>" if rec is not None else "–"])
    k = len(gb.questions)
    head = [_e(_t("student", lang)), _e(_t("status", lang)), _e(_t("total", lang)),
            _e(_t("feedback", lang)), *[_e(q) for q in gb.questions], _e(_t("raw", lang)),
            _e(_t("penalty", lang)), _e(_t("overrides", lang)), _e(_t("file", lang))]
    num = {2, *range(4, 4 + k + 2)}
    return (f"<h2>{_e(_t('per_student', lang))}</h2>" + _table(head, rows, num)
            + f"<p class='note'>{_e(_t('s_note', lang))}</p>")


def _absent_html(gb: Gradebook, lang: str) -> str:
    missing = gb.missing
    out = f"<h2>{_e(_t('nothing_in', lang))}</h2>"
    out += (f"<p>{', '.join(_e(m) for m in missing)}</p>" if missing
            else f"<p class='muted'>{_e(_t('none_m', lang))}</p>")
    files = _ungraded_files(gb)
    out += f"<h2>{_e(_t('files_not_graded', lang))}</h2>"
    if not files:
        return out + f"<p class='muted'>{_e(_t('none_m', lang))}</p>"
    detail = any(f.detail for f in files)
    rows = [[f"<code>{_e(printable(f.file))}</code>", _e(f.student) if f.student else
             f"<span class='muted'>{_e(_t('nobody', lang))}</span>", _e(_status(f.status, lang)),
             *([f"<span class='muted'>{_e(pick(f.detail, lang))}</span>"] if detail else [])]
            for f in sorted(files, key=lambda f: printable(f.file))]
    head = [_e(_t(k, lang)) for k in ("file", "student", "reason", "detail")][:4 if detail else 3]
    return out + _table(head, rows)


def _intake_html(gb: Gradebook, intake: dict[str, Any], lang: str) -> str:
    """How LMS identities were mapped to the roster, and the notes the intake made on files
    (a notebook claiming another owner, earlier files superseded, a copy's name)."""
    ids = sorted((Identity.from_json(i) for i in intake.get("identities") or []), key=Identity.who)
    files = [f for row in gb.rows for f in row.files] + list(gb.unowned)
    noted = [(f, n) for f in files for n in f.notes]
    if not ids and not noted:
        return ""
    out = f"<h2>{_e(_t('intake', lang))}</h2>"
    if ids:
        rows = [[_e(i.who()), _e(pick(i.text(), lang))] for i in ids]
        out += f"<h3>{_e(_t('intake_ids', lang))}</h3>" + _table(
            [_e(_t("who_lms", lang)), _e(_t("student", lang))], rows)
    if noted:
        rows = [[f"<code>{_e(printable(f.file))}</code>", _e(pick(n, lang))]
                for f, n in sorted(noted, key=lambda x: printable(x[0].file))]
        out += f"<h3>{_e(_t('intake_notes', lang))}</h3>" + _table(
            [_e(_t("file", lang)), _e(_t("note", lang))], rows)
    return out


def _charts_html(imgs: list[tuple[str, str | None, str]], lang: str) -> str:
    figs = []
    for title, chart, caption in imgs:
        if chart is None:
            figs.append(f"<figure><h3>{_e(title)}</h3><p class='muted'>{_e(caption)}</p></figure>")
        else:
            figs.append(f"<figure>{chart}<figcaption>{_e(caption)}</figcaption></figure>")
    return f"<h2>{_e(_t('charts', lang))}</h2><div class='figs'>{''.join(figs)}</div>"


def _protections_html(protections: list[tuple[str, bool, str]], notes: list[str], lang: str) -> str:
    rows = "".join(f"<tr><td>{_e(n)}</td><td class='{'ok' if a else 'ko'}'>"
                   f"{_e(_t('yes' if a else 'no', lang))}</td><td>{_e(d)}</td></tr>"
                   for n, a, d in protections)
    head = "".join(f"<th>{_e(_t(k, lang))}</th>" for k in ("protection", "active", "what"))
    out = (f"<h2>{_e(_t('protections', lang))}</h2><div class='wide'><table class='names'><thead><tr>{head}</tr>"
           f"</thead><tbody>{rows}</tbody></table></div><p class='note'>{_e(_t('p_note', lang))}</p>")
    if notes:
        out += (f"<h3>{_e(_t('warnings', lang))}</h3><ul class='warn'>"
                + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    return out


def report_html(gb: Gradebook, protections: list[tuple[str, bool, str]], notes: list[str],
                lang: str, intake: dict[str, Any]) -> str:
    """The report page of a gradebook (see the module docstring)."""
    lang = lang if lang in ("fr", "en") else "en"
    s = summary(gb)
    stats = question_stats(gb, lang)
    title = f"{_t('title', lang)} – {gb.assignment}"
    body = (f"<h1>{_e(title)}</h1>" + _summary_html(gb, s, intake, lang) + _questions_html(stats, lang)
            + _students_html(gb, lang) + _absent_html(gb, lang) + _intake_html(gb, intake, lang)
            + _charts_html(charts(gb, stats, s, lang), lang)
            + _protections_html(protections, notes, lang))
    return html_page(title, body, lang)


def write_report(path: Path, gb: Gradebook, protections: list[tuple[str, bool, str]],
                 notes: list[str], lang: str, intake: dict[str, Any]) -> None:
    """``report.html`` of a gradebook."""
    atomic_write(path, report_html(gb, protections, notes, lang, intake))
