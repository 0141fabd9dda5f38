"""concept-quiz: one question of the course's quizzes and theory (001, 002, 003, 004).

The questions are data: ``templates/quiz/questions.json`` (French and English, the correct
option(s), an explanation, and a reason for each wrong option where the bank has one).
A variant is a question id plus an ``order``, the permutation of the options drawn with the
rng (true/false questions keep Vrai/Faux in that order). The answer is the option letter
(single / true-false) or the sorted list of letters (multiple answers), graded by ChoiceCheck.

Misconceptions are the distractors: picking a wrong option (single), or, for several
answers, adding one wrong option or leaving out one correct option; each carries the bank's
reason for that option when there is one, else the question's explanation.

No answer is computed here: the key is the bank's data (the seeds print no keys; each
question cites the part of the course that settles it). ``course.reference`` has no role.
"""

from __future__ import annotations

import json
import string
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..checks import ChoiceCheck

KINDS = ("single", "multiple", "truefalse")
TRUE_FALSE = ({"fr": "Vrai", "en": "True"}, {"fr": "Faux", "en": "False"})


def _text(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and value[k].strip()
                                              for k in ("fr", "en")):
        raise ValueError(f"{where}: needs non-empty 'fr' and 'en' texts")
    return {"fr": value["fr"], "en": value["en"]}


def _normalise(q: dict[str, Any]) -> dict[str, Any]:
    """Validate one bank entry and give it the uniform shape used by the family:
    ``{id, source, kind, question, options: [{fr, en, correct, why?}], explanation}``."""
    qid = q.get("id")
    if not isinstance(qid, str) or not qid:
        raise ValueError("a question has no 'id'")
    where = f"question {qid!r}"
    kind = q.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
    explanation = _text(q.get("explanation"), f"{where} explanation")
    if kind == "truefalse":
        if type(q.get("answer")) is not bool:
            raise ValueError(f"{where}: a truefalse question needs 'answer': true/false")
        options = [{**TRUE_FALSE[0], "correct": q["answer"]},
                   {**TRUE_FALSE[1], "correct": not q["answer"]}]
    else:
        options = []
        for i, o in enumerate(q.get("options") or []):
            opt = {**_text(o, f"{where} option {i}"), "correct": o.get("correct")}
            if type(opt["correct"]) is not bool:
                raise ValueError(f"{where} option {i}: 'correct' must be true or false")
            if "why" in o:
                opt["why"] = _text(o["why"], f"{where} option {i} why")
            options.append(opt)
        n_correct = sum(o["correct"] for o in options)
        if len(options) < 2 or n_correct == 0 or n_correct == len(options):
            raise ValueError(f"{where}: needs at least one correct and one wrong option")
        if kind == "single" and n_correct != 1:
            raise ValueError(f"{where}: a single-answer question needs exactly one correct option")
    return {"id": qid, "source": str(q.get("source", "")), "kind": kind,
            "question": _text(q.get("question"), f"{where} question"),
            "options": options, "explanation": explanation}


@cache
def question_bank() -> dict[str, dict[str, Any]]:
    """The bank, ``{id: question}``, loaded once from ``course.templates/quiz/questions.json``."""
    path = resources.files("course.templates") / "quiz" / "questions.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    bank: dict[str, dict[str, Any]] = {}
    for q in data["questions"]:
        nq = _normalise(q)
        if nq["id"] in bank:
            raise ValueError(f"question id {nq['id']!r} appears twice in questions.json")
        bank[nq["id"]] = nq
    return bank


def _letters(indices: list[int]) -> Any:
    """Option positions -> a letter (one) or a sorted list of letters (several)."""
    labels = sorted(string.ascii_uppercase[i] for i in indices)
    return labels[0] if len(labels) == 1 else labels


class ConceptQuiz(Family):
    id = "concept-quiz"
    title = {"fr": "Question de cours (QCM, vrai/faux)",
             "en": "Concept question (multiple choice, true/false)"}
    params = {
        "question": Param("str", "question id in templates/quiz/questions.json",
                          choices=tuple(question_bank())),
        "order": Param("ints", "order of the options: a permutation of 0..k-1 "
                               "(empty: the bank's order)", default=[]),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        qid = c.choice(rng, "question", list(question_bank()))
        q = question_bank().get(qid)
        if q is None or q["kind"] == "truefalse":
            return {"question": qid, "order": []}
        order = c.value("order", None)
        if order is None:
            order = [int(i) for i in rng.permutation(len(q["options"]))]
        return {"question": qid, "order": order}

    def solve(self, params: dict[str, Any]) -> Solution:
        qid = params["question"]
        bank = question_bank()
        if qid not in bank:
            raise ParameterError("question", text(f"identifiant de question {qid!r} inconnu (la banque en a {len(bank)} : {', '.join(bank)})", f"unknown question id {qid!r} "
                                 f"(the bank has {len(bank)}: {', '.join(bank)})"))
        q = bank[qid]
        k = len(q["options"])
        order = params["order"]
        if order in ([], None):
            order = list(range(k))
        if (not isinstance(order, list) or any(type(i) is not int for i in order)
                or sorted(order) != list(range(k))):
            raise ParameterError("order", text(f"doit être une permutation de 0..{k - 1} (la question {qid!r} a {k} options), reçu : {order!r}", f"must be a permutation of 0..{k - 1} "
                                 f"(question {qid!r} has {k} options), got {order!r}"))
        shown = [q["options"][i] for i in order]
        correct = [j for j, o in enumerate(shown) if o["correct"]]
        wrong = [j for j, o in enumerate(shown) if not o["correct"]]
        answer = _letters(correct)
        letters = string.ascii_uppercase[:k]

        def why(j: int) -> dict[str, str]:
            return shown[j].get("why", q["explanation"])

        mis: list[Misconception] = []
        for j in wrong:
            value = _letters([j]) if q["kind"] != "multiple" else _letters(correct + [j])
            key = f"chose-{letters[j]}" if q["kind"] != "multiple" else f"added-{letters[j]}"
            mis.append(Misconception(key, value, why(j)))
        if q["kind"] == "multiple" and len(correct) > 1:
            for j in correct:
                rest = [i for i in correct if i != j]
                head = {"fr": f"l'option {letters[j]} est correcte aussi : ",
                        "en": f"option {letters[j]} is correct too: "}
                mis.append(Misconception(f"missed-{letters[j]}", _letters(rest),
                                         {lang: head[lang] + q["explanation"][lang]
                                          for lang in ("fr", "en")}))
        label = ({"fr": "lettre de la bonne réponse", "en": "letter of the correct answer"}
                 if q["kind"] != "multiple" else
                 {"fr": "lettres de toutes les bonnes réponses",
                  "en": "letters of all the correct answers"})
        part = Part(answer, ChoiceCheck(options=tuple(letters)), label, tuple(mis))
        options = [{"letter": letters[j], "fr": o["fr"], "en": o["en"], "correct": o["correct"],
                    "why": o.get("why")} for j, o in enumerate(shown)]
        return Solution({"choice": part},
                        {"kind": q["kind"], "question": q["question"], "options": options,
                         "explanation": q["explanation"], "source": q["source"]})
