"""Red-team suite, second round: attacks test_grader_redteam.py does not cover.

Hostile notebooks are graded in ONE batch with honest ones, on ONE sandbox slot (``jobs=1``), so
that submissions follow each other in file-name order: a "plant" submission leaves everything it
can behind (deep trees in /tmp and /dev/shm, System V IPC, a kernel keyring entry, a POSIX
message queue, module state) and "spy" submissions graded after it earn q1 only if they find
any of it. Other attacks: replies forged on the job socket with hostile values (dtype tricks,
bad shapes, NaN tokens, huge ints, duplicate keys, deep nesting, a 4 GiB length header), values
of numpy/str subclasses, a forward-equations answer built to hang sympy on the trusted side,
an exception message with a lone surrogate, ANSI escapes and HTML, reads of the zygote's /proc
files and of inherited descriptors, writes into the bind-mounted Python environment. Then:
file names that inject formulas into grades.csv or are not UTF-8, forged ``.grader`` records
and a notebook changed after grading (resume).

Each attack asserts no undeserved point (the attack code computes the right q1 only when the
attack worked), no leak, and no harm to the batch (honest notebooks keep full marks, every
notebook gets a record, the outputs are written).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import grader_fixture as F
import pytest

from course.grader.assignment import variant_for
from course.grader.grading import Original, Question
from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course

WIN = F.CORRECT_Q1


def _if(cond: str) -> str:
    """``if cond:`` followed by the honest q1 code (earned only when the attack worked)."""
    return f"if {cond}:\n" + "\n".join("    " + line for line in WIN.splitlines()) + "\n"


# ----------------------------------------------------------------------------- fixture course
def load(course, assignment: str, student: str) -> Original:
    """grader_fixture's original notebook plus q3, a forward-equations (sympy) question."""
    orig = F.load(course, assignment, student)
    cells = orig.cells + [{"id": "q3-answer", "role": "answer", "question": "q3", "cell_type": "code",
                           "source": "q3 = ...\n"}]
    q3 = Question("q3", "computed", 2.0, {"fr": "équations", "en": "equations"},
                  variant=variant_for(course, "forward-equations", student))
    return Original(cells, [*orig.questions, q3])


# ----------------------------------------------------------------------------- attacks
# A reply forged on the job socket, found by walking up to the child's serving loop (``rid`` is
# the id of the request being served, ``fd`` the job socket). After q1-answer come 4 more cells
# (q1-check, q2-answer, q2-check, q3-answer): their replies are forged "ok", then the reply to
# ``get q1`` carries PAYLOAD, a value the child's own encoder would never produce.
FORGE = (
    "import sys, os, json, struct\n"
    "f = sys._getframe()\n"
    "while f is not None and 'rid' not in f.f_locals:\n"
    "    f = f.f_back\n"
    "rid, fd = f.f_locals['rid'], f.f_locals['fd']\n"
    "def send(text):\n"
    "    b = text.encode()\n"
    "    os.write(fd, struct.pack('>I', len(b)) + b)\n"
    "for i in range(rid, rid + 5):\n"
    "    send(json.dumps({'id': i, 'ok': True}))\n"
    "send('{\"id\": %d, \"ok\": true, \"value\": ' % (rid + 5) + PAYLOAD + '}')\n"
)
ND8 = "AAAAAAAAAAA="  # 8 zero bytes


def _nd(part: str, dtype: str, shape: str, data: str = ND8, extra: str = "") -> str:
    return '{"' + part + '": {"$nd": "' + data + '", "dtype": "' + dtype + '", "shape": ' + shape + extra + "}}"


