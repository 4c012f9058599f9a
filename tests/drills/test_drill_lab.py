"""Drills over SSH against the twin in this process: the reference drill passes with each
expectation timed from the twin's event log; the untracked-route variant fails on the route
expectation and the link still comes back; a cable pull; Ctrl+C / SIGTERM / SIGHUP mid-drill
undo the fault; an unhealthy network gets no fault at all."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from vrpbook.cli import app
from vrpbook.clock import ManualClock
from vrpbook.drills.schema import Drill, load_drill
from vrpbook.lab import set_cable
from vrpbook.paths import PROJECT_ROOT
from vrpbook.results import Status
from vrpbook.runbooks.signals import Interruption
from vrpbook.runbooks.window import Window, WindowGuard

from .conftest import untracked, variant

pytestmark = pytest.mark.lab

G1 = "GigabitEthernet0/1/0"


def _by(report, check, router=None):
    return [r for r in report.results if r.check == check and (router is None or r.router == router)]


def _commits(running, router):
    return running.lab.call(lambda: [(p.commit_id, p.label, p.type) for p in running.lab.routers[router].history])


def test_vrpbook_drill_lab_converges_a_fresh_lab_then_passes_with_measured_times(tmp_path):
    """The Done-when: `vrpbook drill bfd-ce1-pe1 --lab` — a fresh in-process lab, converged with the
    drill's runbook, drilled; every expectation printed with its measured time; recorded."""
    art = tmp_path / "art"
    res = CliRunner().invoke(app, ["drill", "bfd-ce1-pe1", "--lab", "--artifacts", str(art)], env={"COLUMNS": "220"})
    out = res.output
    assert res.exit_code == 0, out
    assert "lab: converged by bfd-static-vpn (5 router(s) changed" in out
    assert "healthy before the fault: 28 gate result(s) pass" in out
    fault = out[out.index("after the fault"):out.index("after the restore")]
    rows = {line.split()[2]: line for line in fault.splitlines() if line.startswith("PASS ")}
    # each expectation with its measured time and budget, timed from the twin's event log
    assert " 30 ms " in rows["bfd-session-state"] and "≤ 50 ms" in rows["bfd-session-state"]
    assert "bfd-down on PE1 (pe1_to_ce1 Down (detect time 30 ms))" in out
    assert "bfd-tracked-route session=pe1_to_ce1 prefix=1.1.1.1/32 vpn_instance=VPNA" in out
    assert "route-nexthops prefix=1.1.1.1/32 vpn_instance=VPNA protocol=IBGP nexthops=3.3.3.3" in out
    assert "route-nexthops prefix=0.0.0.0/0 protocol=Static nexthops=10.2.1.2" in out
    assert "restore: trial aborted; CE1 back at its pre-drill configuration (verified)" in out
    assert "every gate of bfd-static-vpn" in out and "state equals the pre-drill snapshot" in out
    assert "drill bfd-ce1-pe1: PASSED (exit 0)" in out and "timings: the twin's event log (lab in this process)" in out
    # the record: report.json (a lab in this process, like its run, is not in the history database)
    run_dir = next(p for p in art.iterdir() if p.name.endswith(tuple("0123456789abcdef")) and "drill" in p.name)
    report = json.loads((run_dir / "report.json").read_text())
    assert report["status"] == "passed" and report["restore"]["verified"] is True
    assert report["fault"]["kind"] == "shutdown" and report["fault"]["router"] == "CE1"
    bfd = next(r for r in report["results"] if r["check"] == "bfd-session-state" and r["params"].get("state") == "Down")
    assert bfd["source"] == "drill:bfd-ce1-pe1" and bfd["evidence"]["measured_ms"] == 30.0 and bfd["evidence"]["exact"] is True
    assert any(json.loads(line)["kind"] == "bfd-down" for line in (run_dir / "events.jsonl").read_text().splitlines())


