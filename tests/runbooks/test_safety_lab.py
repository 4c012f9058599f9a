"""Production-safety behaviour against the in-process twin over real SSH: lost sessions seen at
once and revived, preflight seeing pending trials and locks (and waiting), interruptions undone
at safe points, save of every unsaved router, plan notes, the record's header."""

from __future__ import annotations

import json
import signal

import netmiko
import pytest

from vrpbook.errors import SessionLost
from vrpbook.events import EventBus
from vrpbook.intent import intent_of, load_intent
from vrpbook.runbooks import events as ev
from vrpbook.runbooks.preflight import prepare
from vrpbook.runbooks.render import render_commands
from vrpbook.runbooks.runner import plan_with_target, run_with_target
from vrpbook.runbooks.schema import load_runbook
from vrpbook.runbooks.signals import Interruption
from vrpbook.tasks import commit_trial, push_config
from vrpbook.tasks.channel import VrpChannel
from vrpbook.tasks.device_state import read_lock_holder

pytestmark = pytest.mark.lab

HOSTS = ["PE1", "CE1", "PE2", "PE3", "CE2"]


class OtherSession:
    """Someone else's CLI session on one router (a second operator)."""

    def __init__(self, running, host: str) -> None:
        self.conn = netmiko.ConnectHandler(**running.netmiko_params(host))
        self.chan = VrpChannel(self.conn, host)
        self.chan.sync()

    def close(self) -> None:
        self.conn.write_channel("quit\n")
        self.conn.remote_conn.close()
        self.conn.remote_conn_pre.close()


# --- sessions: lost at once, revived -----------------------------------------------------------


def test_a_dropped_session_is_seen_at_once_and_recovery_steps_revive_it(h, lab):
    target = h.target_for(lab)
    try:
        from vrpbook.tasks.lock import take_lock

        chan = target.nr.inventory.hosts["PE1"].get_connection("vrp8", target.nr.config)
        chan.host, chan.timeout = "PE1", 60  # a timeout would take a minute: the loss must not wait for it
        take_lock(chan)
        assert lab.drop_sessions("PE1") == 1  # the router cuts the line
        with pytest.raises(SessionLost, match=r"PE1: session (already closed|closed by the router|lost)"):
            chan.send("display version")
        # A read that is waiting for an answer notices the close too (no write needed).
        chan.revive()
        lab.drop_sessions("PE1")
        with pytest.raises(SessionLost):
            chan._read_to_prompt(60, "(waiting)")
        assert chan.revive() and chan.sessions == 3
        holder = read_lock_holder(chan)  # the revived session took the lock back
        assert holder is not None and chan.locked
        assert "--- session lost; new session #3 ---" in chan.transcript
    finally:
        target.nr.close_connections()


# --- preflight sees the router as it is ----------------------------------------------------------------


def _trial_in_other_session(running, host: str, seconds: int = 600) -> OtherSession:
    other = OtherSession(running, host)
    intents = load_intent(h_lab())
    for cmd in ["system-view", *render_commands(["01_ospf.j2"], intents[host], host, intents)]:
        other.chan.run(cmd)
    other.chan.run(f"commit trial {seconds} label someone-elses-trial description maintenance")
    return other


def h_lab():
    from vrpbook.paths import PROJECT_ROOT

    return PROJECT_ROOT / "inventory" / "lab"


def test_preflight_refuses_a_router_in_a_pending_trial_naming_it_and_time_left(h, lab, tmp_path):
    other = _trial_in_other_session(lab, "PE2")
    try:
        other.chan.user_view()
        before = h.device_configs(lab)
        report, _root = h.run(lab, tmp_path / "art")
        assert report.exit_code == 3 and report.stages == []
        f = report.failure
        assert (f.stage, f.kind) == ("preflight", "busy") and set(f.routers) == {"PE2"}
        assert "trial commit is pending: commit 1000000001 (label someone-elses-trial, user vrpbook" in f.routers["PE2"]
        assert "s left before the router reverts it by itself" in f.routers["PE2"]
        assert h.device_configs(lab) == before  # nothing touched, the trial still pending
        assert report.end_state == {hst: "pre-run" for hst in HOSTS}  # as found: nothing was changed
    finally:
        other.close()


