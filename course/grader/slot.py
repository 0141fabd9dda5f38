"""The sandbox slot: where student code runs, from the zygote's start to each job's sweep.

One :class:`Slot` per grading worker. A slot starts a *zygote* (``child.py``) once, inside
bubblewrap where available (:mod:`course.grader.bwrap`), before the worker loads any secret;
the zygote imports NumPy (and PyTorch) and then forks one fresh *job child* per submission
(:meth:`Slot.session`). Layers, each detected and reported by
:func:`~course.grader.protections.protections` (isolation degrades visibly, never silently):

* ``bwrap``: new mount, PID, IPC, UTS and network namespaces (no network: only a loopback);
  a minimal read-only file system, a size-limited tmpfs as the only writable place (wiped
  between submissions); nothing of the instructor's is mounted;
* ``uid``: when the grader runs as root, the zygote runs as an unprivileged uid of its own
  (``uid_base + slot``, claimed with a lock file: :func:`claim_uid`; no groups, no
  capabilities, ``no_new_privs``), so RLIMIT_NPROC is enforced and nothing of root's is
  readable; each slot has its own uid, so concurrent submissions cannot signal or read each
  other;
* ``cgroup``: each job child runs in a cgroup of its own (:mod:`course.grader.cgroup`):
  ``--memory`` for the whole submission, children included, no swap, a process limit; the
  grader moves the job child in after its hello and before its go-ahead, so before any
  student code runs (the kernel tells the grader the job child's pid: ``SCM_CREDENTIALS``);
* ``rlimits`` in the job child (:class:`~course.grader.limits.Limits`): CPU seconds, address
  space (or data segment when CUDA is used), file size, open files, processes, no core dumps;
* ``seccomp``: no user namespaces inside the sandbox (:mod:`course.grader.seccomp`, installed
  by the zygote before it imports anything);
* a wall-clock timeout per request, after which the job is killed, and a total wall-clock
  budget per submission (all cells, cases and restarts together);
* ``gpu``: when the machine has an NVIDIA GPU (and PyTorch is used), only the NVIDIA device
  nodes are bound into the sandbox and each slot sees one GPU (``CUDA_VISIBLE_DEVICES``);
  otherwise CUDA is hidden;
* ``sweep``: after every submission every process of its cgroup and of the slot's uid except
  the zygote is killed (processes that called ``setsid()`` included), and the zygote, a child
  subreaper, kills all its descendants and wipes ``/tmp``, ``/dev/shm`` and System V IPC
  objects;
* ``parent death``: the sandbox dies with its worker (bubblewrap's ``--die-with-parent``, and
  the zygote kills its tree when its control socket reads end-of-file), the worker with the
  grader (``PR_SET_PDEATHSIG``, :mod:`course.grader.batch`); a grader that claims a uid whose
  lock is free and finds processes or job cgroups of it (their grader was killed) clears them.

The child receives calls and returns plain data (:mod:`course.grader.protocol`); it never sees
an expected value.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from typing import Any

from . import bwrap, cgroup, protocol, seccomp
from .limits import Limits
from .protections import job_cgroups, protections, root_refusal, unsafe_root_refused

DEFAULT_UID_BASE = 2_000_000_000  # far from real accounts; uid = base + slot
LOCK_DIR = "/run/course-grader"  # lock files of the claimed sandbox uids (root graders)


class SandboxError(Exception):
    """The sandbox could not be started or broke down."""


class Gone(Exception):
    """The job child is gone (crash, exit, kill); ``reason`` says how."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- uids
def lock_dir() -> str:
    """The folder of the uid lock files: :data:`LOCK_DIR`, or one under the temporary folder
    where /run is not writable."""
    return LOCK_DIR if os.access("/run", os.W_OK) else os.path.join(tempfile.gettempdir(),
                                                                     "course-grader-uids")


