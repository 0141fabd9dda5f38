"""The sandbox: protections detected, a job child per submission, limits, kills, cleaning."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from course.grader import protocol
from course.grader import slot as slot_mod
from course.grader.limits import Limits
from course.grader.protections import protections
from course.grader.slot import Gone, Slot

PROT = protections()


@pytest.fixture(scope="module")
def slot():
    s = Slot(7, Limits(timeout_s=2.0, cpu_s=10, memory_mb=512, nproc=16, fsize_mb=1, tmpfs_mb=8))
    s.start()
    yield s
    s.close()


def run(slot, *sources, get=None):
    with slot.session() as s:
        out = [s.request({"op": "exec", "cell": f"c{i}", "source": src}) for i, src in enumerate(sources)]
        if get is not None:
            out.append(s.request({"op": "get", "name": get}))
        return out


def test_protections_report_is_explicit():
    rows = PROT.items("en")
    assert {r[0] for r in rows} >= {"bubblewrap", "network", "unprivileged uid", "rlimits",
                                    "cgroup", "no user namespaces", "parent death"}
    assert [r[0] for r in PROT.items("fr")] == [r[0] for r in rows]
    assert all(isinstance(r[1], bool) for r in rows)
    if os.geteuid() == 0:
        assert PROT.uid_drop or PROT.notes  # a root grader without uid drop says why


def test_cells_values_and_errors(slot):
    out = run(slot, "x = 2\ny = [x, 3.5]", "1/0", "def f(:\n  pass", "z = x + 1", get="z")
    assert out[0]["ok"] and not out[1]["ok"] and out[1]["error"]["type"] == "ZeroDivisionError"
    assert out[2]["error"]["type"] == "SyntaxError"
    assert out[4] == {"ok": True, "value": 3, "id": 4}


def test_calls_keep_refs_in_the_child(slot):
    with slot.session() as s:
        s.request({"op": "exec", "source": "def fwd(x):\n    return x * 2, ('cache', x)\n"
                                           "def bwd(d, cache):\n    return d * cache[1]"})
        x = protocol.encode_value(np.arange(3.0))
        r = s.request({"op": "call", "calls": [
            {"func": "fwd", "args": [x], "kwargs": {}},
            {"func": "bwd", "args": [x, {"$ref": 0, "item": 1}], "kwargs": {}},
        ], "return": [[0, 0], [1, None]]})
    np.testing.assert_array_equal(r["results"][0]["value"], [0, 2, 4])
    np.testing.assert_array_equal(r["results"][1]["value"], [0, 1, 4])


def test_timeout_kills_and_next_session_is_fresh(slot):
    with slot.session() as s:
        s.request({"op": "exec", "source": "secret = 42"})
        with pytest.raises(Gone, match="timeout"):
            s.request({"op": "exec", "source": "while True: pass"}, timeout=0.3)
    out = run(slot, "import os\nleft = sorted(os.listdir(os.environ.get('TMPDIR', '/tmp')) "
                    "+ os.listdir('.'))", get="left")
    assert out[-1]["value"] == ["student-output.txt", "work"]
    assert not run(slot, "secret")[0]["ok"]


def test_exit_is_detected(slot):
    with slot.session() as s:
        with pytest.raises(Gone, match="exited"):
            s.request({"op": "exec", "source": "import os\nos._exit(0)"})
    assert run(slot, "v = 1", get="v")[-1]["value"] == 1


def test_memory_bomb_is_a_memory_error(slot):
    out = run(slot, "b = bytearray(2 * 1024**3)")
    assert out[0]["error"]["type"] == "MemoryError"


def test_file_size_limit(slot):
    out = run(slot, "open('big', 'wb').write(b'x' * (4 * 1024 * 1024))")
    assert not out[0]["ok"]


@pytest.mark.skipif(not PROT.bwrap, reason="bubblewrap unavailable here (reported by protections())")
def test_namespace_view(slot):
    repo = os.path.dirname(os.path.dirname(slot_mod.__file__))
    src = (f"import os, socket\nroot = sorted(os.listdir('/'))\nrepo = os.path.exists({repo!r} + '/course.yml')\n"
           "try:\n    import course\n    imp = True\nexcept ImportError:\n    imp = False\n"
           "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=1); net = 'yes'\n"
           "except OSError as e:\n    net = 'no'\n"
           "pids = [p for p in os.listdir('/proc') if p.isdigit()]\n")
    with slot.session() as s:
        s.request({"op": "exec", "source": src})
        root = s.request({"op": "get", "name": "root"})["value"]
        net = s.request({"op": "get", "name": "net"})["value"]
        pids = s.request({"op": "get", "name": "pids"})["value"]
        seen = [s.request({"op": "get", "name": n})["value"] for n in ("repo", "imp")]
    assert "home" not in root
    assert seen == [False, False]  # neither the project's files nor the course package
    assert net == "no"
    assert len(pids) <= 4  # bwrap's init, the zygote, the job child


@pytest.mark.skipif(not PROT.uid_drop, reason="needs root + bubblewrap + setpriv")
def test_unprivileged_uid_and_escaped_daemon_is_swept(slot):
    src = ("import os, subprocess\nuid = os.getuid()\n"
           "subprocess.Popen(['sleep', '300'], start_new_session=True)\n")
    with slot.session() as s:
        s.request({"op": "exec", "source": src})
        assert s.request({"op": "get", "name": "uid"})["value"] == slot.uid
    assert slot_mod.uid_processes(slot.uid) == [slot.zygote_pid]


def test_fork_bomb_is_contained(slot):
    src = ("import os\nn = 0\nfor i in range(500):\n    try:\n        pid = os.fork()\n"
           "    except OSError:\n        break\n    if pid == 0:\n        import time; time.sleep(60)\n"
           "    n += 1\n")
    out = run(slot, src, get="n")
    if PROT.uid_drop:
        assert out[-1]["value"] < 16
    assert run(slot, "ok = 1", get="ok")[-1]["value"] == 1


@pytest.mark.skipif(not PROT.cgroup, reason="no usable cgroup here (reported by protections())")
def test_the_job_child_is_in_its_cgroup_before_student_code_and_all_of_it_is_swept(slot):
    with slot.session() as s:
        assert s.cgroup is not None and s.cgroup.procs() == [s.pid]  # before any request
        s.request({"op": "exec", "source": "import subprocess\n"
                                           "subprocess.Popen(['sleep', '300'], start_new_session=True)"})
        inside = s.cgroup.procs()
        folders = s.cgroup.folders
    assert len(inside) == 2 and s.pid in inside  # the daemon was born in the cgroup
    assert not any(os.path.exists(d) for d in folders)  # removed after the session
    assert all(not os.path.exists(f"/proc/{p}") or open(f"/proc/{p}/stat").read().split()[2] == "Z"
               for p in inside)
    assert slot.peak_bytes is not None and slot.peak_bytes < 512 * 2**20


def test_the_protections_table_says_what_limits_a_submission():
    lim = Limits(memory_mb=1024, nproc=20, host_mb=4096)
    for lang in ("en", "fr"):
        rows = {name: (on, text) for name, on, text in PROT.items(lang, lim)}
        on, text = rows["cgroup"]
        assert on == bool(PROT.cgroup)
        if PROT.cgroup:
            assert PROT.cgroup in text and "1024" in text and "20" in text
        else:
            assert "RLIMIT_NPROC" in text and "4 x 1024" in text and "4096" in text
        assert rows["no user namespaces"][0] == PROT.userns_denied
        assert rows["parent death"][0] == PROT.parent_death
    assert lim.processes_without_cgroup() == 4
    assert lim.child_limits(cuda=False, cgroup=False)["nproc"] == 5  # + the zygote
    assert lim.child_limits(cuda=False, cgroup=True)["nproc"] == 20
    assert Limits(memory_mb=16384, host_mb=8192).processes_without_cgroup() == 1


@pytest.mark.skipif(not PROT.bwrap, reason="needs bubblewrap (scripts/setup installs it)")
def test_the_toolkit_package_is_hidden_when_installed_in_site_packages(monkeypatch):
    """A regular (non-editable) install puts ``course``, with every reference solution, in the
    site-packages the sandbox binds: it is covered there by an empty read-only tmpfs (the name
    stays an empty namespace package; none of its modules imports). Shown with a package that
    is really in this site-packages (typer), standing in for ``course``."""
    import typer

    from course.grader import bwrap

    here = os.path.dirname(typer.__file__)
    attempts = ["import typer.main", f"open({here + '/x.py'!r}, 'w')"]
    code = (f"import os\nseen = [sorted(os.listdir({here!r}))]\n"
            f"for attempt in {attempts!r}:\n"
            "    try:\n        exec(attempt)\n        seen.append('done')\n"
            "    except Exception as e:\n        seen.append(type(e).__name__)\n")

    def sandboxed(index: int) -> list:
        s = Slot(index, Limits(timeout_s=5.0, cpu_s=10, memory_mb=512, nproc=16, fsize_mb=1, tmpfs_mb=8))
        s.start()
        try:
            out = run(s, code, get="seen")
            assert out[-1]["ok"], out
            return out[-1]["value"]
        finally:
            s.close()

    shown = sandboxed(8)  # without the cover the package is there (the test is not vacuous)
    assert "main.py" in shown[0] and shown[1] == "done", shown
    monkeypatch.setattr(bwrap, "PACKAGE_DIRS", (here, "/nowhere/course"))
    assert bwrap.hidden_dirs() == [here]  # a folder the sandbox does not bind needs no cover
    hidden = sandboxed(8)
    assert hidden[0] == [] and hidden[1] == "ModuleNotFoundError", hidden
    assert hidden[2] in ("OSError", "PermissionError"), hidden


def test_the_toolkit_package_is_covered_wherever_the_sandbox_would_show_it(monkeypatch):
    """The folders covered: the package as imported and as resolved, under any bound folder
    (/usr for a system-wide install, the environment's prefix), and no other."""
    from course.grader import bwrap

    site = os.path.join(os.path.realpath(sys.prefix), "lib", "site-packages", "course")
    monkeypatch.setattr(bwrap, "PACKAGE_DIRS", (site, "/usr/lib/python3/dist-packages/course",
                                                "/home/me/src/course"))
    assert bwrap.hidden_dirs() == sorted([site, "/usr/lib/python3/dist-packages/course"])
    args = bwrap.hide_args()
    assert args[args.index(site) - 1] == "--tmpfs" and args[args.index(site) + 1] == "--remount-ro"
    cmd = bwrap.bwrap_command(root=True, tmpfs_mb=8, gpu_minor=None, drop_to_uid=None, zygote=["z"])
    assert cmd.index(site) > cmd.index(os.path.realpath(sys.prefix))  # after the bind it covers
    # this checkout's package (an editable install) lies under no bound folder: nothing to cover
    monkeypatch.undo()
    assert all(not d.startswith(os.path.realpath(sys.prefix)) for d in bwrap.hidden_dirs())
