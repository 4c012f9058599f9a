"""Fixtures of the ``vrpbook check`` tests: a converged reference lab, booted per test from a
saved state, and the command run against it through its real path (the CLI, an inventory
directory, SSH to the twin on loopback).

``converged_state`` runs the reference runbook once per session on a lab with a state
directory (its ``save`` stage writes each router's saved configuration there).
``check_lab`` boots a fresh twin from a copy of that state (protocols at time scale 0:
converged at once), writes a copy of ``inventory/lab`` pointed at its ports, and offers
``check(*args)``: ``vrpbook check --inventory <copy> --history <tmp db> …`` in-process.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import netmiko
import pytest
from typer.testing import CliRunner

from vrpbook.cli import app
from vrpbook.tasks.channel import VrpChannel
from vrpbook.twin.lab import RunningLab

from ..converged import booted_from, converge, pointed_at


@pytest.fixture(scope="session")
def converged_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state directory holding every router's saved configuration after a full run."""
    state = converge(tmp_path_factory.mktemp("converged"))
    assert all((state / r / "vrpcfg.cfg").exists() for r in ("PE1", "PE2", "PE3", "CE1", "CE2"))
    return state


@dataclass
class CheckLab:
    running: RunningLab
    inventory: Path
    tmp: Path
    history: Path

    def check(self, *args: str, inventory: Path | None = None) -> Any:
        argv = ["check", "--inventory", str(inventory or self.inventory)]
        if "--no-history" not in args and "--history" not in args:
            argv += ["--history", str(self.history)]
        return CliRunner().invoke(app, [*argv, *args], env={"COLUMNS": "250"})

    def check_json(self, *args: str, **kw: Any) -> tuple[Any, dict[str, Any]]:
        out = self.tmp / f"report-{len(list(self.tmp.glob('report-*.json')))}.json"
        res = self.check("--json", str(out), *args, **kw)
        assert out.exists(), res.output
        return res, json.loads(out.read_text())

    def inventory_with(self, name: str, ports: dict[str, int]) -> Path:
        """Another copy of the inventory, some hosts on other ports."""
        return pointed_at(self.running, self.tmp / name, ports)

    @contextlib.contextmanager
    def session(self, router: str) -> Iterator[VrpChannel]:
        """An operator's SSH session on *router* (netmiko login, prompt-driven dialogue)."""
        conn = netmiko.ConnectHandler(**self.running.netmiko_params(router))
        chan = VrpChannel(conn, router)
        chan.sync()
        try:
            yield chan
        finally:
            chan.logout()
            with contextlib.suppress(Exception):
                conn.paramiko_cleanup()

    @staticmethod
    def by_key(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        """The JSON report's results by (router, check)."""
        return {(r["router"], r["check"]): r for r in doc["results"]}


@pytest.fixture
def check_lab(converged_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CheckLab]:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))  # the no-overlap lock file lives here
    with booted_from(converged_state, tmp_path) as running:
        yield CheckLab(running, pointed_at(running, tmp_path / "inventory"), tmp_path, tmp_path / "history.db")
