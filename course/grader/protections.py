"""What protects the grader on this machine: detection, the report, and the refusal rule.

Isolation degrades visibly, never silently: :func:`protections` probes what this machine
allows (bubblewrap and its namespaces, whether this Python runs inside it, an unprivileged uid
per slot, a cgroup per submission, the seccomp filter against user namespaces, GPUs) and
:meth:`Protections.items` gives one row per protection, in French or English, for the terminal
and report.html, with :attr:`Protections.notes` saying why a layer is off. A root grader that cannot drop privileges refuses to run student code
(:func:`unsafe_root_refused`) unless :data:`UNSAFE_ROOT_ENV` accepts the risk.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from course.base.i18n import Text, text

from . import bwrap, cgroup, seccomp
from .limits import Limits

#: set to 1 to run without bubblewrap even where it works (tests of the degraded path, or a
#: machine where bwrap misbehaves); the protections report then says so
NO_BWRAP_ENV = "COURSE_GRADER_NO_BWRAP"
#: set to 1 to let a root grader run student code as root when it cannot drop privileges
#: (no bubblewrap or no setpriv): dangerous, and reported
UNSAFE_ROOT_ENV = "COURSE_GRADER_UNSAFE_ROOT"
#: set to 1 to never expose a GPU to student code
NO_GPU_ENV = "COURSE_GRADER_NO_GPU"
#: set to 1 to use no cgroup even where one is usable (tests of the degraded path, benchmarks
#: of the cgroup's cost); the protections report then says so
NO_CGROUP_ENV = "COURSE_GRADER_NO_CGROUP"


_SWEEP_TEXT = {
    "uid": {"en": "every process of the slot's uid, the zygote's process tree",
            "fr": "tous les processus de l'uid de l'emplacement, l'arbre du zygote"},
    "tree": {"en": "the zygote's process tree (child subreaper)",
             "fr": "l'arbre de processus du zygote (child subreaper)"},
    "group": {"en": "the process group", "fr": "le groupe de processus"},
}


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
    cgroup: str = ""  # "v2", "v1" or "" (none usable): see course.grader.cgroup
    cgroup_swap: bool = False  # the kernel accounts swap: "no swap" is enforced
    userns_denied: bool = False  # the seccomp filter of course.grader.seccomp loads here
    parent_death: bool = False  # PR_SET_PDEATHSIG and the zygote's parent watch
    notes: list[str] = field(default_factory=list)

    def items(self, lang: str = "en", limits: Limits | None = None) -> list[tuple[str, bool, str]]:
        """(name, active, explanation) rows for the terminal and report.html; ``limits`` (the
        batch's, default :class:`Limits`) gives the figures of the cgroup row."""
        fr = lang == "fr"
        lim = limits or Limits()
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
            ("sweep", True, _SWEEP_TEXT.get(self.sweep, {}).get("fr" if fr else "en", self.sweep)
             + ((", et le cgroup de la remise" if fr else ", and the submission's cgroup")
                if self.cgroup else "")),
            ("tmpfs size limit", self.tmpfs_limit, "/tmp et /dev/shm de taille limitée" if fr
             else "size-limited /tmp and /dev/shm"),
            ("cgroup", bool(self.cgroup), self._cgroup_text(fr, lim)),
            ("no user namespaces", self.userns_denied,
             "filtre seccomp : unshare et clone avec CLONE_NEWUSER, setns et clone3 refusés" if fr
             else "seccomp filter: unshare and clone with CLONE_NEWUSER, setns and clone3 refused"),
            ("parent death", self.parent_death, self._parent_death_text(fr)),
        ]
        if self.gpus:
            rows.append(("GPU", self.cuda, (f"{self.gpus} GPU NVIDIA, un par emplacement" if fr
                                            else f"{self.gpus} NVIDIA GPU(s), one per slot")))
        return rows

    def _cgroup_text(self, fr: bool, lim: Limits) -> str:
        if self.cgroup:
            swap = (" sans swap," if fr else " no swap,") if self.cgroup_swap else ""
            return (f"cgroup {self.cgroup} par remise : {lim.memory_mb} Mo pour tous ses processus "
                    f"ensemble,{swap} {lim.nproc} processus au plus, supprimé ensuite" if fr else
                    f"cgroup {self.cgroup} per submission: {lim.memory_mb} MB for all its processes "
                    f"together,{swap} at most {lim.nproc} processes, removed afterwards")
        n = lim.processes_without_cgroup()
        budget = max(lim.host_mb, lim.memory_mb)
        return (f"aucun cgroup utilisable : RLIMIT_NPROC abaissé pour {n} processus par remise "
                f"({n} x {lim.memory_mb} Mo <= {budget} Mo)" if fr else
                f"no usable cgroup: RLIMIT_NPROC lowered to {n} processes per submission "
                f"({n} x {lim.memory_mb} MB <= {budget} MB)")

    def _parent_death_text(self, fr: bool) -> str:
        if self.bwrap:
            return ("rien ne survit au correcteur : ses processus (PR_SET_PDEATHSIG), le bac à sable "
                    "(bwrap --die-with-parent, espace PID), le zygote (surveille son socket)" if fr
                    else "nothing outlives the grader: its workers (PR_SET_PDEATHSIG), the sandbox "
                    "(bwrap --die-with-parent, PID namespace), the zygote (watches its socket)")
        return ("ses processus (PR_SET_PDEATHSIG) ; le zygote surveille son socket et tue son arbre"
                if fr else "its workers (PR_SET_PDEATHSIG); the zygote watches its socket and kills "
                "its process tree")

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


