"""The zygote's command line: bubblewrap options, bind mounts, and how they reach bubblewrap.

The sandbox's file system view is ``/usr`` and ``/etc`` read-only, the top-level ``/bin``,
``/lib``... entries as they are on the host (symlinks or read-only binds), this Python
environment read-only (:func:`python_binds`), a size-limited tmpfs as the only writable place
(:func:`sandbox_scratch`) and on ``/dev/shm``, ``child.py`` at :data:`SANDBOX_CHILD`, and, for a
PyTorch slot on a machine with a GPU, that slot's NVIDIA device node (:func:`gpu_binds`).
Nothing of the instructor's (course, reference, other submissions) is mounted, and the
toolkit's own package, which holds the reference solutions and every family's answers, is
hidden where it lies under a bound folder (a regular install puts it in site-packages): an
empty read-only tmpfs covers it (:func:`hidden_dirs`).

bubblewrap is pid 1 of the sandbox and its command line is readable there, so its options
travel through a pipe (``--args FD``, :func:`options_through_fd`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CHILD_PY = Path(__file__).with_name("child.py")
SANDBOX_CHILD = "/opt/grader/child.py"  # where child.py is bound inside the sandbox
#: interpreter flags of the zygote: isolated mode (no user site, no PYTHON* variables, no
#: current folder on the path), no .pyc writes, frozen stdlib modules
PYTHON_FLAGS = ["-I", "-B", "-X", "frozen_modules=on"]
SHM_BYTES = 16 * 1024 * 1024  # size of the sandbox's /dev/shm
#: the toolkit's package (``course``), as imported and as resolved
PACKAGE_DIRS = (str(Path(__file__).parents[1]), str(Path(__file__).resolve().parents[1]))
#: the top-level entries shown as on the host (:func:`root_entries`)
ROOT_ENTRIES = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


def namespace_options(root: bool) -> list[str]:
    """The namespaces every sandbox gets (network, PID, IPC); a user namespace too when the
    grader is not root (unprivileged bubblewrap needs one)."""
    base = ["--unshare-net", "--unshare-pid", "--unshare-ipc"]
    return base if root else ["--unshare-user", *base]


def _with_parents(path: str, made: set[str]) -> list[str]:
    """``--dir`` options creating the parent folders of ``path`` (mode 0755) that do not exist
    yet in the sandbox (``made`` records those already created)."""
    args: list[str] = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in made:
            args += ["--perms", "0755", "--dir", parent]
            made.add(parent)
    return args


def _prefixes(python: str) -> tuple[str, str, str]:
    """``sys.prefix``, ``sys.base_prefix`` and ``sys.executable`` of the interpreter that runs
    student code (``python``: its path, "" for this one; :mod:`.interpreter`)."""
    if not python:
        return sys.prefix, sys.base_prefix, sys.executable
    from .interpreter import describe

    i = describe(python)
    return i.prefix, i.base_prefix, i.executable


def _within(path: str, folders: list[str]) -> str | None:
    """The first of ``folders`` that is ``path`` or holds it, else None."""
    return next((f for f in folders if path == f or path.startswith(f.rstrip("/") + "/")), None)


def python_dirs(python: str = "") -> list[str]:
    """The folders that make the interpreter at ``python`` ("" for this one) and its packages
    visible in the sandbox, bound read-only: the real prefixes outside /usr, the interpreter's
    folder, and the unresolved ``sys.prefix`` when it is a symlinked path (a venv reached
    through a link)."""
    prefix, base_prefix, executable = _prefixes(python)
    dirs = []
    for d in {os.path.realpath(base_prefix), os.path.realpath(prefix)}:
        if not d.startswith("/usr"):
            dirs.append(d)
    exe_dir = os.path.dirname(os.path.realpath(executable))
    if not exe_dir.startswith("/usr") and not any(exe_dir.startswith(d + "/") for d in dirs):
        dirs.append(exe_dir)
    binds = sorted(dirs)
    if os.path.realpath(prefix) != prefix and not prefix.startswith("/usr"):
        binds.append(prefix)
    return binds


def python_binds(python: str = "") -> list[str]:
    """bubblewrap options binding :func:`python_dirs` read-only, at the same paths."""
    args: list[str] = []
    made: set[str] = set()
    for d in python_dirs(python):
        args += _with_parents(d, made) + ["--ro-bind", d, d]
    return args


def sandbox_scratch(python: str = "") -> str:
    """The writable tmpfs of the bwrap sandbox: ``/tmp``, unless the grader's Python lives under
    /tmp (a checkout in /tmp/...): its read-only bind mounts would then sit inside the wiped
    tmpfs, so the scratch space moves to ``/scratch`` (TMPDIR and HOME point there) and /tmp
    only holds the read-only mounts."""
    prefix, base_prefix, executable = _prefixes(python)
    under_tmp = any(_within(d, ["/tmp"])
                    for d in (os.path.realpath(base_prefix), os.path.realpath(prefix),
                              prefix, os.path.dirname(os.path.realpath(executable))))
    return "/scratch" if under_tmp else "/tmp"


def _bound_dirs(python: str = "") -> list[str]:
    """Every host folder the sandbox binds (read-only), resolved as bubblewrap resolves it."""
    dirs = ["/usr", "/etc"]
    for name in ROOT_ENTRIES:
        p = Path("/") / name
        if p.is_dir():
            dirs.append(os.path.realpath(p))
    return dirs + python_dirs(python)


def hidden_dirs(python: str = "") -> list[str]:
    """The folders of :data:`PACKAGE_DIRS` (the toolkit's package) that the sandbox would
    show, being under a folder it binds: each gets an empty read-only tmpfs over it."""
    bound = _bound_dirs(python)
    return sorted({d for d in PACKAGE_DIRS if _within(d, bound)})


def exposed(paths: list[str], python: str = "") -> tuple[str, str] | None:
    """``(bound folder, path)`` for the first of ``paths`` (the course folder, the folder
    graded) that a folder the sandbox binds would show (a venv made in the course folder, a
    course under /usr), else None."""
    bound = _bound_dirs(python)
    for p in paths:
        b = _within(os.path.realpath(p), bound)
        if b is not None:
            return b, p
    return None


def hide_args(python: str = "") -> list[str]:
    """bubblewrap options that cover each of :func:`hidden_dirs` with an empty read-only
    tmpfs (after the binds that would show it)."""
    args: list[str] = []
    for d in hidden_dirs(python):
        args += ["--perms", "0555", "--size", "4096", "--tmpfs", d, "--remount-ro", d]
    return args


def root_entries() -> list[str]:
    """The top-level ``/bin``, ``/sbin``, ``/lib*`` entries as on the host: a symlink stays a
    symlink (merged /usr), a folder is bound read-only."""
    args: list[str] = []
    for name in ROOT_ENTRIES:
        p = Path("/") / name
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    return args


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


def gpu_minors() -> list[int]:
    """The device minors of this machine's GPUs (``/dev/nvidia<minor>``), ascending."""
    return [int(d[len("/dev/nvidia"):]) for d in nvidia_devices() if d[len("/dev/nvidia"):].isdigit()]


def gpu_binds(minor: int) -> list[str]:
    """bwrap arguments binding the GPU ``/dev/nvidia<minor>`` and the NVIDIA control nodes
    (read-write: CUDA opens them so), plus the read-only driver information CUDA reads."""
    args: list[str] = []
    for d in nvidia_devices():
        num = d[len("/dev/nvidia"):]
        # a GPU node under its own path, as the NVIDIA container toolkit does: the driver opens
        # /dev/nvidia<minor>; CUDA then sees this one GPU as device 0
        if not num.isdigit() or int(num) == minor:
            args += ["--dev-bind", d, d]
    for ro in ("/sys/bus/pci", "/sys/devices", "/sys/module/nvidia"):
        if os.path.exists(ro):
            args += ["--ro-bind", ro, ro]
    return args


def bwrap_command(*, root: bool, tmpfs_mb: int, gpu_minor: int | None,
                  drop_to_uid: int | None, zygote: list[str], python: str = "") -> list[str]:
    """The bubblewrap command line that runs ``zygote`` (a command run inside, with
    :data:`SANDBOX_CHILD` as its script): ``tmpfs_mb`` (MiB) is the size of the scratch tmpfs,
    ``gpu_minor`` the GPU to bind (None: no GPU), ``drop_to_uid`` the unprivileged uid that
    ``setpriv`` switches to (root graders; None: stay the grader's user); ``python``: the
    interpreter ``zygote`` runs ("" for this one)."""
    scratch = sandbox_scratch(python)
    cmd = ["bwrap", *namespace_options(True), "--unshare-uts",
           "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox",
           "--ro-bind", "/usr", "/usr", *root_entries(), "--ro-bind", "/etc", "/etc",
           "--proc", "/proc", "--dev", "/dev",
           "--size", str(tmpfs_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", scratch,
           "--size", str(SHM_BYTES), "--perms", "1777", "--tmpfs", "/dev/shm",
           *python_binds(python), *hide_args(python),
           "--perms", "0755", "--dir", "/opt", "--perms", "0755", "--dir", "/opt/grader",
           "--ro-bind", str(CHILD_PY), SANDBOX_CHILD, "--chdir", scratch]
    if gpu_minor is not None:
        cmd += gpu_binds(gpu_minor)
    if not root:
        cmd += ["--unshare-user"]
    if drop_to_uid is not None:
        cmd += ["--cap-add", "CAP_SETUID,CAP_SETGID", "--", "setpriv",
                f"--reuid={drop_to_uid}", f"--regid={drop_to_uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    else:
        cmd += ["--"]
    return cmd + zygote


def options_through_fd(cmd: list[str]) -> tuple[list[str], int]:
    """``bwrap OPTIONS -- COMMAND`` as ``bwrap --args FD -- COMMAND`` and the read end FD of a
    pipe that holds the options (NUL-separated, as bubblewrap reads them), so that no host path
    shows in the sandbox's ``/proc/1/cmdline``; the command after ``--`` stays on the command
    line. The caller passes FD to bubblewrap and closes it afterwards."""
    sep = cmd.index("--")
    r, w = os.pipe()
    try:
        os.write(w, b"".join(a.encode() + b"\0" for a in cmd[1:sep]))
    finally:
        os.close(w)
    return [cmd[0], "--args", str(r), *cmd[sep:]], r
