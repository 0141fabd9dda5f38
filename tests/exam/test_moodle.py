"""Moodle XML: parsed back with an independent parser (xml.etree) and checked against the
manifest and the importer's rules (question/format/xml/format.php, qtype_multianswer)."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from course.documents.moodle import MOODLE_GRADES

# Elements each question type's importer reads (import_headers + the type's importer).
COMMON = {"name", "questiontext", "generalfeedback", "defaultgrade", "penalty", "hidden"}
ALLOWED = {
    "category": {"category", "info"},
    "numerical": COMMON | {"answer"},
    "multichoice": COMMON | {"single", "shuffleanswers", "answernumbering", "answer"},
    "truefalse": COMMON | {"answer"},
    "shortanswer": COMMON | {"usecase", "answer"},
    "cloze": COMMON - {"defaultgrade"},  # multianswer computes its grade from the fields
}
ANSWER_CHILDREN = {"numerical": {"text", "tolerance", "feedback"}, "multichoice": {"text", "feedback"},
                   "truefalse": {"text", "feedback"}, "shortanswer": {"text", "feedback"}}
FORMATS = {"html", "moodle_auto_format", "plain_text", "markdown"}

# qtype_multianswer's regexes (questiontype.php), ported to Python.
_ALT = r"(=|%(-?[0-9]+(?:[.,][0-9]*)?)%)?(.+?(?<!\\|&)(?=[~#}]|$))(#(.*?(?<!\\)(?=[~}]|$)))?"
_TYPES = r"NUMERICAL|NM|MULTICHOICE|MC|MULTIRESPONSE|MR|SHORTANSWER|SA|MW"
CLOZE = re.compile(r"\{([0-9]*):(" + _TYPES + r"):(" + _ALT + r"(~" + _ALT + r")*)\}", re.S)
NUMBER = re.compile(r"^-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)(:-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?))?$")


@pytest.fixture(scope="module")
def bank(built_sources: Path) -> tuple[ET.Element, dict[str, Any]]:
    root = ET.parse(built_sources / "moodle" / "mini.xml").getroot()
    man = json.loads((built_sources / "manifest.json").read_text())
    return root, man


def _variant(man: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    _, qnum, _key, sid = name.split(" ")
    st = next(s for s in man["students"] if s["id"] == sid)
    vd = st["variants"][int(qnum[1:]) - 1]
    return vd, man["questions"][int(qnum[1:]) - 1]


def _tolerance(check: dict[str, Any], expected: float) -> float:
    if check["kind"] == "int":
        return 0.0
    return check["atol"] + check["rtol"] * abs(expected)  # the one tolerance rule (checks.portable)


def test_well_formed_and_only_importer_elements(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    root, man = bank
    assert root.tag == "quiz"
    types = [q.get("type") for q in root]
    assert types.count("category") == len(man["questions"])
    for q in root:
        assert q.tag == "question" and set(q.attrib) == {"type"}
        kids = {c.tag for c in q}
        assert kids <= ALLOWED[q.get("type")], (q.get("type"), kids - ALLOWED[q.get("type")])
        for c in q:
            if c.tag in ("questiontext", "generalfeedback", "info"):
                assert set(c.attrib) == {"format"} and c.get("format") in FORMATS
                assert [x.tag for x in c] == ["text"]
        for a in q.findall("answer"):
            assert set(a.attrib) <= {"fraction", "format"}
            assert {x.tag for x in a} <= ANSWER_CHILDREN[q.get("type")]
            frac = abs(float(a.get("fraction")))
            assert any(abs(frac - g) < 1e-3 for g in MOODLE_GRADES), frac


def test_categories_hold_one_question_per_distinct_variant(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    root, man = bank
    current = None
    per_cat: dict[str, list[str]] = {}
    for q in root:
        if q.get("type") == "category":
            current = q.find("category/text").text
            assert current.startswith("$course$/top/Apprentissage profond : test/Examen test/Q0")
            per_cat[current] = []
        else:
            per_cat[current].append(q.find("name/text").text)
    assert len(per_cat) == 7
    for i, names in enumerate(per_cat.values()):
        assert all(n.split(" ")[1] == f"Q{i + 1}" for n in names)
        distinct = {json.dumps(s["variants"][i]["params"], sort_keys=True) for s in man["students"]}
        assert len(names) == len(distinct)


def _asked(x: Any, decimals: int | None) -> float:
    """A value as the statement asks it: rounded to its decimals (integers, exact values as they are)."""
    return round(x, decimals) if decimals is not None and isinstance(x, float) else x


def _decimals_of(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_numerical_answers_and_tolerances_equal_the_manifest(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    root, man = bank
    numerical = [q for q in root if q.get("type") == "numerical"]
    assert numerical  # the loss exercise
    for q in numerical:
        vd, question = _variant(man, q.find("name/text").text)
        ((name, part),) = vd["parts"].items()
        d = vd["context"]["decimals"][name]
        first, *others = q.findall("answer")
        assert first.get("fraction") == "100"
        # the answer as the statement asks it: d decimals, not 16 digits (0.6931, not 0.6931471805599453)
        assert first.find("text").text == f"{part['answer']:.{d}f}"
        assert float(first.find("tolerance").text) == _tolerance(part["check"], part["answer"])
        assert float(q.find("defaultgrade").text) == question["points"]
        assert [a.find("text").text for a in others] == [f"{m['value']:.{d}f}" for m in part["misconceptions"]]
        assert all(a.get("fraction") == "0" and a.find("feedback/text").text for a in others)
        # the one rule still decides: the rounded answer is accepted, every mistake is not
        tol = float(first.find("tolerance").text)
        right = float(first.find("text").text)
        assert abs(round(part["answer"], d) - right) <= tol
        for a in others:
            assert abs(float(a.find("text").text) - right) > tol


def test_cloze_fields_parse_and_match_the_manifest(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    root, man = bank
    clozes = [q for q in root if q.get("type") == "cloze"]
    assert clozes
    for q in clozes:
        vd, _ = _variant(man, q.find("name/text").text)
        text = q.find("questiontext/text").text
        fields = [m.group(0) for m in CLOZE.finditer(text)]
        numeric = [f for f in fields if ":NUMERICAL:" in f]
        expected: list[tuple[float, float]] = []
        places: list[int | None] = []
        for name, part in vd["parts"].items():
            kind, ans = part["check"]["kind"], part["answer"]
            d = vd["context"].get("decimals", {}).get(name)
            before = len(expected)
            if kind in ("int", "float"):
                expected.append((_asked(ans, d), _tolerance(part["check"], ans)))
            elif kind == "shape":
                expected += [(x, 0.0) for x in ans]
            elif kind == "array":
                flat = [x for row in ans for x in row] if ans and isinstance(ans[0], list) else ans
                expected += [(_asked(x, d), part["check"]["atol"] + part["check"]["rtol"] * abs(x)) for x in flat]
            elif kind == "table":
                # laid out for filling in online: the given and the omitted columns are not asked
                layout = vd["context"].get("lms_tables", {}).get(name, {})
                skip = set(layout.get("given", [])) | set(layout.get("omit", []))
                expected += [(_asked(x, d), _tolerance({"kind": "float", **part["check"]}, x))
                             for row in ans for j, x in enumerate(row)
                             if j not in skip and isinstance(x, (int, float)) and not isinstance(x, bool)]
            places += [d if kind in ("float", "array", "table") else None] * (len(expected) - before)
        got = []
        for f, d in zip(numeric, places, strict=True):
            right = f.split(":NUMERICAL:=", 1)[1].split("~")[0].split("#")[0].rstrip("}")
            assert NUMBER.match(right), right
            value, tol = right.split(":")
            got.append((float(value), float(tol)))
            if d is not None and "." in value:
                assert _decimals_of(value) == d, (value, d)  # 0.9610: the asked decimals, trailing zeros kept
        assert got == expected
        # every {..:TYPE:..} field was recognised by Moodle's regex (none left half-parsed)
        assert text.count(":NUMERICAL:") + text.count(":MULTICHOICE:") + text.count(":MULTIRESPONSE:") \
            + text.count(":SHORTANSWER:") == len(fields)


def test_a_true_false_quiz_question_is_a_truefalse_question(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    """The mini exam's quiz question (Vrai / Faux options) is a Moodle truefalse question whose
    statement does not list lettered options to type."""
    root, man = bank
    tfs = [q for q in root if q.get("type") == "truefalse"]
    assert tfs
    for q in tfs:
        vd, _ = _variant(man, q.find("name/text").text)
        (part,) = vd["parts"].values()
        texts = {o["letter"]: o["fr"] for o in vd["context"]["options"]}
        truth = texts[part["answer"]] == "Vrai"
        fractions = {a.find("text").text: a.get("fraction") for a in q.findall("answer")}
        assert fractions == {"true": "100" if truth else "0", "false": "0" if truth else "100"}
        text = q.find("questiontext/text").text
        assert "<strong>A.</strong>" not in text and "lettre" not in text


def test_feedback_holds_the_worked_solution(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    root, _ = bank
    for q in root:
        if q.get("type") != "category":
            fb = q.find("generalfeedback/text").text
            assert fb.startswith("<p><strong>Réponses</strong></p>") and len(fb) > 100


# --------------------------------------------------------------------------- questions built from families
def _question(family: str, seed: int, lang: str = "fr", **params: Any) -> tuple[Any, ET.Element]:
    """A variant of ``family`` (drawn, or from ``params``) and its Moodle question, parsed back."""
    from course.base.rng import make_rng
    from course.documents.moodle import _env, moodle_question
    from course.generator.registry import registry

    fam = registry()[family]
    v = fam.variant(params) if params else fam.generate(make_rng(seed, "moodle", family))
    q = moodle_question(v, f"t Q1 {family} s{seed}", 2.0, lang)
    xml = _env().get_template("moodle/quiz.xml.j2").render(
        categories=[{"path": "$course$/top/t", "info": "", "questions": [q]}])
    (question,) = [x for x in ET.fromstring(xml) if x.get("type") != "category"]
    return v, question


def _unescape_cloze(text: str) -> str:
    return text.replace("\\}", "}").replace("\\#", "#").replace("\u223c", "~")


def _moodle_matches(response: str, pattern: str) -> bool:
    """qtype_shortanswer's compare_string_with_wildcard, ported: ``*`` is a wildcard, ``\\*`` a
    star; the response is trimmed; case is ignored (usecase 0, the cloze SHORTANSWER)."""
    bits = re.split(r"(?<!\\)\*+", pattern)
    regexp = "^" + ".*".join(re.escape(b.replace("\\*", "*")) for b in bits) + "$"
    return re.match(regexp, response.strip(), re.IGNORECASE) is not None


@pytest.mark.parametrize("seed", range(6))
def test_symbolic_answers_accept_the_forms_students_write(seed: int) -> None:
    v, q = _question("forward-equations", seed)
    text = q.find("questiontext/text").text
    fields = [m.group(3) for m in CLOZE.finditer(text) if m.group(2) == "SHORTANSWER"]
    parts = list(v.parts.values())
    assert len(fields) == len(parts)
    for body, part in zip(fields, parts):
        alternatives = re.split(r"(?<!\\)~", body)
        assert all(a.startswith("=") for a in alternatives)  # every one is right (100 %)
        patterns = [_unescape_cloze(a[1:]) for a in alternatives]
        answer = part.answer
        # every accepted text is the same expression (sympy decides, as the grader does)
        for pat in patterns:
            assert part.check.accepts(pat.replace("\\*", "*"), answer), (pat, answer)
        # ... and what students write is accepted: the course's form, without spaces, with
        # spaces around every operator, the terms of a sum swapped, in lower case
        tight = answer.replace(" ", "")
        forms = [answer, tight, tight.replace("*", " * ").replace("+", " + "), f"  {answer} ", answer.lower()]
        if " + " in answer and "(" not in answer:
            left, right = answer.rsplit(" + ", 1)
            forms.append(f"{right} + {left}")
        for form in forms:
            assert any(_moodle_matches(form, p) for p in patterns), (form, patterns)
        # a product in the wrong order (the factors are matrices) is not
        if "*" in answer and "(" not in answer:
            a, rest = answer.split("*", 1)
            b = rest.split(" ")[0]
            swapped = answer.replace(f"{a}*{b}", f"{b}*{a}", 1)
            assert not part.check.accepts(swapped, answer)
            assert not any(_moodle_matches(swapped, p) for p in patterns), swapped


def _bank_ids() -> list[str]:
    from course.generator.families.concept_quiz import question_bank

    return list(question_bank())


@pytest.mark.parametrize("question", _bank_ids())
def test_multiple_choice_answers_are_the_option_texts(question: str) -> None:
    v, q = _question("concept-quiz", 0, question=question, order=[])
    ctx = v.context
    texts = {o["letter"]: o["fr"] for o in ctx["options"]}
    answer = v.answer
    right = {answer} if isinstance(answer, str) else set(answer)
    text = q.find("questiontext/text").text
    assert "<strong>A.</strong>" not in text and "lettre" not in text  # no letters to type
    if ctx["kind"] == "truefalse":
        assert q.get("type") == "truefalse"
        return
    assert q.get("type") == "multichoice"
    got = {html.unescape(a.find("text").text): float(a.get("fraction")) for a in q.findall("answer")}
    assert set(got) == set(texts.values())  # the texts, not "A".."D"
    assert {t for t, frac in got.items() if frac > 0} == {texts[x] for x in right}
    assert q.find("single").text == ("true" if ctx["kind"] == "single" else "false")
    why = {o["fr"]: o["why"]["fr"] for o in ctx["options"] if o.get("why") and not o["correct"]}
    for a in q.findall("answer"):
        t = html.unescape(a.find("text").text)
        if t in why and ctx["kind"] == "single":
            assert why[t][:20] in (a.find("feedback/text").text or "")


def test_every_kind_of_quiz_question_becomes_a_readable_choice() -> None:
    from course.generator.families.concept_quiz import question_bank

    kinds = {}
    for qid, d in question_bank().items():
        kinds.setdefault(d["kind"], qid)
    assert set(kinds) == {"single", "multiple", "truefalse"}
    for kind, qid in kinds.items():
        v, q = _question("concept-quiz", 0, question=qid, order=[])
        assert q.get("type") == ("truefalse" if kind == "truefalse" else "multichoice")
        if kind != "truefalse":
            texts = [html.unescape(a.find("text").text) for a in q.findall("answer")]
            assert texts == [o["fr"] for o in v.context["options"]]
            assert sum(float(a.get("fraction")) for a in q.findall("answer")
                       if float(a.get("fraction")) > 0) == pytest.approx(100, abs=0.01)


@pytest.mark.parametrize("seed", range(4))
def test_the_perceptron_table_is_one_table_per_epoch_without_repeated_cells(seed: int) -> None:
    v, q = _question("perceptron-table", seed)
    text = q.find("questiontext/text").text
    n, p = v.context["n"], v.context["p"]
    rows = v.parts["table"].answer
    epochs = -(-len(rows) // n)
    asked = text.split("<strong>table des itérations</strong>")[-1]  # after the statement's data table
    assert asked.count("<table") == epochs
    for k in range(1, epochs + 1):
        assert f"<em>Époque {k}</em>" in asked
    gaps = list(CLOZE.finditer(text))
    # per iteration: Y, f(Y) and the weights and bias after (the rest is given or repeats a
    # cell); then the final weights (p), the bias, the epochs and whether it converges
    assert len(gaps) == len(rows) * (2 + p + 1) + p + 3
    # the printed cells are the iteration number and the observation (x, d)
    first = asked.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td>(.*?)</td>", first)
    assert cells[: p + 2] == [str(x) for x in [rows[0][0], *rows[0][p + 2: 2 * p + 3]]]
    assert len(gaps) < 12 * len(rows)  # the old cloze asked every cell of every row
