"""Grading one submission on the trusted side (the sandbox only runs the student's code).

Steps (the grading contract is docs/grading.md):

1. :func:`read_notebook` reads the file defensively (not JSON, not a notebook, UTF-16, nbformat
   3, empty, too large: each a clear status) and ignores every saved output;
2. the original cells for (assignment, student) are rebuilt from course.yml
   (:class:`~course.grader.original.Original`); locked cells come from it, the student's answer
   cells are matched by cell id, and a tampered or deleted locked cell is restored (and
   reported);
3. :func:`run_submission` runs setup + answer cells in a fresh job child, each cell in its own
   try/except; a cell that kills the child (``os._exit``, segfault, timeout) is skipped and the
   child restarted, so it costs only the questions that depend on it;
4. computed questions: the variable named like the question is fetched as plain data and
   checked with the regenerated Variant; coding questions: each hidden case's calls run in the
   child, expected values are computed here by the reference, and each case's typed check
   decides.

Nothing computed by the student (a boolean, a score, a message) is believed: only plain data
values validated by :mod:`course.grader.protocol` reach a check.
"""

from __future__ import annotations

import json
import math
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from course.base.i18n import Text
from course.generator.base import Feedback
from course.generator.coding.engine import Case, expected_values
from course.generator.coding.question import Mistake, recognise
from course.planning.layout import RUN_ROLES, Cell
from course.planning.plan import DrawnQuestion

from . import protocol
from .original import Original
from .records import Item, QuestionResult
from .slot import Gone, Slot

MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024
MAX_CELL_CHARS = 200_000
MAX_RESTARTS = 6

STATUS_TEXT = {
    "graded": {"fr": "corrigé", "en": "graded"},
    "not-json": {"fr": "fichier illisible : ce n'est pas du JSON (tronqué ?)",
                 "en": "unreadable file: not JSON (truncated?)"},
    "not-utf8": {"fr": "fichier illisible : pas en UTF-8 (UTF-16 ?)",
                 "en": "unreadable file: not UTF-8 (UTF-16?)"},
    "empty": {"fr": "fichier vide", "en": "empty file"},
    "not-notebook": {"fr": "ce n'est pas un notebook Jupyter", "en": "not a Jupyter notebook"},
    "old-nbformat": {"fr": "format de notebook trop ancien (nbformat < 4)",
                     "en": "notebook format too old (nbformat < 4)"},
    "too-large": {"fr": "fichier trop volumineux", "en": "file too large"},
    "not-regular": {"fr": "pas un fichier ordinaire (lien symbolique, lien physique, tube ou "
                           "périphérique) : jamais ouvert",
                    "en": "not a regular file (symbolic or hard link, pipe or device): never opened"},
    "no-owner": {"fr": "impossible de savoir à qui est ce fichier : nommez-le DEVOIR-ÉTUDIANT.ipynb",
                 "en": "cannot tell whose file this is: name it ASSIGNMENT-STUDENT.ipynb"},
    "unknown-student": {"fr": "étudiant absent de la liste de la classe",
                        "en": "student not on the roster"},
    "other-assignment": {"fr": "autre devoir que celui corrigé par cette commande",
                         "en": "another assignment than the one this run grades"},
    "superseded": {"fr": "remplacé par une remise plus récente du même étudiant",
                   "en": "superseded by a later submission of the same student"},
    "rejected": {"fr": "refusé dans l'archive", "en": "refused in the archive"},
    "corrupt-archive": {"fr": "archive illisible", "en": "unreadable archive"},
    "late": {"fr": "corrigé, remis en retard", "en": "graded, handed in late"},
    "missing": {"fr": "rien de remis", "en": "nothing handed in"},
    "error": {"fr": "erreur interne du correcteur", "en": "internal grader error"},
}


# --------------------------------------------------------------------------- reading
@dataclass
class NotebookRead:
    status: str  # "ok" or a STATUS_TEXT key
    nb: dict[str, Any] | None = None
    detail: Text | str = ""


