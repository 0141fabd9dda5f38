"""Grading one submission on the trusted side (the sandbox only runs the student's code).

Steps (see /work/notes/grading_contract.md):

1. :func:`read_notebook` reads the file defensively (not JSON, not a notebook, UTF-16, nbformat
   3, empty, too large: each a clear status) and ignores every saved output;
2. the original notebook for (assignment, student) is rebuilt (:class:`Original`); locked cells
   come from it, the student's answer cells are matched by cell id, and a tampered or deleted
   locked cell is restored (and reported);
3. :func:`run_submission` runs setup + answer cells in a fresh job child, each cell in its own
   try/except; a cell that kills the child (``os._exit``, segfault, timeout) is skipped and the
   child restarted, so it costs only the questions that depend on it;
4. computed questions: the variable named like the question is fetched as plain data and
   checked with the regenerated Variant; coding questions: each hidden case's calls run in the
   child, expected values are computed here by the reference, and :func:`compare` decides.

Nothing computed by the student (a boolean, a score, a message) is believed: only plain data
values validated by :mod:`course.grader.protocol` reach a check.
"""

from __future__ import annotations

import json
import math
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.generator.base import Feedback

from . import protocol
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
    "no-metadata": {"fr": "métadonnées du devoir absentes", "en": "assignment metadata missing"},
    "mismatch": {"fr": "devoir ou étudiant incohérent (métadonnées, nom du fichier, liste)",
                 "en": "assignment or student mismatch (metadata, file name, roster)"},
    "duplicate": {"fr": "plusieurs remises pour le même étudiant",
                  "en": "several submissions for the same student"},
    "error": {"fr": "erreur interne du correcteur", "en": "internal grader error"},
}


# --------------------------------------------------------------------------- reading
@dataclass
class NotebookRead:
    status: str  # "ok" or a STATUS_TEXT key
    nb: dict[str, Any] | None = None
    detail: str = ""


def read_notebook(path: Path) -> NotebookRead:
    """Read a submitted notebook without trusting it; outputs are dropped."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return NotebookRead("too-large", detail=f"{size} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        return NotebookRead("not-notebook", detail=type(exc).__name__)
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


def identity(read: NotebookRead, path: Path) -> tuple[str | None, str | None]:
    """(assignment, student) from the notebook metadata (plain strings or None)."""
    if read.nb is None:
        return None, None
    c = read.nb["metadata"].get("course")
    if type(c) is not dict:
        return None, None
    a, s = c.get("assignment"), c.get("student")
    ok = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    return (a if type(a) is str and ok.match(a) else None,
            s if type(s) is str and ok.match(s) else None)


def file_identity(path: Path) -> tuple[str | None, str | None]:
    """(assignment, student) from a ``<assignment>-<student>.ipynb`` file name."""
    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9_.]*)-([A-Za-z0-9][A-Za-z0-9_.-]*)\.ipynb$", path.name)
    return (m.group(1), m.group(2)) if m else (None, None)


# --------------------------------------------------------------------------- the original
@dataclass
class Question:
    """One question of the original notebook, with everything needed on the trusted side.

    ``kind`` "computed": ``variant`` (a regenerated :class:`Variant`); "coding": ``coding`` (a
    CodingQuestion) and ``cases`` (its hidden cases for this student)."""

    id: str
    kind: str
    points: float
    title: dict[str, str]
    variant: Any = None
    coding: Any = None
    cases: list[Any] = field(default_factory=list)


@dataclass
class Original:
    """The original notebook cells (id, role, question, source) and its questions."""

    cells: list[dict[str, Any]]
    questions: list[Question]
    torch: bool = False
    files: dict[str, bytes] = field(default_factory=dict)  # public support files (data)


def merge(original: Original, submitted: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The cells to run (original locked cells, the student's answer cells by id) and the ids
    of locked cells that were tampered with or deleted (restored from the original)."""
    by_id: dict[str, dict[str, Any]] = {}
    for c in submitted["cells"]:
        if c["id"] is not None and c["id"] not in by_id:
            by_id[c["id"]] = c
    cells, restored = [], []
    for c in original.cells:
        role = c["role"]
        mine = by_id.get(c["id"])
        if role == "answer":
            src = mine["source"] if mine is not None and mine["cell_type"] == "code" else ""
            cells.append({**c, "source": src})
        else:
            if mine is None or mine["source"] != c["source"]:
                restored.append(c["id"])
            cells.append(c)
    return cells, restored


