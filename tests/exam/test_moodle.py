"""Moodle XML: parsed back with an independent parser (xml.etree) and checked against the
manifest and the importer's rules (question/format/xml/format.php, qtype_multianswer)."""

from __future__ import annotations

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


def test_numerical_answers_and_tolerances_equal_the_manifest(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    root, man = bank
    numerical = [q for q in root if q.get("type") == "numerical"]
    assert numerical  # the loss exercise
    for q in numerical:
        vd, question = _variant(man, q.find("name/text").text)
        (part,) = vd["parts"].values()
        first, *others = q.findall("answer")
        assert first.get("fraction") == "100"
        assert float(first.find("text").text) == part["answer"]
        assert float(first.find("tolerance").text) == _tolerance(part["check"], part["answer"])
        assert float(q.find("defaultgrade").text) == question["points"]
        assert [float(a.find("text").text) for a in others] == [m["value"] for m in part["misconceptions"]]
        assert all(a.get("fraction") == "0" and a.find("feedback/text").text for a in others)


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
        for part in vd["parts"].values():
            kind, ans = part["check"]["kind"], part["answer"]
            if kind in ("int", "float"):
                expected.append((ans, _tolerance(part["check"], ans)))
            elif kind == "shape":
                expected += [(x, 0.0) for x in ans]
            elif kind == "array":
                flat = [x for row in ans for x in row] if ans and isinstance(ans[0], list) else ans
                expected += [(x, part["check"]["atol"] + part["check"]["rtol"] * abs(x)) for x in flat]
            elif kind == "table":
                expected += [(x, _tolerance({"kind": "float", **part["check"]}, x))
                             for row in ans for x in row if isinstance(x, (int, float)) and not isinstance(x, bool)]
        got = []
        for f in numeric:
            right = f.split(":NUMERICAL:=", 1)[1].split("~")[0].split("#")[0].rstrip("}")
            assert NUMBER.match(right), right
            value, tol = right.split(":")
            got.append((float(value), float(tol)))
        assert got == expected
        # every {..:TYPE:..} field was recognised by Moodle's regex (none left half-parsed)
        assert text.count(":NUMERICAL:") + text.count(":MULTICHOICE:") + text.count(":MULTIRESPONSE:") \
            + text.count(":SHORTANSWER:") == len(fields)


def test_multichoice_marks_the_right_letters(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    root, man = bank
    mcs = [q for q in root if q.get("type") == "multichoice"]
    assert mcs
    for q in mcs:
        vd, _ = _variant(man, q.find("name/text").text)
        (part,) = vd["parts"].values()
        right = {part["answer"]} if isinstance(part["answer"], str) else set(part["answer"])
        got = {a.find("text").text for a in q.findall("answer") if float(a.get("fraction")) > 0}
        assert got == right
        assert q.find("single").text == ("true" if isinstance(part["answer"], str) else "false")


def test_feedback_holds_the_worked_solution(bank: tuple[ET.Element, dict[str, Any]]) -> None:
    root, _ = bank
    for q in root:
        if q.get("type") != "category":
            fb = q.find("generalfeedback/text").text
            assert fb.startswith("<p><strong>Réponses</strong></p>") and len(fb) > 100
