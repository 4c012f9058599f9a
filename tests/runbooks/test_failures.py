"""Failure paths against the twin: gate failure → rollback of the whole run; a rejected
command → stage stopped before commit, candidate discarded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab

HOSTS = ["PE1", "CE1", "PE2", "PE3", "CE2"]


def _configs_equal_pre_run(root: Path) -> None:
    for host in HOSTS:
        pre = (root / "hosts" / host / "pre-config.txt").read_text()
        post = (root / "hosts" / host / "post-config.txt").read_text()
        assert post == pre, host


def test_wrong_vpn_target_fails_the_vpn_route_gate_at_once_and_rolls_back(h, lab_factory, tmp_path):
    """PE3 imports a target nobody exports: the route can never arrive, so the gate fails at
    its first poll saying why — with the real runbook's 60 s deadline — and the run rolls back."""
    inv = h.copy_inventory(tmp_path, {"PE3.data.vpn_instances.VPNA.import_targets": ["999:1"]})
    running = lab_factory(inventory=inv)
    factory = h.device_configs(running)
    report, root = h.run(running, tmp_path / "art", inventory=inv)

    assert report.exit_code == 4
    assert report.status == "rolled-back"
    f = report.failure
    assert (f.stage, f.kind, f.gate) == ("ebgp", "gate", "vpn-route-ecmp")
    assert "PE3" in f.message and "VPN VPNA 1.1.1.1/32 can never arrive" in f.message
    assert "imports ['999:1'] (read back)" in f.message and "PE1 exports ['111:1']" in f.message
    assert "cannot pass by waiting" in f.message
    ecmp = next(g for g in report.stages[6].gates if g.gate == "vpn-route-ecmp")
    assert ecmp.polls == 1  # not polled to its deadline (60 s): waiting cannot change it
    assert f.evidence["PE3"]["VPNA 1.1.1.1/32"] == []  # what the router reported: no route
    assert [s.status for s in report.stages] == ["passed"] * 6 + ["failed"]
    ebgp = report.stages[6]
    assert {hs.status for h_, hs in ebgp.hosts.items() if h_ in ("PE3", "CE2")} == {"aborted"}
    assert sorted(report.rollback["rolled_back"]) == sorted(HOSTS)
    assert sorted(report.rollback["verified"]) == sorted(HOSTS) and report.rollback["errors"] == {}
    # Independently of the engine's own check: every router is back to factory configuration.
    assert h.device_configs(running) == factory
    _configs_equal_pre_run(root)
    saved = json.loads((root / "report.json").read_text())
    assert saved["failure"]["gate"] == "vpn-route-ecmp"


def test_rejected_command_stops_the_stage_before_commit(h, lab_factory, tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bad.j2").write_text(
        "interface {{ i.loopbacks | list | first }}\n description staged-but-never-committed\n ip address 300.1.1.1 32\n quit\n"
    )
    rb = tmp_path / "bad.yaml"
    rb.write_text(
        "name: bad-command\n"
        "stages:\n"
        "  - {name: ospf, hosts: [pe], templates: [01_ospf.j2], gates: [{check: ospf-loopback-routes}]}\n"
        "  - {name: broken, hosts: [PE1], templates: [bad.j2], gates: [{check: ospf-loopback-routes}]}\n"
    )
    running = lab_factory()
    before = h.commit_ids(running)
    report, root = h.run(running, tmp_path / "art", runbook=rb)

    assert report.exit_code == 3
    f = report.failure
    assert (f.stage, f.kind, f.host) == ("broken", "push", "PE1")
    assert "ip address 300.1.1.1 32" in f.message and "Error:" in f.message
    # Found while loading every stage into the candidate before the run: nothing was committed.
    assert "nothing committed" in f.message
    transcript = (root / "hosts" / "PE1" / "transcript.txt").read_text()
    assert "> ip address 300.1.1.1 32\n" in transcript
    after_bad = transcript.split("> ip address 300.1.1.1 32\n", 1)[1]
    assert after_bad.index("> clear configuration candidate") < after_bad.index("> display current-configuration")
    assert "> commit" not in transcript
    assert h.commit_ids(running) == before
    _configs_equal_pre_run(root)
    assert "staged-but-never-committed" not in h.device_configs(running)["PE1"]