def test_wait_lock_waits_for_the_holder_then_proceeds(h, lab):
    other = OtherSession(lab, "CE1")
    other.chan.run("configuration exclusive")
    target = h.target_for(lab)
    waits: list[float] = []

    def holder_finishes(seconds: float) -> None:
        waits.append(seconds)
        other.chan.run("undo configuration exclusive")  # the other operator is done

    try:
        found = prepare(target.nr, HOSTS, wait=30, sleep=holder_finishes)
        assert len(waits) == 1 and found.busy == {} and sorted(found.locked) == sorted(HOSTS)
        refused = prepare(target.nr, ["CE1"], wait=0)  # we hold it now: another run is refused...
        assert refused.busy == {}  # ...but not this same session (VRP lets the holder re-lock)
    finally:
        target.nr.close_connections()
        other.close()


# --- interrupted at a safe point, undone -----------------------------------------------------------------


def _run_interrupted_on(h, lab, tmp_path, when: type, index: int | None = None):
    cancel = Interruption()
    bus = EventBus()

    def stop(e) -> None:
        if (index is None or getattr(e, "index", None) == index) and not cancel.requested:
            cancel.request(signal.SIGINT)  # once: a second request means "stop waiting" (os._exit)

    bus.subscribe(stop, when)
    rb = load_runbook("bfd-static-vpn")
    target = h.target_for(lab)
    try:
        return run_with_target(rb, intent_of(target.inventory), target, artifacts_dir=tmp_path, bus=bus, cancel=cancel)
    finally:
        target.nr.close_connections()


def test_ctrl_c_in_stage_2_undoes_everything_and_records_interrupted(h, lab, tmp_path):
    factory = h.device_configs(lab)
    report, root = _run_interrupted_on(h, lab, tmp_path, ev.HostCommitted, index=2)
    assert (report.status, report.exit_code) == ("interrupted", 130)
    assert [s.status for s in report.stages] == ["passed", "interrupted"]
    assert {hs.status for hs in report.stages[1].hosts.values()} == {"aborted"}
    assert report.end_state == {hst: "pre-run" for hst in HOSTS}
    assert all(line.startswith("pre-run (") and "verified" in line for line in report.outcome.values())
    assert h.device_configs(lab) == factory
    saved = json.loads((root / "report.json").read_text())
    assert saved["status"] == "interrupted" and saved["exit_code"] == 130 and saved["end_state"] == report.end_state


def test_interrupted_before_any_change_touches_nothing(h, lab, tmp_path):
    before = h.commit_ids(lab)
    report, _root = _run_interrupted_on(h, lab, tmp_path, ev.PreflightDone)
    assert (report.status, report.exit_code, report.stages) == ("interrupted", 130, [])
    assert report.end_state == {hst: "pre-run" for hst in HOSTS}
    assert h.commit_ids(lab) == before


# --- save what differs from saved ------------------------------------------------------------------------


