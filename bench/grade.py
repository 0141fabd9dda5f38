"""Benchmark of ``course grade``: notebooks per second on 50 generated notebooks.

Usage: ``.venv/bin/python bench/grade.py [--jobs N]``. The notebooks (correct, partly wrong,
buggy and adversarial) follow the grading contract and use the test fixture's small assignment
(a computed ``mlp-params`` question and the ``activations`` coding question), with every
isolation layer the machine allows switched on (printed).

Not done yet: the otter-grader side (the same questions as an ``otter assign`` assignment, run
with ``otter run`` and ``otter.api.grade_submission``), so no ratio is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grader"))

import grader_fixture as F  # noqa: E402

from course.config import load_course  # noqa: E402
from course.grader.run import grade_folder  # noqa: E402
from course.grader.sandbox import Limits, protections  # noqa: E402

KINDS = [
    ("correct", F.CORRECT_Q1, F.CORRECT_Q2),
    ("partly-wrong", F.FORGOT_BIASES_Q1, F.CORRECT_Q2),
    ("buggy", F.CORRECT_Q1, "import numpy as np\ndef sigmoid(z): return 1 / (1 + np.exp(z))\n"
     "def tanh(z): return np.tanh(z)\ndef relu(z): return np.maximum(z, 0)\n"
     "def softmax(z): return np.exp(z) / np.exp(z).sum()\n"),
    ("adversarial", "class A:\n    def __eq__(self, o): return True\nq1 = A()\nimport os\nos._exit(0)",
     "import numpy as np\nnp.allclose = lambda *a, **k: True\n"),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-n", type=int, default=50)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        students = [f"b{i:03d}" for i in range(args.n)]
        cp = F.make_course(tmp, students)
        course = load_course(cp)
        for i, s in enumerate(students):
            _, q1, q2 = KINDS[i % len(KINDS)]
            F.write(tmp / "hw" / "submissions", f"hwt-{s}.ipynb", F.notebook(course, s, q1=q1, q2=q2))
        t0 = time.perf_counter()
        summary = grade_folder(tmp / "hw", course_path=cp, jobs=args.jobs, resume=False,
                               loader="grader_fixture:load", limits=Limits(timeout_s=5.0))
        dt = time.perf_counter() - t0
        prot = protections()
        print("protections:", ", ".join(n for n, on, _ in prot.items() if on))
        print(f"course grade: {summary['notebooks']} notebooks in {dt:.2f} s with {args.jobs} jobs "
              f"= {summary['notebooks'] / dt:.1f} notebooks/s (mean {summary['mean']})")
        print("otter-grader side: not implemented yet (no ratio)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