def test_detection_time_is_the_event_logs_own(drill_lab):
    """The measured time is exactly what the twin logged: BFD Down minus the commit that shut the port."""
    lab = drill_lab()
    report = lab.drill()
    assert report.status == "passed", report.failure
    events = lab.running.events()
    shut = next(e for e in events if e.kind == "config-changed" and e.router == "CE1" and e.t_ms == report.fault["t_ms"])
    down = next(e for e in events if e.kind == "bfd-down" and e.router == "PE1" and e.t_ms > shut.t_ms)
    (bfd,) = [r for r in _by(report, "bfd-session-state", "PE1") if r.params.get("state") == "Down"]
    assert bfd.evidence["measured_ms"] == round(down.t_ms - shut.t_ms, 3) == 30.0


def test_untracked_route_fails_the_route_expectation_and_the_link_still_comes_back(drill_lab, tmp_path):
    """PE1's static route without `track bfd-session`: the drill fails on the route expectation (the
    route only goes because the port does) and still restores CE1's port."""
    lab = drill_lab(variant(tmp_path, "untracked", untracked))
    before = lab.running.running_config("CE1")
    commits = _commits(lab.running, "CE1")
    report = lab.drill()
    assert (report.status, report.exit_code) == ("failed", 4)
    (route,) = _by(report, "bfd-tracked-route")
    assert route.status is Status.FAIL and "does not track BFD session pe1_to_ce1" in route.message
    assert report.failure.startswith("PE1 bfd-tracked-route: cannot pass by waiting")
    assert [r.status for r in report.results if r.evidence.get("phase") == "fault" and r.check != "bfd-tracked-route"] == [Status.PASS] * 3
    (undone,) = _by(report, "drill-fault-undone")
    assert undone.status is Status.PASS and report.restore["verified"] is True
    # independently of the record: the port is no longer shut, the configuration is the pre-drill one,
    # and the router's history shows the drill's trial and its abort
    after = lab.running.running_config("CE1")
    assert after.interfaces[G1].shutdown is False and after == before
    new = _commits(lab.running, "CE1")[: len(_commits(lab.running, "CE1")) - len(commits)]
    assert any((label or "").endswith("-fault") for _cid, label, _type in new)
    assert any(e.kind == "link-up" and e.router == "CE1" for e in lab.running.events())


def _drill(tmp_path: Path, name: str, **over: object) -> Drill:
    raw = yaml.safe_load((PROJECT_ROOT / "runbooks" / "drills" / "bfd_ce1_pe1.yaml").read_text())
    raw.update(name=name, **over)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load_drill(str(path))


def test_a_pulled_cable_is_a_fault_only_the_twin_can_make(drill_lab, tmp_path):
    lab = drill_lab()
    d = _drill(tmp_path, "cable-pe1-ce1", fault={"cable": {"router": "PE1", "interface": "GigabitEthernet0/3/0"}})
    report = lab.drill(d)
    assert report.status == "passed", report.failure
    assert report.restore["how"] == "cable at PE1 GigabitEthernet0/3/0 plugged back"
    kinds = [(e.router, e.kind) for e in lab.running.events()]
    assert ("PE1", "link-down") in kinds and ("PE1", "link-up") in kinds
    assert not any((label or "").endswith("-fault") for r in ("CE1", "PE1") for _c, label, _t in _commits(lab.running, r))


