"""Fixtures of the backup and rehearsal tests: a converged reference lab (booted per test from a
saved state, protocols instant) and a copy of ``inventory/lab`` pointed at its ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from vrpbook.twin.lab import RunningLab

from ..converged import booted_from, converge, pointed_at


@pytest.fixture(scope="session")
def converged_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every router's saved configuration after a full run of the reference runbook."""
    return converge(tmp_path_factory.mktemp("rehearsal-converged"), in_process=True)


@dataclass
class Converged:
    running: RunningLab
    inventory: Path
    tmp: Path


@pytest.fixture
def converged(converged_state: Path, tmp_path: Path) -> Iterator[Converged]:
    with booted_from(converged_state, tmp_path) as running:
        yield Converged(running, pointed_at(running, tmp_path / "inventory"), tmp_path)
