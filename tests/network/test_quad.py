"""A second topology (four PEs in a ring, other names and addresses) converges correctly."""

from __future__ import annotations

import re

import pytest
from vrpbook_tests_refnet import QUAD_TOPOLOGY, quad_configs, table_rows  # type: ignore[import-not-found]


@pytest.fixture
def quad(make_lab):
    return make_lab(QUAD_TOPOLOGY, quad_configs)


def test_ring_igp_has_ecmp_to_the_opposite_pe(quad):
    rows = table_rows(quad.net.display_ip_routing_table("ALPHA").splitlines())
    assert [r for r in rows if r[0] == "192.0.2.3/32"] == [
        ("192.0.2.3/32", "OSPF", "10", "3", "D", "172.16.0.2", "GigabitEthernet0/0/1"),
        ("192.0.2.3/32", "OSPF", "10", "3", "D", "172.16.0.13", "GigabitEthernet0/0/2"),
    ]
    assert ("192.0.2.2/32", "OSPF", "10", "2", "D", "172.16.0.2", "GigabitEthernet0/0/1") in rows
    assert ("172.16.0.3/32", "Direct", "0", "0", "D", "127.0.0.1", "GigabitEthernet0/0/1") in rows
    assert "          OSPF Process 1 with Router ID 192.0.2.1" in quad.net.display_ospf_peer_brief("ALPHA")


def test_full_mesh_and_ldp(quad):
    for pe in ("ALPHA", "BRAVO", "CHARLIE", "DELTA"):
        out = quad.net.display_bgp_peer(pe, "vpnv4_all")
        assert "Peers in established state : 3" in out or "Peers in established state : 4" in out
        assert len(re.findall(r"^192\.0\.2\.\d .* Established", out, re.M)) == 3
        assert "TOTAL: 2 session(s) Found." in quad.net.display_mpls_ldp_session(pe)


def test_vpn_routes_between_sites(quad):
    alpha = table_rows(quad.net.display_ip_routing_table("ALPHA", "CUST").splitlines())
    # SITEB's loopback (EBGP at CHARLIE) is carried to ALPHA; its next hop has two IGP paths.
    assert [r for r in alpha if r[0] == "198.51.100.2/32"] == [
        ("198.51.100.2/32", "IBGP", "255", "0", "RD", "192.0.2.3", "GigabitEthernet0/0/1"),
        ("198.51.100.2/32", "IBGP", "255", "0", "RD", "192.0.2.3", "GigabitEthernet0/0/2"),
    ]
    siteb = table_rows(quad.net.display_ip_routing_table("SITEB").splitlines())
    assert ("198.51.100.1/32", "EBGP", "255", "0", "D", "172.16.30.1", "GigabitEthernet0/0/1") in siteb
    assert ("172.16.10.0/30", "EBGP", "255", "0", "D", "172.16.30.1", "GigabitEthernet0/0/1") in siteb
    # BRAVO and DELTA have no instance: they carry nothing of CUST.
    assert quad.net.display_ip_routing_table("BRAVO", "CUST").startswith("Error:")


def test_end_to_end_forwarding(quad):
    out = quad.net.tracert("SITEA", "198.51.100.2").splitlines()
    assert re.fullmatch(r" 1 172\.16\.10\.1 \d+ ms  \d+ ms  \d+ ms", out[1])
    assert re.fullmatch(r" 2 172\.16\.30\.1 \d+ ms  \d+ ms  \d+ ms", out[2])  # egress PE, core hidden
    assert re.fullmatch(r" 3 172\.16\.30\.2 \d+ ms  \d+ ms  \d+ ms", out[3])
    back = quad.net.tracert("SITEB", "198.51.100.1").splitlines()
    assert re.fullmatch(r" 2 172\.16\.10\.1 < AS=65000 > \d+ ms  \d+ ms  \d+ ms", back[2])
    ping = quad.net.ping("SITEA", "198.51.100.2")
    assert "5 packet(s) received" in ping and "ttl=253" in ping  # two IP hops: ALPHA and CHARLIE


def test_ring_survives_one_cut(quad):
    quad.net.set_cable("BRAVO", "GigabitEthernet0/0/1", up=False)
    rows = table_rows(quad.net.display_ip_routing_table("ALPHA").splitlines())
    assert [r for r in rows if r[0] == "192.0.2.3/32"] == [
        ("192.0.2.3/32", "OSPF", "10", "3", "D", "172.16.0.13", "GigabitEthernet0/0/2")]
    assert "5 packet(s) received" in quad.net.ping("SITEA", "198.51.100.2")