def test_a_signal_mid_drill_undoes_the_fault(drill_lab, tmp_path):
    """Ctrl+C, SIGTERM or SIGHUP while the expectations are polled: the fault is undone, verified,
    and the record (report, journal) says so."""
    lab = drill_lab()
    before = lab.running.running_config("CE1")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        name = f"never-{signum}"
        d = _drill(tmp_path, name, expect=[{"check": "route-nexthops", "hosts": ["CE1"], "deadline": 30,
                                            "params": {"prefix": "0.0.0.0/0", "nexthops": ["10.9.9.9"]}}])
        cancel = Interruption()

        def say(line: str, cancel: Interruption = cancel, signum: int = signum) -> None:
            if line.startswith("fault:"):
                cancel.request(signum)  # what the handler does when the signal arrives

        report = lab.drill(d, cancel=cancel, say=say)
        assert (report.status, report.exit_code) == ("interrupted", 128 + signum)
        assert report.restore["verified"] is True and "trial aborted" in report.restore["how"]
        assert [r.check for r in report.results] == ["drill-fault-undone"]
        assert lab.running.running_config("CE1") == before
        records = [json.loads(x) for x in (tmp_path / "journal" / f"test-{name}.jsonl").read_text().splitlines()]
        assert [r["type"] for r in records][-3:] == ["committed", "state", "end"]
        assert records[-1]["status"] == "interrupted" and records[-1]["end_state"] == {"CE1": "pre-run"}


def test_a_window_that_closes_mid_drill_undoes_the_fault(drill_lab, tmp_path):
    """The change window closes (the one controllable clock moves past its end) while the fault is
    in: the drill stops at its next poll, undoes the fault, verifies, exit 6; a window too short
    for the drill's worst case refuses it before anything is touched."""
    lab = drill_lab()
    before = lab.running.running_config("CE1")
    clock = ManualClock(datetime.now(UTC))
    window = WindowGuard(Window(clock.now() - timedelta(hours=1), clock.now() + timedelta(hours=1)), source=clock)
    d = _drill(tmp_path, "late", expect=[{"check": "route-nexthops", "hosts": ["CE1"], "deadline": 30,
                                          "params": {"prefix": "0.0.0.0/0", "nexthops": ["10.9.9.9"]}}])

    def say(line: str) -> None:
        if line.startswith("fault:"):
            clock.advance(7200)

    report = lab.drill(d, window=window, say=say)
    assert (report.status, report.exit_code) == ("window-closed", 6)
    assert "the change window closed at" in report.failure and "while the drill's fault was in" in report.failure
    assert report.restore["verified"] is True and lab.running.running_config("CE1") == before

    commits = _commits(lab.running, "CE1")
    short = WindowGuard(Window(clock.now() - timedelta(hours=1), clock.now() + timedelta(seconds=30)), source=clock)
    report = lab.drill(d, window=short)
    assert (report.status, report.exit_code) == ("window-closed", 6) and "not started" in report.failure
    assert report.fault == {} and _commits(lab.running, "CE1") == commits


def test_an_unhealthy_network_gets_no_fault(drill_lab, tmp_path):
    lab = drill_lab()
    set_cable(lab.running, "PE2", "GigabitEthernet0/3/0", False)  # CE1's second uplink is down already
    commits = _commits(lab.running, "CE1")
    report = lab.drill(_drill(tmp_path, "impatient", defaults={"deadline": 1, "interval": 0.1}))
    assert (report.status, report.exit_code) == ("refused", 4)
    assert "not healthy before the drill" in report.failure or "bfd-sessions-up" in report.failure
    assert report.fault == {} and report.results == []
    assert _commits(lab.running, "CE1") == commits


def test_a_cable_drill_needs_the_lab_in_this_process(tmp_path):
    path = tmp_path / "cable.yaml"
    raw = yaml.safe_load((PROJECT_ROOT / "runbooks" / "drills" / "bfd_ce1_pe1.yaml").read_text())
    raw.update(name="cable", fault={"cable": {"router": "PE1", "interface": "GE0/3/0"}})
    path.write_text(yaml.safe_dump(raw))
    res = CliRunner().invoke(app, ["drill", str(path), "--inventory", str(PROJECT_ROOT / "inventory" / "lab"),
                                   "--history", str(tmp_path / "history.db"), "--artifacts", str(tmp_path / "art"),
                                   "--lab-state", str(tmp_path / "none")])
    assert res.exit_code == 2, res.output
    assert "only a lab in this process can (--lab)" in res.output
