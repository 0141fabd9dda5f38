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
* ``rlimits`` in the job child (:class:`~course.grader.limits.Limits`): CPU seconds, address
  space (or data segment when CUDA is used), file size, open files, processes, no core dumps;
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
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from . import bwrap, protocol
from .limits import Limits
from .protections import protections, root_refusal, unsafe_root_refused

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
    test runs) never share a uid, so one's sweep never kills the other's sandbox. Returns the
    uid and the lock's file descriptor."""
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
        if uid_processes(uid):  # leftovers of a grader that did not take the lock
            os.close(fd)
            continue
        return uid, fd
    raise SandboxError(f"no free sandbox uid from {base + index}")


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

    # ----------------------------------------------------------------- lifecycle
    def command(self, ctl_fd: int) -> list[str]:
        """The zygote's command line (bubblewrap's, where available), ``ctl_fd`` being the
        zygote's end of the control socket."""
        py = [sys.executable, *bwrap.PYTHON_FLAGS]
        if self.prot.bwrap:
            scratch = bwrap.sandbox_scratch()
            zygote = [*py, bwrap.SANDBOX_CHILD, "--zygote", str(ctl_fd), "--root", scratch,
                      "--wipe-shared"]
            cmd = bwrap.bwrap_command(root=self.prot.root, tmpfs_mb=self.limits.tmpfs_mb,
                                      gpu_minor=self.gpu_minor() if self.use_cuda else None,
                                      drop_to_uid=self.uid if self.prot.uid_drop else None,
                                      zygote=zygote)
        else:
            assert self.tmp is not None
            cmd = [*py, str(bwrap.CHILD_PY), "--zygote", str(ctl_fd), "--root", self.tmp.name]
        if self.torch:
            cmd.append("--torch")
        return cmd

    def env(self) -> dict[str, str]:
        """The zygote's whole environment (nothing of the grader's is inherited)."""
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "HOME": bwrap.sandbox_scratch() if self.prot.bwrap
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
        """Start (or restart) the zygote; it imports NumPy (and PyTorch) and waits.
        ``timeout``: seconds to wait for its first message."""
        self.stop()
        if not self.prot.bwrap:
            self.tmp = tempfile.TemporaryDirectory(prefix="course-sandbox-")
            os.chmod(self.tmp.name, 0o700)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cmd = self.command(child.fileno())
        fds = [child.fileno()]
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
            if args_r is not None:
                os.close(args_r)
        self.ctl = parent
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
            pids = uid_processes(self.uid)
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
            pids = [p for p in uid_processes(self.uid) if p != keep]
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
