"""The child-side runner: the only grader code that runs inside the sandbox.

Standalone on purpose: standard library + NumPy (+ PyTorch when importable); it never imports
``course`` (the sandbox cannot even see the project). It is bind-mounted read-only into the
sandbox and started as ``python child.py --zygote FD [--torch]``.

Two levels:

* the **zygote** (one per sandbox slot) first installs the seccomp filter it is given
  (``--seccomp FD``: no user namespaces, see ``course.grader.seccomp``), imports NumPy (and
  PyTorch) *before* any job exists, makes itself non-dumpable (no ptrace, no ``/proc/PID/mem``
  for same-uid processes), becomes a child subreaper, then waits on its control socket
  (``SOCK_SEQPACKET``, fd ``FD``) for ``{"op": "fork", "limits": {...}}`` carrying one job
  socket (``SCM_RIGHTS``). It forks one *job child* per submission; ``{"op": "end"}`` kills
  every descendant and wipes the writable places (``/tmp``, ``/dev/shm``, System V IPC) so that
  nothing is left for the next student. The control socket is also its parent watch: when the
  grader's worker dies (even by SIGKILL) the socket reads end-of-file, and the zygote kills
  every descendant and exits (the death signal of ``PR_SET_PDEATHSIG`` would not survive the
  uid switch, and would kill the zygote before it could kill its tree).
* the **job child** closes the control socket, asks for SIGKILL when the zygote dies, starts
  a new session, applies its resource limits, sends the student's stdout/stderr to size-capped
  files, says hello on the job socket (the kernel attaches its pid and uid: the grader moves it
  into the submission's cgroup) and waits for the go-ahead before any student code runs; then
  it serves framed requests on the job socket: ``exec`` (one cell, in its own try/except),
  ``get`` (a variable), ``call`` (a sequence of calls; results stay in the child and only the
  requested ones are returned).

Wire format (see ``course.grader.protocol``): 4-byte big-endian length + UTF-8 JSON; arrays as
``{"$nd": base64, "dtype": "<f8", "shape": [...]}`` (numeric dtypes only); tensors are sent as
arrays. Nothing here is trusted by the grader: it validates every reply.
"""

from __future__ import annotations

import base64
import builtins
import ctypes
import gc
import json
import os
import resource
import signal
import socket
import struct
import sys
import time

# References taken before any student code runs (robustness only: the grader trusts none of it).
_dumps = json.dumps
_loads = json.loads
_b64e = base64.b64encode
_b64d = base64.b64decode
_pack = struct.pack
_unpack = struct.unpack

MAX_MESSAGE = 64 * 1024 * 1024
MAX_DEPTH = 40
ROOT = "/tmp"  # the writable root (a size-limited tmpfs in the bwrap sandbox)
WIPE_SHARED = False  # also wipe /dev/shm and System V IPC (only where they are private)

np = None  # numpy, imported by the zygote
torch = None


# --------------------------------------------------------------------------- framing
def send_frame(fd: int, obj: object) -> None:
    data = _dumps(obj, allow_nan=True).encode("utf-8")
    if len(data) > MAX_MESSAGE:
        data = _dumps({"ok": False, "error": {"type": "ResultTooLarge",
                                             "message": f"{len(data)} bytes"}}).encode()
    buf = _pack(">I", len(data)) + data
    view = memoryview(buf)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def recv_frame(fd: int) -> object:
    (n,) = _unpack(">I", _read_exact(fd, 4))
    if n > MAX_MESSAGE:
        raise EOFError
    return _loads(_read_exact(fd, n).decode("utf-8"))


# --------------------------------------------------------------------------- values
class Unsupported(Exception):
    pass


