"""The notebook's locked ``checks`` cell: the public checks that run in the student's kernel.

The cell's source is, in order: the portable check functions of
:mod:`course.generator.checks` (their source, copied: the student's check runs the very code
the grader runs), :mod:`course.documents.student_checks` (the small checker with otter's API),
and ``grader = Checks(spec, texts, kinds, summary, globals())`` where ``spec`` holds each
question's public checks: the form of each part of a computed question (never its value), and
the public cases of each coding question with their expected values (public by design: the
same sample inputs for every student), computed here by the reference, and, for each named
mistake that a public case can tell from the reference, what the mistake's code returns there
(so that the check names the mistake).
"""

from __future__ import annotations

import ast
import inspect
import json
from functools import cache
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.generator.checks import check_classes, portable
from course.generator.checks.base import COMMON_REASONS
from course.generator.coding.engine import Case, expected_values
from course.generator.coding.question import CodingQuestion, distinct, mistaken_values
from course.planning.plan import DrawnQuestion

from . import student_checks

MESSAGES: dict[str, Text] = {
    "format_ok": {"fr": "{qid} : format OK ({what}) ; la valeur est corrigée après la remise, "
                        "par les tests cachés",
                  "en": "{qid}: format OK ({what}); the value is graded after you hand in, by the "
                        "hidden tests"},
    "undefined": {"fr": "{qid} n'est pas définie : exécutez la cellule de réponse",
                  "en": "{qid} is not defined: run the answer cell"},
    "not_answered": {"fr": "{qid} : pas encore de réponse (remplacez ... par votre réponse)",
                     "en": "{qid}: not answered yet (replace ... with your answer)"},
    "not_a_dict": {"fr": "{qid} doit être un dictionnaire avec les clés {keys} ({got})",
                   "en": "{qid} must be a dict with the keys {keys} ({got})"},
    "keys": {"fr": "{qid} : clés manquantes : {missing} ; clés inattendues : {extra}",
             "en": "{qid}: missing keys: {missing}; unexpected keys: {extra}"},
    "define": {"fr": "{qid} : définissez {names} (exécutez la cellule de réponse)",
               "en": "{qid}: define {names} (run the answer cell)"},
    "not_implemented": {"fr": "{head} : pas encore implémenté ({what})",
                        "en": "{head}: not implemented yet ({what})"},
    "at_line": {"fr": " à la ligne {line}", "en": " at line {line}"},
    "raised": {"fr": "{head} : votre code a levé {error}{where} : {message}",
               "en": "{head}: your code raised {error}{where}: {message}"},
    "failed": {"fr": "{head} : {call} a renvoyé {got} ; attendu {want} : {why}",
               "en": "{head}: {call} returned {got}; expected {want}: {why}"},
    "mistake": {"fr": "{head} : {call} a renvoyé {got} : {why}",
                "en": "{head}: {call} returned {got}: {why}"},
    "passed": {"fr": "{head} : réussi (exemple public)", "en": "{head}: passed (public sample)"},
    "unknown": {"fr": "pas de question {qid} dans ce devoir (questions : {known})",
                "en": "no question {qid} in this assignment (questions: {known})"},
    "export_done": {"fr": "à remettre : {path} (contient {notebook} ; enregistrez le carnet avant)",
                    "en": "hand in: {path} (holds {notebook}; save the notebook first)"},
    "export_missing": {"fr": "carnet introuvable dans ce dossier : enregistrez-le, ou donnez son "
                             "nom : grader.export(\"mon-carnet.ipynb\")",
                       "en": "notebook not found in this folder: save it, or give its name: "
                             "grader.export(\"my-notebook.ipynb\")"},
}

HEADER: Text = {
    "fr": "# Vérifications publiques (cellule verrouillée) : exécutez-la une fois, puis\n"
          "# grader.check(\"q1\") après chaque réponse, et grader.export() pour remettre.",
    "en": "# Public checks (locked cell): run it once, then grader.check(\"q1\") after each\n"
          "# answer, and grader.export() to hand in.",
}


def _body(module_source: str) -> str:
    """A module's source without its docstring (the cell's header says what it is)."""
    tree = ast.parse(module_source)
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        return "\n".join(module_source.splitlines()[first.end_lineno:]).lstrip("\n")
    return module_source


@cache
def library_source() -> str:
    """The portable functions of every check kind and the checker, as one source text."""
    parts = [_body(inspect.getsource(portable))]
    table = []
    for kind, cls in check_classes().items():
        fns = [f for f in (cls.form_fn, cls.compare_fn) if f is not None]
        for f in fns:
            src = inspect.getsource(f)
            if src not in parts:
                parts.append(src)
        table.append(f"    {kind!r}: ({cls.form_fn.__name__}, "
                     f"{cls.compare_fn.__name__ if cls.compare_fn else 'None'}),")
    parts.append(_body(inspect.getsource(student_checks)))
    parts.append("KINDS = {\n" + "\n".join(table) + "\n}")
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


