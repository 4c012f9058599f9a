"""`vrpbook drill NAME --inventory DIR` against a `vrpbook lab up` lab in its own process (the
operator's path): timings from the event log the lab writes to its state dir; the untracked
variant fails on the route expectation and the lab's CE1 port is back; a drill SIGKILLed
mid-fault leaves a journal `vrpbook recover` finishes from."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import netmiko
import pytest
import yaml
from typer.testing import CliRunner

from vrpbook.cli import app
from vrpbook.paths import PROJECT_ROOT

from ..lab_process import VRPBOOK, LabProcess, copy_inventory, ports_of, production_inventory
from .conftest import untracked

pytestmark = pytest.mark.lab


def _vrpbook(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VRPBOOK, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "COLUMNS": "220", **env})


class Lab:
    def __init__(self, tmp: Path, inventory: Path, state: Path, env: dict[str, str]) -> None:
        self.tmp, self.inventory, self.state, self.env = tmp, inventory, state, env
        self.ports = ports_of(inventory)

    def vrpbook(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _vrpbook(*args, env=self.env)

    def drill(self, *args: str, inventory: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.vrpbook("drill", *args, "--inventory", str(inventory or self.inventory), "--lab-state", str(self.state),
                            "--history", str(self.tmp / "history.db"), "--artifacts", str(self.tmp / "art"))

    def show(self, router: str, command: str) -> str:
        port = yaml.safe_load((self.inventory / "hosts.yaml").read_text())[router]["port"]
        conn = netmiko.ConnectHandler(device_type="huawei_vrpv8", host="127.0.0.1", port=port, username="vrpbook", password="Lab@123")
        try:
            return str(conn.send_command(command))
        finally:
            conn.disconnect()


@pytest.fixture(scope="module")
def lab_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One `vrpbook lab up` lab (its own process) for the module, converged by `vrpbook run`; each
    test leaves it converged with the lab's intent."""
    tmp_path = tmp_path_factory.mktemp("lab-up")
    inv = copy_inventory(tmp_path / "lab")
    env = {"VRPBOOK_JOURNAL": str(tmp_path / "journal"), "VRPBOOK_HISTORY": str(tmp_path / "history.db")}
    with LabProcess(inv, tmp_path / "state"):
        lab = Lab(tmp_path, inv, tmp_path / "state", env)
        res = lab.vrpbook("run", "bfd-static-vpn", "--inventory", str(inv), "--yes", "--artifacts", str(tmp_path / "art"))
        assert res.returncode == 0, res.stdout + res.stderr
        yield lab


def _shutdown_lines(config: str) -> list[str]:
    block = config.split("interface GigabitEthernet0/1/0\n", 1)[1].split("#", 1)[0]
    return [ln.strip() for ln in block.splitlines() if "shutdown" in ln]


def test_drill_against_lab_up_is_timed_by_the_labs_event_log(lab_up):
    """The Done-when: `vrpbook drill bfd-ce1-pe1 --inventory inventory/lab` against a converged
    `vrpbook lab up` lab: passes, each expectation with its measured time."""
    res = lab_up.drill("bfd-ce1-pe1")
    out = res.stdout
    assert res.returncode == 0, out + res.stderr
    events = lab_up.state / "events.jsonl"
    assert f"timings: the twin's event log ({events.resolve()})" in out
    fault = out[out.index("after the fault"):out.index("after the restore")]
    rows = {line.split()[2]: line for line in fault.splitlines() if line.startswith("PASS ")}
    assert set(rows) == {"bfd-session-state", "bfd-tracked-route", "route-nexthops"}
    assert " 30 ms " in rows["bfd-session-state"] and "bfd-down on PE1 (pe1_to_ce1 Down (detect time 30 ms))" in out
    assert "drill bfd-ce1-pe1: PASSED (exit 0)" in out
    # the event log is the lab's own: the fault's commit and BFD's detection, 30 ms apart
    log = [json.loads(line) for line in events.read_text().splitlines()]
    assert log[0]["type"] == "lab" and log[0]["pid"] > 0
    shut = [e for e in log if e.get("kind") == "config-changed" and e["router"] == "CE1"][-2]  # the fault (then its abort)
    down = next(e for e in log if e.get("kind") == "bfd-down" and e["router"] == "PE1" and e["t_ms"] > shut["t_ms"])
    assert round(down["t_ms"] - shut["t_ms"], 3) == 30.0
    assert _shutdown_lines(lab_up.show("CE1", "display current-configuration")) == ["undo shutdown"]
    # recorded like a run: kind drill, the one result model with its source, pre/post snapshots
    with sqlite3.connect(lab_up.tmp / "history.db") as conn:
        kind, verdict, status, code = conn.execute(
            "SELECT kind, verdict, status, exit_code FROM runs WHERE kind = 'drill' ORDER BY started_at DESC").fetchone()
        sources = {row[0] for row in conn.execute("SELECT DISTINCT source FROM transitions")}
        phases = {row[0] for row in conn.execute("SELECT DISTINCT phase FROM snapshots")}
        locks = conn.execute("SELECT count(*) FROM router_locks").fetchone()[0]
    assert (kind, verdict, status, code) == ("drill", "pass", "passed", 0)
    assert "drill:bfd-ce1-pe1" in sources and phases == {"pre", "post"} and locks == 0


