"""Benchmark of ``course grade --cluster`` (issue 15): the local pool and a Dask cluster, side
by side, on the same hw3 notebooks (with the PyTorch training question).

Goal: on one machine, the cluster within 10 % of the local pool (``--jobs 2``), so that N
machines give close to N times the throughput. Run::

    .venv/bin/python bench/grade_cluster.py [--notebooks 200] [--workers 2] [--keep DIR]

What it does, in one run: a copy of the sample course with a roster of N students
(``bench0000`` ...), hw3 built for each (``build_notebook``, solutions) and handed in as
correct or partly wrong answers alternately (``course.cli.demo.simulate``: both train the CNN of
the ``torch-cnn`` question); then ``grade_folder`` with the local pool (``--jobs`` workers)
and with a ``LocalCluster`` of ``--workers`` worker processes (``--cluster local:N``; its start
counted), each on its own copy of the notebooks, ``--rounds`` times in the order pool, cluster,
cluster, pool... (other work on the machine drifts: alternating cancels most of it). It prints,
for each run, the wall-clock time, the notebooks per second (start-up included), the time
spent inside the sandboxes (the sum of the records' seconds) and whether it wrote the same
grades.csv as the first (it must); then each side's throughput, its time per notebook outside
the sandboxes, and the cluster's overhead per notebook.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ASSIGNMENT = "hw3"


def make_course(folder: Path, n: int) -> Path:
    """The sample course with a roster of ``n`` students; returns its course.yml."""
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "exercises", folder / "exercises")
    text = (ROOT / "course.yml").read_text(encoding="utf-8")
    (folder / "course.yml").write_text(text.replace("roster: examples/roster.csv", "roster: roster.csv"),
                                       encoding="utf-8")
    (folder / "roster.csv").write_text("id\n" + "".join(f"bench{i:04d}\n" for i in range(n)),
                                       encoding="utf-8")
    return folder / "course.yml"


def hand_in(cp: Path, folder: Path) -> Path:
    """``folder/hw3/submissions``: one notebook per student of the course, an hour before the
    due date; returns ``folder/hw3``."""
    from course.cli.demo import simulate
    from course.documents.notebooks import build_notebook
    from course.planning.config import load_course

    course = load_course(cp)
    sub = folder / ASSIGNMENT / "submissions"
    sub.mkdir(parents=True)
    for i, sid in enumerate(course.roster):
        sol = json.loads(json.dumps(build_notebook(course, ASSIGNMENT, sid, solutions=True)))
        stub = json.loads(json.dumps(build_notebook(course, ASSIGNMENT, sid)))
        nb = simulate("correct" if i % 2 == 0 else "partly-wrong", sol, stub)
        (sub / f"{ASSIGNMENT}-{sid}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    due = course.data.assignments[ASSIGNMENT].due
    when = (due.timestamp() if due else time.time()) - 3600
    for p in sub.iterdir():
        os.utime(p, (when, when))
    return folder / ASSIGNMENT


def sandbox_seconds(hw: Path) -> float:
    return sum(json.loads(p.read_text())["seconds"] or 0.0 for p in (hw / ".grader").glob("*.json"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2, help="the local pool's workers (default 2)")
    ap.add_argument("--workers", type=int, default=2, help="the LocalCluster's workers (default 2)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="rounds, in the order pool, cluster, cluster, pool, ... (default 1)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the folders here")
    args = ap.parse_args()

    from course.grader.cluster import open_cluster
    from course.grader.limits import Limits
    from course.grader.protections import protections
    from course.grader.run import grade_folder

    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-")) if args.keep is None else args.keep
    n = args.notebooks
    try:
        t = time.perf_counter()
        cp = make_course(tmp / "course", n)
        made = hand_in(cp, tmp / "handed-in")
        print(f"{n} {ASSIGNMENT} notebooks (the PyTorch training question in each) made in "
              f"{time.perf_counter() - t:.1f} s; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        prot = protections()
        print(f"protections: {sum(on for _, on, _ in prot.items())} of {len(prot.items())} on this machine")
        limits = Limits()  # the defaults of course grade
        times: dict[str, list[float]] = {"pool": [], "cluster": []}
        inside: dict[str, list[float]] = {"pool": [], "cluster": []}
        grades: dict[str, bytes] = {}
        retried = 0
        order = [("pool", "cluster") if r % 2 == 0 else ("cluster", "pool") for r in range(args.rounds)]
        for r, sides in enumerate(order):
            for side in sides:
                hw = tmp / f"{side}-{r}" / ASSIGNMENT
                shutil.copytree(made, hw, copy_function=shutil.copy2)
                t = time.perf_counter()
                if side == "pool":
                    grade_folder(hw, course_path=cp, jobs=args.jobs, limits=limits)
                else:
                    with open_cluster(f"local:{args.workers}") as ex:
                        grade_folder(hw, course_path=cp, limits=limits, executor=ex)
                        retried += len(ex.retried)
                times[side].append(time.perf_counter() - t)
                inside[side].append(sandbox_seconds(hw))
                grades.setdefault(side, (hw / "grades.csv").read_bytes())
                same = (hw / "grades.csv").read_bytes() == grades["pool" if "pool" in grades else side]
                print(f"  round {r + 1} {side:7s}: {times[side][-1]:6.1f} s, {n / times[side][-1]:.2f} "
                      f"notebooks/s (in the sandboxes {inside[side][-1]:.0f} s; same grades: "
                      f"{'yes' if same else 'NO'})", flush=True)
                if not same:
                    sys.exit(1)
        width = {"pool": args.jobs, "cluster": args.workers}
        for side, label in (("pool", f"local pool (--jobs {args.jobs})"),
                            ("cluster", f"cluster (local:{args.workers})")):
            wall, box = sum(times[side]), sum(inside[side])
            k = len(times[side])
            outside = (wall - box / width[side]) / (n * k)
            print(f"{label:24s} {wall / k:7.1f} s a round, {n * k / wall:.2f} notebooks/s; outside the "
                  f"sandboxes {1000 * outside:.0f} ms per notebook")
        ratio = sum(times["cluster"]) / sum(times["pool"])
        over = (sum(times["cluster"]) - sum(times["pool"])) / (n * args.rounds)
        print(f"cluster overhead: {1000 * over:+.0f} ms per notebook, {100 * (ratio - 1):+.1f} % "
              f"-> goal within 10 %: {'met' if ratio <= 1.10 else 'NOT met'}; same grades.csv: yes; "
              f"retried {retried}")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
