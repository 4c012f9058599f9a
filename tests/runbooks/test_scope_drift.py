"""Replace within the managed scope, over SSH: drift inside the scope is shown by ``plan``
and removed by ``run``, with every gate passing; drift outside the scope is left alone."""

from __future__ import annotations

import netmiko
import pytest
from rich.console import Console

from vrpbook.runbooks.progress import print_plan
from vrpbook.tasks.candidate import push_lines
from vrpbook.tasks.channel import VrpChannel

pytestmark = pytest.mark.lab

HOSTS = ["PE1", "CE1", "PE2", "PE3", "CE2"]


def _commit(running, router: str, lines: list[str]) -> None:
    """An operator's change on *router*, typed and committed over its own SSH session."""
    conn = netmiko.ConnectHandler(**running.netmiko_params(router))
    try:
        chan = VrpChannel(conn, router)
        chan.sync()
        push_lines(chan, lines)
        chan.run("commit")
        chan.user_view()
    finally:
        conn.write_channel("quit\n")
        conn.remote_conn.close()
        conn.remote_conn_pre.close()


def _printed(plans) -> str:
    console = Console(record=True, width=200)
    print_plan(console, plans, offline=False)
    return console.export_text()


def test_stray_target_and_removed_mpls_ldp_are_planned_then_removed(h, lab_factory, tmp_path):
    running = lab_factory()
    first, _ = h.run(running, tmp_path / "first")
    assert first.exit_code == 0, first.failure
    _commit(running, "PE1", [
        "ip vpn-instance VPNA", "ipv4-family", "vpn-target 999:1 both", "quit", "quit",
        "undo mpls ldp",
        # outside the managed scope: never planned, never removed
        "interface GigabitEthernet0/1/0", "description to PE3", "quit",
    ])
    assert "vpn-target 999:1 export-extcommunity" in h.device_configs(running)["PE1"]

    plans = h.plan_lab(running)
    assert plans["PE1"].scope_lines == [
        "- ip vpn-instance VPNA > ipv4-family > vpn-target 999:1 both",
        "+ mpls ldp",
    ]
    assert plans["PE1"].changed is True
    assert {h_: p.scope for h_, p in plans.items() if h_ != "PE1"} == {h_: [] for h_ in HOSTS if h_ != "PE1"}
    assert all(p.changed is False for h_, p in plans.items() if h_ != "PE1")
    # the removal is pushed by the stage whose gate reads VPN targets, before its template
    stage3 = plans["PE1"].stages["vpn-instances"]
    assert stage3[:5] == ["ip vpn-instance VPNA", "ipv4-family", "undo vpn-target 999:1 both", "quit", "quit"]
    text = _printed(plans)
    assert "managed scope: 1 removal(s), 1 addition(s)" in text
    assert "- ip vpn-instance VPNA > ipv4-family > vpn-target 999:1 both" in text and "+ mpls ldp" in text

    report, _root = h.run(running, tmp_path / "second")
    assert report.exit_code == 0, report.failure
    assert all(g.status == "pass" for s in report.stages for g in s.gates)
    assert report.changed_hosts == ["PE1"]
    assert sorted(report.converged_before) == ["CE1", "CE2", "PE2", "PE3"]
    by_stage = {s.name: s.hosts["PE1"].status for s in report.stages if "PE1" in s.hosts}
    assert by_stage["vpn-instances"] == "confirmed" and by_stage["mpls-ldp"] == "confirmed"
    configs = h.device_configs(running)
    reference = h.reference_configs()
    assert configs["PE1"] == reference["PE1"].replace(
        "interface GigabitEthernet0/1/0\n", "interface GigabitEthernet0/1/0\n description to PE3\n")
    assert all(configs[r] == reference[r] for r in HOSTS if r != "PE1")

    again = h.plan_lab(running)
    assert all(p.scope == [] and p.changed is False and p.error is None for p in again.values())
    text = _printed(again)
    assert "managed scope" not in text and "\n    - " not in text and "\n    + " not in text
    assert "plan: 0 router(s) would change: none" in text