# --------------------------------------------------------------------------- running
@dataclass
class QuestionResult:
    id: str
    points: float
    max_points: float
    items: list[dict[str, Any]]  # {"name", "ok", "max", "points", "why": {fr,en}, "misconception"}
    error: dict[str, str] | None = None  # {fr, en}: why the question could not be graded

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "points": self.points, "max_points": self.max_points,
                "items": self.items, "error": self.error}


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
    where = f" (ligne {line})" if line else ""
    where_en = f" (line {line})" if line else ""
    return _t(f"votre code a levé {name}{where} : {msg}".rstrip(" :"),
              f"your code raised {name}{where_en}: {msg}".rstrip(" :"))


def grade_computed(q: Question, reply: dict[str, Any]) -> QuestionResult:
    parts = list(q.variant.parts)
    share = q.points / len(parts)
    if not reply["ok"]:
        err = reply.get("error") or {}
        if type(err) is dict and err.get("type") == "NameError":
            why = _t(f"la variable {q.id} n'est pas définie", f"the variable {q.id} is not defined")
        elif type(err) is dict and err.get("type") in ("Unsupported", "ResultTooLarge"):
            why = _t(f"{q.id} doit contenir des données simples (nombres, listes, dict, tableaux)",
                     f"{q.id} must hold plain data (numbers, lists, dicts, arrays)")
        else:
            why = _error_text(err)
        items = [{"name": p, "ok": False, "points": 0.0, "max": share, "why": why,
                  "misconception": None} for p in parts]
        return QuestionResult(q.id, 0.0, q.points, items)
    value = reply.get("value")  # a reply forged by student code may have "ok" and no value
    if not protocol.validate_plain(value):  # belt and braces: the decoder already guarantees it
        value = None
    try:
        feedback = q.variant.check(value)
    except Exception:  # noqa: BLE001 - a check that chokes on a student value costs the question only
        feedback = [Feedback(p, False, error="invalid") for p in parts]
    items = []
    for fb in feedback:
        m = fb.misconception
        why = None
        if not fb.correct:
            if fb.error == "missing":
                why = _t("partie manquante", "part missing")
            elif fb.error:
                why = _t("réponse mal formée", "malformed answer")
            elif m is not None:
                why = {lang: fb.message(lang) for lang in ("fr", "en")}
            else:
                why = _t("réponse incorrecte", "incorrect answer")
        items.append({"name": fb.part, "ok": fb.correct, "points": share if fb.correct else 0.0,
                      "max": share, "why": why, "misconception": m.key if m is not None else None})
    return QuestionResult(q.id, sum(i["points"] for i in items), q.points, items)


def grade_coding_case(session: Any, q: Question, case: Any, timeout: float) -> dict[str, Any]:
    """Run one hidden case in the child and compare with the reference (may raise Gone)."""
    from course.generator import coding

    calls = [{"func": c.func, "method": c.method,
              "args": protocol.encode_value(c.args),
              "kwargs": protocol.encode_value(c.kwargs)} for c in case.calls]
    wanted = [[e.call, e.item] for e in case.expect]
    t0 = time.monotonic()
    limit = case.time_limit_s if getattr(case, "time_limit_s", None) else timeout
    reply = session.request({"op": "call", "calls": calls, "return": wanted}, timeout=limit + 1.0)
    elapsed = time.monotonic() - t0
    item = {"name": case.id, "ok": False, "points": 0.0, "max": case.points,
            "why": None, "misconception": None, "text": case.feedback,
            "seconds": round(elapsed, 3)}
    results = reply.get("results")
    if not reply["ok"] or type(results) is not list or len(results) != len(wanted):
        item["why"] = _t("réponse invalide", "invalid reply")
        return item
    if getattr(case, "time_limit_s", None) and elapsed > case.time_limit_s:
        item["why"] = _t(f"trop lent ({elapsed:.0f} s)", f"too slow ({elapsed:.0f} s)")
        return item
    expected = coding.expected_values(q.coding, case)
    for e, r, want in zip(case.expect, results, expected):
        if type(r) is not dict or r.get("ok") is not True:
            item["why"] = _error_text(r.get("error") if type(r) is dict else None)
            return item
        got = r.get("value")
        if not protocol.validate_plain(got):
            item["why"] = _t("valeur non valide", "invalid value")
            return item
        try:
            ok, why = coding.compare(e, got, want)
        except Exception:  # noqa: BLE001 - a malformed student value
            ok, why = False, "invalid value"
        if not ok:
            item["why"] = _t(_WHY_FR.get(why.split(" (")[0].split(":")[0], why), why)
            return item
    item["ok"], item["points"] = True, case.points
    return item


