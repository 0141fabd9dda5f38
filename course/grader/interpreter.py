"""The Python that runs student code in the sandbox.

By default the grader's own interpreter, with its packages. A course may name the students'
environment instead (course.yml ``grading: {python: .venv-student/bin/python}``, built from
requirements-student.txt): student code then runs with the packages and versions the students
had, and none of the grader's (pandas, Dask, otter-grader...) is importable in the sandbox.

:func:`describe` runs the interpreter once (outside the sandbox, in isolated mode) and reads
where its environment lives, what the sandbox must bind to run it (:mod:`.bwrap`); the path is
kept as given (a venv's ``bin/python`` is a link whose location selects the venv: never
resolved here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

from course.base.errors import CourseError
from course.base.i18n import Text, text

#: what the probe prints: the environment's prefixes, its version, numpy's (None: missing)
_PROBE = ("import json, sys\n"
          "try:\n    import numpy\n    np = numpy.__version__\nexcept Exception:\n    np = None\n"
          "print(json.dumps({'prefix': sys.prefix, 'base_prefix': sys.base_prefix,"
          " 'executable': sys.executable, 'version': list(sys.version_info[:3]), 'numpy': np}))\n")
MIN_VERSION = (3, 11)


@dataclass(frozen=True)
class Interpreter:
    """``path``: the command as given; ``prefix``/``base_prefix``: its ``sys.prefix`` and
    ``sys.base_prefix`` (a venv and the Python it was made from); ``executable``: its
    ``sys.executable``; ``version``: (major, minor, micro); ``numpy``: numpy's version."""

    path: str
    prefix: str
    base_prefix: str
    executable: str
    version: tuple[int, int, int]
    numpy: str

    def label(self) -> str:
        return f"{self.path} (Python {'.'.join(map(str, self.version))}, numpy {self.numpy})"


def own() -> Interpreter:
    """The grader's own interpreter (no probe: this process is it)."""
    import numpy

    v = sys.version_info
    return Interpreter(sys.executable, sys.prefix, sys.base_prefix, sys.executable,
                       (v.major, v.minor, v.micro), numpy.__version__)


def run_isolated(path: str, code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run by the interpreter at ``path`` outside the sandbox, in isolated mode (no
    user site, no PYTHON* variables), from /, with a bare environment; its output as text.
    ``OSError`` or ``subprocess.TimeoutExpired`` (60 s) when it cannot run."""
    return subprocess.run([path, "-I", "-c", code], capture_output=True, text=True, timeout=60,
                          cwd="/", env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})


def _problem(path: str, fr: str, en: str) -> CourseError:
    return CourseError(text(f"grading.python ({path}) : {fr}", f"grading.python ({path}): {en}"))


@cache
def describe(path: str) -> Interpreter:
    """The interpreter at ``path`` (absolute), probed once per process; a :class:`CourseError`
    naming it when it is missing, does not run, is older than Python 3.11 or has no numpy."""
    if not path:
        return own()
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise _problem(path, "introuvable ou non exécutable (créez l'environnement des élèves, "
                       "p. ex. python3 -m venv .venv-student && .venv-student/bin/pip install "
                       "-r requirements-student.txt)",
                       "not found or not executable (make the students' environment, e.g. "
                       "python3 -m venv .venv-student && .venv-student/bin/pip install -r "
                       "requirements-student.txt)")
    try:
        r = run_isolated(path, _PROBE)
        info = json.loads(r.stdout.strip().splitlines()[-1])
        version = tuple(int(x) for x in info["version"])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError, KeyError, TypeError) as exc:
        raise _problem(path, f"ne s'exécute pas ({type(exc).__name__})",
                       f"does not run ({type(exc).__name__})") from None
    if version[:2] < MIN_VERSION:
        raise _problem(path, f"Python {'.'.join(map(str, version))} : il faut 3.11 ou plus",
                       f"Python {'.'.join(map(str, version))}: 3.11 or later is needed")
    if not info.get("numpy"):
        raise _problem(path, "numpy n'y est pas installé (requirements-student.txt)",
                       "numpy is not installed there (requirements-student.txt)")
    return Interpreter(path, info["prefix"], info["base_prefix"], info["executable"],
                       (version[0], version[1], version[2]), str(info["numpy"]))


def row(python: str) -> tuple[Text, bool, Text]:
    """The protections table's line about the interpreter: (name, students' own?, what)."""
    if not python:
        return (text("environment", "environment"), False,
                text("le Python du correcteur et ses paquets (grading.python de course.yml nomme "
                     "l'environnement des élèves)",
                     "the grader's own Python and its packages (course.yml's grading.python names "
                     "the students' environment)"))
    return (text("environment", "environment"), True,
            text(f"l'environnement des élèves : {describe(python).label()}",
                 f"the students' environment: {describe(python).label()}"))
