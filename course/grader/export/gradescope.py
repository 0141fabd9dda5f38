"""Gradescope: an autograder zip ("Configure Autograder" > "Zip file upload") that grades each
submission with this project's grader, in its sandbox, inside Gradescope's container.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once (as root) when it
builds the image, then ``/autograder/run_autograder`` for each submission, with the files the
student uploaded in ``/autograder/submission`` and who they are in
``/autograder/submission_metadata.json``; the score and the feedback go to
``/autograder/results/results.json`` (Gradescope's format, the shape ``results/<student>.json``
already has: :func:`course.grader.feedback.results_json`).

The zip holds:

- ``setup.sh``: bubblewrap (the sandbox), a Python >= 3.11, a virtual environment with this
  project's dependencies pinned to the versions installed here (``requirements.txt``) and, for
  a PyTorch assignment, the CPU build of the same torch (``requirements-torch.txt``);
- ``run_autograder``: runs :mod:`course.grader.export.autograder` (``AUTOGRADER_ROOT``,
  default ``/autograder``, and ``AUTOGRADER_PYTHON``, default the virtual environment's
  python, make it testable outside Gradescope);
- ``lib/course/``: this project's package, as it is here;
- ``course/``: course.yml, its exercises and questions folders, the roster and
  ``.course-secret`` (the seed of every variant and the key that signs records: the zip is as
  private as the secret; Gradescope keeps an autograder zip to the course's staff);
- ``requirements-student.txt``: when course.yml names the students' environment
  (``grading.python``), what it holds, pinned (torch as its CPU build): setup.sh builds it as
  ``/autograder/venv-student``, and student code runs there;
- ``autograder.json``: the assignment, the language and the limits of ``course grade``, and
  the students' interpreter when there is one.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from course.base.errors import CourseError
from course.base.files import atomic_write
from course.base.i18n import text
from course.planning.secret import SECRET_NAME

from ..gradebook import Gradebook
from ..limits import Limits
from .common import Exported, Options, say, says

CONFIG_NAME = "autograder.json"
CONFIG_VERSION = 1
#: where setup.sh builds the students' environment, under the autograder's root
STUDENTS_PYTHON = "venv-student/bin/python"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
#: the project's dependencies when its distribution metadata cannot be read (a bare checkout)
DEPENDENCIES = ["numpy", "pyyaml", "pydantic", "typer", "rich", "jinja2", "sympy", "nbformat"]

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SRC=/autograder/source
apt-get update
# bubblewrap: the sandbox student code runs in; util-linux: setpriv (an unprivileged uid)
apt-get install -y --no-install-recommends bubblewrap util-linux ca-certificates \\
    python3 python3-venv python3-pip
PY=""
for c in python3.11 python3.12 python3.13 python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    PY=$(command -v "$c"); break
  fi
done
if [ -z "$PY" ]; then  # Ubuntu 22.04: Python 3.10 only
  apt-get install -y --no-install-recommends software-properties-common gpg-agent
  add-apt-repository -y ppa:deadsnakes/ppa
  apt-get update
  apt-get install -y --no-install-recommends python3.11 python3.11-venv
  PY=$(command -v python3.11)
fi
"$PY" -m venv /autograder/venv || {
  apt-get install -y --no-install-recommends "$(basename "$PY")-venv"; "$PY" -m venv /autograder/venv; }
/autograder/venv/bin/python -m pip install --upgrade pip
/autograder/venv/bin/python -m pip install -r "$SRC/requirements.txt"
if [ -s "$SRC/requirements-torch.txt" ]; then
  /autograder/venv/bin/python -m pip install --extra-index-url {torch_index} \\
      -r "$SRC/requirements-torch.txt"
fi
/autograder/venv/bin/python -c 'import numpy, yaml, pydantic'
# the students' environment (course.yml grading.python), at the versions it holds where the
# zip was made: student code runs there
if [ -s "$SRC/requirements-student.txt" ]; then
  "$PY" -m venv /autograder/venv-student
  /autograder/venv-student/bin/python -m pip install --upgrade pip
  /autograder/venv-student/bin/python -m pip install --extra-index-url {torch_index} \\
      -r "$SRC/requirements-student.txt"
  /autograder/venv-student/bin/python -c 'import numpy'
fi
# the course folder (roster, .course-secret) is root's alone; student code never sees it
chmod -R go-rwx "$SRC/course"
chmod +x "$SRC/run_autograder"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, in /autograder.
# AUTOGRADER_ROOT and AUTOGRADER_PYTHON let it run elsewhere (tests, a trial on a machine).
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
export AUTOGRADER_ROOT="$ROOT"
export PYTHONPATH="$ROOT/source/lib"
exec "$PY" -m course.grader.export.autograder
"""