def encode(x: object, depth: int = 0) -> object:
    """Plain data for the wire: exact builtin types, numeric arrays, tensors as arrays."""
    if depth > MAX_DEPTH:
        raise Unsupported("nested too deeply")
    t = type(x)
    if x is None or t in (bool, int, float, str):
        return x
    if x is Ellipsis:  # a part left as handed out (``"shape": ...``)
        return {"$missing": True}
    if t in (list, tuple):
        return [encode(v, depth + 1) for v in x]
    if t is dict:
        out = {}
        for k, v in x.items():
            if type(k) is not str:
                raise Unsupported("dict keys must be str")
            out[k] = encode(v, depth + 1)
        return out
    if torch is not None and t in (torch.Tensor, torch.nn.Parameter):
        x = x.detach().cpu()
        if x.dtype == torch.bfloat16 or x.dtype == torch.float16:
            x = x.float()
        x = x.numpy()
        t = type(x)
    if np is not None:
        if t is np.ndarray:
            if x.dtype.kind not in "biuf":
                raise Unsupported(f"array dtype {x.dtype} is not numeric")
            arr = np.ascontiguousarray(x)
            dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
            arr = arr.astype(dt, copy=False)
            return {"$nd": _b64e(arr.tobytes()).decode("ascii"), "dtype": arr.dtype.str,
                    "shape": list(arr.shape)}
        if isinstance(x, np.generic) and t.__module__ == "numpy":
            if x.dtype.kind in "iu":
                return int(x)
            if x.dtype.kind == "f":
                return float(x)
            if x.dtype.kind == "b":
                return bool(x)
    raise Unsupported(f"type {t.__module__}.{t.__qualname__} cannot be returned (plain data only)")


def decode(x: object) -> object:
    """Requests from the grader: lists, dicts, and ``$nd`` arrays (``"torch": true`` -> tensor)."""
    if type(x) is list:
        return [decode(v) for v in x]
    if type(x) is dict:
        if "$nd" in x:
            arr = np.frombuffer(_b64d(x["$nd"]), dtype=np.dtype(x["dtype"])).reshape(x["shape"]).copy()
            if x.get("torch") and torch is not None:
                return torch.from_numpy(arr)
            return arr
        return {k: decode(v) for k, v in x.items()}
    return x


def _error(exc: BaseException) -> dict:
    try:
        name = type(exc).__name__
        name = name if isinstance(name, str) else "Exception"
    except BaseException:  # noqa: BLE001 - hostile objects
        name = "Exception"
    try:
        msg = str(exc)
        msg = msg[:300] if type(msg) is str else ""
    except BaseException:  # noqa: BLE001
        msg = ""
    line = None
    tb = getattr(exc, "__traceback__", None)
    try:
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.startswith("<cell"):
                line = tb.tb_lineno
            tb = tb.tb_next
        if isinstance(exc, SyntaxError) and type(exc.lineno) is int:
            line = exc.lineno
    except BaseException:  # noqa: BLE001
        pass
    return {"type": name[:80], "message": msg, "line": line}


# --------------------------------------------------------------------------- job child
def _strip_magics(source: str) -> tuple[str, int]:
    """IPython magics and shell escapes (``%``, ``!``) are not run: each becomes ``pass``."""
    out, n = [], 0
    for line in source.split("\n"):
        s = line.lstrip()
        if s.startswith(("%", "!")):
            out.append(line[: len(line) - len(s)] + "pass  # magic removed by the grader")
            n += 1
        else:
            out.append(line)
    return "\n".join(out), n


def _resolve(arg: object, results: list) -> object:
    if type(arg) is dict and "$ref" in arg and set(arg) <= {"$ref", "item"}:
        k = arg["$ref"]
        if type(k) is not int or not 0 <= k < len(results):
            raise LookupError(f"call {k} has no result")
        if results[k][0] is not True:
            raise results[k][1]  # the student's own error, reported where it is used
        v = results[k][1]
        if "item" in arg:
            v = v[arg["item"]]
        return v
    if type(arg) is list:
        return [_resolve(a, results) for a in arg]
    if type(arg) is dict:
        return {k: _resolve(v, results) for k, v in arg.items()}
    return arg


