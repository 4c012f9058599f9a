"""reporters/ and history/ build on the result model only: no engine, tasks, parsers or twin."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = ("vrpbook.results", "vrpbook.events", "vrpbook.reporters", "vrpbook.history")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_only_the_result_model_is_imported_from_vrpbook():
    for folder in ("reporters", "history"):
        for path in (ROOT / folder).glob("*.py"):
            ours = {n for n in _imports(path) if n == "vrpbook" or n.startswith("vrpbook.")}
            bad = {n for n in ours if n != "vrpbook" and not n.startswith(ALLOWED)}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
