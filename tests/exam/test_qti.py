"""Canvas QTI 1.2 package: the zip and every XML in it parsed back with an independent parser
(xml.etree), checked against the manifest, the checks' tolerance rule and what Canvas's importer
reads (QTIMigrationTool's imsqtiv1.py, then the qti_exporter plugin's converters)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from course.documents import qti
from course.generator.base import Misconception, Part, Variant
from course.generator.checks import (
    GroupField,
    NumberField,
    at_precision,
    check_classes,
    check_from_json,
)
from course.generator.checks.portable import close

GOLDEN = Path(__file__).parent / "golden"
NS = {"q": qti.QTI_NS, "cp": qti.CP_NS}
Q = "{" + qti.QTI_NS + "}"
TYPES = {"numerical_question", "multiple_choice_question", "true_false_question",
         "multiple_answers_question", "short_answer_question", "essay_question",
         "fill_in_multiple_blanks_question", "multiple_dropdowns_question"}
# the children of an <item> that Canvas's export writes and its importer reads
ITEM_CHILDREN = ["itemmetadata", "presentation", "resprocessing", "itemfeedback"]


@pytest.fixture(scope="module")
def package(built_sources: Path) -> tuple[zipfile.ZipFile, dict[str, ET.Element], dict[str, Any]]:
    zf = zipfile.ZipFile(built_sources / "qti" / "mini.zip")
    roots = {name: ET.fromstring(zf.read(name)) for name in zf.namelist()}
    man = json.loads((built_sources / "manifest.json").read_text())
    return zf, roots, man


def _banks(roots: dict[str, ET.Element]) -> list[ET.Element]:
    """The objectbanks in the manifest's order."""
    res = roots["imsmanifest.xml"].findall("cp:resources/cp:resource", NS)
    return [roots[r.get("href")].find("q:objectbank", NS) for r in res]


def _meta(el: ET.Element) -> dict[str, str]:
    """The ``qtimetadata`` fields of a bank or an item (its own, not its items')."""
    md = el.find("q:qtimetadata", NS) if el.tag == Q + "objectbank" else el.find("q:itemmetadata/q:qtimetadata", NS)
    return {f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", namespaces=NS)
            for f in md.iterfind("q:qtimetadatafield", NS)}


def _variant(man: dict[str, Any], title: str) -> tuple[dict[str, Any], dict[str, Any]]:
    _, qnum, _key, sid = title.split(" · ")[0].split(" ")
    st = next(s for s in man["students"] if s["id"] == sid)
    return st["variants"][int(qnum[1:]) - 1], man["questions"][int(qnum[1:]) - 1]


def _flat(f: Any) -> list[Any]:
    if isinstance(f, GroupField):
        return [x for row in f.rows for c in row for x in _flat(c)]
    return [f]