T = {
    "outside": {"fr": "{what} ({path}) est hors du dossier du cours : le zip ne peut pas le "
                      "reprendre (placez-le sous {root})",
                "en": "{what} ({path}) is outside the course folder: the zip cannot carry it "
                      "(move it under {root})"},
    "secret": {"fr": "{zip} contient .course-secret (la graine de toutes les variantes) : ne le "
                     "déposez que dans la configuration de l'autocorrecteur Gradescope",
               "en": "{zip} holds .course-secret (the seed of every variant): upload it to the "
                     "Gradescope autograder configuration only, nowhere else"},
    "late": {"fr": "la politique de retard de course.yml s'applique à l'heure de remise "
                   "Gradescope : désactivez celle de Gradescope pour ne pas pénaliser deux fois",
             "en": "course.yml's late policy applies to Gradescope's submission time: turn "
                   "Gradescope's own late penalty off, or lateness costs twice"},
}


def _name(req: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", req.strip(), maxsplit=1)[0]


def pinned_requirements(torch: bool) -> tuple[list[str], list[str]]:
    """``(requirements, torch requirements)``: this project's dependencies and theirs, each
    pinned to the version installed here (markers evaluated for this interpreter); with
    ``torch``, the CPU build of the installed torch (its CUDA libraries left out)."""
    from importlib import metadata

    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    try:
        roots = [r for r in metadata.requires("course-toolkit") or [] if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        roots = list(DEPENDENCIES)
    env = default_environment()
    pins: dict[str, str] = {}
    torch_pin: list[str] = []
    todo = [*roots, *(["torch"] if torch else [])]
    while todo:
        req = Requirement(todo.pop())
        key = canonicalize_name(req.name)
        if key in pins or key.startswith("nvidia-") or key == "triton":
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            if key == "torch":
                raise CourseError(text("ce devoir utilise PyTorch et torch n'est pas installé ici : pip install -e '.[torch]' (le zip fixe la version installée)", "this assignment uses PyTorch and torch is not installed here: "
                                  "pip install -e '.[torch]' (the zip pins the version "
                                  "installed)")) from None
            continue
        version = dist.version
        if key == "torch":
            torch_pin = [f"torch=={version.split('+')[0]}+cpu"]
            pins[key] = ""
        else:
            pins[key] = f"{dist.metadata['Name']}=={version}"
        for sub in dist.requires or []:
            r = Requirement(sub)
            if r.marker is None or any(r.marker.evaluate({**env, "extra": e})
                                       for e in ("", *req.extras)):
                todo.append(sub)
    return sorted(p for p in pins.values() if p), torch_pin


#: lists the distributions of an interpreter's environment, as ``name==version`` lines
_FREEZE = ("import importlib.metadata as m\n"
           "for d in m.distributions():\n"
           "    n = d.metadata['Name']\n"
           "    if n:\n"
           "        print(f'{n}=={d.version}')\n")
#: what a fresh venv brings, or only the CUDA build of torch needs
_NOT_PINNED = ("pip", "setuptools", "wheel", "triton")


def students_requirements(python: str) -> list[str]:
    """The students' environment at ``python`` (course.yml ``grading.python``) as pinned
    requirements: every distribution it holds at its version, torch as its CPU build (from
    the PyTorch index), its CUDA libraries, pip and setuptools left out."""
    from packaging.utils import canonicalize_name

    from ..interpreter import describe, run_isolated

    describe(python)  # a missing or broken interpreter: its one-line error
    r = run_isolated(python, _FREEZE)
    pins: dict[str, str] = {}
    for line in r.stdout.splitlines():
        name, _, version = line.partition("==")
        key = canonicalize_name(name)
        if not version or key in _NOT_PINNED or key.startswith("nvidia-"):
            continue
        pins[key] = f"torch=={version.split('+')[0]}+cpu" if key == "torch" else f"{name}=={version}"
    return sorted(pins.values(), key=str.lower)


def _inside(root: Path, path: Path, what: str, lang: str) -> Path:
    try:
        return path.resolve().relative_to(root.resolve())
    except ValueError:
        raise CourseError(says(T["outside"], what=what, path=path, root=root)) from None


def _add(z: zipfile.ZipFile, name: str, data: bytes | str, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100000 | mode) << 16
    z.writestr(info, data)


def _add_tree(z: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for f in sorted(filenames):
            p = Path(dirpath) / f
            if f.endswith((".pyc", ".pyo")) or f.startswith(".") or p.is_symlink():
                continue
            _add(z, f"{prefix}/{p.relative_to(folder).as_posix()}", p.read_bytes())


def build_zip(course: Any, assignment: str, lang: str) -> bytes:
    """The autograder zip of ``assignment`` (module docstring)."""
    import course as package

    from ..original import assignment_uses_torch

    root = course.root
    reqs, torch_reqs = pinned_requirements(assignment_uses_torch(course, assignment))
    student_reqs = students_requirements(course.students_python) if course.students_python else []
    config = {"version": CONFIG_VERSION, "assignment": assignment, "lang": lang,
              "course": "course/" + _inside(root, course.path, "course.yml", lang).as_posix(),
              "limits": asdict(Limits())}
    if student_reqs:  # relative to the autograder's root (/autograder)
        config["students_python"] = STUDENTS_PYTHON
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        _add(z, "setup.sh", SETUP_SH.replace("{torch_index}", TORCH_INDEX), 0o755)
        _add(z, "run_autograder", RUN_AUTOGRADER, 0o755)
        _add(z, "requirements.txt", "".join(f"{r}\n" for r in reqs))
        _add(z, "requirements-torch.txt", "".join(f"{r}\n" for r in torch_reqs))
        _add(z, "requirements-student.txt", "".join(f"{r}\n" for r in student_reqs))
        _add(z, CONFIG_NAME, json.dumps(config, indent=1) + "\n")
        _add_tree(z, Path(package.__file__).parent, "lib/course")
        _add(z, f"course/{_inside(root, course.path, 'course.yml', lang).as_posix()}",
             course.path.read_bytes(), 0o600)
        roster = root / course.data.roster
        _add(z, f"course/{_inside(root, roster, 'roster', lang).as_posix()}",
             roster.read_bytes(), 0o600)
        for what in ("exercises", "questions"):
            folder = root / getattr(course.data, what)
            if folder.is_dir():
                _add_tree(z, folder, f"course/{_inside(root, folder, what, lang).as_posix()}")
        secret = root / SECRET_NAME
        if secret.is_file():
            _add(z, f"course/{SECRET_NAME}", secret.read_bytes(), 0o600)
    return buf.getvalue()


def export(course: Any, gb: Gradebook, intake: dict[str, Any], out: Path, lang: str,
           options: Options | None = None) -> Exported:
    """autograder zip

    ``<assignment>-gradescope-autograder.zip`` (Configure Autograder > Zip file upload): the
    grader itself, which grades each submission as ``course grade`` does."""
    res = Exported()
    path = out / f"{gb.assignment}-gradescope-autograder.zip"
    atomic_write(path, build_zip(course, gb.assignment, lang))
    res.files.append(path)
    if (course.root / SECRET_NAME).is_file():
        res.warnings.append(say(T["secret"], lang, zip=path.name))
    a = course.data.assignments[gb.assignment]
    if a.due is not None and a.late != "none":
        res.warnings.append(say(T["late"], lang))
    return res