_WHY_FR = {"not an integer": "pas un entier", "wrong value": "valeur incorrecte",
           "not a number": "pas un nombre", "not a finite number": "pas un nombre fini",
           "not an array": "pas un tableau", "wrong shape": "forme incorrecte",
           "not an array of numbers": "pas un tableau de nombres",
           "contains NaN or infinity": "contient NaN ou l'infini", "wrong values": "valeurs incorrectes",
           "wrong keys": "clés incorrectes", "invalid value": "valeur non valide",
           "expected logits of shape (N, classes)": "logits de forme (N, classes) attendus"}


RUN_ROLES = ("setup", "answer")  # check cells (otter) and statements are never run


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


def run_submission(slot: Slot, cells: list[dict[str, Any]], questions: list[Question],
                   timeout: float, files: dict[str, bytes] | None = None,
                   budget: float | None = None
                   ) -> tuple[dict[str, QuestionResult], dict[str, dict[str, Any]]]:
    """Run the cells then grade each question; returns (results by question, cell reports).

    Only the setup and answer cells run (:data:`RUN_ROLES`), after ``files`` (the assignment's
    public data files, regenerated on the trusted side) are written into the working folder.
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
                                  for name, data in (files or {}).items()}}
    cells = [c for c in cells if c.get("role", "answer") in RUN_ROLES]
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
                if c["id"] in skip or not c["source"].strip():
                    continue
                try:
                    r = session.request({"op": "exec", "cell": c["id"], "source": c["source"]},
                                        timeout=timeout)
                except Gone as g:
                    skip.add(c["id"])
                    cell_report[c["id"]] = {"ok": False, "gone": g.reason, "why": _gone_text(g.reason)}
                    raise
                if c["id"] not in cell_report:
                    magics = r.get("magics", 0)  # a count; text forged by student code is dropped
                    cell_report[c["id"]] = {"ok": r["ok"], "magics": magics if type(magics) is int else 0,
                                            "why": None if r["ok"] else _error_text(r.get("error"))}
            for q in questions:
                if q.id in results:
                    continue
                results[q.id] = _grade_question(session, q, timeout, results)
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
        results.setdefault(q.id, _failed(q, why))
    return results, cell_report


def _failed(q: Question, why: dict[str, str]) -> QuestionResult:
    if q.kind == "computed":
        parts = list(q.variant.parts)
        items = [{"name": p, "ok": False, "points": 0.0, "max": q.points / len(parts), "why": why,
                  "misconception": None} for p in parts]
    else:
        items = [{"name": c.id, "ok": False, "points": 0.0, "max": c.points, "why": why,
                  "misconception": None, "text": c.feedback} for c in q.cases]
    return QuestionResult(q.id, 0.0, q.points, items, error=why)


def _grade_question(session: Any, q: Question, timeout: float,
                    results: dict[str, QuestionResult]) -> QuestionResult:
    if q.kind == "computed":
        try:
            reply = session.request({"op": "get", "name": q.id}, timeout=timeout)
        except Gone as g:
            results[q.id] = _failed(q, _gone_text(g.reason))
            raise
        return grade_computed(q, reply)
    items: list[dict[str, Any]] = []
    for i, case in enumerate(q.cases):
        try:
            items.append(grade_coding_case(session, q, case, timeout))
        except Gone as g:
            why = _gone_text(g.reason)
            items.append({"name": case.id, "ok": False, "points": 0.0, "max": case.points,
                          "why": why, "misconception": None, "text": case.feedback})
            for rest in q.cases[i + 1:]:
                items.append({"name": rest.id, "ok": False, "points": 0.0, "max": rest.points,
                              "why": why, "misconception": None, "text": rest.feedback})
            results[q.id] = _scale(q, items)
            raise
    return _scale(q, items)


def _scale(q: Question, items: list[dict[str, Any]]) -> QuestionResult:
    """Case points are scaled to the question's points in course.yml."""
    total = sum(i["max"] for i in items)
    f = q.points / total if total > 0 else 0.0
    for i in items:
        i["max"] = round(i["max"] * f, 6)
        i["points"] = round(i["points"] * f, 6)
    pts = sum(i["points"] for i in items)
    return QuestionResult(q.id, round(pts, 6) if math.isfinite(pts) else 0.0, q.points, items)
