"""Golden files: statement and worked solution of every family for fixed seeds, both languages.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/generator/test_golden.py``
(optionally ``-k <family>``) and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from course.base.rng import make_rng
from course.generator.registry import registry
from course.generator.render import solution, statement

GOLDEN = Path(__file__).parent / "golden"
SEEDS = (1, 2)


def _document(family_id: str, seed: int, lang: str) -> str:
    v = registry()[family_id].generate(make_rng(seed, "golden", family_id))
    return (f"<!-- {family_id} seed={seed} lang={lang} -->\n# params\n\n```json\n"
            f"{json.dumps(v.params, ensure_ascii=False, sort_keys=True)}\n```\n\n# answer\n\n```json\n"
            f"{json.dumps(v.answer, ensure_ascii=False, sort_keys=True)}\n```\n\n# statement\n\n"
            f"{statement(v, lang)}\n# solution\n\n{solution(v, lang)}")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("family_id", list(registry()))
def test_golden(family_id: str, seed: int, lang: str) -> None:
    path = GOLDEN / f"{family_id}-{seed}.{lang}.md"
    text = _document(family_id, seed, lang)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}: run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")