FORGED = {
    "forge-void-dtype": _nd("total", "|V8", "[1]"),
    "forge-unicode-dtype": _nd("total", "<U2", "[1]"),
    "forge-object-dtype": _nd("total", "|O", "[1]"),
    "forge-big-endian": _nd("total", ">f8", "[1]"),
    "forge-complex": _nd("total", "<c16", "[1]", data="AAAAAAAAAAAAAAAAAAAAAA=="),
    "forge-negative-shape": _nd("weights", "<f8", "[-1]"),
    "forge-shape-bytes-mismatch": _nd("weights", "<f8", "[2]"),
    "forge-zero-size-huge-dims": '{"total": 0, "weights": {"$nd": "", "dtype": "<f8", '
                                 '"shape": [0, 4000000, 4000000, 4000000, 4000000]}, "biases": []}',
    "forge-masked-extra-keys": _nd("weights", "<f8", "[1]", extra=', "mask": [true]'),
    "forge-bad-base64": '{"weights": {"$nd": "!!!!", "dtype": "<f8", "shape": [1]}}',
    "forge-nan-infinity": '{"total": NaN, "weights": [Infinity, 1e999], "biases": [-Infinity]}',
    "forge-int-too-long": '{"total": 1' + "0" * 5000 + "}",
    "forge-huge-int": '{"total": 1' + "0" * 400 + ', "weights": [1e308, 1e308], "biases": [1' + "0" * 400 + "]}",
    "forge-duplicate-keys": '{"total": 0, "total": 1, "weights": [], "weights": [0]}',
    "forge-deep-nesting": "[" * 5000 + "]" * 5000,
}
ATTACKS: dict[str, dict] = {name: {"q1": f"PAYLOAD = {payload!r}\n" + FORGE} for name, payload in FORGED.items()}
# an exec reply whose "magics" count is text (HTML and a lone surrogate) for the feedback
ATTACKS["forge-magics-text"] = {"q1": FORGE.split("for i in")[0]
                                + "send(json.dumps({'id': rid, 'ok': True, 'magics': '\\ud800<img src=x onerror=alert(1)>'}))\n"}
ATTACKS["forge-length-bomb"] = {"q1": FORGE.split("for i in")[0] + "os.write(fd, b'\\xff\\xff\\xff\\xff' + b'{' * 1000)\n"}

PLANT = r"""
import os, sys, builtins, ctypes, platform, numpy, json
T = os.environ.get('TMPDIR', '/tmp')  # the sandbox's writable scratch (/tmp, or /scratch)
builtins.POISON = numpy.POISON = json.POISON = 1
sys.modules['evil'] = sys
os.environ['POISON'] = '1'
open(T + '/work/evilmod.py', 'w').write('X = 1\n')
name = 'd' * 250
for root in (T, '/dev/shm'):
    os.chdir(root)
    for i in range(20):  # deeper than PATH_MAX
        os.mkdir(name)
        os.chdir(name)
    open('planted', 'w').write('from the planter')
os.chdir(T)
for i in range(1100):  # deeper than the recursion limit
    os.mkdir('r')
    os.chdir('r')
os.chdir(T + '/work')
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr = {'x86_64': 248, 'aarch64': 217}.get(platform.machine())  # add_key
if nr:
    libc.syscall(nr, b'user', b'planted', b'x', 1, ctypes.c_int(-4))
libc.shmget(0x1234, 4096, 0o1666)
libc.msgget(0x1235, 0o1666)
libc.semget(0x1236, 1, 0o1666)
rt = ctypes.CDLL('librt.so.1', use_errno=True)
rt.mq_open(b'/planted', os.O_CREAT | os.O_RDWR, 0o600, None)
"""
SPY = r"""
import os, sys, builtins, ctypes, platform, numpy, json
T = os.environ.get('TMPDIR', '/tmp')  # the sandbox's writable scratch (/tmp, or /scratch)
seen = []
if sorted(os.listdir(T)) != ['student-output.txt', 'work'] or os.listdir('/dev/shm') or os.listdir('.'):
    seen.append('files')
if hasattr(builtins, 'POISON') or hasattr(numpy, 'POISON') or hasattr(json, 'POISON') \
        or 'evil' in sys.modules or 'POISON' in os.environ:
    seen.append('memory')
for kind in ('shm', 'msg', 'sem'):
    try:
        if open(f'/proc/sysvipc/{kind}').read().splitlines()[1:]:
            seen.append(kind)
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr = {'x86_64': 249, 'aarch64': 218}.get(platform.machine())  # request_key
if nr and libc.syscall(nr, b'user', b'planted', None, ctypes.c_int(0)) >= 0:
    seen.append('keyring')
rt = ctypes.CDLL('librt.so.1', use_errno=True)
if rt.mq_open(b'/planted', os.O_RDWR) >= 0:
    seen.append('mqueue')
""" + _if("seen")

