"""Every family over many seeds, in the spirit of R/exams' ``stresstest_exercise``.

For each registered family and each of ``STRESS_SEEDS`` seeds: the variant is valid, JSON
round-trips, its answer passes its own checks, no misconception equals the answer, both
languages render with no missing template variable, and the draws are varied.
"""

from __future__ import annotations

import json
import os

import pytest

from course.base.rng import make_rng
from course.generator.base import Variant
from course.generator.registry import registry
from course.generator.render import solution, statement

STRESS_SEEDS = int(os.environ.get("STRESS_SEEDS", "500"))
RENDER_EVERY = 10  # rendering is the slow part: render one variant in RENDER_EVERY


@pytest.mark.parametrize("family_id", list(registry()))
def test_family_stress(family_id: str) -> None:
    fam = registry()[family_id]
    distinct: set[str] = set()
    for i in range(STRESS_SEEDS):
        v = fam.generate(make_rng(i, f"etu{i:03d}", family_id))
        doc = json.loads(json.dumps(v.to_json()))
        v2 = Variant.from_json(doc)
        assert v2.to_json() == doc
        distinct.add(json.dumps(doc["params"], sort_keys=True))
        for name, part in v2.parts.items():
            assert part.check.accepts(part.answer, part.answer) or isinstance(part.answer, str), (
                family_id, i, name)
            fb = v2.check(part.answer, part=name)[0]
            assert fb.correct, (family_id, i, name, part.answer)
            for m in part.misconceptions:
                assert not part.check.accepts(m.value, part.answer), (family_id, i, name, m.key)
        if i % RENDER_EVERY == 0:
            for lang in ("fr", "en"):
                assert statement(v2, lang).strip()
                assert solution(v2, lang).strip()
    # varied draws: at least a fifth of the seeds give distinct parameters (or 20)
    assert len(distinct) >= min(20, STRESS_SEEDS // 5), (family_id, len(distinct))
    print(f"{family_id}: {len(distinct)} distinct variants over {STRESS_SEEDS} seeds")


@pytest.mark.parametrize("family_id", list(registry()))
def test_family_reproducible(family_id: str) -> None:
    fam = registry()[family_id]
    a = fam.generate(make_rng(7, "etu001", family_id)).to_json()
    b = fam.generate(make_rng(7, "etu001", family_id)).to_json()
    assert a == b
    others = {json.dumps(fam.generate(make_rng(7, f"etu{k:03d}", family_id)).to_json()["params"],
                         sort_keys=True) for k in range(2, 12)}
    assert len(others) > 1