def claim_uid(base: int, index: int) -> tuple[int, int]:
    """An unused sandbox uid, ``base + index`` or the next free one, held by an exclusive lock
    file (released when this process exits): two graders on one machine (two batches, two
    test runs) never share a uid, so one's sweep never kills the other's sandbox. Processes of
    a uid whose lock is free are stale (their grader died without them) and are killed first.
    Returns the uid and the lock's file descriptor."""
    import fcntl

    folder = lock_dir()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    for k in range(10_000):
        uid = base + index + k
        fd = os.open(os.path.join(folder, f"uid-{uid}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                     0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if kill_uid(uid):  # leftovers that would not die: use another uid
            os.close(fd)
            continue
        return uid, fd
    raise SandboxError(f"no free sandbox uid from {base + index}")


def kill_uid(uid: int, keep: int | None = None, wait_s: float = 2.0) -> list[int]:
    """SIGKILL every process of ``uid`` except ``keep`` until none is left; returns those still
    alive after ``wait_s`` seconds (none, normally)."""
    deadline = time.monotonic() + wait_s
    while True:
        pids = [p for p in uid_processes(uid) if p != keep]
        if not pids or time.monotonic() > deadline:
            return pids
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


def uid_processes(uid: int) -> list[int]:
    """Pids of the live (not zombie) processes whose real uid is ``uid``."""
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


#: Linux only: the kernel attaches the sender's pid, uid and gid to each message
SO_PASSCRED = getattr(socket, "SO_PASSCRED", None)
SCM_CREDENTIALS = getattr(socket, "SCM_CREDENTIALS", None)


def _pass_credentials(sock: socket.socket, on: bool) -> None:
    if SO_PASSCRED is not None:
        sock.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, int(on))


def _credentials(ancillary: list[tuple[int, int, bytes]]) -> tuple[int, int, int] | None:
    """(pid, uid, gid) of the sender of a Unix socket message, as the kernel attached them
    (``SO_PASSCRED``), translated into this process's namespaces."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SCM_CREDENTIALS and len(data) >= 12:
            pid, uid, gid = struct.unpack("iII", data[:12])
            return pid, uid, gid
    return None


def _parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return int(stat[stat.rindex(b")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------- slot
class Slot:
    """One sandbox slot: a zygote (started once) that forks one job child per submission.

    ``index``: the slot number (its uid is ``uid_base + index`` or the next free one; its GPU
    ``index`` modulo the GPU count); ``torch``: the zygote imports PyTorch."""

    def __init__(self, index: int = 0, limits: Limits | None = None, *, torch: bool = False,
                 uid_base: int = DEFAULT_UID_BASE, allow_unsafe_root: bool = False):
        self.index = index
        self.limits = limits or Limits()
        self.torch = torch
        self.prot = protections()
        if unsafe_root_refused(self.prot) and not allow_unsafe_root:
            raise SandboxError(root_refusal()["en"])
        self.lock_fd: int | None = None
        if self.prot.uid_drop:
            self.uid, self.lock_fd = claim_uid(uid_base, index)
        else:
            self.uid = os.getuid()
        self.proc: subprocess.Popen[bytes] | None = None
        self.ctl: socket.socket | None = None
        self.zygote_pid: int | None = None  # in the grader's PID namespace
        self.tmp: tempfile.TemporaryDirectory[str] | None = None
        self.info: dict[str, Any] = {}
        self.peak_bytes: int | None = None  # memory peak of the jobs since reset_usage()
        self.oom_kills = 0  # processes the OOM killer killed since reset_usage()
        #: the slot's cgroups (None where no cgroup is usable), named after the claimed uid:
        #: job cgroups found there belong to a dead grader and are cleared now
        self.cgroups: cgroup.SlotCgroups | None = None
        h = job_cgroups()
        if h is not None:
            try:
                if self.prot.uid_drop:
                    self.cgroups = cgroup.SlotCgroups(h, f"uid-{self.uid}")
                else:
                    cgroup.clear_stale_pid_slots(h)
                    self.cgroups = cgroup.SlotCgroups(h, f"pid-{os.getpid()}-{index}")
                self.cgroups.clear()
            except OSError as exc:
                raise SandboxError(f"cannot make the slot's cgroup: {exc}") from None

    def reset_usage(self) -> None:
        """Forget :attr:`peak_bytes` and :attr:`oom_kills` (one submission starts)."""
        self.peak_bytes, self.oom_kills = None, 0

    def _count_usage(self, cg: cgroup.JobCgroup) -> None:
        if cg.peak_bytes is not None:
            self.peak_bytes = max(self.peak_bytes or 0, cg.peak_bytes)
        self.oom_kills += cg.oom_kills

    # ----------------------------------------------------------------- lifecycle
    def command(self, ctl_fd: int, seccomp_fd: int | None = None) -> list[str]:
        """The zygote's command line (bubblewrap's, where available), ``ctl_fd`` being the
        zygote's end of the control socket and ``seccomp_fd`` the pipe its seccomp filter
        comes from."""
        python = self.limits.python
        py = [python or sys.executable, *bwrap.PYTHON_FLAGS]
        sec = ["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []
        if self.prot.bwrap:
            scratch = bwrap.sandbox_scratch(python)
            zygote = [*py, bwrap.SANDBOX_CHILD, "--zygote", str(ctl_fd), "--root", scratch,
                      *sec, "--wipe-shared"]
            cmd = bwrap.bwrap_command(root=self.prot.root, tmpfs_mb=self.limits.tmpfs_mb,
                                      gpu_minor=self.gpu_minor() if self.use_cuda else None,
                                      drop_to_uid=self.uid if self.prot.uid_drop else None,
                                      zygote=zygote, python=python)
        else:
            assert self.tmp is not None
            cmd = [*py, str(bwrap.CHILD_PY), "--zygote", str(ctl_fd), "--root", self.tmp.name,
                   *sec]
        if self.torch:
            cmd.append("--torch")
        return cmd

    def env(self) -> dict[str, str]:
        """The zygote's whole environment (nothing of the grader's is inherited)."""
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "HOME": bwrap.sandbox_scratch(self.limits.python) if self.prot.bwrap
               else (self.tmp.name if self.tmp else "/tmp"),
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
        nums = bwrap.gpu_minors()
        return nums[self.gpu] if self.gpu < len(nums) else self.gpu

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart) the zygote; it installs its seccomp filter, imports NumPy (and
        PyTorch) and waits. ``timeout``: seconds to wait for its first message."""
        self.stop()
        if not self.prot.bwrap:
            self.tmp = tempfile.TemporaryDirectory(prefix="course-sandbox-")
            os.chmod(self.tmp.name, 0o700)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        _pass_credentials(parent, True)  # to learn the zygote's pid
        fds = [child.fileno()]
        sec_r = None
        prog = seccomp.userns_filter() if self.prot.userns_denied else None
        if prog is not None:
            sec_r, sec_w = os.pipe()
            os.write(sec_w, prog)
            os.close(sec_w)
            fds.append(sec_r)
        cmd = self.command(child.fileno(), sec_r)
        args_r = None
        if cmd[0] == "bwrap":
            cmd, args_r = bwrap.options_through_fd(cmd)
            fds.append(args_r)
        try:
            self.proc = subprocess.Popen(
                cmd, pass_fds=tuple(fds), env=self.env(),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                cwd="/", start_new_session=True)
        finally:
            child.close()
            for fd in (args_r, sec_r):
                if fd is not None:
                    os.close(fd)
        self.ctl = parent
        parent.settimeout(timeout)
        try:
            msg, anc, _flags, _addr = parent.recvmsg(65536, socket.CMSG_SPACE(12))
        except (TimeoutError, OSError):
            msg, anc = b"", []
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
        _pass_credentials(parent, False)
        self.info = json.loads(msg)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        creds = _credentials(anc)
        self.zygote_pid = creds[0] if creds else None
        if self.prot.uid_drop:
            pids = uid_processes(self.uid)
            if pids != [self.zygote_pid]:
                self.stop()
                raise SandboxError(f"uid {self.uid} is in use by other processes ({len(pids)}); "
                                   "choose another uid base")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.ctl is not None

    def stop(self) -> None:
        """Kill the zygote and everything of the slot (its job cgroups included)."""
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
        if self.cgroups is not None:
            self.cgroups.clear()
        self.sweep(keep=None)
        self.zygote_pid = None
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None

    def close(self) -> None:
        """Stop, and remove the slot's cgroup folders (the worker is done with the slot)."""
        self.stop()
        if self.cgroups is not None:
            self.cgroups.remove()

    def sweep(self, keep: int | None) -> None:
        """Kill every process of the slot's uid except ``keep`` (root graders only: elsewhere
        the uid is the grader's own user)."""
        if self.prot.uid_drop:
            kill_uid(self.uid, keep)

    def __enter__(self) -> Slot:
        if not self.alive():
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
    """One job child: send requests, get validated replies; :meth:`close` kills it.

    Start-up: a fresh cgroup (where usable), the fork request to the zygote, the job child's
    hello (its pid comes from the kernel, not from the message), the job child moved into the
    cgroup, then the go-ahead: only then may student code run."""

    def __init__(self, slot: Slot):
        self.slot = slot
        self.cuda = slot.use_cuda
        self.pid: int | None = None  # the job child, in the grader's PID namespace
        self.cgroup: cgroup.JobCgroup | None = None
        self.gone: str | None = "starting"
        self.next_id = 0
        lim = slot.limits
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        _pass_credentials(mine, True)  # to learn the job child's pid
        self.sock = mine
        self.fd = mine.fileno()
        try:
            if slot.cgroups is not None:
                self.cgroup = slot.cgroups.job(lim.memory_mb, lim.nproc)
            assert slot.ctl is not None
            msg = json.dumps({"op": "fork", "limits": lim.child_limits(
                self.cuda, cgroup=self.cgroup is not None)}).encode()
            socket.send_fds(slot.ctl, [msg], [theirs.fileno()])
            slot.ctl.settimeout(10.0)
            if not slot.ctl.recv(65536):
                raise SandboxError("the zygote is gone")
        except BaseException:
            mine.close()
            if self.cgroup is not None:
                self.cgroup.close()
            raise
        finally:
            theirs.close()
        try:
            self.pid = self._hello(10.0)
            if self.cgroup is not None:
                if self.pid is None:
                    raise SandboxError("the job child's pid is unknown")
                self.cgroup.attach(self.pid)
            _pass_credentials(mine, False)
            protocol.send_frame(self.fd, protocol.dumps({"op": "go"}))
        except (OSError, SandboxError, protocol.ProtocolError) as exc:
            self._end()
            raise SandboxError(f"the job child did not start: {exc}") from None
        self.gone = None

    def _hello(self, timeout: float) -> int | None:
        """Read the job child's hello frame; return its pid, as the kernel attached it to the
        message (None where the system attaches none). ``timeout``: seconds."""
        deadline = time.monotonic() + timeout
        buf, creds, need = b"", None, 4
        while len(buf) < need:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SandboxError("no hello from the job child")
            self.sock.settimeout(left)
            data, anc, _flags, _addr = self.sock.recvmsg(need - len(buf), socket.CMSG_SPACE(12))
            if not data:
                raise SandboxError("the job child is gone")
            creds = creds or _credentials(anc)
            buf += data
            if need == 4 and len(buf) == 4:
                need += struct.unpack(">I", buf)[0]
                if need > 4096:
                    raise SandboxError("malformed hello")
        self.sock.settimeout(None)
        if protocol.loads(buf[4:]) != {"hello": True}:
            raise SandboxError("malformed hello")
        if creds is None:
            if SO_PASSCRED is None:  # not Linux: no pid (and no cgroup to move it into)
                return None
            raise SandboxError("no credentials with the hello")
        pid, uid, _gid = creds
        slot = self.slot
        if pid <= 0 or (slot.prot.uid_drop and uid != slot.uid) \
                or (slot.zygote_pid is not None and _parent_pid(pid) != slot.zygote_pid):
            raise SandboxError(f"hello from an unexpected process (pid {pid}, uid {uid})")
        return pid

    def request(self, msg: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send one request; return the validated reply, or raise :class:`Gone`. ``timeout``:
        seconds of wall clock (default: the slot's ``Limits.timeout_s``)."""
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
            # the OOM killer (the whole submission's memory), or any other end
            why = "memory" if self.cgroup is not None and self.cgroup.oom_count() else "exited"
            self._kill(why)
            raise Gone(why) from None
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
        """Kill the job child and everything it started (its cgroup, the slot's uid, the
        zygote's tree), have the zygote wipe the writable places, remove the cgroup."""
        try:
            self.sock.close()
        except OSError:
            pass
        slot = self.slot
        if self.cgroup is not None:
            self.cgroup.kill(wait=False)  # (the uid sweep waits; close() makes sure below)
        slot.sweep(keep=slot.zygote_pid)
        try:
            assert slot.ctl is not None
            slot.ctl.settimeout(10.0)
            slot.ctl.send(b'{"op": "end"}')
            if not slot.ctl.recv(65536):
                raise OSError("zygote gone")
        except (OSError, AssertionError):
            slot.stop()
        finally:
            if self.cgroup is not None:
                self.cgroup.close()
                slot._count_usage(self.cgroup)

    def close(self) -> None:
        if self.gone is None:
            self.gone = "closed"
            self._end()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
