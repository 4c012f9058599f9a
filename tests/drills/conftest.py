"""Fixtures of the drill tests: a lab converged by the drill's runbook, the drill engine pointed at
it (in this process, so the test can look at the routers afterwards), inventory variants."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from vrpbook.drills.engine import DrillRun, DrillTarget
from vrpbook.drills.report import DrillReport
from vrpbook.drills.schema import Drill, load_drill
from vrpbook.intent import intent_of
from vrpbook.inventory import Credentials, connect, load_inventory
from vrpbook.lab import boot_lab, lab_events, set_cable
from vrpbook.paths import PROJECT_ROOT
from vrpbook.runbooks.runner import Target, run_with_target
from vrpbook.runbooks.schema import load_runbook
from vrpbook.twin.lab import RunningLab

LAB_INVENTORY = PROJECT_ROOT / "inventory" / "lab"


def variant(tmp: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of ``inventory/lab`` whose hosts.yaml *edit* changes."""
    inv = tmp / name
    shutil.copytree(LAB_INVENTORY, inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    edit(hosts)
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return inv


def untracked(hosts: dict[str, Any]) -> None:
    """PE1's static route to CE1 without ``track bfd-session`` (the inventory variant of the issue)."""
    for route in hosts["PE1"]["data"]["static_routes"]:
        route.pop("track_bfd_session", None)


def connected(running: RunningLab, inventory: Path) -> Target:
    inv = load_inventory(inventory)
    user, password = running.credentials
    nr = connect(inv, credentials=Credentials(user, password), addresses=dict(running.hosts),
                 known_hosts=Path(running.known_hosts_path))
    return Target(nr, inv, inv.secrets, in_process=True)  # a lab in this process: no lock table, no history


class DrillLab:
    """A lab converged by the drill's runbook, and ``drill(...)``: the engine run against it."""

    def __init__(self, running: RunningLab, inventory: Path, tmp: Path) -> None:
        self.running, self.inventory, self.tmp = running, inventory, tmp

    def drill(self, drill: Drill | str = "bfd-ce1-pe1", **kw: Any) -> DrillReport:
        d = load_drill(drill) if isinstance(drill, str) else drill
        target = connected(self.running, self.inventory)
        running = self.running
        dt = DrillTarget(target.nr, target.inventory, "lab", events=lambda: lab_events(running), events_source="the lab's event log",
                         cable=lambda r, i, plugged: set_cable(running, r, i, plugged), in_process=True)
        try:
            return DrillRun(d, load_runbook(d.runbook), intent_of(target.inventory), dt, run_id=f"test-{d.name}",
                            journal_dir=self.tmp / "journal", **kw).run()
        finally:
            target.nr.close_connections()


@pytest.fixture
def drill_lab(tmp_path: Path) -> Iterator[Callable[..., DrillLab]]:
    """``drill_lab(inventory=..., time_scale=...)``: a fresh lab (protocols instant by default; BFD's
    detection time is never scaled), converged by ``bfd-static-vpn`` with that inventory's intent."""
    labs: list[Any] = []

    def start(inventory: Path = LAB_INVENTORY, time_scale: float = 0.0) -> DrillLab:
        lab = boot_lab(inventory, time_scale=time_scale)
        serving = lab.running(ephemeral_ports=True)
        running = serving.__enter__()
        labs.append(serving)
        target = connected(running, inventory)
        try:
            report, _ = run_with_target(load_runbook("bfd-static-vpn"), intent_of(target.inventory), target,
                                        artifacts_dir=tmp_path / "converge")
        finally:
            target.nr.close_connections()
        assert report.exit_code == 0, report.failure
        return DrillLab(running, inventory, tmp_path)

    yield start
    for serving in labs:
        serving.__exit__(None, None, None)