ATTACKS.update({
    # --- state left for the next submission (graded in this order on the one slot)
    "a-plant": {"q1": PLANT},
    "b-spy": {"q1": SPY},
    # --- values of subclasses and odd numpy types, returned normally
    "masked-array": {"q1": "import numpy as np\nq1 = {'total': np.ma.masked_array([5], mask=[True]), "
                           "'weights': np.ma.masked_array([1, 2]), 'biases': np.ma.masked_array([1])}"},
    "structured-array": {"q1": "import numpy as np\nq1 = {'total': 0, 'weights': np.zeros(3, dtype=[('a', '<f8')]), "
                               "'biases': np.rec.array([(1,)], dtype=[('a', '<i8')])}"},
    "matrix-subclass": {"q1": "import numpy as np\nq1 = {'total': 0, 'weights': np.matrix([[1, 2]]), 'biases': np.matrix([[1]])}"},
    "numpy-scalar-subclass": {"q1": "import numpy as np\nclass S(np.float64):\n    def __eq__(self, o): return True\n"
                                    "q1 = {'total': S(0), 'weights': [S(0)], 'biases': [S(0)]}"},
    "complex-and-strings": {"q1": "import numpy as np\nq1 = {'total': '153', 'weights': np.zeros(3, complex), 'biases': ['1']}"},
    "str-subclass-symbolic": {"q3": "class S(str):\n    def __eq__(self, o): return True\n    __hash__ = str.__hash__\n"
                                    "q3 = {k: S('X') for k in ('Z1', 'A1', 'Z2', 'A2', 'Z3', 'A3', 'Yhat')}"},
    "huge-int-part": {"q1": WIN + "q1['total'] = 10 ** 400\n", "expect": (2.0, 0.0, 0.0)},
    # --- the trusted side's sympy (forward-equations answers are parsed there)
    "sympy-bombs": {"q3": "q3 = {'Z1': '9**9**9', 'A1': '[1]*10**9', 'Z2': '(W1+b1)**40', 'A2': '(X,)*10**9',\n"
                          "      'Z3': '*'.join(['(W1+X)'] * 40), 'A3': 'X.n(10**6)', 'Yhat': 'X+' * 50000 + 'X'}"},
    # --- student text in the outputs
    "hostile-message": {"q1": "raise ValueError('\\ud800 <img src=x onerror=alert(1)> \\x1b]52;c;ZWNobw==\\x07 "
                              "\\x1b[2J \\u202egnp.exe \\r## Total: 9 / 9')"},
    # --- the zygote's /proc files, inherited descriptors, the environment
    "proc-of-parents": {"q1": "import os\nok = False\nfor pid in (os.getppid(), 1):\n"
                              "    for name in ('environ', 'mem', 'maps', 'fd', 'auxv', 'stack'):\n"
                              "        p = f'/proc/{pid}/{name}'\n"
                              "        try:\n"
                              "            ok = ok or bool(os.listdir(p) if name == 'fd' else open(p, 'rb').read(16))\n"
                              "        except OSError:\n"
                              "            pass\n" + _if("ok")},
    "inherited-fds": {"q1": "import os\nopen_fds = []\nfor fd in range(4, 1024):\n    try:\n        os.fstat(fd)\n"
                            "        open_fds.append(fd)\n    except OSError:\n        pass\n"
                            "extra = set(os.environ) - {'PATH', 'LANG', 'LC_ALL', 'HOME', 'OMP_NUM_THREADS', "
                            "'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'MPLBACKEND', 'PYTHONDONTWRITEBYTECODE', "
                            "'CUDA_VISIBLE_DEVICES', 'PWD', 'TMPDIR'}\n" + _if("open_fds or extra")},
    "write-python-env": {"q1": "import os, sys, sysconfig, numpy\nok = False\n"
                               "for d in {sysconfig.get_paths()['purelib'], sysconfig.get_paths()['stdlib'], "
                               "os.path.dirname(numpy.__file__), os.path.dirname(sys.executable), '/opt/grader', "
                               "sys.prefix, sys.base_prefix}:\n"
                               "    for name in ('sitecustomize.py', 'usercustomize.py', 'evil.pth', 'child.py'):\n"
                               "        try:\n"
                               "            open(os.path.join(d, name), 'a').close(); ok = True\n"
                               "        except OSError:\n"
                               "            pass\n" + _if("ok")},
    "symlinks-in-tmp": {"q1": "import os\nT = os.environ.get('TMPDIR', '/tmp')\nfor src, dst in [('/opt/grader/child.py', T + '/student-output.txt.x'), "
                              "('/proc/1/root', T + '/work/root'), ('/dev/shm', T + '/shm')]:\n"
                              "    try:\n        os.symlink(src, dst)\n    except OSError:\n        pass\n"
                              "os.link(T + '/student-output.txt', T + '/work/hard')\nq1 = 0"},
    "z-spy-late": {"q1": SPY},
})

HONEST = ["honest-a", "honest-b", "honest-c"]
BAD_NAMES = {"csv-formula": "=HYPERLINK(\"evil\")+cmd|' -c calc'!A0.ipynb"}