def parse_notebook(raw: bytes) -> NotebookRead:
    """Read a submitted notebook's bytes without trusting them; outputs are dropped."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        return NotebookRead("too-large", detail={"fr": f"{len(raw)} octets", "en": f"{len(raw)} bytes"})
    if not raw.strip():
        return NotebookRead("empty")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        return NotebookRead("not-utf8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return NotebookRead("not-utf8")
    try:
        nb = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError):
        return NotebookRead("not-json")
    if type(nb) is not dict or type(nb.get("cells", nb.get("worksheets"))) is not list:
        return NotebookRead("not-notebook")
    major = nb.get("nbformat")
    if type(major) is not int or major < 4:
        return NotebookRead("old-nbformat", detail=f"nbformat {major}")
    cells = []
    for c in nb["cells"]:
        if type(c) is not dict:
            continue
        src = c.get("source", "")
        if type(src) is list:
            src = "".join(s for s in src if type(s) is str)
        if type(src) is not str:
            src = ""
        md = c.get("metadata") if type(c.get("metadata")) is dict else {}
        cells.append({"id": c.get("id") if type(c.get("id")) is str else None,
                      "cell_type": c.get("cell_type") if type(c.get("cell_type")) is str else "",
                      "source": src[:MAX_CELL_CHARS], "metadata": md})
    meta = nb.get("metadata") if type(nb.get("metadata")) is dict else {}
    return NotebookRead("ok", {"cells": cells, "metadata": meta})


def claimed_identity(read: NotebookRead) -> tuple[str | None, str | None]:
    """(assignment, student) that the notebook's metadata *claims*: informative only (the owner
    of a file is who handed it in, see :mod:`course.grader.intake`)."""
    if read.nb is None:
        return None, None
    c = read.nb["metadata"].get("course")
    if type(c) is not dict:
        return None, None
    a, s = c.get("assignment"), c.get("student")
    ok = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    return (a if type(a) is str and ok.match(a) else None,
            s if type(s) is str and ok.match(s) else None)


# --------------------------------------------------------------------------- merging
def merge(original: Original, submitted: dict[str, Any]) -> tuple[list[Cell], list[str]]:
    """The cells to run (the original locked cells, the student's answer cells matched by id)
    and the ids of locked cells that were tampered with or deleted (restored from the original)."""
    by_id: dict[str, dict[str, Any]] = {}
    for c in submitted["cells"]:
        if c["id"] is not None and c["id"] not in by_id:
            by_id[c["id"]] = c
    cells, restored = [], []
    for c in original.cells:
        mine = by_id.get(c.id)
        if c.role == "answer":
            src = mine["source"] if mine is not None and mine["cell_type"] == "code" else ""
            cells.append(Cell(c.id, c.kind, c.role, src, c.question))
        else:
            if mine is None or mine["source"] != c.source:
                restored.append(c.id)
            cells.append(c)
    return cells, restored


# --------------------------------------------------------------------------- running
def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def _gone_text(reason: str) -> dict[str, str]:
    if reason == "budget":
        return _t("temps total de correction dépassé pour cette remise : le reste n'est pas corrigé",
                  "total grading time for this submission exceeded: the rest is not graded")
    if reason == "timeout":
        return _t("délai dépassé (boucle infinie ?) : le processus a été arrêté",
                  "time limit exceeded (infinite loop?): the process was stopped")
    if reason == "exited":
        return _t("le processus s'est terminé (exit, plantage ou mémoire épuisée)",
                  "the process ended (exit, crash or out of memory)")
    if reason == "memory":
        return _t("mémoire épuisée : la remise (tous ses processus ensemble) a dépassé sa limite",
                  "out of memory: the submission (all its processes together) exceeded its limit")
    return _t("réponse invalide du processus élève", "invalid reply from the student process")


def student_text(text: str) -> str:
    """Text written by student code (an exception message), made safe to show: line breaks
    become spaces; control and format characters (ANSI escapes that rewrite a terminal,
    bidirectional overrides that disguise text, NUL) and lone surrogates (which made every
    UTF-8 output of the batch fail) are dropped; ``<`` and ``>`` become look-alikes, so that a
    feedback .md rendered as Markdown shows no HTML of the student's."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t\u2028\u2029":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append({"<": "‹", ">": "›"}.get(ch, ch))
    return "".join(out)


def _error_text(err: Any) -> dict[str, str]:
    """A student's exception, shown as the student's own (type and a short message)."""
    if type(err) is not dict:
        return _t("erreur", "error")
    name = err.get("type") if type(err.get("type")) is str else "Exception"
    name = re.sub(r"[^A-Za-z0-9_.]", "", name)[:60] or "Exception"
    msg = err.get("message") if type(err.get("message")) is str else ""
    msg = student_text(msg)[:200]
    line = err.get("line") if type(err.get("line")) is int else None
    if name == "NotImplementedError":  # the stub as handed out
        return _t("pas encore implémenté (la fonction lève encore NotImplementedError)",
                  "not implemented yet (the function still raises NotImplementedError)")
    where = f" à la ligne {line}" if line else ""
    where_en = f" at line {line}" if line else ""
    return _t(f"votre code a levé {name}{where} : {msg}".rstrip(" :"),
              f"your code raised {name}{where_en}: {msg}".rstrip(" :"))


#: what the child sends for ``...`` left in an answer (``"shape": ...``)
MISSING = {"$missing": True}
NOT_ANSWERED: Text = {"fr": "pas de réponse (laissé tel quel : ...)",
                      "en": "not answered (left as handed out: ...)"}


def grade_computed(q: DrawnQuestion, reply: dict[str, Any],
                   cell_error: Text | None = None) -> QuestionResult:
    """Grade a computed question from the child's reply to ``get qN`` (plain data);
    ``cell_error``: why its answer cell failed, which is why ``qN`` may be undefined."""
    assert q.variant is not None
    parts = list(q.variant.parts)
    share = q.points / len(parts)
    if not reply["ok"]:
        err = reply.get("error") or {}
        if type(err) is dict and err.get("type") == "NotAnswered":
            why = NOT_ANSWERED
        elif type(err) is dict and err.get("type") == "NameError":
            why = cell_error or _t(f"la variable {q.id} n'est pas définie",
                                   f"the variable {q.id} is not defined")
        elif type(err) is dict and err.get("type") in ("Unsupported", "ResultTooLarge"):
            why = _t(f"{q.id} doit contenir des données simples (nombres, listes, dict, tableaux)",
                     f"{q.id} must hold plain data (numbers, lists, dicts, arrays)")
        else:
            why = _error_text(err)
        return _result(q, [Item(p, False, 0.0, share, why, text=_label(q, p)) for p in parts])
    value = reply.get("value")  # a reply forged by student code may have "ok" and no value
    if not protocol.validate_plain(value):  # belt and braces: the decoder already guarantees it
        value = None
    blank = set()  # the parts left as handed out (``...``: the child sends MISSING)
    if value == MISSING or (len(parts) == 1 and type(value) is dict and MISSING in value.values()):
        blank = set(parts)
    elif type(value) is dict:
        blank = {k for k, v in value.items() if v == MISSING and k in parts}
        value = {k: v for k, v in value.items() if k not in blank}
    try:
        feedback = q.variant.check(value)
    except Exception:  # noqa: BLE001 - a check that chokes on a student value costs the question only
        feedback = [Feedback(p, False, reason=_t("réponse mal formée", "malformed answer")) for p in parts]
    items = []
    for fb in feedback:
        m = fb.misconception
        why = None
        if fb.part in blank:
            items.append(Item(fb.part, False, 0.0, share, NOT_ANSWERED))
            continue
        if not fb.correct:
            if m is not None:
                why = {lang: fb.message(lang) for lang in ("fr", "en")}
            elif fb.reason is not None:
                why = dict(fb.reason)
            else:
                why = _t("réponse incorrecte", "incorrect answer")
        items.append(Item(fb.part, fb.correct, share if fb.correct else 0.0, share, why,
                          m.key if m is not None else None, _label(q, fb.part),
                          misconception_text=dict(m.explanation) if m is not None else None))
    return _result(q, items)


def _label(q: DrawnQuestion, part: str) -> Text | None:
    """What a part of a computed question asks for, in words (its label, as the notebook
    states it; never its value)."""
    p = q.variant.parts.get(part) if q.variant is not None else None
    return dict(p.label) if p is not None and p.label else None


def _result(q: DrawnQuestion, items: list[Item], error: Text | None = None) -> QuestionResult:
    pts = sum(i.points for i in items)
    return QuestionResult(q.id, round(pts, 6) if math.isfinite(pts) else 0.0, q.points, items, error,
                          q.kind, dict(q.title))


def grade_coding_case(session: Any, q: DrawnQuestion, case: Case, timeout: float) -> Item:
    """Run one hidden case in the child and compare with the reference (may raise Gone)."""
    assert q.coding is not None
    calls = [{"func": c.func, "method": c.method,
              "args": protocol.encode_value(c.args),
              "kwargs": protocol.encode_value(c.kwargs)} for c in case.calls]
    wanted = [[e.call, e.item] for e in case.expect]
    t0 = time.monotonic()
    limit = case.time_limit_s if case.time_limit_s else timeout
    reply = session.request({"op": "call", "calls": calls, "return": wanted}, timeout=limit + 1.0)
    elapsed = time.monotonic() - t0
    item = Item(case.id, False, 0.0, case.points, text=case.feedback, seconds=round(elapsed, 3))
    results = reply.get("results")
    if not reply["ok"] or type(results) is not list or len(results) != len(wanted):
        item.why = _t("réponse invalide", "invalid reply")
        return item
    if case.time_limit_s and elapsed > case.time_limit_s:
        item.why = _t(f"trop lent ({elapsed:.0f} s)", f"too slow ({elapsed:.0f} s)")
        return item
    expected = expected_values(q.coding.reference, case)
    for e, r, want in zip(case.expect, results, expected):
        if type(r) is not dict or r.get("ok") is not True:
            item.why = _error_text(r.get("error") if type(r) is dict else None)
            return item
        got = r.get("value")
        if not protocol.validate_plain(got):
            item.why = _t("valeur non valide", "invalid value")
            return item
        try:
            verdict = e.check.verdict(got, want)
        except Exception:  # noqa: BLE001 - a malformed student value
            item.why = _t("valeur non valide", "invalid value")
            return item
        if not verdict.ok:
            item.why = {lang: verdict.text(e.check, lang) for lang in ("fr", "en")}
            mistake = _mistake(q, case, results, expected)
            if mistake is not None:  # its explanation only: never an expected value
                item.misconception, item.why = mistake.key, dict(mistake.explanation)
            return item
    item.ok, item.points = True, case.points
    return item


def _mistake(q: DrawnQuestion, case: Case, results: list[Any], expected: list[Any]) -> Mistake | None:
    """The named mistake of the coding question whose values the student's results of ``case``
    all pass (the mistaken references run here, on the trusted side, like the reference;
    :func:`~course.generator.coding.question.recognise`), or None. Only well-formed plain
    values are compared."""
    assert q.coding is not None
    if not q.coding.mistakes:
        return None
    got = []
    for r in results:
        if type(r) is not dict or r.get("ok") is not True or not protocol.validate_plain(r.get("value")):
            return None
        got.append(r.get("value"))
    return recognise(q.coding.mistakes, case, got, expected)


class Budgeted:
    """A session whose requests share one wall-clock deadline (the submission's time budget).

    Each request's timeout is cut to what is left; a request cut this way that times out, or
    one made after the deadline, raises ``Gone("budget")``."""

    def __init__(self, session: Any, deadline: float):
        self.session = session
        self.deadline = deadline

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def request(self, msg: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        t = self.session.slot.limits.timeout_s if timeout is None else timeout
        left = self.left()
        if left <= 0:
            raise Gone("budget")
        try:
            return self.session.request(msg, timeout=min(t, left))
        except Gone as g:
            if g.reason == "timeout" and left < t:
                raise Gone("budget") from None
            raise


def run_submission(slot: Slot, cells: list[Cell], original: Original, timeout: float,
                   budget: float | None = None
                   ) -> tuple[dict[str, QuestionResult], dict[str, dict[str, Any]]]:
    """Run the cells then grade each question; returns (results by question, cell reports).

    Only the setup and answer cells run (:data:`~course.planning.layout.RUN_ROLES`), after the
    assignment's public data files (regenerated on the trusted side) are written into the
    working folder.
    A cell that kills the child is skipped on the next attempt; a question during which the
    child dies gets its failure and the next questions are graded in a restarted child.
    Everything together (cells, cases, restarts) gets ``budget`` seconds of wall clock
    (default: the slot's ``Limits.budget_s``); what is left when it runs out fails with a
    clear reason.
    """
    import base64

    skip: set[str] = set()
    cell_report: dict[str, dict[str, Any]] = {}
    results: dict[str, QuestionResult] = {}
    budget = slot.limits.budget_s if budget is None else budget
    deadline = time.monotonic() + budget
    put = {"op": "put", "files": {name: base64.b64encode(data).decode("ascii")
                                  for name, data in original.files.items()}}
    questions = original.questions
    answer_cell = {c.question: c.id for c in original.cells if c.role == "answer" and c.question}
    cells = [c for c in cells if c.role in RUN_ROLES]
    for _attempt in range(MAX_RESTARTS):
        if time.monotonic() >= deadline:
            break
        session = Budgeted(slot.session(), deadline)
        try:
            if put["files"]:
                r = session.request(put, timeout=timeout)
                if not r["ok"]:
                    raise Gone("protocol: data files not written")
            for c in cells:
                if c.id in skip or not c.source.strip():
                    continue
                try:
                    r = session.request({"op": "exec", "cell": c.id, "source": c.source},
                                        timeout=timeout)
                except Gone as g:
                    skip.add(c.id)
                    cell_report[c.id] = {"ok": False, "gone": g.reason, "why": _gone_text(g.reason)}
                    raise
                if c.id not in cell_report:
                    magics = r.get("magics", 0)  # a count; text forged by student code is dropped
                    cell_report[c.id] = {"ok": r["ok"], "magics": magics if type(magics) is int else 0,
                                         "why": None if r["ok"] else _error_text(r.get("error"))}
            for q in questions:
                if q.id in results:
                    continue
                cell_error = cell_report.get(answer_cell.get(q.id, ""), {}).get("why")
                results[q.id] = _grade_question(session, q, original.cases.get(q.id, []), timeout,
                                                results, cell_error)
            return results, cell_report
        except Gone as g:
            if g.reason == "budget":
                break
            continue
        finally:
            session.session.close()
    why = (_gone_text("budget") if time.monotonic() >= deadline
           else _t("trop de plantages", "too many crashes"))
    for q in questions:  # budget spent or too many restarts: whatever is left fails
        results.setdefault(q.id, _failed(q, original.cases.get(q.id, []), why))
    return results, cell_report


def _failed(q: DrawnQuestion, cases: list[Case], why: Text) -> QuestionResult:
    if q.variant is not None:
        parts = list(q.variant.parts)
        items = [Item(p, False, 0.0, q.points / len(parts), why, text=_label(q, p)) for p in parts]
    else:
        items = [Item(c.id, False, 0.0, c.points, why, text=c.feedback) for c in cases]
    return _result(q, items, error=why)


def _grade_question(session: Any, q: DrawnQuestion, cases: list[Case], timeout: float,
                    results: dict[str, QuestionResult],
                    cell_error: Text | None = None) -> QuestionResult:
    if q.variant is not None:
        try:
            reply = session.request({"op": "get", "name": q.id}, timeout=timeout)
        except Gone as g:
            results[q.id] = _failed(q, cases, _gone_text(g.reason))
            raise
        return grade_computed(q, reply, cell_error)
    items: list[Item] = []
    for i, case in enumerate(cases):
        try:
            items.append(grade_coding_case(session, q, case, timeout))
        except Gone as g:
            why = _gone_text(g.reason)
            items += [Item(c.id, False, 0.0, c.points, why, text=c.feedback) for c in cases[i:]]
            results[q.id] = _scale(q, items)
            raise
    return _scale(q, items)


def _scale(q: DrawnQuestion, items: list[Item]) -> QuestionResult:
    """Case points are scaled to the question's points in course.yml."""
    total = sum(i.max for i in items)
    f = q.points / total if total > 0 else 0.0
    for i in items:
        i.max = round(i.max * f, 6)
        i.points = round(i.points * f, 6)
    return _result(q, items)
