"""Fixtures of the backup and rehearsal tests: a converged reference lab (booted per test from a
saved state, protocols instant) and a copy of ``inventory/lab`` pointed at its ports."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from vrpbook.intent import intent_of
from vrpbook.inventory import Credentials, connect, load_inventory
from vrpbook.lab import boot_lab
from vrpbook.paths import PROJECT_ROOT
from vrpbook.runbooks.runner import Target, run_with_target
from vrpbook.runbooks.schema import load_runbook
from vrpbook.twin.lab import RunningLab

LAB_INVENTORY = PROJECT_ROOT / "inventory" / "lab"


@pytest.fixture(scope="session")
def converged_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every router's saved configuration after a full run of the reference runbook."""
    root = tmp_path_factory.mktemp("rehearsal-converged")
    state = root / "state"
    lab = boot_lab(LAB_INVENTORY, state_dir=state, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        inv = load_inventory(LAB_INVENTORY)
        user, password = running.credentials
        nr = connect(inv, credentials=Credentials(user, password), addresses=dict(running.hosts),
                     known_hosts=Path(running.known_hosts_path))
        try:
            report, _ = run_with_target(load_runbook("bfd-static-vpn"), intent_of(inv), Target(nr, inv, inv.secrets, in_process=True),
                                        artifacts_dir=root / "artifacts")
        finally:
            nr.close_connections()
        assert report.exit_code == 0
    return state


@dataclass
class Converged:
    running: RunningLab
    inventory: Path
    tmp: Path


def pointed_at(running: RunningLab, dest: Path, ports: dict[str, int] | None = None) -> Path:
    """A copy of ``inventory/lab`` whose hosts point at *running*'s ports (or *ports*)."""
    shutil.copytree(LAB_INVENTORY, dest)
    hosts = yaml.safe_load((dest / "hosts.yaml").read_text())
    for name in hosts:
        hosts[name]["port"] = (ports or {}).get(name, running.address(name)[1])
    (dest / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return dest


@pytest.fixture
def converged(converged_state: Path, tmp_path: Path) -> Iterator[Converged]:
    state = tmp_path / "state"
    shutil.copytree(converged_state, state)
    lab = boot_lab(LAB_INVENTORY, state_dir=state, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        yield Converged(running, pointed_at(running, tmp_path / "inventory"), tmp_path)
