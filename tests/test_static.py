"""The source tree is navigable by standard tools without an install (docs/architecture.md):
pyright (basedpyright, a dev dependency that brings Node as a wheel) resolves every import, and
jedi finds definitions across the layers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _pyright() -> str:
    exe = shutil.which("basedpyright") or str(Path(sys.executable).parent / "basedpyright")
    if not Path(exe).exists():
        pytest.fail("basedpyright is missing: install the dev extra (scripts/setup does)")
    return exe


def test_pyright_resolves_every_import() -> None:
    r = subprocess.run([_pyright(), "--outputjson", "--pythonpath", sys.executable], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    report = json.loads(r.stdout)
    missing = [f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}"
               for d in report["generalDiagnostics"]
               if d.get("rule") in ("reportMissingImports", "reportMissingModuleSource")]
    assert report["summary"]["filesAnalyzed"] > 150
    assert not missing, "\n".join(missing)


def test_jedi_finds_definitions_across_layers() -> None:
    import jedi

    project = jedi.Project(str(ROOT))
    src = ("from course.reference.conv import conv2d_forward\n"
           "from course.generator.checks import FloatCheck\n"
           "conv2d_forward\nFloatCheck\n")
    script = jedi.Script(src, path=str(ROOT / "tests" / "probe.py"), project=project)
    conv = script.goto(3, 2, follow_imports=True)
    check = script.goto(4, 2, follow_imports=True)
    assert conv and Path(conv[0].module_path) == ROOT / "course" / "reference" / "conv.py"
    assert check and Path(check[0].module_path) == ROOT / "course" / "generator" / "checks" / "number.py"
