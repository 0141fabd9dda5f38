"""Stress tests of one question over many seeds, in the spirit of R/exams' ``stresstest_exercise``,
for built-in and course questions alike (``course stress``; ``tests/generator/test_stress.py``).

A family, over ``seeds`` draws: every variant is valid, its JSON round-trips, its answer passes
its own check, no misconception equals the answer, both languages render with no missing
template variable, and the draws are varied (distinct parameters counted). A coding question:
the solution passes every public case and the hidden cases of several students, the stub
(in each language) passes none, and each named mistake can be told from the reference on some
hidden case of every student (else it could never be named).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import jinja2
import numpy as np

from course.base.rng import make_rng

from .base import Family, Variant
from .coding.engine import coding_rng, evaluate_case, expected_values
from .coding.question import CodingQuestion, distinct, mistaken_values
from .render import solution, statement


@dataclass
class StressReport:
    """What a stress run found: ``problems`` (empty: all good), the variants drawn, the
    distinct parameter sets among them, and the seconds it took."""

    question: str
    draws: int = 0
    distinct: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def stress_family(fam: Family, seeds: int = 500, constraints: dict[str, Any] | None = None,
                  env: jinja2.Environment | None = None, render_every: int = 10,
                  student: str = "etu") -> StressReport:
    """Stress ``fam`` (with the course's ``constraints``) over ``seeds`` draws."""
    t0 = time.perf_counter()
    rep = StressReport(fam.id)
    distinct: set[str] = set()
    for i in range(seeds):
        where = f"seed {i}"
        try:
            v = fam.generate(make_rng(i, f"{student}{i:03d}", fam.id), constraints)
        except Exception as exc:  # noqa: BLE001 - report, do not stop
            rep.problems.append(f"{where}: no variant ({type(exc).__name__}: {exc})")
            continue
        rep.draws += 1
        try:
            doc = json.loads(json.dumps(v.to_json()))
            v2 = Variant.from_json(doc)
            if v2.to_json() != doc:
                rep.problems.append(f"{where}: the JSON form does not round-trip")
        except (TypeError, ValueError) as exc:
            rep.problems.append(f"{where}: not plain data ({exc})")
            continue
        distinct.add(json.dumps(doc["params"], sort_keys=True))
        for name, part in v2.parts.items():
            if not v2.check(part.answer, part=name)[0].correct:
                rep.problems.append(f"{where}: part {name!r}: the answer fails its own check")
            for m in part.misconceptions:
                if part.check.accepts(m.value, part.answer):
                    rep.problems.append(f"{where}: part {name!r}: misconception {m.key!r} "
                                        "gives an accepted answer")
        if i % render_every == 0:
            for lang in ("fr", "en"):
                try:
                    if not (statement(v2, lang, env).strip() and solution(v2, lang, env).strip()):
                        rep.problems.append(f"{where}: the {lang} statement or solution is empty")
                except jinja2.TemplateError as exc:
                    rep.problems.append(f"{where}: the {lang} template fails: {exc}")
        if len(rep.problems) > 20:
            rep.problems.append("(stopped after 20 problems)")
            break
    rep.distinct = len(distinct)
    if seeds >= 5 and rep.distinct < min(20, seeds // 5):
        rep.problems.append(f"only {rep.distinct} distinct variants in {seeds} draws")
    rep.seconds = time.perf_counter() - t0
    return rep


def stress_coding(q: CodingQuestion, students: int = 5) -> StressReport:
    """The solution passes every public case and the hidden cases of ``students`` students (the
    cases' inputs drawn from several seeds); the stub passes none of them, in either language;
    each named mistake differs from the reference on some hidden case of each student."""
    t0 = time.perf_counter()
    rep = StressReport(q.id)
    ref = q.reference
    cases = [(f"public {c.id}", c) for c in q.public_cases]
    for k in range(students):
        cases += [(f"student {k} {c.id}", c) for c in q.hidden_cases(coding_rng(k, f"etu{k:03d}", q.id))]
    stubs = [(f"stub ({lang})", q.stub_source(lang)) for lang in ("fr", "en")]
    for label, source in [("solution", q.solution), *stubs]:
        ns: dict[str, Any] = {"__name__": "__student__"}
        try:
            if q.setup:
                exec(compile(q.setup, f"<{q.id} setup>", "exec"), ns)
            exec(compile(source, str(q.folder / f"{label.split()[0]}.py"), "exec"), ns)
        except Exception as exc:  # noqa: BLE001
            rep.problems.append(f"{label} does not run: {type(exc).__name__}: {exc}")
            continue
        for where, case in cases:
            if label != "solution" and case.id == "training":
                continue  # an untrained stub would time out, not fail: skip the slow case
            with np.errstate(all="ignore"):
                r = evaluate_case(ref, case, ns)
            rep.draws += label == "solution"
            if label == "solution" and not r.passed:
                rep.problems.append(f"the solution fails {where}: {r.text('en')}")
            if label != "solution" and r.passed:
                rep.problems.append(f"the {label} passes {where}")
    for k in range(students):
        hidden = q.hidden_cases(coding_rng(k, f"etu{k:03d}", q.id))
        wants = {c.id: expected_values(ref, c) for c in hidden}
        for m in q.mistakes:
            values = {c.id: mistaken_values(m, c) for c in hidden}
            if all(v is None for v in values.values()):
                rep.problems.append(f"mistake {m.key} fails on every case of student {k}")
            elif not any(values[c.id] is not None and distinct(c, values[c.id], wants[c.id])
                         for c in hidden):
                rep.problems.append(f"mistake {m.key} gives the reference's values on every "
                                    f"hidden case of student {k}: it can never be named")
    rep.distinct = len({json.dumps(c.to_json(summarize=True), sort_keys=True) for _, c in cases})
    rep.seconds = time.perf_counter() - t0
    return rep
