"""Remediation against the twin over SSH: the commands are accepted, and afterwards the
router's own ``display current-configuration`` matches its intent within the scope."""

from __future__ import annotations

import pytest

from vrpbook.intended import commands, compare, intended_config, remediation

pytestmark = pytest.mark.lab

ROUTERS = ["PE1", "PE2", "PE3", "CE1", "CE2"]


def test_factory_routers_reach_their_intent_and_then_need_nothing(lab, net, reference, cli):
    for router in ROUTERS:
        ic = intended_config(router, net)
        running = cli(lab, router)
        assert compare(running, ic)
        after = cli(lab, router, commands(remediation(running, ic)))
        assert compare(after, ic) == [], router
        assert remediation(after, ic) == []
        assert after == reference[router], router  # the whole file, port state included


def test_drift_in_scope_is_removed_and_drift_outside_is_kept(lab, net, cli):
    ic = intended_config("PE1", net)
    cli(lab, "PE1", commands(remediation(cli(lab, "PE1"), ic)))
    drifted = cli(lab, "PE1", [
        "ip vpn-instance VPNA", "ipv4-family", "vpn-target 999:1 both", "undo vpn-target 111:1 import-extcommunity",
        "quit", "quit", "undo mpls ldp",
        "interface GigabitEthernet0/3/0", "undo ip binding vpn-instance", "ip address 10.1.1.2 24", "ospf cost 50",
        "description kept: not managed", "quit",
        "bfd stray bind peer-ip 10.1.1.9 interface GigabitEthernet0/3/0 source-ip 10.1.1.2 auto", "quit",
        "ip route-static 9.9.9.0 24 10.1.1.9 track bfd-session stray",
        "ip route-static vpn-instance VPNA 1.1.1.1 32 10.1.1.1",
        "bgp 100", "peer 9.9.9.9 as-number 100", "ipv4-family vpnv4", "undo policy vpn-target", "quit", "quit",
        "ospf 1", "area 0.0.0.1", "quit", "quit",
    ])
    assert len([u for d in compare(drifted, ic) for u in d.unexpected]) >= 8
    after = cli(lab, "PE1", commands(remediation(drifted, ic)))
    assert compare(after, ic) == []
    assert " description kept: not managed\n" in after