def test_rollback_of_a_converged_network_returns_to_its_previous_commit(h, lab_factory, tmp_path):
    """On a router with commit history, the run rolls back to the commit it had before
    the run (``rollback configuration to commit-id``), not to factory state."""
    running = lab_factory()
    first, _ = h.run(running, tmp_path / "first")
    assert first.exit_code == 0, first.failure
    converged = h.device_configs(running)
    before = h.commit_ids(running)
    inv = h.copy_inventory(tmp_path, {
        "CE1.data.loopbacks.LoopBack2": "5.5.5.5/32",  # stage 1 commits this on CE1...
        "CE1.data.static_routes": [  # ...stage 5's gate then fails: 10.9.9.9 is in no connected subnet
            {"prefix": "0.0.0.0/0", "nexthop": "10.9.9.9"},
            {"prefix": "0.0.0.0/0", "nexthop": "10.2.1.2"},
        ],
    })
    report, root = h.run(running, tmp_path / "second", runbook=h.fast_runbook(tmp_path, 1.0), inventory=inv)
    assert report.exit_code == 4
    assert (report.failure.stage, report.failure.gate) == ("ce-default-routes", "static-routes-installed")
    assert "10.9.9.9" in report.failure.message
    assert sorted(report.converged_before) == ["CE2", "PE1", "PE2", "PE3"]
    assert report.stages[0].hosts["CE1"].status == "confirmed"
    assert report.rollback["rolled_back"] == ["CE1"] and report.rollback["errors"] == {}
    transcript = (root / "hosts" / "CE1" / "transcript.txt").read_text()
    assert f"> rollback configuration to commit-id {before['CE1'][0]}" in transcript
    assert h.device_configs(running) == converged
    after = h.commit_ids(running)
    assert after["PE1"] == before["PE1"]  # untouched routers: no commit at all


def _run_rollback_stage_with_wrong_pe3_import_target(h, lab_factory, tmp_path):
    """A run with ``on_failure: rollback-stage`` whose stage 7 (ebgp) fails its VPN route gate."""
    import yaml

    inv = h.copy_inventory(tmp_path, {"PE3.data.vpn_instances.VPNA.import_targets": ["999:1"]})
    rb_path = h.fast_runbook(tmp_path, 1.0)
    raw = yaml.safe_load(rb_path.read_text())
    raw["defaults"]["on_failure"] = "rollback-stage"
    rb_path.write_text(yaml.safe_dump(raw, sort_keys=False))
    running = lab_factory(inventory=inv)
    report, _root = h.run(running, tmp_path / "art", runbook=rb_path, inventory=inv)
    return running, inv, report


def test_rollback_stage_policy_only_aborts_the_failing_stage(h, lab_factory, tmp_path):
    running, inv, report = _run_rollback_stage_with_wrong_pe3_import_target(h, lab_factory, tmp_path)
    assert report.exit_code == 4 and report.status == "failed" and report.rollback == {}
    assert report.stages[6].hosts["PE3"].status == "aborted"
    configs = h.device_configs(running, inventory=inv)
    assert "sysname PE3" in configs["PE3"] and "ip vpn-instance VPNA" in configs["PE3"]  # stages 1-6 kept
    assert "peer 10.3.1.2 as-number 65410" not in configs["PE3"]  # stage 7 reverted by abort trial


def test_rollback_stage_policy_with_a_failed_abort_is_a_device_error(h, lab_factory, tmp_path, monkeypatch):
    """Exit code 4 promises the change was undone; when the stage's abort fails it is 3."""
    import importlib

    abort_task = importlib.import_module("vrpbook.tasks.abort_trial")  # the module, not the task it exports

    def abort(chan):
        raise RuntimeError("abort trial: session lost")

    monkeypatch.setattr(abort_task, "abort", abort)
    _running, _inv, report = _run_rollback_stage_with_wrong_pe3_import_target(h, lab_factory, tmp_path)
    assert report.failure.kind == "gate" and report.stages[6].hosts["PE3"].status == "abort-failed"
    assert report.exit_code == 3 and "PE3" in report.rollback["errors"]


