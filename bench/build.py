"""Benchmark of ``course build`` (issue 5): hw3 of the sample course for 200 students.

Goal: under 20 seconds on the development machine (2 cores). Run::

    .venv/bin/python bench/build.py [--students 200] [--assignment hw3] [--jobs N]

It builds into a temporary folder (student notebooks, solutions, manifest, hidden tests; no
solution execution) and prints the wall-clock time, split into start-up (imports, course.yml)
and the build itself, and the sizes written.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--assignment", default="hw3")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    from course.documents.notebooks import build_assignment
    from course.planning.config import load_course

    course = load_course(ROOT / "course.yml")
    roster = [f"bench{i:04d}" for i in range(args.students)]
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        build_assignment(course, args.assignment, roster=roster, out=Path(tmp), jobs=args.jobs)
        t2 = time.perf_counter()
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
        files = sum(1 for p in Path(tmp).rglob("*") if p.is_file())
    total = t2 - t0
    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    print(f"course build {args.assignment}: {args.students} students, {files} files, "
          f"{size / 1e6:.1f} MB")
    print(f"  start-up {t1 - t0:.2f} s, build {t2 - t1:.2f} s "
          f"({1000 * (t2 - t1) / args.students:.1f} ms per student), total {total:.2f} s "
          f"-> goal < 20 s: {'met' if total < 20 else 'NOT met'}")
    print(f"  CPU time {cpu:.2f} s (all processes); load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores (other work on the machine slows the wall-clock figure)")


if __name__ == "__main__":
    main()