def _q3_answer(course, student: str) -> str:
    return f"q3 = {variant_for(course, 'forward-equations', student).answer!r}\n"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam2")
    names = sorted(ATTACKS) + HONEST
    # file names sort like the names: plant < spy < ... < late spy
    names = ["a-plant", "b-spy"] + [n for n in names if n not in ("a-plant", "b-spy", "z-spy-late")] + ["z-spy-late"]
    students = [f"s{i:02d}" for i in range(len(names))]
    cp = F.make_course(root, students)
    course = load_course(cp)
    sub = root / "hw" / "submissions"
    who: dict[str, str] = {}
    for i, name in enumerate(names):
        s = students[i]
        who[name] = s
        spec = ATTACKS.get(name, {})
        honest = name in HONEST
        q3 = spec.get("q3", _q3_answer(course, s) if honest else "pass\n")
        nb = F.notebook(course, s, q1=spec.get("q1", F.CORRECT_Q1 if honest else "q1 = ...\n"),
                        q2=F.CORRECT_Q2 if honest else None, extra=[{"id": "q3-answer", "source": q3}])
        F.write(sub, f"hwt-{s}.ipynb", nb)
    for fname in BAD_NAMES.values():
        F.write(sub, fname, b"{}")
    (sub / "hwt-\udcff.ipynb").write_bytes(b"[]")  # a file name that is not UTF-8
    t0 = time.monotonic()
    summary = grade_folder(root / "hw", course_path=cp, jobs=1, loader="test_grader_redteam2:load",
                           limits=Limits(timeout_s=1.5, cpu_s=20, memory_mb=1024, nproc=24, tmpfs_mb=16))
    seconds = time.monotonic() - t0
    rows = {r["file"]: r for r in csv.DictReader(open(root / "hw" / "grades.csv", encoding="utf-8"))}
    records = {p.stem: json.loads(p.read_text()) for p in (root / "hw" / ".grader").glob("*.json")}
    return {"root": root, "who": who, "rows": rows, "records": records, "summary": summary,
            "sub": sub, "cp": cp, "names": names, "seconds": seconds}


def _row(batch, name):
    return batch["rows"][f"hwt-{batch['who'][name]}.ipynb"]


# ----------------------------------------------------------------------------- batch tests
@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_earns_nothing_undeserved(batch, name):
    row = _row(batch, name)
    assert row["status"] == "graded", row  # never "internal grader error"
    want = ATTACKS[name].get("expect", (0.0, 0.0, 0.0))
    assert (float(row["q1"]), float(row["q2"]), float(row["q3"])) == want, row


@pytest.mark.parametrize("name", HONEST)
def test_honest_notebooks_unharmed(batch, name):
    row = _row(batch, name)
    assert (row["status"], float(row["total"]), float(row["percent"])) == ("graded", 9.0, 100.0), row


def test_batch_is_complete_and_the_machine_clean(batch):
    assert batch["summary"]["notebooks"] == len(ATTACKS) + len(HONEST) + len(BAD_NAMES) + 1
    assert batch["seconds"] < 80  # the sympy bombs did not hang the trusted side
    # (leftover processes are test_grader_redteam.py's subject; the slot uids may be in use by
    # another grading run on this machine, so they are not checked here)
    assert not any(p.name in ("planted", "evilmod.py") for p in batch["root"].rglob("*"))


def test_forged_replies_were_rejected_by_the_decoder(batch):
    for name in FORGED:
        rec = batch["records"][f"hwt-{batch['who'][name]}"]
        q1 = next(q for q in rec["questions"] if q["id"] == "q1")
        assert q1["points"] == 0.0
        assert all(not it["ok"] for it in q1["items"])


def test_hostile_message_is_neutralised_in_every_output(batch):
    s = batch["who"]["hostile-message"]
    hw = batch["root"] / "hw"
    for path in (hw / "feedback" / f"{s}.md", hw / "feedback" / f"{s}.html", hw / "results" / f"{s}.json",
                 hw / ".grader" / f"hwt-{s}.json"):
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".md", ".html"):
            assert "ValueError" in text
        for bad in ("<img", "\x1b", "\u202e", "\ud800", "\\ud800", "\\u001b", "\\u202e"):
            assert bad not in text, (path.name, bad)
    md = (hw / "feedback" / f"{s}.md").read_text(encoding="utf-8")
    assert "\n## Total" not in md and "\r" not in md