def test_rejection_in_the_middle_of_the_run_discards_aborts_and_rolls_back(h, lab_factory, tmp_path, monkeypatch):
    """A router rejects a line of stage 4 (after the preflight accepted everything, as when the
    network changes under the run): PE1's candidate is discarded before any commit, the other
    PEs' trial commits of that stage are aborted, and stages 1-3 are rolled back everywhere."""
    import importlib

    push_task = importlib.import_module("vrpbook.tasks.push_config")  # the module, not the task it exports

    real = push_task.push_lines

    def push_lines(chan, commands):
        if chan.host == "PE1" and commands and commands[0].startswith("bgp "):
            commands = [*commands[:3], "ip address 300.1.1.1 32", *commands[3:]]  # the router will refuse it
        return real(chan, commands)

    monkeypatch.setattr(push_task, "push_lines", push_lines)
    running = lab_factory()
    factory = h.device_configs(running)
    report, root = h.run(running, tmp_path / "art")
    assert report.exit_code == 3
    f = report.failure
    assert (f.stage, f.kind, f.host) == ("mp-ibgp", "push", "PE1") and "ip address 300.1.1.1 32" in f.message
    stage = report.stages[3]
    assert stage.hosts["PE1"].status == "failed"
    assert {stage.hosts[x].status for x in ("PE2", "PE3")} <= {"aborted"}
    push = (root / "stages" / "04-mp-ibgp" / "PE1" / "push.txt").read_text()
    assert "> clear configuration candidate" in push.split("> ip address 300.1.1.1 32", 1)[1]
    assert not (root / "stages" / "04-mp-ibgp" / "PE1" / "commit.json").exists()
    assert sorted(report.rollback["rolled_back"]) == sorted(HOSTS) and report.rollback["errors"] == {}
    assert h.device_configs(running) == factory


def test_internal_error_mid_run_aborts_the_trial_and_rolls_back(h, lab_factory, tmp_path, monkeypatch):
    import vrpbook.runbooks.gating as gating

    real = gating.poll_gates

    def poll(nr, intents, idx, stage, *args, **kwargs):
        if stage.name == "vpn-instances":
            raise ZeroDivisionError("bug in a gate")
        return real(nr, intents, idx, stage, *args, **kwargs)

    monkeypatch.setattr(gating, "poll_gates", poll)
    running = lab_factory()
    factory = h.device_configs(running)
    report, root = h.run(running, tmp_path / "art")
    assert report.exit_code == 1 and report.failure.kind == "internal" and "bug in a gate" in report.failure.message
    assert report.rollback["errors"] == {} and sorted(report.rollback["rolled_back"]) == sorted(HOSTS)
    assert h.device_configs(running) == factory
    assert "ZeroDivisionError" in (root / "run.log").read_text()


def test_confirm_failing_on_one_router_still_rolls_back_the_others(h, lab_factory, tmp_path, monkeypatch):
    import importlib

    confirm_task = importlib.import_module("vrpbook.tasks.confirm")  # the module, not the task it exports
    from vrpbook.errors import CommitError

    real = confirm_task.confirm_trial
    calls = {"PE2": 0}

    def confirm(chan, *args, **kwargs):
        if chan.host == "PE2":
            calls["PE2"] += 1
            if calls["PE2"] == 2:  # PE2's confirmation of stage 2 (mpls-ldp)
                raise CommitError("PE2: session lost while confirming (simulated)")
        return real(chan, *args, **kwargs)

    monkeypatch.setattr(confirm_task, "confirm_trial", confirm)
    running = lab_factory()
    factory = h.device_configs(running)
    report, _root = h.run(running, tmp_path / "art")
    assert report.exit_code == 3, report.failure
    assert (report.failure.stage, report.failure.kind, report.failure.host) == ("mpls-ldp", "confirm", "PE2")
    stage = report.stages[1]
    assert stage.hosts["PE1"].status == "confirmed" and stage.hosts["PE3"].status == "confirmed"
    assert stage.hosts["PE2"].status == "aborted"
    assert report.rollback["errors"] == {} and sorted(report.rollback["rolled_back"]) == sorted(HOSTS)
    assert h.device_configs(running) == factory
