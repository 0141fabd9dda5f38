"""Benchmark: what one job child costs, with and without its cgroup (per-submission overhead).

Usage::

    .venv/bin/python bench/sandbox.py [--sessions 100] [--rounds 6] [--memory 2048]

One sandbox slot (every protection this machine allows, printed), then ``--sessions`` job
children in a row (a round), each one: a fresh cgroup (memory, pids), the fork by the zygote, the hello
and the move into the cgroup, one cell (``x = 1``), the sweep, the zygote's wipe, the cgroup's
removal. The same again in a slot without cgroups (``COURSE_GRADER_NO_CGROUP=1``; each round
runs in a subprocess of its own: the protections are detected once per process), rounds of
both kinds alternated; the medians are compared. The difference is the cost of the
cgroup per submission (a submission that crashes costs one more job child per restart).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.grader.limits import Limits  # noqa: E402
from course.grader.protections import NO_CGROUP_ENV, protections  # noqa: E402
from course.grader.slot import Slot  # noqa: E402


def sessions(n: int, memory_mb: int) -> tuple[float, str]:
    """Mean milliseconds per job child over ``n`` sessions (after 5 unmeasured), and the
    cgroup version used ("" for none)."""
    with Slot(0, Limits(memory_mb=memory_mb)) as slot:
        for _ in range(5):
            with slot.session() as s:
                s.request({"op": "exec", "source": "x = 1"})
        t0 = time.perf_counter()
        for _ in range(n):
            with slot.session() as s:
                s.request({"op": "exec", "source": "x = 1"})
        dt = time.perf_counter() - t0
    return 1000 * dt / n, slot.prot.cgroup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=100, help="job children per round (default 100)")
    ap.add_argument("--rounds", type=int, default=6,
                    help="rounds of each kind, alternated (default 6; the median is reported)")
    ap.add_argument("--memory", type=int, default=2048, help="--memory of the slot, MB (default 2048)")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # this process only
    args = ap.parse_args()
    if args.one:
        ms, cg = sessions(args.sessions, args.memory)
        print(f"{ms:.3f} {cg or '-'}")
        return
    prot = protections()
    print("protections: " + ", ".join(f"{name} {'on' if on else 'OFF'}" for name, on, _ in prot.items()))
    runs: dict[str, list[float]] = {"cgroup": [], "no cgroup": []}
    version = "-"
    for _ in range(args.rounds):  # alternated, so that a busy moment of the machine hits both
        for label, extra in (("cgroup", {}), ("no cgroup", {NO_CGROUP_ENV: "1"})):
            r = subprocess.run([sys.executable, __file__, "--one", "--sessions", str(args.sessions),
                                "--memory", str(args.memory)], env=dict(os.environ, **extra),
                               capture_output=True, text=True, check=True)
            ms, cg = r.stdout.split()
            runs[label].append(float(ms))
            version = cg if label == "cgroup" else version
    med = {k: statistics.median(v) for k, v in runs.items()}
    for label, v in runs.items():
        print(f"{label + (f' ({version})' if label == 'cgroup' else ''):<14}: median {med[label]:6.2f} ms, "
              f"min {min(v):6.2f} ms per job child ({args.rounds} rounds of {args.sessions})")
    print(f"cost of the cgroup per job child: median {med['cgroup'] - med['no cgroup']:+.2f} ms, "
          f"min {min(runs['cgroup']) - min(runs['no cgroup']):+.2f} ms")


if __name__ == "__main__":
    main()