def test_a_drill_killed_mid_fault_is_finished_by_recover(lab_up):
    """SIGKILL while the fault is in: CE1 stays shut in trial (it would revert by itself); the journal
    names the drill and `vrpbook recover` puts CE1 back, verified."""
    drill = lab_up.tmp / "never.yaml"
    raw = yaml.safe_load((PROJECT_ROOT / "runbooks" / "drills" / "bfd_ce1_pe1.yaml").read_text())
    raw.update(name="never", expect=[{"check": "route-nexthops", "hosts": ["CE1"], "deadline": 60,
                                      "params": {"prefix": "0.0.0.0/0", "nexthops": ["10.9.9.9"]}}])
    drill.write_text(yaml.safe_dump(raw))
    proc = subprocess.Popen([VRPBOOK, "drill", str(drill), "--inventory", str(lab_up.inventory), "--lab-state", str(lab_up.state),
                             "--history", str(lab_up.tmp / "history.db"), "--artifacts", str(lab_up.tmp / "art")],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **lab_up.env})
    journal_dir = Path(lab_up.env["VRPBOOK_JOURNAL"])
    try:
        deadline = time.monotonic() + 60
        while True:
            found = [p for p in journal_dir.glob("*-drill-never-*.jsonl") if '"committed"' in p.read_text()]
            if found:
                break
            assert proc.poll() is None and time.monotonic() < deadline, "the drill never committed its fault"
            time.sleep(0.05)
        # the drill holds every router in the lock table: a second drill is refused, naming it
        second = lab_up.drill("bfd-ce1-pe1")
        assert second.returncode == 3, second.stdout + second.stderr
        assert "held by" in second.stdout and "drill never" in second.stdout, second.stdout
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _shutdown_lines(lab_up.show("CE1", "display current-configuration")) == ["shutdown"]
    run_id = found[0].name.removesuffix(".jsonl")
    listed = lab_up.vrpbook("recover")
    assert run_id in listed.stdout
    res = lab_up.vrpbook("recover", run_id)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "CE1: pre-run" in res.stdout and "verified" in res.stdout
    assert _shutdown_lines(lab_up.show("CE1", "display current-configuration")) == ["undo shutdown"]


def _production(lab_up: Lab) -> Path:
    """``inventory/production-example`` pointed at the lab: credentials from the environment, host
    keys verified against the lab's known_hosts, the lab inventory's intent."""
    prod = lab_up.tmp / "production-example"
    if not prod.exists():
        production_inventory(prod, lab_up.ports, lab_up.state)
    return prod


def _cli(*args: str, **env: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "220", "VRPBOOK_USERNAME": "vrpbook", "VRPBOOK_PASSWORD": "Lab@123",
                                                     **env})


