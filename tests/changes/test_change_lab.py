"""Change files over SSH against the lab: plan, approve, run; window, approvals, drift, locks.

Each test boots a factory-fresh reference lab in-process and an inventory copy
pointing at its ports (``served``), so the commands reach it as they reach a
``vrpbook lab up`` lab. Times come from the one clock (``vrpbook.clock``): the
in-process tests move a :class:`ManualClock`; the process test writes the file
``VRPBOOK_CLOCK`` names. No test sleeps hoping something happened.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from vrpbook import clock
from vrpbook.changes import model
from vrpbook.changes.plan import plan_change, runbook_ref
from vrpbook.changes.policy import approve
from vrpbook.changes.run import run_change
from vrpbook.cli import app
from vrpbook.clock import ManualClock
from vrpbook.events import EventBus
from vrpbook.history import ChangeLog, HistoryDB
from vrpbook.intent import intent_of
from vrpbook.runbooks import events as ev
from vrpbook.runbooks.schema import load_runbook
from vrpbook.runbooks.window import Window
from vrpbook.tasks.candidate import push_lines
from vrpbook.tasks.commit_trial import labelled_commit

VRPBOOK = str(Path(sys.executable).with_name("vrpbook"))
HOSTS = ["CE1", "CE2", "PE1", "PE2", "PE3"]


def cli(*args: Any) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], terminal_width=240)


def window(start: float, end: float, at: datetime | None = None) -> str:
    now = at or datetime.now(UTC)
    return f"{(now + timedelta(seconds=start)).isoformat()}/{(now + timedelta(seconds=end)).isoformat()}"


def one_run(artifacts: Path) -> dict[str, Any]:
    (root,) = [p for p in artifacts.iterdir() if p.is_dir()]
    return json.loads((root / "report.json").read_text())


def commits(h: Any, lab: Any) -> dict[str, list[str]]:
    return h.commit_ids(lab.running)


def planned(h: Any, lab: Any, tmp: Path, win: Window, ticket: str = "CHG-10") -> tuple[Path, Any, Any, Any]:
    """A change of the reference runbook planned by alice and approved by bob, saved to a file."""
    rb = load_runbook("bfd-static-vpn")
    target = h.target_for(lab.running)
    intents = intent_of(target.inventory)
    try:
        change = plan_change(rb, intents, target, runbook=runbook_ref(rb, "bfd-static-vpn"), window=win, ticket=ticket,
                             requester="alice")
    finally:
        target.nr.close_connections()
    change = approve(change, by="bob", operator="bob", now=clock.now())
    path = tmp / "change.yaml"
    model.save(change, path)
    return path, change, rb, intents


def run_planned(h: Any, lab: Any, path: Path, tmp: Path, bus: EventBus | None = None) -> Any:
    change = model.load(path)
    rb = load_runbook("bfd-static-vpn")
    target = h.target_for(lab.running)
    try:
        return run_change(change, rb, intent_of(target.inventory), target, path=path, artifacts_dir=tmp / "artifacts",
                          bus=bus)
    finally:
        target.nr.close_connections()


def test_a_change_is_planned_approved_run_and_recorded_under_its_ticket(served, h, tmp_path, monkeypatch, private_history):
    lab = served()
    out = tmp_path / "change.yaml"
    planned_ = cli("change", "plan", "bfd-static-vpn", "-i", lab.inventory, "--window", window(-60, 3600), "--ticket", "CHG-100",
                   "-o", out, "--requester", "alice")
    assert planned_.exit_code == 0, planned_.output
    assert "PE1: changes (" in planned_.output and "needs 1 approval(s) (not by alice)" in planned_.output
    change = model.load(out)
    assert sorted(change.changed_routers()) == HOSTS and change.edited() is None
    assert "+ ospf 1" in change.routers["PE1"].diff.replace("  ", " ")
    monkeypatch.setenv("VRPBOOK_OPERATOR", "bob")
    approved = cli("change", "approve", out, "--by", "bob")
    assert approved.exit_code == 0 and "approved by bob (1 of 1 required)" in approved.output, approved.output
    before = commits(h, lab)
    ran = cli("change", "run", out, "--artifacts", tmp_path / "art")
    assert ran.exit_code == 0, ran.output
    assert "post-change proof: pass" in ran.output
    report = one_run(tmp_path / "art")
    assert report["status"] == "ok" and report["ticket"] == "CHG-100"
    assert report["lock_holder"] == "bob: change CHG-100 (bfd-static-vpn)"
    assert report["change_file"] == str(out.resolve()) and report["change_sha256"] == change.content_sha256
    assert report["window"] == str(change.window.window()) and report["proof"]["verdict"] == "pass"
    after = commits(h, lab)
    assert all(len(after[r]) > len(before[r]) for r in HOSTS)
    with HistoryDB(private_history) as db:
        (run,) = [r for r in db.runs() if r.kind == "change"]
        assert (run.ticket, run.status, run.exit_code, run.verdict, run.run_id) == ("CHG-100", "ok", 0, "pass", report["run_id"])
        log = ChangeLog(db)
        kinds = [e.kind for e in log.entries("CHG-100")]
        assert kinds[:3] == ["planned", "approved", "started"] and kinds[-2:] == ["proof", "finished"]
        assert kinds.count("stage") == 10
        snaps = log.snapshots(run.run_id)
        assert sorted({(s.router, s.phase) for s in snaps}) == sorted((r, p) for r in HOSTS for p in ("pre", "post"))
        assert all("%^%#" not in s.config and "Lab@123" not in s.config for s in snaps)
    logged = cli("change", "log", "CHG-100")
    assert logged.exit_code == 0 and "approved: approved by bob (1 of 1)" in logged.output
    # run again: the network no longer needs the approved change: drift, refused, nothing changed
    again = cli("change", "run", out, "--artifacts", tmp_path / "art2")
    assert again.exit_code == 5, again.output
    refused = one_run(tmp_path / "art2")
    assert refused["failure"]["kind"] == "drift" and set(refused["failure"]["routers"]) == set(HOSTS)
    assert "would now change nothing" in refused["failure"]["routers"]["PE1"]
    assert commits(h, lab) == after


def test_a_change_outside_its_window_is_refused(served, h, tmp_path, private_history):
    lab = served()
    start = datetime.now(UTC)
    path, change, _rb, _i = planned(h, lab, tmp_path, Window(start + timedelta(hours=1), start + timedelta(hours=2)))
    before = commits(h, lab)
    early = cli("change", "run", path, "--artifacts", tmp_path / "art")
    assert early.exit_code == 5, early.output
    assert "refused (nothing changed): outside its window: the window" in early.output and "opens in 5" in early.output
    with clock.use(ManualClock(start + timedelta(hours=3))):
        late = cli("change", "run", path, "--artifacts", tmp_path / "art")
    assert late.exit_code == 5 and "closed 1h00m" in late.output, late.output
    assert not (tmp_path / "art").exists()  # refused before anything connected or ran
    assert commits(h, lab) == before
    with HistoryDB(private_history) as db:
        refusals = [e for e in ChangeLog(db).entries("CHG-10") if e.kind == "refused"]
        assert len(refusals) == 2 and "outside its window" in refusals[0].message


def test_a_change_whose_approved_diff_no_longer_matches_is_refused_naming_the_router(served, h, tmp_path):
    lab = served()
    now = datetime.now(UTC)
    path, *_ = planned(h, lab, tmp_path, Window(now - timedelta(minutes=1), now + timedelta(hours=1)))

    def by_hand(chan: Any) -> None:  # someone changes PE2 after the approval
        chan.system_view()
        push_lines(chan, ["sysname HANDMADE"])
        labelled_commit(chan, "by-hand")
        chan.user_view()

    h.read_all(lab.running, by_hand, hosts=["PE2"])
    before = commits(h, lab)
    report, _root = run_planned(h, lab, path, tmp_path)
    assert report.exit_code == 5 and report.failure.kind == "drift"
    assert list(report.failure.routers) == ["PE2"]
    assert "would now change differently" in report.failure.routers["PE2"]
    assert "++ sysname PE2" in report.failure.routers["PE2"] or "- sysname HANDMADE" in report.failure.routers["PE2"]
    assert report.end_state == {r: "pre-run" for r in HOSTS}
    assert commits(h, lab) == before


def test_a_self_approval_is_refused_by_default(served, h, tmp_path, monkeypatch, private_history):
    lab = served()
    out = tmp_path / "change.yaml"
    monkeypatch.setenv("VRPBOOK_OPERATOR", "alice")
    assert cli("change", "plan", "bfd-static-vpn", "-i", lab.inventory, "--window", window(-60, 3600), "--ticket", "CHG-11",
               "-o", out).exit_code == 0
    text = out.read_text()
    refused = cli("change", "approve", out, "--by", "alice")
    assert refused.exit_code == 5
    assert "alice requested this change and the change's policy does not allow self-approval" in refused.output
    monkeypatch.setenv("VRPBOOK_OPERATOR", "mallory")
    assert cli("change", "approve", out, "--by", "ALICE").exit_code == 5  # the name, however written
    assert out.read_text() == text  # nothing recorded in the file
    unapproved = cli("change", "run", out)
    assert unapproved.exit_code == 5 and "1 approval(s) missing: 1 required, 0 valid (none)" in unapproved.output
    with HistoryDB(private_history) as db:
        assert [e.kind for e in ChangeLog(db).entries("CHG-11")] == ["planned", "approval-refused", "approval-refused", "refused"]


def test_a_second_run_on_a_locked_router_is_refused_check_says_changing_and_a_waiting_run_goes_on(
        served, h, tmp_path, monkeypatch):
    lab = served()
    monkeypatch.setenv("VRPBOOK_OPERATOR", "alice")
    paused, resume = threading.Event(), threading.Event()
    first_bus = EventBus()

    def hold_stage_2(e: ev.GatePolling) -> None:
        if e.index == 2 and not paused.is_set():
            paused.set()
            assert resume.wait(60)

    first_bus.subscribe(hold_stage_2, ev.GatePolling)
    results: dict[str, Any] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", h.run(lab.running, tmp_path / "a", bus=first_bus)))
    first.start()
    try:
        assert paused.wait(60), "the first run never reached stage 2"
        monkeypatch.setenv("VRPBOOK_OPERATOR", "bob")
        second = cli("run", "bfd-static-vpn", "-i", lab.inventory, "--yes", "--artifacts", tmp_path / "b")
        assert second.exit_code == 3, second.output
        assert "PE1: held by alice: run bfd-static-vpn since 20" in second.output
        refused = one_run(tmp_path / "b")
        assert refused["failure"]["kind"] == "busy" and set(refused["failure"]["routers"]) == set(HOSTS)
        checked = cli("check", "-i", lab.inventory, "--json", tmp_path / "check.json")
        results_ = json.loads((tmp_path / "check.json").read_text())["results"]
        pe1 = [r for r in results_ if r["router"] == "PE1"]
        assert pe1 and all(r["status"] == "changing" for r in pe1), checked.output
        assert any("alice: run bfd-static-vpn" in hl and "(history lock table)" in hl for hl in pe1[0]["evidence"]["holders"])
        # a third run waits for the routers instead of refusing; it goes on once the first ends
        waiting = threading.Event()
        third_bus = EventBus()
        third_bus.subscribe(lambda e: waiting.set(), ev.LockWaiting)
        third = threading.Thread(target=lambda: results.setdefault(
            "third", h.run(lab.running, tmp_path / "c", bus=third_bus, wait_lock=60)))
        third.start()
        assert waiting.wait(60), "the third run never waited"
        assert "third" not in results
    finally:
        resume.set()
        first.join(60)
    third.join(60)
    first_report, _ = results["first"]
    third_report, _ = results["third"]
    assert first_report.status == "ok" and first_report.exit_code == 0
    assert third_report.status == "ok" and third_report.exit_code == 0 and third_report.waited > 0
    assert sorted(third_report.converged_before) == HOSTS  # the first run's change was in place


def test_a_window_that_closes_mid_run_aborts_the_stage_and_restores_every_router(served, h, tmp_path, private_history):
    lab = served()
    now = datetime.now(UTC)
    with clock.use(ManualClock(now)) as mc:
        path, *_ = planned(h, lab, tmp_path, Window(now - timedelta(minutes=1), now + timedelta(hours=1)))
        pre = h.device_configs(lab.running)
        bus = EventBus()
        bus.subscribe(lambda e: mc.advance(7200) if e.index == 2 else None, ev.GatePolling)  # the window closes
        report, root = run_planned(h, lab, path, tmp_path, bus)
    assert report.exit_code == 6 and report.status == "rolled-back", report.failure
    assert report.failure.kind == "window" and report.failure.stage == "mpls-ldp"
    assert "the change window closed at" in report.failure.message and "before confirming stage mpls-ldp" in report.failure.message
    assert [s.status for s in report.stages] == ["passed", "failed"]
    assert report.stages[1].hosts["PE1"].status == "aborted"
    assert report.end_state == {r: "pre-run" for r in HOSTS}
    assert sorted(report.rollback["verified"]) == HOSTS and not report.rollback["errors"]
    assert h.device_configs(lab.running) == pre
    assert report.proof["verdict"] == "pass"  # after the rollback, nothing differs from before
    with HistoryDB(private_history) as db:
        run = [r for r in db.runs() if r.kind == "change"][-1]
        assert (run.status, run.exit_code, run.verdict) == ("rolled-back", 6, "fail")


def test_no_stage_starts_that_could_outlast_the_window(served, h, tmp_path):
    lab = served()
    now = datetime.now(UTC)
    path, *_ = planned(h, lab, tmp_path, Window(now - timedelta(minutes=1), now + timedelta(seconds=90)))
    before = commits(h, lab)
    report, _root = run_planned(h, lab, path, tmp_path)
    assert report.exit_code == 6 and report.failure.kind == "window" and report.failure.stage == "ospf"
    assert "stage ospf not started: it may take 120 s (gate deadlines plus rollback)" in report.failure.message
    assert report.end_state == {r: "pre-run" for r in HOSTS}
    assert commits(h, lab) == before


def test_a_window_closing_under_a_vrpbook_process_aborts_and_restores(served, h, tmp_path):
    """The same through the CLI, in its own process: its clock is the file ``VRPBOOK_CLOCK`` names,
    and the run stops itself at a fault point while the test moves that clock past the window."""
    lab = served()
    now = datetime.now(UTC)
    path, *_ = planned(h, lab, tmp_path, Window(now - timedelta(minutes=1), now + timedelta(hours=1)))
    pre = h.device_configs(lab.running)
    clock_file, marker = tmp_path / "clock", tmp_path / "fault"
    clock_file.write_text("+0")
    env = {**os.environ, "VRPBOOK_CLOCK": str(clock_file), "VRPBOOK_FAULT_POINT": "stage:2:gates",
           "VRPBOOK_FAULT_FILE": str(marker)}
    proc = subprocess.Popen([VRPBOOK, "change", "run", str(path), "-i", str(lab.inventory), "--artifacts", str(tmp_path / "art")],
                            env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline, "the run never reached stage 2's gates"
            time.sleep(0.02)
        clock_file.write_text("+7200")  # two hours on: the window has closed
        os.kill(proc.pid, signal.SIGCONT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 6, out
    assert "the change window closed at" in out
    report = one_run(tmp_path / "art")
    assert report["status"] == "rolled-back" and report["end_state"] == {r: "pre-run" for r in HOSTS}
    assert h.device_configs(lab.running) == pre
