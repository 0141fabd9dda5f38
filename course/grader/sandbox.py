"""The sandbox: where student code runs, and what protects the grader from it.

One :class:`Slot` per grading worker. A slot starts a *zygote* (``child.py``) once, inside
bubblewrap where available, before the worker loads any secret; the zygote imports NumPy (and
PyTorch) and then forks one fresh *job child* per submission (:meth:`Slot.session`). Layers,
each detected and reported by :func:`protections` (isolation degrades visibly, never silently):

* ``bwrap``: new mount, PID, IPC, UTS and network namespaces (no network: only a loopback);
  the file system is ``/usr`` and ``/etc`` read-only, the Python environment read-only, a
  size-limited tmpfs on ``/tmp`` (the only writable place, wiped between submissions) and on
  ``/dev/shm``; nothing of the instructor's (course, reference, other submissions) is mounted;
* ``uid``: when the grader runs as root, the zygote runs as an unprivileged uid of its own
  (``uid_base + slot``, no groups, no capabilities, ``no_new_privs``), so RLIMIT_NPROC is
  enforced and nothing of root's is readable; each slot has its own uid, so concurrent
  submissions cannot signal or read each other;
* ``rlimits`` in the job child: CPU seconds, address space (or data segment when CUDA is used:
  CUDA reserves huge address ranges), file size, open files, processes, no core dumps;
* a wall-clock timeout per request, after which the job is killed, and a total wall-clock
  budget per submission (all cells, cases and restarts together);
* ``gpu``: when the machine has an NVIDIA GPU (and PyTorch is used), only the NVIDIA device
  nodes are bound into the sandbox and each slot sees one GPU (``CUDA_VISIBLE_DEVICES``);
  otherwise CUDA is hidden;
* ``sweep``: after every submission every process of the slot's uid except the zygote is killed
  (processes that called ``setsid()`` included), and the zygote, a child subreaper, kills all its
  descendants and wipes ``/tmp``, ``/dev/shm`` and System V IPC objects.

The child receives calls and returns plain data (:mod:`course.grader.protocol`); it never sees
an expected value.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import protocol

CHILD_PY = Path(__file__).with_name("child.py")
#: set to 1 to run without bubblewrap even where it works (tests of the degraded path, or a
#: machine where bwrap misbehaves); the protections report then says so
NO_BWRAP_ENV = "COURSE_GRADER_NO_BWRAP"
#: set to 1 to let a root grader run student code as root when it cannot drop privileges
#: (no bubblewrap or no setpriv): dangerous, and reported
UNSAFE_ROOT_ENV = "COURSE_GRADER_UNSAFE_ROOT"
#: set to 1 to never expose a GPU to student code
NO_GPU_ENV = "COURSE_GRADER_NO_GPU"
SANDBOX_CHILD = "/opt/grader/child.py"
DEFAULT_UID_BASE = 2_000_000_000  # far from real accounts; uid = base + slot


_SWEEP_TEXT = {
    "uid": {"en": "every process of the slot's uid, and the zygote's process tree",
            "fr": "tous les processus de l'uid de l'emplacement, et l'arbre du zygote"},
    "tree": {"en": "the zygote's process tree (child subreaper)",
             "fr": "l'arbre de processus du zygote (child subreaper)"},
    "group": {"en": "the process group", "fr": "le groupe de processus"},
}


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission.

    ``timeout_s``: wall clock per request (one cell, one test case; a training case has its own
    limit); ``budget_s``: wall clock for the whole submission (every cell, case and restart);
    ``cpu_s``: CPU seconds of the whole job child (RLIMIT_CPU); ``memory_mb``: RLIMIT_AS
    (RLIMIT_DATA with CUDA: CUDA reserves huge address ranges), at least 1024 when PyTorch is
    imported (PyTorch itself maps about 640 MB); ``fsize_mb``: largest file; ``tmpfs_mb``: size
    of /tmp; ``nofile``: open files; ``nproc``: processes and threads of the slot's uid.
    """

    timeout_s: float = 10.0
    budget_s: float = 300.0
    cpu_s: int = 120
    memory_mb: int = 2048
    fsize_mb: int = 16
    tmpfs_mb: int = 64
    nofile: int = 64
    nproc: int = 32

    def child_limits(self, cuda: bool) -> dict[str, Any]:
        mem = self.memory_mb * 1024 * 1024
        return {"cpu_s": int(self.cpu_s), "fsize_bytes": self.fsize_mb * 1024 * 1024,
                "nofile": self.nofile, "nproc": self.nproc, "data_bytes": mem,
                "as_bytes": None if cuda else mem}


