"""Language and typesetting of the families' texts and of the quiz bank.

- One decimal separator in both course languages, the point of the course material
  (001: "(0.70, 0.26, 0.04)"), in every family and in the quiz bank.
- French prose names functions in French (sigmoïde, ReLU, ELU, Leaky ReLU) and says « taux
  d'apprentissage »; code identifiers (``sigmoid``, ``leaky_relu``) appear only in math or
  code (``$...$``, backquotes), where they are notation.
- A value asked with d decimals is printed with d decimals (render.fix), fmt's default unchanged.
"""

from __future__ import annotations

import re

import pytest

from course.base.rng import make_rng
from course.generator.families.concept_quiz import question_bank
from course.generator.registry import registry
from course.generator.render import fix, fmt, solution, statement

SEEDS = range(12)
DECIMAL_COMMA = re.compile(r"(?<![\w{])\d+,\d+(?![\w}])")
#: code identifiers and English terms that French prose must not use
FR_FORBIDDEN = re.compile(r"\b(sigmoid|relu|leaky_relu|elu|learning rate|softmax_cce)\b")
MATH_OR_CODE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", re.S)


def _prose(text: str) -> str:
    return MATH_OR_CODE.sub(" ", text)


@pytest.mark.parametrize("family_id", list(registry()))
def test_french_prose_and_decimal_point(family_id: str) -> None:
    fam = registry()[family_id]
    for i in SEEDS:
        v = fam.generate(make_rng(i, "lang", family_id))
        for lang in ("fr", "en"):
            for text in (statement(v, lang), solution(v, lang)):
                assert not DECIMAL_COMMA.findall(text), (family_id, i, lang, DECIMAL_COMMA.findall(text))
                if lang == "fr":
                    bad = FR_FORBIDDEN.findall(_prose(text))
                    assert not bad, (family_id, i, bad)


def test_quiz_bank_decimal_point_and_french_terms() -> None:
    for qid, q in question_bank().items():
        texts = [q["question"], q["explanation"]] + [o for o in q["options"]] + [
            o["why"] for o in q["options"] if o.get("why")]
        for t in texts:
            for lang in ("fr", "en"):
                assert not DECIMAL_COMMA.findall(t[lang]), (qid, lang, t[lang])
            assert not FR_FORBIDDEN.findall(_prose(t["fr"])), (qid, t["fr"])


def test_decimal_point_in_both_languages() -> None:
    v = registry()["softmax"].variant({"z": [5, 4, 2], "target": 1})
    for lang in ("fr", "en"):
        assert "0.70" in solution(v, lang)  # 001 writes (0.70, 0.26, 0.04)


def test_fix_keeps_the_asked_decimals_and_fmt_is_unchanged() -> None:
    assert fix(0.961, 4) == "0.9610" and fix(2.0, 4) == "2.0000" and fix(-0.00001, 4) == "0.0000"
    assert fix([0.5, 0.25], 2) == "(0.50, 0.25)" and fix(3, 4) == "3"
    assert fmt(0.961) == "0.961" and fmt(0.70) == "0.7" and fmt(2.0) == "2" and fmt(-0.0) == "0"
    assert fix(0.125, None) == fmt(0.125)


def test_asked_values_keep_their_trailing_zeros_in_texts() -> None:
    v = registry()["linreg-gd"].variant({"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0], "a": 0.5, "b": 0.5,
                                         "lr": 0.1})
    # a after one step is 0.5 - 0.1 * dL/da, printed with the 4 asked decimals
    text = solution(v, "fr")
    assert fix(v.answer["a"], 4) in text and fix(v.answer["grad_b"], 4) in text


NUMBER_IN_MATH = re.compile(r"(?<![\w.\\])-?\d+\.(\d+)")


def _floats(v: object) -> list[float]:
    if isinstance(v, (list, tuple)):
        return [x for w in v for x in _floats(w)]
    return [v] if isinstance(v, float) else []


@pytest.mark.parametrize("family_id", list(registry()))
def test_keys_write_every_number_with_the_asked_decimals(family_id: str) -> None:
    """The answer key (and the LMS feedback, made from it) writes a value asked with d decimals
    with d decimals, trailing zeros kept (0.9610, not 0.961; 0.36178 when 5 are asked, not
    0.3618)."""
    from course.documents.keys import answers_md
    from course.generator.precision import DECIMALS

    fam = registry()[family_id]
    for i in SEEDS:
        v = fam.generate(make_rng(i, "keys", family_id))
        decimals = v.context.get(DECIMALS, {})
        for name, part in v.parts.items():
            d = decimals.get(name)
            md = part.check.key_md(part.answer, "fr", d)
            if d is None:
                continue
            for x in _floats(part.answer):
                assert fix(x, d) in md, (family_id, i, name, d, x, md)
            assert {len(m) for m in NUMBER_IN_MATH.findall(md)} <= {d}, (family_id, i, name, md)
        whole = answers_md(v.parts, "en", decimals)
        assert whole.strip()


#: an identifier with an underscore inside math mode but not escaped (``leaky_relu`` typeset as
#: "leaky" with the subscript "relu")
BARE_IDENTIFIER = re.compile(r"(?<![\\A-Za-z])([A-Za-z]{2,})_(\{?[A-Za-z]{2,})")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)


@pytest.mark.parametrize("family_id", list(registry()))
def test_no_identifier_with_an_underscore_is_a_subscript_in_math(family_id: str) -> None:
    from course.documents.keys import answers_md
    from course.generator.precision import DECIMALS

    fam = registry()[family_id]
    for i in SEEDS:
        v = fam.generate(make_rng(i, "underscore", family_id))
        for lang in ("fr", "en"):
            texts = (statement(v, lang), solution(v, lang), answers_md(v.parts, lang, v.context.get(DECIMALS)))
            for text in texts:
                bad = [b for m in MATH.findall(text) for b in BARE_IDENTIFIER.findall(m)]
                assert not bad, (family_id, i, lang, bad)


def test_leaky_relu_is_one_name_in_the_keys() -> None:
    v = registry()["forward-equations"].variant({"layers": [3, 4, 1], "activations": ["leaky_relu", "sigmoid"]})
    from course.documents.keys import answers_md

    md = answers_md(v.parts, "fr")
    assert r"\operatorname{leaky\_relu}" in md and "leaky}_{relu" not in md