def _units(vd: dict[str, Any], lang: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """What the items of a variant ask, from the manifest alone: ``("value", field, part)`` each,
    or ``("essay", n, part)`` for a big group with numbers; one ``("blanks", fields, {})`` when no
    value is a number (module docstring of course.documents.qti)."""
    fields = []
    for name, p in vd["parts"].items():
        wrong = tuple((m["value"], m["explanation"][lang]) for m in p["misconceptions"])
        field = check_from_json(p["check"]).lms_field(p["answer"], lang, wrong)
        # numbers as the statement asks them (0.9610, not 16 digits)
        fields.append((at_precision(field, vd["context"].get("decimals", {}).get(name)), p))
    values = [x for f, _ in fields for x in _flat(f)]
    if len(values) > 1 and not any(isinstance(x, NumberField) for x in values):
        return [("blanks", values, {})]
    units: list[tuple[str, Any, dict[str, Any]]] = []
    for f, p in fields:
        flat = _flat(f)
        if len(flat) > qti.MAX_RUN and any(isinstance(x, NumberField) for x in flat):
            units.append(("essay", len(flat), p))
        else:
            units += [("value", x, p) for x in flat]
    return units


def _rule_tolerance(check: dict[str, Any], expected: float) -> float:
    """The one tolerance rule (checks.portable.close), from the check's parameters."""
    if check["kind"] in ("int", "shape"):
        return 0.0
    return check["atol"] + check["rtol"] * abs(expected)


def _choices(item: ET.Element) -> tuple[dict[str, str], set[str]]:
    """``({label ident: text}, {idents the scoring condition marks right})``."""
    labels = {lab.get("ident"): lab.findtext("q:material/q:mattext", namespaces=NS)
              for lab in item.iterfind(".//q:response_label", NS)}
    cond = item.find("q:resprocessing/q:respcondition[q:setvar]/q:conditionvar", NS)
    right = {v.text for v in cond.iterfind(".//q:varequal", NS)
             if v not in set(cond.iterfind(".//q:not/q:varequal", NS))}
    return labels, right


# --------------------------------------------------------------------------- the package
def test_zip_is_deterministic_and_the_manifest_lists_every_file(
        package: tuple[zipfile.ZipFile, dict[str, ET.Element], dict[str, Any]]) -> None:
    zf, roots, man = package
    names = zf.namelist()
    assert names[0] == "imsmanifest.xml" and names[1:] == sorted(names[1:])
    assert all(i.date_time == qti.ZIP_TIME for i in zf.infolist())
    manifest = roots["imsmanifest.xml"]
    assert manifest.tag == "{" + qti.CP_NS + "}manifest"
    resources = manifest.findall("cp:resources/cp:resource", NS)
    hrefs = [r.get("href") for r in resources]
    assert sorted(hrefs) == sorted(n for n in names if n != "imsmanifest.xml")  # every file, once
    for r in resources:
        assert r.get("type") == "imsqti_xmlv1p2"
        assert [f.get("href") for f in r.findall("cp:file", NS)] == [r.get("href")]
        assert roots[r.get("href")].find("q:objectbank", NS).get("ident") == r.get("identifier")
    assert len({r.get("identifier") for r in resources}) == len(resources) == len(man["questions"])


def test_items_have_the_shape_canvas_reads(
        package: tuple[zipfile.ZipFile, dict[str, ET.Element], dict[str, Any]]) -> None:
    _, roots, _ = package
    idents = set()
    for bank in _banks(roots):
        assert [c.tag for c in bank][0] == Q + "qtimetadata"
        for item in bank.findall("q:item", NS):
            assert item.get("ident") not in idents
            idents.add(item.get("ident"))
            tags = [c.tag[len(Q):] for c in item]
            assert tags[:3] == ITEM_CHILDREN[:3] and set(tags[3:]) == {"itemfeedback"}
            meta = _meta(item)
            assert set(meta) == {"question_type", "points_possible"} and meta["question_type"] in TYPES
            assert float(meta["points_possible"]) > 0
            text = item.find("q:presentation/q:material/q:mattext", NS)
            assert text.get("texttype") == "text/html" and text.text.startswith("<div><p>")
            decvar = item.find("q:resprocessing/q:outcomes/q:decvar", NS)
            assert decvar.attrib == {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"}
            feedback = {f.get("ident"): f.findtext("q:flow_mat/q:material/q:mattext", namespaces=NS)
                        for f in item.findall("q:itemfeedback", NS)}
            assert feedback["general_fb"].startswith("<p><strong>Réponses</strong></p>")  # the worked solution
            assert len(feedback["general_fb"]) > 100 and set(feedback) <= {"general_fb", "general_incorrect_fb"}
            refs = {d.get("linkrefid") for d in item.iterfind(".//q:displayfeedback", NS)}
            assert refs == set(feedback)


def test_a_bank_per_question_holds_every_distinct_variant(
        package: tuple[zipfile.ZipFile, dict[str, ET.Element], dict[str, Any]]) -> None:
    _, roots, man = package
    banks = _banks(roots)
    assert len(banks) == len(man["questions"]) == 7
    for i, (bank, question) in enumerate(zip(banks, man["questions"])):
        assert _meta(bank) == {"bank_title": f"Examen test · Q{i + 1:02d} {question['title']['fr']}"}
        runs: dict[str, list[ET.Element]] = {}
        for item in bank.findall("q:item", NS):
            runs.setdefault(item.get("title").split(" · ")[0], []).append(item)
        distinct: dict[str, str] = {}  # params -> the first student who drew them
        for st in man["students"]:
            distinct.setdefault(json.dumps(st["variants"][i]["params"], sort_keys=True), st["id"])
        assert sorted(n.split(" ")[-1] for n in runs) == sorted(distinct.values())
        for name, items in runs.items():
            assert name.split(" ")[1] == f"Q{i + 1}"
            vd, _ = _variant(man, name)
            units = _units(vd, "fr")
            assert len(items) == len(units)  # one item, or one per value the variant asks
            if len(items) == 1:
                assert items[0].get("title") == name
            points = sum(float(_meta(it)["points_possible"]) for it in items)
            assert points == pytest.approx(question["points"])


def test_numerical_answers_and_tolerances_equal_the_manifest(
        package: tuple[zipfile.ZipFile, dict[str, ET.Element], dict[str, Any]]) -> None:
    _, roots, man = package
    seen = 0
    for bank in _banks(roots):
        runs: dict[str, list[ET.Element]] = {}
        for item in bank.findall("q:item", NS):
            runs.setdefault(item.get("title").split(" · ")[0], []).append(item)
        for name, items in runs.items():
            vd, _ = _variant(man, name)
            units = _units(vd, "fr")
            for item, (what, f, part) in zip(items, units, strict=True):
                if _meta(item)["question_type"] != "numerical_question":
                    assert what != "value" or not isinstance(f, NumberField)
                    continue
                assert what == "value" and isinstance(f, NumberField)
                seen += 1
                check = part["check"]
                value, tol, mistakes = f.value, _rule_tolerance(check, f.value), [v for v, _ in f.wrong]
                cond = item.find("q:resprocessing/q:respcondition[q:setvar]/q:conditionvar/q:or", NS)
                exact = cond.findtext("q:varequal", namespaces=NS)
                lower = cond.findtext("q:and/q:vargte", namespaces=NS)
                upper = cond.findtext("q:and/q:varlte", namespaces=NS)
                assert float(exact) == value
                # Canvas's margin: BigDecimal(upper) - BigDecimal(exact) (numeric_interaction.rb)
                assert float(Decimal(upper) - Decimal(exact)) == tol == float(Decimal(exact) - Decimal(lower))
                assert item.find("q:presentation/q:response_str/q:render_fib", NS).get("fibtype") == "Decimal"
                if check["kind"] not in ("int", "shape"):  # the margin is what the one rule accepts
                    for sign in (1, -1):
                        assert close(value + sign * tol * (1 - 1e-6), value, check["rtol"], check["atol"])
                        assert not close(value + sign * (tol * (1 + 1e-6) + 1e-12), value,
                                         check["rtol"], check["atol"])
                feedback = {fb.get("ident"): fb.findtext("q:flow_mat/q:material/q:mattext", namespaces=NS)
                            for fb in item.findall("q:itemfeedback", NS)}
                if mistakes:  # named mistakes: explained in the incorrect-answer feedback, never accepted
                    for m in mistakes:
                        assert f"Si vous avez trouvé {qti.num(m, f.decimals)} :" in feedback["general_incorrect_fb"]
                    assert len(item.findall("q:resprocessing/q:respcondition[q:setvar]", NS)) == 1
                else:
                    assert "general_incorrect_fb" not in feedback
    assert seen > 20


def test_choices_mark_exactly_the_right_options(
        package: tuple[zipfile.ZipFile, dict[str, ET.Element], dict[str, Any]]) -> None:
    _, roots, man = package
    kinds = set()
    for bank in _banks(roots):
        for item in bank.findall("q:item", NS):
            kind = _meta(item)["question_type"]
            if kind not in ("multiple_choice_question", "true_false_question", "multiple_answers_question"):
                continue
            kinds.add(kind)
            vd, _ = _variant(man, item.get("title"))
            if kind == "true_false_question":
                (part,) = [p for p in vd["parts"].values() if p["check"]["kind"] in ("bool", "choice")]
                if part["check"]["kind"] == "choice":  # a quiz's Vrai / Faux options
                    texts = {o["letter"]: o["fr"] for o in vd["context"]["options"]}
                    want = {"True" if texts[part["answer"]] == "Vrai" else "False"}
                else:
                    want = {"True" if part["answer"] else "False"}
            else:
                (part,) = vd["parts"].values()
                letters = {part["answer"]} if isinstance(part["answer"], str) else set(part["answer"])
                # the options' texts, not their letters (the texts are the variant's)
                texts = {o["letter"]: o["fr"] for o in vd["context"].get("options", [])}
                want = {texts.get(x, x) for x in letters}
            labels, right = _choices(item)
            assert {labels[i] for i in right} == want
            lid = item.find("q:presentation/q:response_lid", NS)
            assert lid.get("rcardinality") == ("Multiple" if kind == "multiple_answers_question" else "Single")
    # the mini exam's quiz question is a true/false one: its Vrai / Faux options make it a
    # true_false_question (multiple choice is covered in tests/test_check_outputs.py)
    assert kinds == {"true_false_question"}


def test_a_big_table_is_one_essay_with_the_key(
        package: tuple[zipfile.ZipFile, dict[str, ET.Element], dict[str, Any]]) -> None:
    _, roots, _ = package
    essays = [it for b in _banks(roots) for it in b.findall("q:item", NS)
              if _meta(it)["question_type"] == "essay_question"]
    assert len(essays) == 2  # the perceptron's table, for each student
    for it in essays:
        assert "corrigé à la main" in it.findtext("q:presentation/q:material/q:mattext", namespaces=NS)
        assert it.find("q:resprocessing/q:respcondition/q:conditionvar/q:other", NS) is not None


@pytest.mark.parametrize("member", ["imsmanifest.xml", *[f"mini-Q{i:02d}.xml" for i in range(1, 8)]])
def test_golden_package(package: tuple[zipfile.ZipFile, dict[str, ET.Element], dict[str, Any]],
                        member: str) -> None:
    """Regenerate with ``UPDATE_GOLDEN=1 pytest tests/exam/test_qti.py`` and review the diff."""
    zf, _, _ = package
    text = zf.read(member).decode("utf-8")
    golden = GOLDEN / f"qti__mini.{member}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"missing golden {golden.name}: run with UPDATE_GOLDEN=1 and review it"
    assert text == golden.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the other item types
def _part(value: Any, kind: str, label: str, **params: Any) -> Part:
    return Part(value, check_classes()[kind](**params), {"fr": label, "en": label})


def _item_roots(v: Variant, lang: str = "en", statement_md: str = "S") -> list[ET.Element]:
    items = qti.qti_items(v, "x Q1 k s1", 2.0, lang, statement_md=statement_md, solution_md="T")
    root = ET.fromstring(qti.bank_xml("b", "bank", items))
    return root.findall("q:objectbank/q:item", NS)


def test_texts_are_fill_in_multiple_blanks_and_choices_dropdowns() -> None:
    sym = dict(matrices=("W", "X"), functions=(), scalars=())
    (fimb,) = _item_roots(Variant("f", {}, {"a": _part("W*X", "symbolic", "a", **sym),
                                            "b": _part("X*W", "symbolic", "b <i>", **sym)}, {}))
    assert _meta(fimb)["question_type"] == "fill_in_multiple_blanks_question"
    text = fimb.findtext("q:presentation/q:material/q:mattext", namespaces=NS)
    assert "[b1]" in text and "[b2]" in text and "b &lt;i&gt;" in text  # labels escaped once
    lids = fimb.findall("q:presentation/q:response_lid", NS)
    assert [lid.get("ident") for lid in lids] == ["response_b1", "response_b2"]
    assert [[lab.findtext(".//q:mattext", namespaces=NS) for lab in lid.iterfind(".//q:response_label", NS)]
            for lid in lids] == [["W*X", "W * X"], ["X*W", "X * W"]]  # the spacings students write
    (drop,) = _item_roots(Variant("f", {}, {"a": _part(True, "bool", "a"),
                                            "b": _part("C", "choice", "b", options=("A", "B", "C"))}, {}))
    assert _meta(drop)["question_type"] == "multiple_dropdowns_question"
    right = {c.get("respident"): c.text for c in drop.iterfind(".//q:respcondition/q:conditionvar/q:varequal", NS)}
    labels = {lab.get("ident"): lab.findtext(".//q:mattext", namespaces=NS)
              for lab in drop.iterfind(".//q:response_label", NS)}
    assert {k: labels[v] for k, v in right.items()} == {"response_b1": "True", "response_b2": "C"}
    assert len(labels) == 5  # idents unique across the blanks
    adds = drop.findall(".//q:respcondition/q:setvar[@action='Add']", NS)
    assert [a.text for a in adds] == ["50.00", "50.00"]


def test_one_choice_text_and_mixed_values() -> None:
    (ma,) = _item_roots(Variant("f", {}, {"a": _part(["A", "C"], "choice", "a", options=("A", "B", "C"))}, {}))
    assert _meta(ma)["question_type"] == "multiple_answers_question"
    labels, right = _choices(ma)
    assert {labels[i] for i in right} == {"A", "C"}
    (sa,) = _item_roots(Variant("f", {}, {"a": _part("W*X", "symbolic", "a", matrices=("W", "X"),
                                                     functions=(), scalars=())}, {}))
    assert _meta(sa)["question_type"] == "short_answer_question"
    assert [v.text for v in sa.iterfind(".//q:varequal", NS)] == ["W*X", "W * X"]
    # a number among several values: a run of items, one per value, each self-contained
    run = _item_roots(Variant("f", {}, {"n": _part([2, 3], "shape", "shape"), "ok": _part(False, "bool", "ok")}, {}))
    assert [_meta(i)["question_type"] for i in run] == ["numerical_question"] * 2 + ["true_false_question"]
    assert [i.get("title") for i in run] == ["x Q1 k s1 · shape [component 1]", "x Q1 k s1 · shape [component 2]",
                                            "x Q1 k s1 · ok"]
    assert sum(float(_meta(i)["points_possible"]) for i in run) == pytest.approx(2.0)


def test_text_is_escaped_once_and_round_trips() -> None:
    md = 'Is $a < b$ & "c" > d?'
    (item,) = _item_roots(Variant("f", {}, {"a": _part(3, "int", "a")}, {}), statement_md=md)
    text = item.findtext("q:presentation/q:material/q:mattext", namespaces=NS)
    assert text == f"<div>{qti.md_to_html(md)}</div>" and r"\(a &lt; b\)" in text
    (item,) = _item_roots(Variant("f", {}, {"a": _part(3, "int", "a")}, {}), statement_md="bell\x07 here")
    assert "bell here" in item.findtext("q:presentation/q:material/q:mattext", namespaces=NS)


def test_misconceptions_are_feedback_not_answers() -> None:
    part = Part(0.5, check_classes()["float"](rtol=0.01, atol=0.0), {"fr": "p", "en": "p"},
                (Misconception("m", 0.25, {"fr": "oubli du *carré*", "en": "forgot the *square*"}),))
    (item,) = _item_roots(Variant("f", {}, {"p": part}, {}))
    conds = item.findall("q:resprocessing/q:respcondition[q:setvar]", NS)
    assert len(conds) == 1 and conds[0].find(".//q:varequal", NS).text == "0.5"
    fb = item.find("q:itemfeedback[@ident='general_incorrect_fb']", NS).findtext(".//q:mattext", namespaces=NS)
    assert "If you found 0.25: forgot the <em>square</em>" in fb


def test_decimal_bounds_are_exact() -> None:
    assert qti.decimal_bounds(0.1, 0.2) == ("-0.1", "0.3")  # not 0.30000000000000004
    lo, hi = qti.decimal_bounds(1e20, 1e-20)
    assert Decimal(hi) - Decimal("1e20") == Decimal("1e-20")
    assert qti.decimal_bounds(42, 0) == ("42", "42")
