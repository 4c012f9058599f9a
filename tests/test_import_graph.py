"""Layering, read from the source: the product imports the twin only at the one seam
(vrpbook/lab.py), and the twin imports nothing of the product but the shared VRP facts."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from vrpbook.paths import PROJECT_ROOT

SEAM = "vrpbook.lab"


def _modules() -> dict[str, Path]:
    """Every module of the installed namespace, by dotted name (from pyproject's package-dir)."""
    cfg = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    out: dict[str, Path] = {}
    for package, folder in cfg["package-dir"].items():
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            rel = path.relative_to(PROJECT_ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([package, *parts])
            # a nested folder mapped to its own package (none today) would be listed once
            out.setdefault(name, path)
    return out


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def test_every_package_folder_is_read():
    names = _modules()
    assert {"vrpbook.cli", "vrpbook.lab", "vrpbook.tasks.connection", "vrpbook.checks.api",
            "vrpbook.runbooks.engine", "vrpbook.parsers.api", "vrpbook.twin.lab"} <= set(names)


def test_only_the_seam_imports_the_twin():
    offenders = {
        name: sorted(i for i in _imports(name, path) if i == "vrpbook.twin" or i.startswith("vrpbook.twin."))
        for name, path in _modules().items()
        if not name.startswith("vrpbook.twin") and name != SEAM
    }
    assert {n: i for n, i in offenders.items() if i} == {}
    assert any(i.startswith("vrpbook.twin") for i in _imports(SEAM, _modules()[SEAM]))


def test_the_twin_imports_only_the_shared_vrp_facts_from_the_product():
    allowed = ("vrpbook.twin", "vrpbook.vrp")
    offenders = {
        name: sorted(i for i in _imports(name, path) if i.startswith("vrpbook") and not i.startswith(allowed))
        for name, path in _modules().items()
        if name.startswith("vrpbook.twin")
    }
    assert {n: i for n, i in offenders.items() if i} == {}


def test_intended_reads_only_the_intent_and_the_shared_vrp_facts():
    """vrpbook.intended is read-only and shared by the runbook engine and the compliance
    check: it depends on neither, nor on a connection (it reads configuration text with
    the parsers)."""
    allowed = ("vrpbook.intended", "vrpbook.intent", "vrpbook.vrp", "vrpbook.errors", "vrpbook.parsers")
    offenders = {
        name: sorted(i for i in _imports(name, path) if i.startswith("vrpbook") and not i.startswith(allowed))
        for name, path in _modules().items()
        if name.startswith("vrpbook.intended")
    }
    assert {n: i for n, i in offenders.items() if i} == {}
    assert "vrpbook.intended.compare" in _modules()
