"""The house's layers import one way (docs/architecture.md):

    base <- reference <- generator <- planning <- {documents, grader} <- cli

Read from the source with ``ast`` (no import is run): every ``course.*`` import of a module,
at any depth (lazy imports inside functions too), must point to its own layer or one below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course"
LAYERS = ["base", "reference", "generator", "planning", "documents", "grader", "cli"]
#: what each layer may import (itself included)
ALLOWED = {
    "base": {"base"},
    "reference": {"base", "reference"},
    "generator": {"base", "reference", "generator"},
    "planning": {"base", "reference", "generator", "planning"},
    "documents": {"base", "reference", "generator", "planning", "documents"},
    "grader": {"base", "reference", "generator", "planning", "grader"},
    "cli": set(LAYERS),
}


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "course" and parts[1] in LAYERS else None


def _imports(path: Path) -> list[tuple[int, str]]:
    rel = path.relative_to(ROOT).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
    return out


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if _layer_of(".".join(p.relative_to(ROOT).parts)))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_down_the_layers(path: Path) -> None:
    layer = _layer_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert layer is not None
    bad = [f"line {n}: {mod}" for n, mod in _imports(path)
           if _layer_of(mod) is not None and _layer_of(mod) not in ALLOWED[layer]]
    assert not bad, f"{layer} imports from a layer above it: {bad}"


def test_every_module_is_in_a_layer() -> None:
    """course/ holds only the layers (and the package's __init__)."""
    stray = [p for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert not stray, stray
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")} \
        == set(LAYERS) | {"templates"}


def test_the_rule_can_fail(tmp_path: Path) -> None:
    """A reference module importing the generator is caught (the test is not vacuous)."""
    src = tmp_path / "x.py"
    src.write_text("def f():\n    from course.generator.checks import IntCheck\n")
    mods = [m for _, m in _imports_in(src)]
    assert "course.generator.checks" in mods and _layer_of("course.generator.checks") not in ALLOWED["reference"]


def _imports_in(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    return [(n.lineno, n.module or "") for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
