"""Every check kind is rendered by every output format (DESIGN.md rule 5): answer keys,
exam sheets' answer spaces, LMS fields (Moodle cloze and questions, Canvas QTI items), the notebook's public check
(the portable form function, copied into the student's notebook), and its reason texts in both
languages. A new kind that forgets one fails here; the registry finds kinds by itself."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from course.documents import moodle, qti
from course.documents.runtime import library_source, texts
from course.generator.base import Misconception, Part, Variant
from course.generator.checks import (
    AnswerSpace,
    ChoiceField,
    GroupField,
    NumberField,
    TextField,
    check_classes,
)
from course.generator.checks.base import COMMON_REASONS

KINDS = sorted(check_classes())
EXAM_KINDS = [k for k in KINDS if check_classes()[k].exam]


def test_the_kinds() -> None:
    assert set(KINDS) >= {"int", "float", "bool", "shape", "array", "table", "symbolic", "choice",
                          "array-shape", "state-dict", "accuracy"}


@pytest.mark.parametrize("kind", KINDS)
def test_verdicts_and_reasons(kind: str) -> None:
    cls = check_classes()[kind]
    check, expected, ok = cls.sample()
    assert check.verdict(ok, expected).ok
    assert check.form(None).code == "missing"
    bad = check.verdict(object(), expected)
    assert not bad.ok and bad.code is not None
    for code in {**COMMON_REASONS, **cls.REASONS}:
        for lang in ("fr", "en"):
            assert check.reason_text(code, {"got": "x", "missing": "a", "extra": "b", "key": "k",
                                            "why": "nan", "accuracy": 0.5, "min": 0.85}, lang)
    assert check.describe("fr") and check.describe("en") and check.describe("fr") != check.describe("en")
    # the JSON form round-trips (manifests, hidden-test specifications)
    from course.generator.checks import check_from_json
    assert check_from_json(check.to_json()) == check


@pytest.mark.parametrize("kind", KINDS)
def test_answer_keys(kind: str) -> None:
    check, expected, _ = check_classes()[kind].sample()
    for lang in ("fr", "en"):
        md = check.key_md(expected, lang)
        assert isinstance(md, str) and md.strip()


@pytest.mark.parametrize("kind", EXAM_KINDS)
def test_exam_sheets_and_lms_fields(kind: str) -> None:
    check, expected, _ = check_classes()[kind].sample()
    for lang in ("fr", "en"):
        assert isinstance(check.answer_space(expected, lang), AnswerSpace)
        field = check.lms_field(expected, lang, ((expected, "mistake"),))
        assert isinstance(field, (NumberField, ChoiceField, TextField, GroupField))
        assert "{1:" in moodle.cloze(field)
    # a one-part variant of this kind becomes a Moodle question of a known type
    part = Part(expected, check, {"fr": "réponse", "en": "answer"},
                (Misconception("m", expected, {"fr": "erreur", "en": "mistake"}),))
    v = Variant("mlp-params", {"layers": [2, 3, 1]}, {"a": part}, {})
    q = moodle.moodle_question(v, "Q1", 1.0, "en", statement_md="S", solution_md="T")
    assert q["type"] in ("numerical", "multichoice", "truefalse", "shortanswer", "cloze")
    # ... and Canvas QTI items, alone and beside another part, that parse back
    two = Variant("mlp-params", {"layers": [2, 3, 1]},
                  {"a": part, "b": Part(7, check_classes()["int"](), {"fr": "b", "en": "b"})}, {})
    for variant in (v, two):
        for lang in ("fr", "en"):
            items = qti.qti_items(variant, "Q1", 1.0, lang, statement_md="S", solution_md="T")
            root = ET.fromstring(qti.bank_xml("b", "bank", items))
            found = root.findall(f"{{{qti.QTI_NS}}}objectbank/{{{qti.QTI_NS}}}item")
            assert len(found) == len(items) >= len(variant.parts)
            assert {i["type"] for i in items} <= {
                "numerical_question", "multiple_choice_question", "true_false_question",
                "multiple_answers_question", "short_answer_question", "essay_question",
                "fill_in_multiple_blanks_question", "multiple_dropdowns_question"}
            assert sum(float(i["points"]) for i in items) == pytest.approx(1.0)


@pytest.mark.parametrize("kind", KINDS)
def test_portable_functions_reach_the_notebook(kind: str) -> None:
    """The form (and, for coding kinds, the comparison) run in the student's notebook, from the
    copied source, without the project: same verdicts as the trusted side."""
    cls = check_classes()[kind]
    check, expected, ok = cls.sample()
    ns: dict = {}
    exec(compile(library_source(), "<checks cell>", "exec"), ns)
    form, compare = ns["KINDS"][kind]
    params = check.to_json()
    assert form(ok, params) is None and form(object(), params) is not None
    if compare is not None:
        assert compare(ok, expected, params) is None
    for code in cls.REASONS:
        assert code in texts("fr")["reasons"] and code in texts("en")["reasons"]


def _moodle_xml(question: dict) -> ET.Element:
    """One Moodle question as the bank writes it, parsed back with xml.etree."""
    xml = moodle._env().get_template("moodle/quiz.xml.j2").render(
        categories=[{"path": "$course$/top/t", "info": "", "questions": [question]}])
    (q,) = [x for x in ET.fromstring(xml) if x.get("type") != "category"]
    return q


@pytest.mark.parametrize("kind", EXAM_KINDS)
@pytest.mark.parametrize("decimals", [None, 3])
def test_moodle_xml_parses_back_with_the_answers(kind: str, decimals: int | None) -> None:
    """A one-part variant of every kind, in the Moodle XML: the right answer is there, numbers
    with the decimals the statement asks (``context["decimals"]``), a choice with its texts."""
    import re

    check, expected, _ = check_classes()[kind].sample()
    part = Part(expected, check, {"fr": "réponse", "en": "answer"})
    v = Variant("mlp-params", {"layers": [2, 3, 1]}, {"a": part}, {"decimals": {"a": decimals}})
    q = _moodle_xml(moodle.moodle_question(v, "Q1", 1.0, "en", statement_md="S", solution_md="T"))
    answers = [(a.get("fraction"), a.findtext("text")) for a in q.findall("answer")]
    field = moodle.variant_field(v, "a", "en")
    if q.get("type") == "numerical":
        ((frac, text),) = [a for a in answers if a[0] == "100"]
        assert float(text) == pytest.approx(expected, abs=10.0 ** -(decimals or 9))
        if decimals is not None and isinstance(expected, float):
            assert text == f"{expected:.{decimals}f}"
    elif q.get("type") == "multichoice":
        assert isinstance(field, ChoiceField)
        right = {t for f, t in answers if float(f) > 0}
        assert right == set(field.correct)
    elif q.get("type") == "truefalse":
        assert {t for f, t in answers if f == "100"} <= {"true", "false"}
    elif q.get("type") == "shortanswer":
        assert str(expected).replace("*", "\\*") in [t for f, t in answers if f == "100"]
    else:
        text = q.findtext("questiontext/text")
        gaps = re.findall(r"\{1:(NUMERICAL|MULTICHOICE|MULTIRESPONSE|SHORTANSWER):([^}]*)\}", text)
        assert gaps
        for typ, body in gaps:
            if typ == "NUMERICAL" and decimals is not None:
                value = body.split("=", 1)[1].split(":")[0]
                assert "." not in value or len(value.split(".")[1]) == decimals, value