def gpu_count() -> int:
    """How many NVIDIA GPUs this machine has (device nodes; no CUDA call in this process)."""
    if os.environ.get(NO_GPU_ENV) == "1":
        return 0
    return len(bwrap.gpu_minors())


def protections() -> Protections:
    """Detect the protections this machine allows (cached for the process; the environment
    variables :data:`NO_BWRAP_ENV`, :data:`NO_GPU_ENV` and :data:`NO_CGROUP_ENV` are part of
    the cache key)."""
    return _protections(os.environ.get(NO_BWRAP_ENV) == "1", os.environ.get(NO_GPU_ENV) == "1",
                        os.environ.get(NO_CGROUP_ENV) == "1")


def job_cgroups() -> cgroup.Hierarchy | None:
    """The hierarchy the slots make their job cgroups in, None where :func:`protections` says
    no cgroup is usable."""
    return cgroup.detect()[0] if protections().cgroup else None


def _seccomp_fails() -> str | None:
    """None if the user-namespace filter loads on this machine and ``unshare(CLONE_NEWUSER)``
    then fails with EPERM (checked in a throwaway process running child.py), else why not."""
    prog = seccomp.userns_filter()
    if prog is None:
        return f"no seccomp filter for this architecture ({platform.machine()})"
    r, w = os.pipe()
    try:
        os.write(w, prog)
        os.close(w)
        w = -1
        out = subprocess.run([sys.executable, "-I", str(bwrap.CHILD_PY), "--probe-seccomp", str(r)],
                             pass_fds=(r,), capture_output=True, timeout=20, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return type(exc).__name__
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    try:
        res = json.loads(out.stdout)
    except ValueError:
        return f"probe failed (exit status {out.returncode})"
    if not res.get("installed"):
        return f"the filter does not load ({res.get('why')})"
    if res.get("unshare") != -1 or res.get("errno") != 1:
        return "the filter loads but unshare(CLONE_NEWUSER) is not refused"
    return None


def _bwrap_python_fails(base: list[str]) -> str | None:
    """None if this interpreter and its packages run in the sandbox's file system view, else
    bwrap's or Python's last error line (e.g. an interpreter under a folder the user cannot
    read)."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bwrap missing"
    cmd = [exe, *base, "--ro-bind", "/usr", "/usr", *bwrap.root_entries(), "--proc", "/proc",
           "--dev", "/dev", *bwrap.python_binds()]
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
def _protections(no_bwrap: bool, no_gpu: bool, no_cgroup: bool = False) -> Protections:
    root = os.geteuid() == 0
    notes: list[str] = []
    if sys.platform != "linux":
        return Protections(root, False, False, False, False, sweep="group",
                           notes=["not Linux: only rlimits, timeouts and process groups"])
    base = bwrap.namespace_options(root)
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
    if no_gpu and bwrap.nvidia_devices():
        notes.append(f"GPU hidden from student code by {NO_GPU_ENV}=1")
    if no_cgroup:
        h, why = None, f"disabled by {NO_CGROUP_ENV}=1"
    else:
        h, why = cgroup.detect()
    if h is None:
        notes.append(f"no cgroup per submission ({why}): memory is limited per process only, "
                     "and the number of processes is lowered to keep their total within the "
                     "host budget")
    elif not h.swap:
        notes.append(f"cgroup {h.label}: the kernel does not account swap; swappiness 0 only")
    why_sec = _seccomp_fails()
    if why_sec is not None:
        notes.append(f"user namespaces are not denied ({why_sec}): student code may create "
                     "them (kernel attack surface)")
    return Protections(root=root, bwrap=bw, netns=bw, pidns=bw, uid_drop=uid_drop, sweep=sweep,
                       tmpfs_limit=bw, cuda=gpus > 0, gpus=gpus,
                       cgroup=h.label if h is not None else "",
                       cgroup_swap=h is not None and h.swap, userns_denied=why_sec is None,
                       parent_death=True, notes=notes)


def root_refusal() -> Text:
    """Why a root grader without bubblewrap + setpriv refuses to run student code."""
    return text(
        "exécution en tant que root mais bubblewrap/setpriv sont indisponibles : refus "
        "d'exécuter le code des élèves en tant que root (installez bubblewrap, lancez le "
        f"correcteur en utilisateur ordinaire, ou mettez {UNSAFE_ROOT_ENV}=1 pour accepter le "
        "risque)",
        "running as root but bubblewrap/setpriv are unavailable: refusing to run student code "
        f"as root (install bubblewrap, run the grader as an ordinary user, or set "
        f"{UNSAFE_ROOT_ENV}=1 to accept the risk)")


def unsafe_root_refused(prot: Protections | None = None) -> bool:
    """True when a :class:`~course.grader.slot.Slot` would refuse to start (root, no privilege
    drop, the risk not accepted by :data:`UNSAFE_ROOT_ENV`)."""
    prot = prot or protections()
    return prot.root and not prot.uid_drop and os.environ.get(UNSAFE_ROOT_ENV) != "1"