def test_forged_magics_count_is_not_shown(batch):
    s = batch["who"]["forge-magics-text"]
    md = (batch["root"] / "hw" / "feedback" / f"{s}.md").read_text(encoding="utf-8")
    assert "<img" not in md and "onerror" not in md


def test_file_names_cannot_inject_formulas_or_break_outputs(batch):
    hw = batch["root"] / "hw"
    lines = (hw / "grades.csv").read_text(encoding="utf-8").splitlines()
    cells = [row[1] for row in csv.reader(lines[1:])]
    assert not any(c[:1] in "=+-@" for c in cells if c)
    assert "'" + BAD_NAMES["csv-formula"] in cells
    assert any(c == "hwt-?.ipynb" for c in cells)
    assert (hw / "report.html").is_file()


def test_symbolic_bombs_return_quickly_in_isolation():
    """The same strings straight into SymbolicCheck (in a subprocess, so a regression fails
    with a timeout instead of hanging the suite)."""
    code = ("from course.generator.checks import SymbolicCheck\n"
            "c = SymbolicCheck(matrices=('X', 'W1', 'b1'), functions=('sigmoid',))\n"
            "bombs = ['9**9**9', '9^9^9', '[1]*10**9', '(X,)*10**9', '(W1+b1)**40', '(W1+b1)**8**8',\n"
            "         '*'.join(['(W1+X)'] * 40), 'sigmoid((W1+b1+X)**8)', 'X.n(10**6)', 'X//W1',\n"
            "         'sigmoid(*X)', '(' * 300 + 'X' + ')' * 300, '-' * 499 + 'X', 'X+' * 50000 + 'X']\n"
            "assert not any(c.accepts(b, 'W1*X + b1') for b in bombs)\n"
            "assert c.accepts('b1 + W1*X', 'W1*X + b1') and not c.accepts('X*W1 + b1', 'W1*X + b1')\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "ok", r.stderr[-2000:]


def test_resume_trusts_no_planted_record_and_regrades_changed_notebooks(batch):
    hw = batch["root"] / "hw"
    store = hw / ".grader"
    forged = batch["who"]["sympy-bombs"]
    listed = batch["who"]["masked-array"]
    deep = batch["who"]["matrix-subclass"]
    changed = batch["who"]["honest-c"]
    # 1. a record forged with full marks and the sha256 of the student's own notebook
    rec = json.loads((store / f"hwt-{forged}.json").read_text())
    for q in rec["questions"]:
        q["points"] = q["max_points"]
        for it in q["items"]:
            it["ok"], it["points"] = True, it["max"]
    (store / f"hwt-{forged}.json").write_text(json.dumps(rec))
    # 2. records that are not even dicts, or nested too deeply for json
    (store / f"hwt-{listed}.json").write_text("[1, 2]")
    (store / f"hwt-{deep}.json").write_text("[" * 100_000 + "]" * 100_000)
    # 3. a notebook changed after grading (now forgets the biases)
    course = load_course(batch["cp"])
    F.write(batch["sub"], f"hwt-{changed}.ipynb",
            F.notebook(course, changed, q1=F.FORGOT_BIASES_Q1,
                       extra=[{"id": "q3-answer", "source": _q3_answer(course, changed)}]))
    honest = batch["who"]["honest-a"]
    stamp = (store / f"hwt-{honest}.json").stat().st_mtime_ns
    grade_folder(hw, course_path=batch["cp"], jobs=1, loader="test_grader_redteam2:load",
                 limits=Limits(timeout_s=1.5, cpu_s=20, memory_mb=1024, nproc=24, tmpfs_mb=16))
    rows = {r["file"]: r for r in csv.DictReader(open(hw / "grades.csv", encoding="utf-8"))}
    assert float(rows[f"hwt-{forged}.ipynb"]["total"]) == 0.0  # regraded, not resumed
    assert rows[f"hwt-{listed}.ipynb"]["status"] == rows[f"hwt-{deep}.ipynb"]["status"] == "graded"
    assert float(rows[f"hwt-{changed}.ipynb"]["q1"]) == 2.0  # the new content was graded
    assert float(rows[f"hwt-{honest}.ipynb"]["total"]) == 9.0
    assert (store / f"hwt-{honest}.json").stat().st_mtime_ns == stamp  # genuine records resume
    assert "mac" in json.loads((store / f"hwt-{forged}.json").read_text())


def test_suite_covers_new_ground():
    import test_grader_redteam as first

    assert not set(ATTACKS) & set(first.ATTACKS)
    assert len(ATTACKS) >= 30
    assert Path(__file__).name == "test_grader_redteam2.py"
