"""Benchmark of the generator (issue 3).

Prints variants per second for every family (draw + solve with the reference, then also
with both statements and solutions rendered), and the time to produce a whole 30-student,
10-exercise exam's variants and answers. Goal: the exam in under 1 second on this machine.

    .venv/bin/python bench/generate.py [--seconds 0.3]
"""

from __future__ import annotations

import argparse
import time

from course.base.rng import make_rng
from course.generator.registry import registry
from course.generator.render import solution, statement


def rate(fn, seconds: float) -> float:
    """Calls per second of ``fn(i)`` over about ``seconds``."""
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn(n)
        n += 1
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=0.3, help="time spent per family and mode")
    args = ap.parse_args()
    reg = registry()
    print(f"{'family':<20} {'variants/s':>11} {'+render fr+en /s':>17}")
    for fid, fam in reg.items():
        def gen(i: int, fam=fam, fid=fid) -> None:
            fam.generate(make_rng(i, f"etu{i}", fid))

        def gen_render(i: int, fam=fam, fid=fid) -> None:
            v = fam.generate(make_rng(i, f"etu{i}", fid))
            for lang in ("fr", "en"):
                statement(v, lang)
                solution(v, lang)

        gen_render(10**6)  # warm-up: compile the templates, fill caches
        print(f"{fid:<20} {rate(gen, args.seconds):>11.0f} {rate(gen_render, args.seconds):>17.0f}")

    families = list(reg)[:10] if len(reg) >= 10 else list(reg) * (10 // len(reg) + 1)
    families = families[:10]
    students = [f"etu{i:03d}" for i in range(1, 31)]
    t0 = time.perf_counter()
    answers = [[reg[f].generate(make_rng(20261121, s, f)).answer for f in families] for s in students]
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in students:
        for f in families:
            v = reg[f].generate(make_rng(20261121, s, f))
            statement(v, "fr")
            solution(v, "fr")
    t_all = time.perf_counter() - t0
    assert len(answers) == 30
    print(f"\n30 students x 10 exercises ({', '.join(families)}):")
    print(f"  variants + answers: {t_gen:.3f} s (goal < 1 s: {'met' if t_gen < 1 else 'NOT met'})")
    print(f"  with statements and solutions rendered (fr): {t_all:.3f} s")


if __name__ == "__main__":
    main()