def test_a_production_drill_runs_only_under_its_approved_change_inside_its_window(lab_up):
    prod = _production(lab_up)
    history = str(lab_up.tmp / "history.db")
    drill = lab_up.tmp / "prod.yaml"
    raw = yaml.safe_load((PROJECT_ROOT / "runbooks" / "drills" / "bfd_ce1_pe1.yaml").read_text())
    for e in raw["expect"]:
        e["within_ms"] = 5000  # polling cannot resolve 50 ms: production budgets are what polling can show
    raw["name"] = "bfd-ce1-pe1-prod"
    drill.write_text(yaml.safe_dump(raw))
    now = datetime.now(UTC)

    def planned(name: str, start: datetime, end: datetime) -> Path:
        change = lab_up.tmp / name
        res = _cli("change", "plan", "bfd-static-vpn", "--inventory", str(prod), "--ticket", "CHG-DRILL", "-o", str(change),
                   "--window", f"{start.isoformat()}/{end.isoformat()}", "--history", history, VRPBOOK_OPERATOR="alice")
        assert res.exit_code == 0, res.output
        res = _cli("change", "approve", str(change), "--by", "bob", "--history", history, VRPBOOK_OPERATOR="bob")
        assert res.exit_code == 0, res.output
        return change

    commits = lab_up.show("CE1", "display configuration commit list verbose")
    later = planned("later.yaml", now + timedelta(hours=1), now + timedelta(hours=2))
    res = _cli("drill", str(drill), "--inventory", str(prod), "--change", str(later), "--production", "--history", history,
               "--artifacts", str(lab_up.tmp / "art"))
    assert res.exit_code == 5, res.output
    assert "ticket CHG-DRILL: refused (nothing changed): outside its window" in res.output
    assert lab_up.show("CE1", "display configuration commit list verbose") == commits

    open_now = planned("now.yaml", now - timedelta(minutes=5), now + timedelta(hours=2))
    res = _cli("drill", str(drill), "--inventory", str(prod), "--change", str(open_now), "--production", "--history", history,
               "--artifacts", str(lab_up.tmp / "art"))
    out = res.output
    assert res.exit_code == 0, out
    assert "timings: timestamped polling (each time is an interval: its width, the resolution, is stated)" in out
    fault = out[out.index("after the fault"):out.index("after the restore")]
    assert all(re.search(r" \d+(\.\d+)?–\d+(\.\d+)? ms ", line) for line in fault.splitlines() if line.startswith("PASS "))
    assert "CHG-DRILL" in lab_up.show("CE1", "display configuration commit list verbose")  # the fault's description
    with sqlite3.connect(history) as conn:
        row = conn.execute("SELECT ticket, status FROM runs WHERE kind = 'drill' AND ticket = 'CHG-DRILL'").fetchone()
        kinds = [r[0] for r in conn.execute("SELECT kind FROM change_log WHERE ticket = 'CHG-DRILL' ORDER BY entry_id")]
    assert row == ("CHG-DRILL", "passed")
    # the refused attempt under the later window, then the open change: planned, approved, run
    assert kinds == ["planned", "approved", "refused", "planned", "approved", "started", "finished"], kinds


def test_untracked_variant_fails_on_the_route_and_the_port_comes_back(lab_up):
    variant = copy_inventory(lab_up.tmp / "untracked", lab_up.ports, edit=untracked)
    res = lab_up.vrpbook("run", "bfd-static-vpn", "--inventory", str(variant), "--yes", "--artifacts", str(lab_up.tmp / "art"))
    assert res.returncode == 0, res.stdout + res.stderr  # the lab now has PE1's route without tracking
    try:
        _untracked_drill(lab_up, variant)
    finally:  # back to the lab's intent for whoever comes next
        lab_up.vrpbook("run", "bfd-static-vpn", "--inventory", str(lab_up.inventory), "--yes", "--artifacts", str(lab_up.tmp / "art"))


def _untracked_drill(lab_up: Lab, variant: Path) -> None:
    commits_before = lab_up.show("CE1", "display configuration commit list verbose")
    res = lab_up.drill("bfd-ce1-pe1", inventory=variant)
    out = res.stdout
    assert res.returncode == 4, out + res.stderr
    assert "drill bfd-ce1-pe1: FAILED (exit 4)" in out
    assert "PE1 bfd-tracked-route: cannot pass by waiting" in out and "does not track BFD session pe1_to_ce1" in out
    assert "restore: trial aborted; CE1 back at its pre-drill configuration (verified)" in out
    # the lab, read independently: CE1's port is up again, and its history holds the drill's trial
    assert _shutdown_lines(lab_up.show("CE1", "display current-configuration")) == ["undo shutdown"]
    assert re.search(r"^GigabitEthernet0/1/0\s+up\s+up", lab_up.show("CE1", "display interface brief"), re.M)
    commits_after = lab_up.show("CE1", "display configuration commit list verbose")
    assert commits_after != commits_before and "-fault" in commits_after
