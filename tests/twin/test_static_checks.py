"""The twin's code stays type-checked (mypy --strict) and lint-clean (ruff).

Why a test: CI runs the README's test command only, and both checkers are
pinned in the ``test`` extra; running them here keeps a merge that breaks
the twin's types from landing silently. Configuration: pyproject.toml
([tool.mypy], [tool.ruff]).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_twin_passes_mypy_strict() -> None:
    done = _run("mypy", "--strict", "twin")
    assert done.returncode == 0, done.stdout + done.stderr


def test_twin_passes_ruff() -> None:
    done = _run("ruff", "check", "twin")
    assert done.returncode == 0, done.stdout + done.stderr