def test_save_stage_saves_every_router_whose_saved_configuration_differs(h, lab, tmp_path):
    """A run killed between its last confirm and its save left the change unsaved; the next run
    has nothing to push, but its save stage still saves every such router."""
    import yaml

    raw = yaml.safe_load(load_runbook("bfd-static-vpn").source.read_text())
    raw["stages"] = [s for s in raw["stages"] if s.get("action") != "save"]
    nosave = tmp_path / "nosave.yaml"
    nosave.write_text(yaml.safe_dump(raw))
    report, _root = h.run(lab, tmp_path / "a", runbook=nosave)
    assert report.exit_code == 0 and sorted(report.changed_hosts) == sorted(HOSTS)
    report, _root = h.run(lab, tmp_path / "b")
    assert report.exit_code == 0 and report.changed_hosts == [] and sorted(report.unsaved_before) == sorted(HOSTS)
    assert {hs.status for hs in report.stages[-1].hosts.values()} == {"saved"}
    from vrpbook.tasks.device_state import read_saved_config
    from vrpbook.tasks.snapshot import read_config

    both = h.read_all(lab, lambda chan: (read_config(chan), read_saved_config(chan)))
    assert all(running == saved for running, saved in both.values())
    report, _root = h.run(lab, tmp_path / "c")  # and a third run has nothing left to save
    assert {hs.status for hs in report.stages[-1].hosts.values()} == {"unchanged"}


# --- plan says it all ---------------------------------------------------------------------------------------


def test_plan_notes_pending_trial_lock_and_unsaved_configuration(h, lab):
    other = _trial_in_other_session(lab, "PE3")
    other.chan.user_view()
    other.chan.run("configuration exclusive")
    target = h.target_for(lab)
    try:
        plans = plan_with_target(load_runbook("bfd-static-vpn"), intent_of(target.inventory), target)
    finally:
        target.nr.close_connections()
        other.close()
    notes = " | ".join(plans["PE3"].notes)
    assert "trial commit pending: commit 1000000001 (label someone-elses-trial" in notes
    assert "configuration locked by user vrpbook" in notes
    assert "running configuration not saved" in notes
    assert plans["PE1"].notes == ["running configuration not saved (differs from the saved one): a reload would lose it"]


# --- the record --------------------------------------------------------------------------------------------------


def test_report_carries_ticket_operator_inventory_runbook_hash_and_version(converged, monkeypatch):
    saved = json.loads((converged["root"] / "report.json").read_text())
    assert saved["operator"] and saved["inventory"].endswith("inventory/lab")
    assert len(saved["runbook_sha256"]) == 64 and saved["vrpbook_version"] == "0.1.0"
    assert saved["end_state"] == {hst: "post-run" for hst in HOSTS}
    assert saved["journal"] and json.loads(open(saved["journal"]).readlines()[-1])["type"] == "end"


def test_rollback_refuses_when_the_history_no_longer_reaches_the_run_start(h, lab_factory, tmp_path):
    """A router with no commit before the run is rolled back with `last N` only if its oldest
    listed commit is the run's first; after a restart or a rotated history that would stop short
    of the pre-run state, so the router is reported `unknown` instead (fail closed).

    The real runbook (each stage pushes its part of the intent within the managed scope, so a
    partial runbook would push lines of later stages too), its stage 5 gate failing."""
    inv = h.copy_inventory(tmp_path, {
        "CE1.data.static_routes": [  # stage 5's gate fails: 10.9.9.9 is in no connected subnet
            {"prefix": "0.0.0.0/0", "nexthop": "10.9.9.9"},
            {"prefix": "0.0.0.0/0", "nexthop": "10.2.1.2"},
        ],
    })
    lab = lab_factory(inventory=inv)
    bus = EventBus()

    def forget(e) -> None:  # PE1's history rotates away between the stages
        if e.index == 1:
            lab.lab.call(lambda: lab.lab.routers["PE1"].history.clear())

    bus.subscribe(forget, ev.StageFinished)
    report, _root = h.run(lab, tmp_path / "art", runbook=h.fast_runbook(tmp_path, 1.0), inventory=inv, bus=bus)
    assert (report.failure.stage, report.failure.gate) == ("ce-default-routes", "static-routes-installed")
    assert report.status == "rollback-failed" and report.exit_code == 3
    assert "does not reach back to this run's first commit" in report.rollback["errors"]["PE1"]
    assert report.end_state["PE1"] == "unknown" and {report.end_state[x] for x in HOSTS if x != "PE1"} == {"pre-run"}
