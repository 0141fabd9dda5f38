"""Benchmark: the sample course's exam for 200 students (sheets, keys, combined PDFs).

    .venv/bin/python bench/exam.py [--students 200] [--exam intra] [--jobs N] [--keep DIR]

Times generation, rendering (LaTeX, Markdown, Moodle XML, manifest), writing, LaTeX
compilation (two latexmk runs in parallel: all sheets, all keys) and the per-student split
separately. Goal: 200 students in under 60 s on 2 cores. The roster is synthetic
(``bench0001`` ...), the course and its exam are the sample course.yml's.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--exam", default="intra")
    ap.add_argument("--course", default=str(ROOT / "course.yml"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--formats", default="pdf,tex,md,moodle")
    ap.add_argument("--keep", help="write the output here instead of a temporary folder")
    args = ap.parse_args()

    from course.documents.exam import build_exam

    with tempfile.TemporaryDirectory(prefix="bench-exam-") as tmp:
        roster = Path(tmp) / "roster.csv"
        roster.write_text("id\n" + "".join(f"bench{i:04d}\n" for i in range(1, args.students + 1)))
        out = Path(args.keep) if args.keep else Path(tmp) / "out"
        def cpu() -> float:
            a = resource.getrusage(resource.RUSAGE_SELF)
            b = resource.getrusage(resource.RUSAGE_CHILDREN)
            return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime

        c0 = cpu()
        t0 = time.perf_counter()
        res = build_exam(args.course, args.exam, roster=roster, out=out, formats=args.formats,
                         jobs=args.jobs)
        total = time.perf_counter() - t0
        cpu_total = cpu() - c0
        pages = {}
        if "pdf" in args.formats:
            from pypdf import PdfReader
            for kind in ("sheets", "keys"):
                pages[kind] = len(PdfReader(out / "pdf" / f"{kind}.pdf").pages)
    print(f"exam '{args.exam}' of {args.course}: {res.students} students, {len(res.files)} files, "
          f"jobs={args.jobs}, cores={os.cpu_count()}")
    for stage, secs in res.timings.items():
        print(f"  {stage:<9} {secs:7.2f} s")
    print(f"  {'total':<9} {total:7.2f} s (goal: < 60 s for 200 students on 2 cores)")
    print(f"  cpu       {cpu_total:7.2f} s (this process, its workers and pdflatex; the wall time "
          f"on an idle machine is about cpu / cores plus the serial stages; load now: "
          f"{os.getloadavg()[0]:.1f})")
    if pages:
        print(f"  pages: sheets.pdf {pages['sheets']}, keys.pdf {pages['keys']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