# --------------------------------------------------------------------------- detection
@dataclass
class Protections:
    """What this machine allows (see :func:`protections`)."""

    root: bool
    bwrap: bool
    netns: bool
    pidns: bool
    uid_drop: bool
    rlimits: bool = True
    timeout: bool = True
    sweep: str = "tree"  # a key of _SWEEP_TEXT
    tmpfs_limit: bool = False
    cuda: bool = False
    gpus: int = 0
    budget: bool = True
    notes: list[str] = field(default_factory=list)

    def items(self, lang: str = "en") -> list[tuple[str, bool, str]]:
        """(name, active, explanation) rows for the terminal and report.html."""
        fr = lang == "fr"
        rows = [
            ("bubblewrap", self.bwrap,
             "espaces de noms, système de fichiers minimal en lecture seule" if fr
             else "namespaces, minimal read-only file system"),
            ("network", self.netns, "aucun réseau (nouvel espace réseau)" if fr
             else "no network (new network namespace)"),
            ("pid namespace", self.pidns, "processus isolés, tués avec le bac à sable" if fr
             else "isolated processes, killed with the sandbox"),
            ("unprivileged uid", self.uid_drop,
             "uid sans privilèges propre à chaque emplacement (RLIMIT_NPROC appliqué)" if fr
             else "unprivileged uid per slot (RLIMIT_NPROC enforced)"),
            ("rlimits", self.rlimits, "CPU, mémoire, taille de fichier, fichiers ouverts, processus"
             if fr else "CPU, memory, file size, open files, processes"),
            ("wall-clock timeout", self.timeout, "délai par cellule et par cas de test" if fr
             else "per cell and per test case"),
            ("time budget", self.budget, "durée totale limitée par remise" if fr
             else "total wall-clock time per submission"),
            ("sweep", True, _SWEEP_TEXT.get(self.sweep, {}).get("fr" if fr else "en", self.sweep)),
            ("tmpfs size limit", self.tmpfs_limit, "/tmp et /dev/shm de taille limitée" if fr
             else "size-limited /tmp and /dev/shm"),
        ]
        if self.gpus:
            rows.append(("GPU", self.cuda, (f"{self.gpus} GPU NVIDIA, un par emplacement" if fr
                                            else f"{self.gpus} NVIDIA GPU(s), one per slot")))
        return rows

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _bwrap_works(extra: list[str]) -> bool:
    exe = shutil.which("bwrap")
    if exe is None:
        return False
    try:
        r = subprocess.run([exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                            *extra, "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def nvidia_devices() -> list[str]:
    """The NVIDIA device nodes of this machine (``/dev/nvidia*``), GPUs first."""
    try:
        names = os.listdir("/dev")
    except OSError:
        return []
    gpus = sorted((n for n in names if n.startswith("nvidia") and n[6:].isdigit()),
                  key=lambda n: int(n[6:]))
    ctl = [n for n in ("nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset") if n in names]
    return ["/dev/" + n for n in gpus + ctl]


def gpu_count() -> int:
    """How many NVIDIA GPUs this machine has (device nodes; no CUDA call in this process)."""
    if os.environ.get(NO_GPU_ENV) == "1":
        return 0
    return sum(1 for d in nvidia_devices() if d[len("/dev/nvidia"):].isdigit())


def protections() -> Protections:
    """Detect the protections this machine allows (cached for the process; the environment
    variables :data:`NO_BWRAP_ENV` and :data:`NO_GPU_ENV` are part of the cache key)."""
    return _protections(os.environ.get(NO_BWRAP_ENV) == "1", os.environ.get(NO_GPU_ENV) == "1")


def _bwrap_python_fails(base: list[str]) -> str | None:
    """None if this interpreter and its packages run in the sandbox's file system view, else
    bwrap's or Python's last error line (e.g. an interpreter under a folder the user cannot
    read)."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bwrap missing"
    cmd = [exe, *base, "--ro-bind", "/usr", "/usr", *_root_entries(), "--proc", "/proc",
           "--dev", "/dev", *_python_binds()]
    if os.geteuid() != 0:
        cmd.append("--unshare-user")
    cmd += ["--", sys.executable, "-I", "-c", "import numpy"]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=60, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return type(exc).__name__
    if r.returncode == 0:
        return None
    lines = r.stderr.decode(errors="replace").strip().splitlines()
    return lines[-1][:200] if lines else f"exit status {r.returncode}"


@cache
def _protections(no_bwrap: bool, no_gpu: bool) -> Protections:
    root = os.geteuid() == 0
    notes: list[str] = []
    if sys.platform != "linux":
        return Protections(root, False, False, False, False, sweep="group",
                           notes=["not Linux: only rlimits, timeouts and process groups"])
    base = ["--unshare-net", "--unshare-pid", "--unshare-ipc"]
    if not root:
        base = ["--unshare-user", *base]
    if no_bwrap:
        bw = False
        notes.append(f"bubblewrap disabled by {NO_BWRAP_ENV}=1: no namespaces, no network "
                     "isolation, the whole file system readable as the grader's user")
    else:
        bw = _bwrap_works(base + ["--size", str(1 << 20), "--tmpfs", "/tmp"])
        why = _bwrap_python_fails(base) if bw else None
        if why is not None:
            bw = False
            notes.append("bubblewrap cannot show this Python environment in the sandbox "
                         f"({why}): no namespaces, no network isolation, the whole file "
                         "system readable")
        elif not bw and shutil.which("bwrap") is None:
            notes.append("bubblewrap is not installed (apt-get install bubblewrap): no namespaces, "
                         "no network isolation, the whole file system readable")
        elif not bw:
            notes.append("bubblewrap cannot create namespaces here (user namespaces disabled?): "
                         "no network isolation, the whole file system readable")
    uid_drop = root and bw and shutil.which("setpriv") is not None
    if root and not uid_drop:
        notes.append("running as root without bubblewrap+setpriv: student code would run as root; "
                     f"the grader refuses unless {UNSAFE_ROOT_ENV}=1 is set")
    if not root:
        notes.append("not root: student code runs as your own user (no separate uid)")
    sweep = "uid" if uid_drop else "tree"
    gpus = 0 if no_gpu else gpu_count()
    if no_gpu and nvidia_devices():
        notes.append(f"GPU hidden from student code by {NO_GPU_ENV}=1")
    return Protections(root=root, bwrap=bw, netns=bw, pidns=bw, uid_drop=uid_drop, sweep=sweep,
                       tmpfs_limit=bw, cuda=gpus > 0, gpus=gpus, notes=notes)


def root_refusal() -> str:
    """Why a root grader without bubblewrap + setpriv refuses to run student code."""
    return ("running as root but bubblewrap/setpriv are unavailable: refusing to run student code "
            f"as root (install bubblewrap, run the grader as an ordinary user, or set "
            f"{UNSAFE_ROOT_ENV}=1 to accept the risk)")


def unsafe_root_refused() -> bool:
    """True when :class:`Slot` would refuse to start (root, no privilege drop, not accepted)."""
    prot = protections()
    return prot.root and not prot.uid_drop and os.environ.get(UNSAFE_ROOT_ENV) != "1"


# --------------------------------------------------------------------------- slot
class SandboxError(Exception):
    """The sandbox could not be started or broke down."""


class Gone(Exception):
    """The job child is gone (crash, exit, kill); ``reason`` says how."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _python_binds() -> list[str]:
    """Read-only binds that make this interpreter and its packages visible in the sandbox."""
    dirs = []
    for d in {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}:
        if not d.startswith("/usr"):
            dirs.append(d)
    exe_dir = os.path.dirname(os.path.realpath(sys.executable))
    if not exe_dir.startswith("/usr") and not any(exe_dir.startswith(d + "/") for d in dirs):
        dirs.append(exe_dir)
    args: list[str] = []
    made: set[str] = set()
    for d in sorted(dirs):
        parts = Path(d).parts
        for i in range(2, len(parts)):
            parent = str(Path(*parts[:i]))
            if parent not in made:
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        args += ["--ro-bind", d, d]
        # the unreal venv path, if sys.prefix is a symlinked path
    if os.path.realpath(sys.prefix) != sys.prefix and not sys.prefix.startswith("/usr"):
        parts = Path(sys.prefix).parts
        for i in range(2, len(parts)):
            parent = str(Path(*parts[:i]))
            if parent not in made:
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        args += ["--ro-bind", sys.prefix, sys.prefix]
    return args


def sandbox_scratch() -> str:
    """The writable tmpfs of the bwrap sandbox: ``/tmp``, unless the grader's Python lives under
    /tmp (a checkout in /tmp/...): its read-only bind mounts would then sit inside the wiped
    tmpfs, so the scratch space moves to ``/scratch`` (TMPDIR and HOME point there) and /tmp
    only holds the read-only mounts."""
    under_tmp = any(d == "/tmp" or d.startswith("/tmp/")
                    for d in (os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
                              sys.prefix, os.path.dirname(os.path.realpath(sys.executable))))
    return "/scratch" if under_tmp else "/tmp"


def _root_entries() -> list[str]:
    args: list[str] = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = Path("/") / name
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    return args


LOCK_DIR = "/run/course-grader"


def claim_uid(base: int, index: int) -> tuple[int, int]:
    """An unused sandbox uid, ``base + index`` or the next free one, held by an exclusive lock
    file (released when this process exits): two graders on one machine (two batches, two
    test runs) never share a uid, so one's sweep never kills the other's sandbox."""
    import fcntl

    lock_dir = LOCK_DIR if os.access("/run", os.W_OK) else os.path.join(tempfile.gettempdir(),
                                                                        "course-grader-uids")
    os.makedirs(lock_dir, mode=0o700, exist_ok=True)
    for k in range(10_000):
        uid = base + index + k
        fd = os.open(os.path.join(lock_dir, f"uid-{uid}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                     0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if _uid_processes(uid):  # leftovers of a grader that did not take the lock
            os.close(fd)
            continue
        return uid, fd
    raise SandboxError(f"no free sandbox uid from {base + index}")


def _uid_processes(uid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                zombie = False
                for line in f:
                    if line.startswith("State:"):
                        zombie = line.split()[1] in ("Z", "X")  # dead, waiting to be reaped
                    elif line.startswith("Uid:"):
                        if int(line.split()[1]) == uid and not zombie:
                            out.append(int(name))
                        break
        except (OSError, ValueError):
            pass
    return out


class Slot:
    """One sandbox slot: a zygote (started once) that forks one job child per submission."""

    def __init__(self, index: int = 0, limits: Limits | None = None, *, torch: bool = False,
                 uid_base: int = DEFAULT_UID_BASE, allow_unsafe_root: bool = False):
        self.index = index
        self.limits = limits or Limits()
        self.torch = torch
        self.prot = protections()
        if self.prot.root and not self.prot.uid_drop and not allow_unsafe_root \
                and os.environ.get(UNSAFE_ROOT_ENV) != "1":
            raise SandboxError(root_refusal())
        self.lock_fd: int | None = None
        if self.prot.uid_drop:
            self.uid, self.lock_fd = claim_uid(uid_base, index)
        else:
            self.uid = os.getuid()
        self.proc: subprocess.Popen[bytes] | None = None
        self.ctl: socket.socket | None = None
        self.zygote_pid: int | None = None
        self.tmp: tempfile.TemporaryDirectory[str] | None = None
        self.info: dict[str, Any] = {}
        self.starts = 0

    # ----------------------------------------------------------------- lifecycle
    def command(self, ctl_fd: int) -> list[str]:
        py = sys.executable
        flags = ["-I", "-B", "-X", "frozen_modules=on"]
        if self.prot.bwrap:
            lim = self.limits
            scratch = sandbox_scratch()
            cmd = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                   "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                   "--hostname", "sandbox",
                   "--ro-bind", "/usr", "/usr", *_root_entries(), "--ro-bind", "/etc", "/etc",
                   "--proc", "/proc", "--dev", "/dev",
                   "--size", str(lim.tmpfs_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", scratch,
                   "--size", str(16 * 1024 * 1024), "--perms", "1777", "--tmpfs", "/dev/shm",
                   *_python_binds(),
                   "--perms", "0755", "--dir", "/opt", "--perms", "0755", "--dir", "/opt/grader",
                   "--ro-bind", str(CHILD_PY), SANDBOX_CHILD, "--chdir", scratch]
            if self.use_cuda:
                cmd += self.gpu_binds()
            if not self.prot.root:
                cmd += ["--unshare-user"]
            child = [py, *flags, SANDBOX_CHILD, "--zygote", str(ctl_fd), "--root", scratch,
                     "--wipe-shared"]
            if self.prot.uid_drop:
                cmd += ["--cap-add", "CAP_SETUID,CAP_SETGID", "--", "setpriv",
                        f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
            else:
                cmd += ["--"]
            cmd += child
        else:
            assert self.tmp is not None
            cmd = [py, *flags, str(CHILD_PY), "--zygote", str(ctl_fd), "--root", self.tmp.name]
        if self.torch:
            cmd.append("--torch")
        return cmd

    def env(self) -> dict[str, str]:
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "HOME": sandbox_scratch() if self.prot.bwrap else (self.tmp.name if self.tmp else "/tmp"),
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
        env["TMPDIR"] = env["HOME"]
        if self.use_cuda:
            # one GPU per slot; inside bwrap only that GPU's device node exists
            env["CUDA_VISIBLE_DEVICES"] = "0" if self.prot.bwrap else str(self.gpu)
            env["CUDA_CACHE_DISABLE"] = "1"
        else:
            env["CUDA_VISIBLE_DEVICES"] = ""
        return env

    @property
    def use_cuda(self) -> bool:
        """CUDA is exposed only to PyTorch slots on a machine with a GPU."""
        return self.torch and self.prot.cuda

    @property
    def gpu(self) -> int:
        """The GPU of this slot (slots share GPUs round-robin)."""
        return self.index % max(1, self.prot.gpus)

    def gpu_minor(self) -> int:
        """The device minor (``/dev/nvidia<minor>``) of this slot's GPU."""
        nums = [int(d[len("/dev/nvidia"):]) for d in nvidia_devices() if d[len("/dev/nvidia"):].isdigit()]
        return nums[self.gpu] if self.gpu < len(nums) else self.gpu

    def gpu_binds(self) -> list[str]:
        """bwrap arguments binding this slot's GPU device node and the NVIDIA control nodes
        (read-write: CUDA opens them so), plus the read-only driver information CUDA reads."""
        args: list[str] = []
        for d in nvidia_devices():
            num = d[len("/dev/nvidia"):]
            if num.isdigit():
                if int(num) == self.gpu_minor():
                    # same path, as the NVIDIA container toolkit does: the driver opens
                    # /dev/nvidia<minor>; CUDA then sees this one GPU as device 0
                    args += ["--dev-bind", d, d]
            else:
                args += ["--dev-bind", d, d]
        for ro in ("/sys/bus/pci", "/sys/devices", "/sys/module/nvidia"):
            if os.path.exists(ro):
                args += ["--ro-bind", ro, ro]
        return args

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart) the zygote; it imports NumPy (and PyTorch) and waits."""
        self.stop()
        if not self.prot.bwrap:
            self.tmp = tempfile.TemporaryDirectory(prefix="course-sandbox-")
            os.chmod(self.tmp.name, 0o700)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cmd = self.command(child.fileno())
        fds = [child.fileno()]
        args_r = None
        if cmd[0] == "bwrap":
            # bwrap is pid 1 of the sandbox and its command line is readable there: pass its
            # arguments through a pipe (``--args FD``) so that no host path shows in /proc/1
            # (bwrap reads options there; the command after "--" stays on its command line)
            sep = cmd.index("--")
            args_r, args_w = os.pipe()
            os.write(args_w, b"".join(a.encode() + b"\0" for a in cmd[1:sep]))
            os.close(args_w)
            cmd = ["bwrap", "--args", str(args_r), *cmd[sep:]]
            fds.append(args_r)
        try:
            self.proc = subprocess.Popen(
                cmd, pass_fds=tuple(fds), env=self.env(),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                cwd="/", start_new_session=True)
        finally:
            child.close()
            if args_r is not None:
                os.close(args_r)
        self.ctl = parent
        self.starts += 1
        parent.settimeout(timeout)
        try:
            msg = parent.recv(65536)
        except (TimeoutError, OSError):
            msg = b""
        if not msg:
            err = b""
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                err = f"no answer within {timeout:.0f} s".encode()
            if self.proc.poll() is not None and self.proc.stderr is not None:
                err = (self.proc.stderr.read()[-2000:]
                       or f"exit status {self.proc.returncode}".encode())
            self.stop()
            raise SandboxError(f"the sandbox did not start: {err.decode(errors='replace').strip()}")
        self.info = json.loads(msg)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        if self.prot.uid_drop:
            pids = _uid_processes(self.uid)
            if len(pids) != 1:
                self.stop()
                raise SandboxError(f"uid {self.uid} is in use by other processes ({len(pids)}); "
                                   "choose another uid base")
            self.zygote_pid = pids[0]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.ctl is not None

    def stop(self) -> None:
        """Kill the zygote and everything of the slot."""
        if self.ctl is not None:
            try:
                self.ctl.close()
            except OSError:
                pass
            self.ctl = None
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.kill()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.proc = None
        if self.prot.uid_drop:
            self.sweep(keep=None)
        self.zygote_pid = None
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None

    def sweep(self, keep: int | None) -> int:
        """Kill every process of the slot's uid except ``keep``; returns how many were killed."""
        if not self.prot.uid_drop:
            return 0
        killed = 0
        for _ in range(200):
            pids = [p for p in _uid_processes(self.uid) if p != keep]
            if not pids:
                return killed
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                    killed += 1
                except OSError:
                    pass
            time.sleep(0.005)
        return killed

    def __enter__(self) -> Slot:
        if not self.alive():
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- sessions
    def session(self) -> Session:
        """Fork a fresh job child for one submission (restarting the zygote if needed)."""
        for attempt in range(2):
            if not self.alive():
                self.start()
            try:
                return Session(self)
            except (OSError, SandboxError, TimeoutError):
                if attempt:
                    raise
                self.stop()
        raise SandboxError("unreachable")  # pragma: no cover


class Session:
    """One job child: send requests, get validated replies; :meth:`close` kills it."""

    def __init__(self, slot: Slot):
        self.slot = slot
        self.cuda = slot.use_cuda
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            assert slot.ctl is not None
            msg = json.dumps({"op": "fork", "limits": slot.limits.child_limits(self.cuda)}).encode()
            socket.send_fds(slot.ctl, [msg], [theirs.fileno()])
            slot.ctl.settimeout(10.0)
            reply = slot.ctl.recv(65536)
            if not reply:
                raise SandboxError("the zygote is gone")
        finally:
            theirs.close()
        self.sock = mine
        self.fd = mine.fileno()
        self.next_id = 0
        self.gone: str | None = None

    def request(self, msg: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send one request; return the validated reply, or raise :class:`Gone`."""
        if self.gone is not None:
            raise Gone(self.gone)
        rid = self.next_id
        self.next_id += 1
        msg = dict(msg, id=rid)
        timeout = self.slot.limits.timeout_s if timeout is None else timeout
        try:
            protocol.send_frame(self.fd, protocol.dumps(msg))
            raw = protocol.recv_frame(self.fd, timeout)
            reply = protocol.loads(raw)
        except protocol.ChannelTimeout:
            self._kill("timeout")
            raise Gone("timeout") from None
        except protocol.ChannelClosed:
            self._kill("exited")
            raise Gone("exited") from None
        except protocol.ProtocolError as exc:
            self._kill("protocol")
            raise Gone(f"protocol: {exc}") from None
        if type(reply) is not dict or reply.get("id") != rid or type(reply.get("ok")) is not bool:
            self._kill("protocol")
            raise Gone("protocol: malformed reply")
        return reply

    def _kill(self, reason: str) -> None:
        self.gone = reason
        self._end()

    def _end(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
        slot = self.slot
        slot.sweep(keep=slot.zygote_pid)
        try:
            assert slot.ctl is not None
            slot.ctl.settimeout(10.0)
            slot.ctl.send(b'{"op": "end"}')
            if not slot.ctl.recv(65536):
                raise OSError("zygote gone")
        except (OSError, AssertionError):
            slot.stop()

    def close(self) -> None:
        if self.gone is None:
            self.gone = "closed"
            self._end()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