def _do_calls(ns: dict, calls: list, wanted: list) -> list:
    results: list = []
    for c in calls:
        try:
            if c.get("method") is not None:
                target = getattr(_resolve(c["func"], results), c["method"])
            else:
                if c["func"] not in ns:
                    raise NameError(f"name '{c['func']}' is not defined")
                target = ns[c["func"]]
            args = _resolve(decode(c.get("args", [])), results)
            kwargs = _resolve(decode(c.get("kwargs", {})), results)
            results.append((True, target(*args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001 - SystemExit included
            results.append((False, exc))
    out = []
    for k, item in wanted:
        ok, v = results[k] if 0 <= k < len(results) else (False, LookupError("no such call"))
        if not ok:
            out.append({"ok": False, "error": _error(v)})
            continue
        try:
            if item is not None:
                v = v[item]
            out.append({"ok": True, "value": encode(v)})
        except BaseException as exc:  # noqa: BLE001
            out.append({"ok": False, "error": _error(exc)})
    return out


def _apply_limits(limits: dict) -> None:
    def setl(res: int, value: int | None) -> None:
        if value is None:
            return
        soft, hard = resource.getrlimit(res)
        v = int(value)
        if hard != resource.RLIM_INFINITY:
            v = min(v, hard)
        resource.setrlimit(res, (v, v))

    setl(resource.RLIMIT_CORE, 0)
    setl(resource.RLIMIT_CPU, limits.get("cpu_s"))
    setl(resource.RLIMIT_FSIZE, limits.get("fsize_bytes"))
    setl(resource.RLIMIT_NOFILE, limits.get("nofile"))
    setl(resource.RLIMIT_NPROC, limits.get("nproc"))
    setl(resource.RLIMIT_DATA, limits.get("data_bytes"))
    setl(resource.RLIMIT_AS, limits.get("as_bytes"))
    # POSIX message queues outlive their creator (in the sandbox's IPC namespace) and cannot be
    # listed by the zygote to be wiped: student code may not create any.
    if hasattr(resource, "RLIMIT_MSGQUEUE"):
        setl(resource.RLIMIT_MSGQUEUE, 0)


def _put_files(workdir: str, files: dict) -> dict:
    """Write the assignment's public data files (``{name: base64}``) into the working folder,
    as they were handed out next to the notebook (names without a folder only)."""
    written = 0
    for name, data in files.items():
        if (type(name) is not str or not name or "/" in name or "\0" in name
                or name in (".", "..") or type(data) is not str):
            return {"ok": False, "error": {"type": "Protocol", "message": "bad file name",
                                           "line": None}}
        with open(os.path.join(workdir, name), "wb") as f:
            f.write(_b64d(data))
        written += 1
    return {"ok": True, "written": written}


def job_child(job_fd: int, limits: dict) -> None:
    """Serve one submission on ``job_fd``; never returns."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the zygote forked us: die with it
    os.setsid()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    workdir = os.path.join(ROOT, "work")
    os.makedirs(workdir, exist_ok=True)
    os.chdir(workdir)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    out = os.open(os.path.join(ROOT, "student-output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(null)
    os.close(out)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    sys.stdin = open(0, closefd=False)
    _apply_limits(limits)
    sys.path[:] = [workdir] + [p for p in sys.path if p and p != os.getcwd() and p != "."]
    ns: dict = {"__name__": "__main__", "__builtins__": builtins}
    fd = job_fd
    # hello, then nothing until the grader's go-ahead: it moves this process into the
    # submission's cgroup in between, before any student code runs
    try:
        send_frame(fd, {"hello": True})
        go = recv_frame(fd)
    except (EOFError, OSError, ValueError):
        os._exit(0)
    if type(go) is not dict or go.get("op") != "go":
        os._exit(0)
    while True:
        try:
            req = recv_frame(fd)
        except (EOFError, OSError, ValueError):
            os._exit(0)
        rid = req.get("id")
        op = req.get("op")
        try:
            if op == "exec":
                src, n_magic = _strip_magics(req["source"])
                try:
                    code = compile(src, f"<cell {req.get('cell', '?')}>", "exec")
                except BaseException as exc:  # noqa: BLE001
                    reply = {"ok": False, "error": _error(exc), "magics": n_magic}
                else:
                    try:
                        exec(code, ns)  # noqa: S102 - this is the sandbox
                        reply = {"ok": True, "magics": n_magic}
                    except BaseException as exc:  # noqa: BLE001
                        reply = {"ok": False, "error": _error(exc), "magics": n_magic}
            elif op == "get":
                name = req["name"]
                if name not in ns:
                    reply = {"ok": False, "error": {"type": "NameError", "message": name, "line": None}}
                elif ns[name] is Ellipsis:  # the answer cell as handed out: ``q1 = ...``
                    reply = {"ok": False, "error": {"type": "NotAnswered", "message": name, "line": None}}
                else:
                    try:
                        reply = {"ok": True, "value": encode(ns[name])}
                    except BaseException as exc:  # noqa: BLE001
                        reply = {"ok": False, "error": _error(exc)}
            elif op == "call":
                reply = {"ok": True, "results": _do_calls(ns, req["calls"], req["return"])}
            elif op == "put":
                reply = _put_files(workdir, req["files"])
            elif op == "quit":
                os._exit(0)
            else:
                reply = {"ok": False, "error": {"type": "Protocol", "message": str(op), "line": None}}
        except BaseException as exc:  # noqa: BLE001
            reply = {"ok": False, "error": _error(exc)}
        reply["id"] = rid
        try:
            send_frame(fd, reply)
        except BaseException:  # noqa: BLE001
            try:
                send_frame(fd, {"id": rid, "ok": False,
                                "error": {"type": "Unsupported", "message": "reply could not be encoded",
                                          "line": None}})
            except BaseException:  # noqa: BLE001
                os._exit(3)


# --------------------------------------------------------------------------- zygote
def _prctl(option: int, arg: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, arg, 0, 0, 0)
    except Exception:  # noqa: BLE001 - not Linux
        pass


PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
CLONE_NEWUSER = 0x10000000


class _SockFprog(ctypes.Structure):
    """``struct sock_fprog``: the length (in instructions) and address of a BPF program."""

    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_seccomp(fd: int) -> str | None:
    """Read a classic-BPF seccomp program (``struct sock_filter`` array) from ``fd`` until
    end-of-file and install it on this process (inherited by every thread and child created
    afterwards; it cannot be removed). None on success, else why not."""
    chunks = []
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(fd)
    prog = b"".join(chunks)
    if not prog or len(prog) % 8 or len(prog) // 8 > 4096:
        return f"malformed program ({len(prog)} bytes)"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as exc:
        return f"no libc ({exc})"
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    ul = ctypes.c_ulong
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ul(1), ul(0), ul(0), ul(0)) != 0:
        return f"PR_SET_NO_NEW_PRIVS: errno {ctypes.get_errno()}"
    if libc.prctl(PR_SET_SECCOMP, ul(SECCOMP_MODE_FILTER), ul(ctypes.addressof(fprog)),
                  ul(0), ul(0)) != 0:
        return f"PR_SET_SECCOMP: errno {ctypes.get_errno()}"
    return None


def _descendants() -> list[int]:
    """Pids of every descendant of this process (the subreaper keeps orphans in its tree)."""
    me = os.getpid()
    parent: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
                parent[int(name)] = int(stat[stat.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    out, frontier = [], {me}
    while frontier:
        nxt = {p for p, pp in parent.items() if pp in frontier and p != me}
        nxt -= set(out)
        out.extend(nxt)
        frontier = nxt
    return out


def _kill_descendants() -> None:
    for _ in range(50):
        pids = _descendants()
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG) == (0, 0):
                    break
            except ChildProcessError:
                break
        time.sleep(0.002)


def _wipe(path: str) -> None:
    try:
        entries = os.listdir(path)
    except OSError:
        return
    for e in entries:
        p = os.path.join(path, e)
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                os.chmod(p, 0o700)
                _wipe(p)
                os.rmdir(p)
            else:
                os.unlink(p)
        except OSError:
            pass


#: keyctl(2)'s syscall number (glibc has no wrapper) on the architectures we know
_SYS_KEYCTL = {"x86_64": 250, "aarch64": 219, "riscv64": 219}


def _clear_keyrings() -> None:
    """Empty the uid's user and user-session kernel keyrings: keys added there (``add_key``)
    outlive every process, and even a restarted sandbox, of the slot's uid."""
    import platform

    nr = _SYS_KEYCTL.get(platform.machine())
    if nr is None:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return
    for keyring in (-4, -5):  # KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING
        libc.syscall(nr, 7, ctypes.c_long(keyring))  # KEYCTL_CLEAR = 7


def _remove_sysv_ipc() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return
    for kind, fn in (("shm", "shmctl"), ("msg", "msgctl"), ("sem", "semctl")):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 1:
                ipc_id = int(parts[1])
                if kind == "sem":
                    libc.semctl(ipc_id, 0, 0)  # IPC_RMID = 0
                else:
                    getattr(libc, fn)(ipc_id, 0, None)


def clean() -> None:
    _kill_descendants()
    try:
        _wipe(ROOT)
        if WIPE_SHARED:
            _wipe("/dev/shm")
            _remove_sysv_ipc()
            _clear_keyrings()
        left = os.listdir(ROOT) + (os.listdir("/dev/shm") if WIPE_SHARED else [])
    except (OSError, RecursionError):
        left = ["?"]
    if left:
        # Something the wipe could not remove (a tree deeper than PATH_MAX, or deeper than the
        # recursion limit) would be seen by the next student, and could keep the size-limited
        # /tmp full for every later submission: exit instead; the grader sees the zygote gone
        # and starts a fresh sandbox (fresh tmpfs) for the next session.
        os._exit(5)


def zygote(ctl_fd: int, want_torch: bool, seccomp_fd: int | None = None) -> None:
    global np, torch
    if seccomp_fd is not None:
        why = install_seccomp(seccomp_fd)
        if why is not None:
            sys.stderr.write(f"seccomp filter not installed: {why}\n")
            os._exit(6)
    import numpy

    np = numpy
    if want_torch:
        try:
            import torch as _torch

            _torch.set_num_threads(1)
            torch = _torch
        except Exception:  # noqa: BLE001 - torch is optional
            torch = None
    gc.collect()
    gc.freeze()
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    ctl = socket.socket(fileno=ctl_fd)
    ctl.sendall(_dumps({"ready": True, "torch": torch is not None,
                        "numpy": np.__version__}).encode())
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctl, 65536, 4)
        except OSError:
            msg = b""
        if not msg:  # the grader is gone (or closed the slot): nothing of ours outlives it
            clean()
            os._exit(0)
        req = _loads(msg.decode())
        op = req.get("op")
        if op == "fork":
            clean()
            pid = os.fork()
            if pid == 0:
                try:
                    ctl.close()
                    job_child(fds[0], req.get("limits", {}))
                finally:
                    os._exit(4)
            for f in fds:
                os.close(f)
            ctl.sendall(_dumps({"forked": True}).encode())
        elif op == "end":
            # Kill the job child and everything it started (the subreaper keeps escaped
            # daemons in our tree), then wipe /tmp, /dev/shm and System V IPC.
            clean()
            ctl.sendall(_dumps({"cleaned": True}).encode())
        elif op == "quit":
            clean()
            os._exit(0)


def main(argv: list[str]) -> None:
    """``child.py --zygote FD --root DIR [--seccomp FD] [--wipe-shared] [--torch]``, or
    ``child.py --probe-seccomp FD`` (install the filter, try ``unshare(CLONE_NEWUSER)``, print
    the outcome as JSON)."""
    global ROOT, WIPE_SHARED
    if len(argv) == 2 and argv[0] == "--probe-seccomp":
        why = install_seccomp(int(argv[1]))
        libc = ctypes.CDLL(None, use_errno=True)
        r = libc.unshare(CLONE_NEWUSER) if why is None else 0
        print(_dumps({"installed": why is None, "why": why, "unshare": r,
                      "errno": ctypes.get_errno()}))
        return
    if len(argv) >= 4 and argv[0] == "--zygote" and argv[2] == "--root":
        ROOT = argv[3]
        WIPE_SHARED = "--wipe-shared" in argv
        sec = int(argv[argv.index("--seccomp") + 1]) if "--seccomp" in argv else None
        zygote(int(argv[1]), "--torch" in argv, sec)
    else:
        sys.stderr.write("usage: child.py --zygote FD --root DIR [--seccomp FD] [--wipe-shared] "
                         "[--torch]\n")
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
