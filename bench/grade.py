"""Benchmark: ``course grade`` against otter-grader 7's non-Docker paths, on the same notebooks.

Usage::

    .venv/bin/python bench/grade.py [--notebooks 50] [--jobs N] [--otter-run-sample 10]
                                    [--otter-jobs N] [--keep DIR]

What it does, in one run:

1. writes a small course (assignment ``hwb``: the computed question ``mlp-params``, 3 points,
   and the coding question ``activations``, 4 points, 16 hidden cases) and builds one notebook
   per student with the project's builder (``course.documents.notebooks.build_notebook``), answer cells
   filled by kind: correct, partly wrong (forgot the biases), buggy (sign error in sigmoid,
   unstable softmax) and adversarial (an always-equal object with ``np.allclose`` patched to
   return True; a patch of otter's ``TestCaseResult`` so that every test passes; ``os._exit``);
2. writes the equivalent otter master notebook (bench/otter_equiv.py: the same questions, the
   same checks as hidden otter tests, expected values from the reference), runs ``otter assign``
   on it, and converts every notebook into an otter submission (the same answer cells);
3. times (c) ``course grade`` (the CLI, every isolation layer this machine allows, printed),
   with student code run by the grader's own interpreter, and (c') the same with the students'
   environment (course.yml ``grading.python: .venv-student/bin/python``, what the sample
   course and scripts/setup use; skipped when .venv-student is missing),
   (b) ``otter.api.grade_submission`` for every notebook in one process, (a) ``otter run`` as a
   subprocess per notebook on a sample (``--otter-run-sample``), and (d) the same ``otter run``
   commands ``--otter-jobs`` at a time (what ``xargs -P`` would give; otter's own parallel
   ``otter grade`` needs Docker), and (e) ``otter.api.grade_submission`` in ``--otter-jobs``
   worker processes (parallel against parallel); prints notebooks per second, the ratio of ``course grade`` to
   otter's fastest path, whether both graders agree on the honest notebooks, and the points each
   gives to the adversarial ones (which deserve none: every answer in them is wrong).

Otter has one assignment for everyone, so the bench uses ONE student's variant (the first
student's) for all notebooks on both sides: the bench course fixes the MLP architecture of
``mlp-params`` to that student's draw, so every notebook answers the same question 1. The one
difference left is that ``course grade`` regenerates each student's own hidden cases of
question 2 (16 cases of the same sizes; that is its normal path and costs it more, not less),
while otter's tests hold the first student's cases.

Costs that belong to the notebooks: the notebook that patches otter imports otter (about
0.7 s) inside course grade's sandbox when student code runs with the grader's own interpreter,
whose environment has otter (the bench needs it), while otter's kernel has already imported
it; in the students' environment otter is not installed and the import fails at once (the
notebook gets 0 points either way). Both figures are printed, and the per-kind times show it.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import otter_equiv as O  # noqa: E402

from course.documents.notebooks import build_notebook  # noqa: E402
from course.generator.coding.registry import get_coding  # noqa: E402
from course.grader.protections import protections  # noqa: E402
from course.planning.config import load_course  # noqa: E402
from course.planning.layout import notebook_filename  # noqa: E402
from course.planning.plan import exercise_variant  # noqa: E402

ASSIGNMENT = "hwb"
BIN = Path(sys.executable).parent
STUDENT_PY = ROOT / ".venv-student" / "bin" / "python"

BUGGY_Q2 = ("import numpy as np\n\n\n"
            "def sigmoid(z):\n    return 1 / (1 + np.exp(z))  # sign error\n\n\n"
            "def tanh(z):\n    return np.tanh(z)\n\n\n"
            "def relu(z):\n    return np.maximum(z, 0)\n\n\n"
            "def softmax(z):\n    return np.exp(z) / np.exp(z).sum()  # whole matrix, unstable\n")
# wrong functions (NaN everywhere: no case can pass) with the right output shape
NAN_Q2 = ("import numpy as np\n\n\n" + "".join(
    f"def {n}(z):\n    return np.full(np.shape(z), np.nan)\n\n\n"
    for n in ("sigmoid", "tanh", "relu", "softmax")))
ALWAYS_EQUAL_Q1 = ("class AlwaysEqual:\n"
                   "    def __eq__(self, other):\n        return True\n\n"
                   "    def __ne__(self, other):\n        return False\n\n"
                   "    def __getitem__(self, key):\n        return self\n\n\n"
                   "q1 = AlwaysEqual()\n")
PATCH_ALLCLOSE_Q2 = NAN_Q2 + "np.allclose = lambda *args, **kwargs: True\n"
WRONG_Q1 = "q1 = {'total': 0, 'weights': [0], 'biases': [0]}\n"
OTTER_PATCH_Q1 = (WRONG_Q1 +
                  "from otter.test_files import abstract_test as _a\n"
                  "_init = _a.TestCaseResult.__init__\n\n\n"
                  "def _passed(self, test_case, message, passed):\n"
                  "    _init(self, test_case, message, True)\n\n\n"
                  "_a.TestCaseResult.__init__ = _passed\n")
EXIT_Q1 = WRONG_Q1 + "import os\nos._exit(0)\n"

# kind, adversarial?, (q1 answer, q2 answer); "correct"/"forgot-biases" q1 come from the variant
KINDS: list[tuple[str, bool, tuple[str, str]]] = [
    ("correct", False, ("correct", "solution")),
    ("partly-wrong", False, ("forgot-biases", "solution")),
    ("buggy", False, ("correct", BUGGY_Q2)),
    ("adv-always-equal", True, (ALWAYS_EQUAL_Q1, PATCH_ALLCLOSE_Q2)),
    ("correct", False, ("correct", "solution")),
    ("partly-wrong", False, ("forgot-biases", "solution")),
    ("adv-otter-patch", True, (OTTER_PATCH_Q1, NAN_Q2)),
    ("adv-exit", True, (EXIT_Q1, NAN_Q2)),
]


# ------------------------------------------------------------------------------ the course
def write_course(root: Path, students: list[str], layers: list[int] | None,
                 python: Path | None = None, name: str = "course.yml") -> Path:
    """course.yml with assignment ``hwb`` (``mlp-params`` 3 points, ``activations`` 4 points);
    ``layers`` fixes the MLP architecture (an instructor's choice the family allows);
    ``python``: the students' environment (``grading.python``), written as ``name``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "exercises").mkdir(exist_ok=True)
    params = f"\n  params: {{layers: {json.dumps(layers)}}}" if layers else ""
    (root / "exercises" / "bench.yml").write_text(
        "- id: mlp-params\n  family: mlp-params\n"
        '  title: {fr: "Paramètres d\'un MLP", en: "Parameters of an MLP"}' + params + "\n",
        encoding="utf-8")
    (root / "roster.csv").write_text("id\n" + "\n".join(students) + "\n")
    grading = f"grading:\n  python: {python}\n" if python else ""
    (root / name).write_text(
        "title: bench\nlanguage: en\nseed: 20261121\nroster: roster.csv\nexercises: exercises\n"
        f"{grading}assignments:\n  {ASSIGNMENT}:\n    title: Bench\n    questions:\n"
        "      - {exercise: mlp-params, points: 3}\n      - {coding: activations, points: 4}\n",
        encoding="utf-8")
    return root / name


def make_course(root: Path, students: list[str]) -> tuple[Path, Any]:
    """The bench course, with the architecture fixed to the first student's own draw."""
    course = load_course(write_course(root, students, None))
    v = exercise_variant(course, "mlp-params", students[0])
    cp = write_course(root, students, list(v.params["layers"]))
    return cp, load_course(cp)


def answers_for(course: Any, student: str, kind: int) -> dict[str, str]:
    """The answer cells of notebook kind ``kind`` (index in KINDS) for ``student``."""
    _, _, (q1, q2) = KINDS[kind % len(KINDS)]
    v = exercise_variant(course, "mlp-params", student)
    if q1 == "correct":
        q1 = f"q1 = {O.literal(v.answer)}\n"
    elif q1 == "forgot-biases":
        q1 = f"q1 = {O.literal(dict(v.answer, total=int(sum(v.answer['weights']))))}\n"
    if q2 == "solution":
        q2 = get_coding("activations").solution
    return {"q1": q1, "q2": q2}


def our_notebook(course: Any, student: str, answers: dict[str, str]) -> Any:
    nb = build_notebook(course, ASSIGNMENT, student)
    for c in nb.cells:
        qid = (c.metadata.get("course") or {}).get("question")
        if c.metadata["course"]["role"] == "answer" and qid in answers:
            c.source = answers[qid]
    return nb


# ------------------------------------------------------------------------------ timing
@contextlib.contextmanager
def quiet_fds() -> Any:
    """Silence file descriptors 1 and 2 (otter's kernels print warnings to inherited stderr)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def run_course_grade(folder: Path, course_path: Path,
                     jobs: int) -> tuple[float, dict[str, float], dict[str, float]]:
    """Time the ``course grade`` CLI on ``folder``; its totals and per-notebook sandbox seconds."""
    t0 = time.perf_counter()
    r = subprocess.run([str(BIN / "course"), "grade", str(folder), "--course", str(course_path),
                        "--no-resume", "--jobs", str(jobs)], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"course grade failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    scores = {}
    with open(folder / "grades.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            scores[row["student"]] = float(row["total"]) if row["status"] == "graded" else 0.0
    seconds = {}
    for rec in (folder / ".grader").glob("*.json"):
        d = json.loads(rec.read_text(encoding="utf-8"))
        if d.get("student") and isinstance(d.get("seconds"), (int, float)):
            seconds[d["student"]] = float(d["seconds"])
    return dt, scores, seconds


def otter_run_one(nb: Path, zip_path: Path, out: Path) -> float | None:
    """``otter run`` on one notebook; its total (None when otter fails to grade it)."""
    out.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([str(BIN / "otter"), "run", "-a", str(zip_path), "-o", str(out), "--no-logo",
                        str(nb)], capture_output=True, text=True)
    res = out / "results.json"
    if r.returncode != 0 or not res.is_file():
        return None
    tests = json.loads(res.read_text(encoding="utf-8")).get("tests", [])
    return sum(float(t.get("score") or 0.0) for t in tests if t.get("name") in ("q1", "q2"))


def grade_submission_one(nb: Path, zip_path: Path) -> float | None:
    import otter.api

    try:
        res = otter.api.grade_submission(str(nb), str(zip_path), quiet=True)
    except Exception:  # noqa: BLE001 - a submission that breaks otter's grading
        return None
    return float(res.total)


def _quiet_worker() -> None:
    """A worker of path (e): otter's prints and the notebooks' output go nowhere, as in (b)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


# ------------------------------------------------------------------------------ report
def rate(n: int, dt: float) -> str:
    return f"{n} notebooks in {dt:7.2f} s = {n / dt:6.2f} notebooks/s ({dt / n:5.2f} s per notebook)"


def score_table(students: list[str], kinds: list[int], cols: dict[str, dict[str, float | None]]) -> None:
    names = list(cols)
    print(f"\n{'kind':<18}{'n':>3}  " + "".join(f"{n:>24}" for n in names))
    seen: dict[str, list[int]] = {}
    for i, k in enumerate(kinds):
        seen.setdefault(KINDS[k][0], []).append(i)
    for kind, idx in seen.items():
        row = f"{kind:<18}{len(idx):>3}  "
        for n in names:
            vals = [cols[n].get(students[i]) for i in idx if students[i] in cols[n]]
            if not vals:
                row += f"{'-':>24}"
                continue
            errs = sum(v is None for v in vals)
            mean = sum(v or 0.0 for v in vals) / len(vals)
            row += f"{f'{mean:.2f}/7' + (f' ({errs} err)' if errs else '') + f' n={len(vals)}':>24}"
        print(row)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notebooks", "-n", type=int, default=50, help="notebooks to grade (default 50)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="course grade --jobs (default: the number of cores)")
    ap.add_argument("--otter-run-sample", type=int, default=10,
                    help="notebooks graded with `otter run` subprocesses (default 10; 0 skips)")
    ap.add_argument("--otter-jobs", type=int, default=os.cpu_count() or 1,
                    help="concurrent `otter run` subprocesses for path (d) (default: cores; 1 skips)")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = ap.parse_args()
    if args.notebooks < 1:
        ap.error("--notebooks must be >= 1")
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="bench-grade-"))
    if args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    try:
        bench(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def bench(args: argparse.Namespace, tmp: Path) -> None:
    n = args.notebooks
    students = [f"b{i:03d}" for i in range(n)]
    kinds = [i % len(KINDS) for i in range(n)]
    t0 = time.perf_counter()
    cp, course = make_course(tmp / "course", students)
    ours, theirs = tmp / "ours" / "submissions", tmp / "otter-submissions"
    ours.mkdir(parents=True)
    theirs.mkdir(parents=True)

    master, summary = O.master_notebook(course, ASSIGNMENT, students[0], lang=course.language)
    zip_path, student_nb_path = O.otter_assign(master, tmp / "otter-assign")
    student_nb = nbformat.read(str(student_nb_path), as_version=4)
    for i, s in enumerate(students):
        answers = answers_for(course, s, kinds[i])
        name = notebook_filename(ASSIGNMENT, s)
        (ours / name).write_text(json.dumps(our_notebook(course, s, answers)), encoding="utf-8")
        nbformat.write(O.otter_submission(student_nb, answers), str(theirs / name))
    print(f"setup: course, {n} notebooks, otter master notebook and `otter assign` in "
          f"{time.perf_counter() - t0:.1f} s (not timed below)")
    print(f"assignment {ASSIGNMENT}: " + ", ".join(
        f"{q['id']} {q['kind']} {q['points']:g} pts ({q['tests']} hidden otter tests)"
        for q in summary["questions"]))
    print(f"one variant for everyone (otter has one assignment): student {students[0]}'s; "
          "q1's architecture is fixed to it on both sides; course grade regenerates each "
          "student's own 16 hidden cases of q2, otter's tests hold the first student's")
    prot = protections()
    print("course grade protections: " + ", ".join(
        f"{name} {'on' if on else 'OFF'}" for name, on, _ in prot.items()))

    # (c) course grade, the grader's own interpreter; (c') the students' environment
    dt_c, ours_scores, ours_seconds = run_course_grade(tmp / "ours", cp, args.jobs)
    dt_s = None
    if STUDENT_PY.exists():
        layers = list(exercise_variant(course, "mlp-params", students[0]).params["layers"])
        cps = write_course(tmp / "course", students, layers, STUDENT_PY, "course-students.yml")
        dt_s, st_scores, st_seconds = run_course_grade(tmp / "ours", cps, args.jobs)
        same_st = sum(st_scores.get(s) == ours_scores.get(s) for s in students)
    # (b) otter.api.grade_submission, one process
    sub = [theirs / notebook_filename(ASSIGNMENT, s) for s in students]
    gs_scores: dict[str, float | None] = {}
    gs_seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    with quiet_fds():
        for s, p in zip(students, sub):
            t1 = time.perf_counter()
            gs_scores[s] = grade_submission_one(p, zip_path)
            gs_seconds[s] = time.perf_counter() - t1
    dt_b = time.perf_counter() - t0
    # (e) otter.api.grade_submission in --otter-jobs processes (each its own interpreter)
    dt_e = None
    pe_scores: dict[str, float | None] = {}
    if args.otter_jobs > 1:
        import multiprocessing as mp

        t0 = time.perf_counter()
        with quiet_fds(), cf.ProcessPoolExecutor(args.otter_jobs, mp_context=mp.get_context("spawn"),
                                                 initializer=_quiet_worker) as ex:
            futs = {s: ex.submit(grade_submission_one, p, zip_path) for s, p in zip(students, sub)}
            pe_scores = {s: f.result() for s, f in futs.items()}
        dt_e = time.perf_counter() - t0
    # (a) otter run per notebook, (d) the same, --otter-jobs at a time
    k = min(args.otter_run_sample, n)
    run_scores: dict[str, float | None] = {}
    par_scores: dict[str, float | None] = {}
    dt_a = dt_d = None
    if k > 0:
        t0 = time.perf_counter()
        for s, p in zip(students[:k], sub[:k]):
            run_scores[s] = otter_run_one(p, zip_path, tmp / "otter-run" / s)
        dt_a = time.perf_counter() - t0
        if args.otter_jobs > 1:
            t0 = time.perf_counter()
            with cf.ThreadPoolExecutor(args.otter_jobs) as ex:
                futs = {s: ex.submit(otter_run_one, p, zip_path, tmp / "otter-run-par" / s)
                        for s, p in zip(students[:k], sub[:k])}
                par_scores = {s: f.result() for s, f in futs.items()}
            dt_d = time.perf_counter() - t0

    print(f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    rates = {"(b) otter.api.grade_submission, one process": (n, dt_b)}
    print(f"{f'(c) course grade --jobs {args.jobs} (CLI)':<44}: {rate(n, dt_c)}  "
          "(student code run by the grader's own Python)")
    if dt_s is not None:
        print(f"{f'(c_) course grade --jobs {args.jobs} (CLI)':<44}: {rate(n, dt_s)}  "
              f"(the students' environment, .venv-student; scores as (c): {same_st}/{n})")
    print(f"{'(b) otter.api.grade_submission, one process':<44}: {rate(n, dt_b)}")
    if dt_a is not None:
        print(f"{'(a) otter run, one subprocess per notebook':<44}: {rate(k, dt_a)}  (sample of {k})")
        rates["(a) otter run per notebook"] = (k, dt_a)
    if dt_d is not None:
        same = sum(par_scores.get(s) == run_scores.get(s) for s in run_scores)
        print(f"{f'(d) otter run, {args.otter_jobs} at a time':<44}: {rate(k, dt_d)}  (sample of {k}; "
              f"scores as (a): {same}/{k})")
        rates[f"(d) otter run, {args.otter_jobs} at a time"] = (k, dt_d)
    if dt_e is not None:
        same = sum(pe_scores.get(s) == gs_scores.get(s) for s in students)
        label = f"(e) otter.api.grade_submission, {args.otter_jobs} processes"
        print(f"{label:<44}: {rate(n, dt_e)}  (pool start included; scores as (b): {same}/{n})")
        rates[label] = (n, dt_e)
    best = max(rates, key=lambda r: rates[r][0] / rates[r][1])
    ours_rate = n / dt_c
    best_rate = rates[best][0] / rates[best][1]
    ratio = ours_rate / best_rate
    print(f"ratio (c): course grade {ours_rate:.2f} nb/s / otter's fastest non-Docker path "
          f"[{best}] {best_rate:.2f} nb/s = {ratio:.1f}x (goal >= 20x: "
          f"{'met' if ratio >= 20 else 'NOT met'})")
    if dt_s is not None:
        r_s = n / dt_s / best_rate
        print(f"ratio (c_), the students' environment: {n / dt_s:.2f} nb/s / {best_rate:.2f} nb/s "
              f"= {r_s:.1f}x (goal >= 20x: {'met' if r_s >= 20 else 'NOT met'})")

    cols: dict[str, dict[str, float | None]] = {"course grade": dict(ours_scores),
                                                "grade_submission": gs_scores}
    if dt_s is not None:
        cols["course (students' env)"] = dict(st_scores)
    if run_scores:
        cols["otter run"] = run_scores
    score_table(students, kinds, cols)
    print("\nmean seconds per notebook by kind: course grade = sandbox time of one notebook "
          "(cells and cases; --jobs run in parallel), grade_submission = wall time of one call")
    by_kind: dict[str, list[str]] = {}
    for s, k_ in zip(students, kinds):
        by_kind.setdefault(KINDS[k_][0], []).append(s)
    for kind, ss in by_kind.items():
        ours_t = [ours_seconds[s] for s in ss if s in ours_seconds]
        gs_t = [gs_seconds[s] for s in ss]
        st = ""
        if dt_s is not None:
            st_t = [st_seconds[s] for s in ss if s in st_seconds]
            st = f"(students' env {sum(st_t) / max(len(st_t), 1):6.3f} s)   "
        print(f"  {kind:<18} course grade {sum(ours_t) / max(len(ours_t), 1):6.3f} s {st}  "
              f"grade_submission {sum(gs_t) / len(gs_t):6.2f} s")
    honest = [s for s, k_ in zip(students, kinds) if not KINDS[k_][1]]
    agree = sum(1 for s in honest if gs_scores.get(s) is not None
                and abs(gs_scores[s] - ours_scores.get(s, -1)) < 1e-6)
    print(f"\nhonest notebooks (correct, partly wrong, buggy): course grade and otter "
          f"grade_submission agree on {agree}/{len(honest)}")
    adv = [s for s, k_ in zip(students, kinds) if KINDS[k_][1]]
    for name, col in cols.items():
        got = [(s, col[s]) for s in adv if s in col]
        undeserved = sum(v or 0.0 for _, v in got)
        given = sum(1 for _, v in got if v)
        errors = sum(1 for _, v in got if v is None)
        print(f"adversarial notebooks (deserve 0 points), {name:<16}: {given}/{len(got)} given points, "
              f"{undeserved:g} undeserved points of {7 * len(got)}"
              + (f", {errors} not graded (otter error)" if errors else ""))


if __name__ == "__main__":
    main()