def texts(lang: str) -> dict[str, Any]:
    """The messages and every reason text in ``lang``."""
    reasons = {code: t[lang] for code, t in COMMON_REASONS.items()}
    for cls in check_classes().values():
        reasons.update({code: t[lang] for code, t in cls.REASONS.items()})
    return {"lang": lang, "messages": {k: v[lang] for k, v in MESSAGES.items()}, "reasons": reasons}


def _encode(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return {"$nd": x.tolist(), "dtype": x.dtype.str}
    if isinstance(x, dict):
        return {str(k): _encode(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_encode(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if hasattr(x, "detach"):
        return _encode(x.detach().cpu().numpy())
    return x


def _call_text(calls: list[Any]) -> str:
    """``f(ndarray (3, 2) float64 [...], 2)``: the last call of a case, its inputs summarised."""
    c = calls[-1]

    def arg(a: Any) -> str:
        if isinstance(a, dict) and "$ref" in a:
            return "…"
        return portable.summary(a).split(" [")[0]

    args = [arg(a) for a in c.args] + [f"{k}={arg(v)}" for k, v in c.kwargs.items()]
    name = c.func if isinstance(c.func, str) else f"….{c.method}"
    return f"{name}({', '.join(args)})"


def _describe(q: DrawnQuestion, lang: str) -> str:
    assert q.variant is not None
    parts = q.variant.parts
    if len(parts) == 1:
        return next(iter(parts.values())).check.describe(lang)
    keys = ", ".join(parts)
    return f"un dictionnaire avec les clés {keys}" if lang == "fr" else f"a dict with the keys {keys}"


@cache
def coding_public_spec(cq: CodingQuestion, lang: str) -> list[dict[str, Any]]:
    """The public cases of a coding question with their expected values (cached: the same for
    every student)."""
    out = []
    for case in cq.public_cases:
        wants = expected_values(cq.reference, case)
        out.append({"id": case.id, "text": case.feedback[lang], "call": _call_text(case.calls),
                    "calls": [{"func": c.func, "method": c.method, "args": _encode(c.args),
                               "kwargs": _encode(c.kwargs)} for c in case.calls],
                    "expect": [{"call": e.call, "item": e.item, "check": e.check.to_json(),
                                "want": _encode(w)} for e, w in zip(case.expect, wants)],
                    "mistakes": public_mistakes(cq, case, wants, lang)})
    return out


def public_mistakes(cq: CodingQuestion, case: Case, wants: list[Any], lang: str) -> list[dict[str, Any]]:
    """The named mistakes that this public case can tell from the reference, each with what
    its code returns on the case's (public) inputs and its explanation: derived from public
    inputs only, they reveal nothing of a hidden case. A mistake that gives the right values
    here (a max shift only matters for large inputs) is left out."""
    out = []
    for m in cq.mistakes:
        values = mistaken_values(m, case)
        if values is not None and distinct(case, values, wants):
            out.append({"key": m.key, "explanation": m.explanation[lang],
                        "wants": [_encode(v) for v in values]})
    return out


def public_spec(assignment_id: str, student: str, lang: str, drawn: list[DrawnQuestion]) -> dict[str, Any]:
    """Every question's public checks (no hidden value: forms of computed parts, public cases)."""
    questions: dict[str, Any] = {}
    for q in drawn:
        if q.variant is not None:
            questions[q.id] = {"kind": "computed", "describe": _describe(q, lang),
                               "parts": [{"name": k, "label": p.label[lang], "check": p.check.to_json()}
                                         for k, p in q.variant.parts.items()]}
        else:
            assert q.coding is not None
            questions[q.id] = {"kind": "coding", "names": list(q.coding.names),
                               "cases": coding_public_spec(q.coding, lang)}
    return {"assignment": assignment_id, "student": student, "questions": questions}


def checks_source(assignment_id: str, student: str, lang: str, drawn: list[DrawnQuestion]) -> str:
    """The source of the notebook's locked ``checks`` cell."""
    spec = json.dumps(public_spec(assignment_id, student, lang, drawn), ensure_ascii=False)
    txt = json.dumps(texts(lang), ensure_ascii=False)
    return (HEADER[lang] + "\n" + library_source()
            + f"\ngrader = Checks(json.loads({spec!r}), json.loads({txt!r}), KINDS, summary, globals())\n")
