"""A route reflector's lines in the managed scope: compared both ways (``undo policy
vpn-target`` included, a line hier_config's difference would skip as a negation) and
remediated with one command each."""

from __future__ import annotations

from pathlib import Path

import yaml

from vrpbook.intended import commands, compare, intended_config, remediation
from vrpbook.intent import load_intent

HOSTS = """
RR1:
  hostname: 127.0.0.1
  groups: [rr]
  data:
    sysname: RR1
    loopbacks: {LoopBack1: 9.9.9.9/32}
    bgp:
      peers:
        - {address: 2.2.2.2, as_number: 100, connect_interface: LoopBack1}
        - {address: 3.3.3.3, as_number: 100, connect_interface: LoopBack1}
      vpnv4_peers: [2.2.2.2, 3.3.3.3]
      reflect_clients: {vpnv4: [2.2.2.2, 3.3.3.3], unicast: [3.3.3.3]}
      cluster_id: 10.0.0.1
      policy_vpn_target: false
PE1:
  hostname: 127.0.0.1
  groups: [pe]
  data:
    sysname: PE1
    loopbacks: {LoopBack1: 2.2.2.2/32}
    bgp:
      peers: [{address: 9.9.9.9, as_number: 100, connect_interface: LoopBack1}]
      vpnv4_peers: [9.9.9.9]
"""


def _net(tmp: Path):  # noqa: ANN202 - a NetworkIntent
    (tmp / "hosts.yaml").write_text(HOSTS)
    (tmp / "groups.yaml").write_text(yaml.safe_dump({"rr": {"data": {"role": "rr", "bgp": {"as_number": 100}}},
                                                     "pe": {"data": {"role": "pe", "bgp": {"as_number": 100}}}}))
    (tmp / "defaults.yaml").write_text(yaml.safe_dump({"username": "u", "password": "p", "data": {"lab": True}}))
    return load_intent(tmp)


def test_the_reflector_lines_are_compared_and_fixed_both_ways(tmp_path: Path) -> None:
    net = _net(tmp_path)
    rr = intended_config("RR1", net)
    assert compare(rr.text, rr) == [] and remediation(rr.text, rr) == []
    drifted = (rr.text.replace("  undo policy vpn-target\n", "  policy vpn-target\n")
               .replace("  reflector cluster-id 10.0.0.1\n", "  reflector cluster-id 7\n")
               .replace("  peer 2.2.2.2 reflect-client\n", "")
               .replace("  peer 3.3.3.3 enable\n  peer 3.3.3.3 reflect-client\n", "  peer 3.3.3.3 enable\n", 1))
    assert [d.lines() for d in compare(drifted, rr)] == [[
        "- bgp 100 > ipv4-family unicast > reflector cluster-id 7",
        "- bgp 100 > ipv4-family vpnv4 > reflector cluster-id 7",
        "- bgp 100 > ipv4-family vpnv4 > policy vpn-target",
        "+ bgp 100 > ipv4-family unicast > reflector cluster-id 10.0.0.1",
        "+ bgp 100 > ipv4-family unicast > peer 3.3.3.3 reflect-client",
        "+ bgp 100 > ipv4-family vpnv4 > reflector cluster-id 10.0.0.1",
        "+ bgp 100 > ipv4-family vpnv4 > peer 2.2.2.2 reflect-client",
        "+ bgp 100 > ipv4-family vpnv4 > undo policy vpn-target",
    ]]
    # one command per setting: a cluster ID replaces the old one, the target policy is one switch
    assert commands(remediation(drifted, rr)) == [
        "bgp 100",
        "ipv4-family unicast", "reflector cluster-id 10.0.0.1", "peer 3.3.3.3 reflect-client", "quit",
        "ipv4-family vpnv4", "reflector cluster-id 10.0.0.1", "undo policy vpn-target", "peer 2.2.2.2 reflect-client",
        "quit", "quit",
    ]

    pe = intended_config("PE1", net)
    undone = pe.text.replace("  policy vpn-target\n", "  undo policy vpn-target\n")
    assert [d.lines() for d in compare(undone, pe)] == [[
        "- bgp 100 > ipv4-family vpnv4 > undo policy vpn-target", "+ bgp 100 > ipv4-family vpnv4 > policy vpn-target"]]
    assert commands(remediation(undone, pe)) == ["bgp 100", "ipv4-family vpnv4", "policy vpn-target", "quit", "quit"]
    # a client the intent does not hold: the undo of its reflect-client line
    extra = rr.text.replace("  peer 2.2.2.2 enable\n  peer 3.3.3.3 enable\n",
                            "  peer 2.2.2.2 enable\n  peer 2.2.2.2 reflect-client\n  peer 3.3.3.3 enable\n", 1)
    assert extra != rr.text
    assert commands(remediation(extra, rr)) == ["bgp 100", "ipv4-family unicast", "undo peer 2.2.2.2 reflect-client",
                                                "quit", "quit"]
