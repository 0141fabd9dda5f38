"""Red-team and fault suites: hostile and broken submissions graded in one batch.

Every attack notebook is graded in the same batch as honest ones (two sandbox slots, short
timeouts). Each attack asserts: no undeserved point (most attacks only score if the attack
*succeeded*: their code computes the right answer only when it found a leak, a network, a
privilege...), no leak, and no harm to the batch (the honest notebooks keep full marks, no
process of the sandbox uids is left, every notebook gets a record).
"""

from __future__ import annotations

import csv
import json
import re

import grader_fixture as F
import pytest

from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course

# Code that earns q1 honestly; attacks append it only when the attack succeeded.
WIN = F.CORRECT_Q1

ATTACKS: dict[str, dict] = {
    # --- fake values and exact types
    "always-equal": {"q1": "class A:\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\nq1 = A()"},
    "always-equal-parts": {"q1": "class A(int):\n    def __eq__(self, o): return True\nq1 = {'total': A(0), 'weights': A(0), 'biases': A(0)}"},
    "float-subclass": {"q1": "class F(float):\n    def __eq__(self, o): return True\n    def __sub__(self, o): return 0.0\nq1 = {'total': F(0.0), 'weights': [F(0)], 'biases': [F(0)]}"},
    "ndarray-subclass": {"q1": "import numpy as np\nclass N(np.ndarray):\n    def __eq__(self, o): return np.ones(1, bool)\nq1 = {'total': 0, 'weights': np.zeros(4).view(N), 'biases': np.zeros(4).view(N)}"},
    "object-array": {"q1": "import numpy as np\nclass A:\n    def __eq__(self, o): return True\nq1 = {'total': 0, 'weights': np.array([A()] * 4, dtype=object), 'biases': np.array([A()] * 4, dtype=object)}"},
    "dict-subclass": {"q1": "class D(dict):\n    def __getitem__(self, k): return 0\n    def __contains__(self, k): return True\nq1 = D()"},
    "list-subclass": {"q1": "class L(list):\n    def __eq__(self, o): return True\n    def __len__(self): return 4\nq1 = {'total': 0, 'weights': L(), 'biases': L()}"},
    "nd-dtype-object-forged": {"q1": "q1 = {'$nd': 'AAAA', 'dtype': '|O', 'shape': [1]}"},
    "pickle-payload": {"q1": "import pickle, os\nclass E:\n    def __reduce__(self): return (os.system, ('touch /tmp/pwned',))\nq1 = pickle.dumps(E())"},
    # --- patching the runtime
    "patch-numpy": {"q1": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\nnp.isclose = lambda *a, **k: True\nq1 = {'total': 0, 'weights': [0], 'biases': [0]}"},
    "patch-math-builtins": {"q1": "import math, builtins\nmath.isclose = lambda *a, **k: True\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\nbuiltins.type = lambda *a: int\nq1 = {'total': 'x', 'weights': 'x', 'biases': 'x'}"},
    "patch-json-channel": {"q1": "import json, sys\njson.dumps = lambda *a, **k: '{\"ok\": true, \"value\": {\"total\": 1}}'\nsys.modules['json'] = None\nq1 = 0"},
    "import-hook": {"q1": "import sys, types\nclass F:\n    def find_spec(self, name, path=None, target=None): return None\n    def find_module(self, n, p=None): return None\nsys.meta_path.insert(0, F())\nm = types.ModuleType('course'); m.grade = lambda *a: 100\nsys.modules['course'] = m\nq1 = 0"},
    "patch-test-runner": {"q1": "import builtins\nclass G:\n    def check(self, *a): return True\n    def check_all(self): return 100\nbuiltins.grader = G()\nq1 = None"},
    # --- forging output, results and the channel
    "forge-stdout": {"q1": "print('{\"id\": 0, \"ok\": true, \"value\": 153}')\nprint('q1: 3/3 points, All tests passed!')\nimport sys; sys.stderr.write('Score: 7/7')"},
    "forge-result-files": {"q1": "import os, json\nT = os.environ.get('TMPDIR', '/tmp')\nfor p in ['results.json', '../results.json', '/tmp/results.json', 'grades.csv', '/tmp/work/grades.csv', T + '/results.json', T + '/work/grades.csv']:\n    try:\n        open(p, 'w').write(json.dumps({'score': 7, 'tests': []}))\n    except OSError:\n        pass"},
    "forge-channel-frames": {"q1": "import os, struct, json\nmsg = json.dumps({'id': 1, 'ok': True, 'value': {'total': 1, 'weights': [1], 'biases': [1]}}).encode()\nfor fd in range(3, 40):\n    try:\n        os.write(fd, struct.pack('>I', len(msg)) + msg)\n    except OSError:\n        pass"},
    "close-channel": {"q1": "import os\nos.closerange(3, 1000)\nq1 = 0"},
    "garbage-on-channel": {"q1": "import os\nfor fd in range(3, 40):\n    try:\n        os.write(fd, b'\\xff' * 100)\n    except OSError:\n        pass"},
    # --- exiting
    "sys-exit": {"q1": "import sys\nsys.exit(0)"},
    "os-exit": {"q1": "import os\nos._exit(0)"},
    "exit-after-good-answer": {"q1": WIN, "q2": "import os\nos._exit(0)", "expect_q1": 3.0},
    "segfault": {"q1": "import ctypes\nctypes.string_at(0)"},
    "keyboard-interrupt": {"q1": "raise KeyboardInterrupt"},
    "kill-parent": {"q1": "import os, signal\nfor p in (os.getppid(), 1):\n    try:\n        os.kill(p, signal.SIGKILL)\n    except OSError:\n        pass\nq1 = 0"},
    "kill-everything": {"q1": "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\nq1 = 0"},
    # --- looking for expected values
    "frame-inspection": {"q1": "import sys\nf = sys._getframe()\nfound = []\nwhile f is not None:\n    found += [v for k, v in f.f_locals.items() if k in ('expected', 'answer', 'variant', 'want')]\n    f = f.f_back\nif found:\n    q1 = found[0]"},
    "gc-scan": {"q1": "import gc\nhit = [o for o in gc.get_objects() if type(o) is dict and 'total' in o and 'weights' in o and o.get('total') not in (None, ...)]\nif hit:\n" + "\n".join("    " + l for l in WIN.splitlines())},
    "read-instructor-files": {"q1": "import os, glob\nhits = [p for p in glob.glob('/**/course.yml', recursive=True) + glob.glob('/**/hidden_tests.json', recursive=True) + glob.glob('/**/*.ipynb', recursive=True)]\nif hits or os.path.exists('{COURSE}') or os.path.exists('{SUB}'):\n" + "\n".join("    " + l for l in WIN.splitlines())},
    "read-root-files": {"q1": "ok = False\nfor p in ['/root/.bashrc', '/etc/shadow', '/proc/1/environ']:\n    try:\n        open(p).read(); ok = True\n    except OSError:\n        pass\nif ok:\n" + "\n".join("    " + l for l in WIN.splitlines())},
    "proc-snooping": {"q1": "import os\nseen = ''\nfor p in os.listdir('/proc'):\n    try:\n        seen += open(f'/proc/{p}/cmdline', 'rb').read().decode(errors='ignore')\n    except OSError:\n        pass\nif 'pytest' in seen or 'course' in seen:\n" + "\n".join("    " + l for l in WIN.splitlines())},
    "ptrace-zygote": {"q1": "import ctypes, os\nlibc = ctypes.CDLL(None)\nif libc.ptrace(16, os.getppid(), 0, 0) == 0 or os.access(f'/proc/{os.getppid()}/mem', os.R_OK):\n" + "\n".join("    " + l for l in WIN.splitlines())},
    "raise-limits-setuid": {"q1": "import os, resource\nok = False\ntry:\n    resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)); ok = True\nexcept (ValueError, OSError):\n    pass\ntry:\n    os.setuid(0); ok = True\nexcept OSError:\n    pass\nif ok or os.getuid() == 0:\n" + "\n".join("    " + l for l in WIN.splitlines())},
    "network-exfiltration": {"q1": "import socket\nok = False\nfor host in [('1.1.1.1', 53), ('8.8.8.8', 53), ('pypi.org', 443)]:\n    try:\n        socket.create_connection(host, timeout=0.5).close(); ok = True\n    except OSError:\n        pass\nif ok:\n" + "\n".join("    " + l for l in WIN.splitlines())},
    # --- resources
    "infinite-loop": {"q1": "while True:\n    pass"},
    "sleep-forever": {"q1": "import time\ntime.sleep(10**6)"},
    "memory-bomb": {"q1": "x = ' ' * (10 ** 11)"},
    "memory-bomb-gradual": {"q1": "x = []\nwhile True:\n    x.append(bytearray(10 ** 7))"},
    "fork-bomb": {"q1": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"},
    "disk-bomb": {"q1": "import tempfile\nT = tempfile.gettempdir()\ni = 0\nwhile True:\n    open(f'{T}/f{i}', 'wb').write(b'x' * 10**6); i += 1"},
    "fd-exhaustion": {"q1": "fs = []\nwhile True:\n    fs.append(open('/dev/null'))"},
    "stdout-flood": {"q1": "while True:\n    print('x' * 10**6)"},
    "daemon-left-behind": {"q1": "import subprocess, os\nsubprocess.Popen(['sh', '-c', 'while true; do :; done'], start_new_session=True)\nif os.fork() == 0:\n    os.setsid()\n    import time\n    while True: time.sleep(1)\nq1 = 0"},
    "evil-exception-str": {"q1": "class E(Exception):\n    def __str__(self):\n        while True: pass\nraise E()"},
    # --- returns
    "huge-return": {"q1": "import numpy as np\nq1 = np.zeros(6 * 10**6)"},
    "deeply-nested-return": {"q1": "x = []\nfor _ in range(100000):\n    x = [x]\nq1 = x"},
    "magics-shell-escape": {"q1": "!touch /tmp/pwned\n%system id\nget_ipython().system('id')"},
    # --- attacks on the coding question
    "q2-always-equal": {"q2": "class A:\n    def __eq__(self, o): return True\n    def __array__(self, *a, **k):\n        raise TypeError\ndef sigmoid(z): return A()\ndef tanh(z): return A()\ndef relu(z): return A()\ndef softmax(z): return A()"},
    "q2-ndarray-subclass": {"q2": "import numpy as np\nclass N(np.ndarray):\n    pass\ndef sigmoid(z): return np.zeros_like(z).view(N)\ntanh = relu = softmax = sigmoid"},
    "q2-infinite-loop": {"q2": "def sigmoid(z):\n    while True: pass\ntanh = relu = softmax = sigmoid"},
    "q2-exit-in-call": {"q2": "import os\ndef sigmoid(z): os._exit(0)\ntanh = relu = softmax = sigmoid"},
    "q2-system-exit-in-call": {"q2": "def sigmoid(z): raise SystemExit(0)\ntanh = relu = softmax = sigmoid"},
}

FAULTS: dict[str, dict] = {
    "truncated-json": {"bytes": b'{"nbformat": 4, "cells": [', "status": "not-json"},
    "png": {"bytes": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "status": "not-utf8"},
    "empty": {"bytes": b"", "status": "empty"},
    "utf16": {"utf16": True, "status": "not-utf8"},
    "nbformat3": {"bytes": json.dumps({"nbformat": 3, "worksheets": [{"cells": []}], "metadata": {}}).encode(),
                  "status": "old-nbformat"},
    "not-a-notebook": {"bytes": b"[1, 2, 3]", "status": "not-notebook"},
    # the owner comes from the file name: metadata is only a claim
    "no-metadata": {"nometa": True, "status": "graded", "total": 7.0},
    "name-not-on-roster": {"rename": "hwt-zz99.ipynb", "status": "unknown-student"},
    "claims-another-student": {"student": "intruder", "status": "graded", "total": 7.0,
                               "note": "says it belongs to intruder"},
    "huge-outputs": {"huge": True, "status": "graded", "total": 7.0},
    "missing-functions": {"q2": "", "total": 3.0},
    "functions-raising": {"q2": "def sigmoid(z): raise ValueError('no')\ntanh = relu = softmax = sigmoid", "total": 3.0},
    "nan-results": {"q2": "import numpy as np\ndef sigmoid(z): return np.full(np.shape(z), np.nan)\ntanh = relu = softmax = sigmoid", "total": 3.0},
    "wrong-shapes": {"q2": "import numpy as np\ndef sigmoid(z): return np.zeros(3)\ntanh = relu = softmax = sigmoid", "total": 3.0},
    "syntax-error": {"q1": "q1 = {'total': ", "total": 4.0},
    "misconception": {"q1": F.FORGOT_BIASES_Q1, "total": 6.0, "misconception": "forgot-biases"},
    "tampered-setup-restored": {"tamper": {"setup": "layers = [1, 1]\n", "q1-check": None}, "total": 7.0,
                                "restored": ["setup", "q1-check"]},
}

HONEST = ["honest-a", "honest-b", "honest-c", "honest-d"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    names = list(ATTACKS) + list(FAULTS) + HONEST
    students = [f"s{i:02d}" for i in range(len(names))] + ["dup"]
    cp = F.make_course(root, students)
    course = load_course(cp)
    sub = root / "hw" / "submissions"
    who: dict[str, str] = {}
    for i, name in enumerate(names):
        s = f"s{i:02d}"
        who[name] = s
        spec = ATTACKS.get(name) or FAULTS.get(name) or {}
        fname = spec.get("rename", f"hwt-{s}.ipynb")
        if "bytes" in spec:
            F.write(sub, fname, spec["bytes"])
            continue
        stud = spec.get("student", s)
        q1 = spec.get("q1")
        q1 = q1.replace("{COURSE}", str(cp)).replace("{SUB}", str(sub)) if q1 else None
        nb = F.notebook(course, stud, q1=q1 if q1 is not None else ("q1 = ...\n" if name in ATTACKS else F.CORRECT_Q1),
                        q2=spec.get("q2") if "q2" in spec else (None if name in ATTACKS else F.CORRECT_Q2),
                        tamper=spec.get("tamper"))
        if spec.get("nometa"):
            nb["metadata"].pop("course")
        if spec.get("huge"):
            nb["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                          "text": "y" * (50 * 1024 * 1024)}]
        if spec.get("utf16"):
            F.write(sub, fname, json.dumps(nb).encode("utf-16"))
            continue
        F.write(sub, fname, nb)
    # a duplicate: two notebooks for one student
    F.write(sub, "hwt-dup.ipynb", F.notebook(course, "dup"))
    dup2 = F.notebook(course, "dup")
    F.write(sub, "dup_copy.ipynb", dup2)
    summary = grade_folder(root / "hw", course_path=cp, jobs=2, loader="grader_fixture:load",
                           limits=Limits(timeout_s=1.5, cpu_s=20, memory_mb=1024, nproc=24, tmpfs_mb=16))
    rows = {r["file"]: r for r in csv.DictReader(open(root / "hw" / "grades.csv"))}
    records = {p.stem: json.loads(p.read_text()) for p in (root / "hw" / ".grader").glob("*.json")}
    return {"root": root, "who": who, "rows": rows, "records": records, "summary": summary,
            "sub": sub, "cp": cp}


def _row(batch, name):
    s = batch["who"][name]
    spec = ATTACKS.get(name) or FAULTS.get(name) or {}
    return batch["rows"][spec.get("rename", f"hwt-{s}.ipynb")]


def test_suite_sizes():
    assert len(ATTACKS) >= 40 and len(FAULTS) >= 12


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_earns_nothing_undeserved(batch, name):
    row = _row(batch, name)
    spec = ATTACKS[name]
    assert row["status"] == "graded"
    assert float(row["q1"]) == spec.get("expect_q1", 0.0), row
    assert float(row["q2"]) == 0.0, row


@pytest.mark.parametrize("name", HONEST)
def test_honest_notebooks_unharmed(batch, name):
    row = _row(batch, name)
    assert (row["status"], float(row["total"]), float(row["percent"])) == ("graded", 7.0, 100.0)


@pytest.mark.parametrize("name", list(FAULTS))
def test_faults_get_a_clear_status(batch, name):
    spec = FAULTS[name]
    row = _row(batch, name)
    assert row["status"] == spec.get("status", "graded")
    if "total" in spec:
        assert float(row["total"]) == spec["total"]
    rec = batch["records"][(spec.get("rename") or f"hwt-{batch['who'][name]}.ipynb")[:-6]]
    if "restored" in spec:
        assert sorted(rec["restored"]) == sorted(spec["restored"])
        assert "q1-check" in (batch["root"] / "hw" / "feedback" / f"{batch['who'][name]}.md").read_text()
    if "misconception" in spec:
        assert any(it.get("misconception") == spec["misconception"]
                   for q in rec["questions"] for it in q["items"])
    if "note" in spec:
        assert any(spec["note"] in n["en"] for n in rec["notes"]), rec["notes"]


def test_a_file_nobody_owns_is_reported_not_guessed(batch):
    """dup_copy.ipynb says it is dup's: dup's own file is graded, the other one is listed."""
    assert batch["rows"]["hwt-dup.ipynb"]["status"] == "graded"
    assert float(batch["rows"]["hwt-dup.ipynb"]["total"]) == 7.0
    assert batch["rows"]["dup_copy.ipynb"]["status"] == "no-owner"


def test_no_harm_to_the_machine(batch):
    assert not (batch["root"] / "hw" / "submissions" / "results.json").exists()
    assert not any(p.name == "pwned" for p in batch["root"].rglob("*"))
    import os
    assert not os.path.exists("/tmp/pwned")
    F.assert_free_uids_are_empty()
    assert batch["summary"]["notebooks"] == len(ATTACKS) + len(FAULTS) + len(HONEST) + 2


def test_feedback_never_shows_expected_values(batch):
    from course.planning.plan import exercise_variant

    course = load_course(batch["cp"])
    for name in ("misconception", "syntax-error"):
        s = batch["who"][name]
        v = exercise_variant(course, "mlp-params", s)
        text = (batch["root"] / "hw" / "feedback" / f"{s}.md").read_text()
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d", "<time>", text)  # when handed in
        assert str(v.answer["total"]) not in text
        assert str(v.answer["weights"]) not in text


def test_magics_are_reported(batch):
    rec = batch["records"][f"hwt-{batch['who']['magics-shell-escape']}"]
    q1 = next(q for q in rec["questions"] if q["id"] == "q1")
    assert q1["cell"]["magics"] == 2


def test_rerun_is_idempotent_and_resumes(batch):
    hw = batch["root"] / "hw"
    before = (hw / "grades.csv").read_text()
    stamp = {p.name: p.stat().st_mtime_ns for p in (hw / ".grader").glob("*.json")}
    grade_folder(hw, course_path=batch["cp"], jobs=2, loader="grader_fixture:load",
                 limits=Limits(timeout_s=1.5))
    assert (hw / "grades.csv").read_text() == before
    graded_again = [n for n, t in stamp.items() if (hw / ".grader" / n).stat().st_mtime_ns != t
                    and json.loads((hw / ".grader" / n).read_text())["status"] == "graded"]
    assert graded_again == []
    res = json.loads((hw / "results" / f"{batch['who']['honest-a']}.json").read_text())
    assert res["score"] == 7.0 and all(t["status"] == "passed" for t in res["tests"])
    assert "Protections" in (hw / "report.html").read_text()


def test_summary_counts_the_timeouts(batch):
    # the infinite-loop attacks are stopped by the time limit, and the summary says so
    assert batch["summary"]["timeouts"] >= 1
