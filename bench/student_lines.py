"""Benchmark: how many lines a student reads when running a homework notebook as handed out.

    .venv/bin/python bench/student_lines.py [--assignment hw3] [--student etu001]

Builds the assignment for one student of the sample course, executes the untouched notebook
in the students' environment (``.venv-student``, made by scripts/setup: no ``course``
package), and prints, per question, the lines its check cell printed, then the total and the
longest line. The figure of the students issue: ~580 lines for hw3 as handed out with the
first round's otter/doctest checks; the goal is one line per question or failing public case.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DRIVER = r'''
import sys, nbformat, nbclient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                        resources={"metadata": {"path": path.rsplit("/", 1)[0]}}).execute()
nbformat.write(nb, path)
'''


def main() -> None:
    import nbformat

    from course.documents.notebooks import build_assignment
    from course.planning.config import load_course

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--assignment", default="hw3")
    ap.add_argument("--student", default=None)
    ap.add_argument("--course", default=str(ROOT / "course.yml"))
    a = ap.parse_args()
    py = ROOT / ".venv-student" / "bin" / "python"
    if not py.exists():
        sys.exit("bench/student_lines.py: .venv-student is missing: run scripts/setup")
    course = load_course(Path(a.course))
    sid = a.student or course.roster[0]
    with tempfile.TemporaryDirectory() as tmp:
        build_assignment(course, a.assignment, roster=[sid], out=Path(tmp))
        nb_path = Path(tmp) / "student" / f"{a.assignment}-{sid}.ipynb"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        proc = subprocess.run([str(py), "-c", DRIVER, str(nb_path)], cwd=nb_path.parent, env=env,
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            sys.exit(f"bench/student_lines.py: the notebook did not run: {proc.stderr[-2000:]}")
        nb = nbformat.read(nb_path, as_version=4)
    total, longest, per_q = 0, 0, []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                       + "\n".join(o.get("traceback", [])) for o in c.get("outputs", []))
        lines = text.splitlines()
        total += len(lines)
        longest = max([longest, *map(len, lines)])
        md = c.metadata.get("course", {})
        if md.get("role") == "check" and md.get("question"):
            per_q.append((md.get("question"), lines))
    for qid, lines in per_q:
        print(f"{qid}: {len(lines)} line(s)")
        for line in lines:
            print(f"    {line}")
    print(f"{a.assignment} as handed out ({sid}): {total} lines of output in all, "
          f"{len(per_q)} questions, longest line {longest} characters")


if __name__ == "__main__":
    main()
