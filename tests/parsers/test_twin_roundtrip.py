"""Every display the twin prints parses back to the twin's own state.

The reference lab is built directly on the network engine (no SSH), with the
configuration builder of the network tests; each display of each router is
parsed by ``vrpbook.parsers.parse`` and compared with the computed state the
twin printed it from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vrpbook.parsers import ParseError, ParseErrorKind, parse

from ..by_path import load

engine = pytest.importorskip("vrpbook.twin.network.engine")
_REFNET = Path(__file__).resolve().parents[1] / "network" / "refnet.py"


def _refnet():
    return load("vrpbook_tests_refnet", _REFNET)


@pytest.fixture(scope="module")
def lab():
    from vrpbook.twin.topology import Topology

    refnet = _refnet()
    topology = Topology.load(refnet.LAB_TOPOLOGY)
    configs = refnet.reference_configs(topology)
    clock = refnet.FakeClock()
    net = engine.Network(topology, lambda: configs, time_scale=0.0, clock=clock)
    net.state()
    clock.advance(3 * 3600 + 125)
    return net, sorted(topology.devices)


def _rows(table) -> list[dict]:
    return [
        {
            "destination": str(r.prefix), "proto": r.proto, "pre": r.pre, "cost": r.cost, "flags": r.flags,
            "nexthop": str(r.nexthop), "interface": r.interface,
        }
        for r in table.active()
    ]


def test_routing_tables_parse_back_to_the_ribs(lab) -> None:
    net, routers = lab
    st = net.state()
    checked = 0
    for router in routers:
        for name, table in st.tables[router].items():
            if name == "_public_":
                parsed = parse("display ip routing-table", net.display_ip_routing_table(router))
            else:
                parsed = parse(f"display ip routing-table vpn-instance {name}", net.display_ip_routing_table(router, name))
            data = parsed.model_dump()
            assert data["table"] == name
            assert data["routes"] == _rows(table), (router, name)
            checked += 1
    assert checked >= 8  # 5 public tables + VPNA on PE1..PE3


def test_bfd_sessions_parse_back_to_the_sessions(lab) -> None:
    net, routers = lab
    st = net.state()
    for router in routers:
        mine = [s for s in st.bfd if s.view.router == router]
        brief = parse("display bfd session all", net.display_bfd_session(router, False)).model_dump()
        verbose = parse("display bfd session all verbose", net.display_bfd_session(router, True)).model_dump()
        expected = sorted((s.view.local_disc, s.up) for s in mine)
        assert sorted((s["local_discriminator"], s["state"].lower() == "up") for s in brief["sessions"]) == expected
        assert sorted((s["local_discriminator"], s["state"].lower() == "up") for s in verbose["sessions"]) == expected
        assert sorted(s["name"] for s in verbose["sessions"]) == sorted(s.view.cfg.name for s in mine)
        assert brief["total_up"] == sum(s.up for s in mine) == verbose["total_up"]


def test_every_other_display_parses_or_fails_closed(lab) -> None:
    net, routers = lab
    parsed = 0
    for router in routers:
        outputs = {
            "display ip routing-table protocol static": net.display_ip_routing_table(router, protocol="static"),
            "display ip vpn-instance verbose": net.display_ip_vpn_instance_verbose(router),
            "display interface brief": net.display_interface_brief(router),
            "display ospf peer brief": net.display_ospf_peer_brief(router),
            "display mpls ldp session": net.display_mpls_ldp_session(router),
            "display bgp peer": net.display_bgp_peer(router, "ipv4"),
            "display bgp vpnv4 all peer": net.display_bgp_peer(router, "vpnv4_all"),
            "display bgp vpnv4 vpn-instance VPNA peer": net.display_bgp_peer(router, "vpn_instance", "VPNA"),
        }
        for command, text in outputs.items():
            try:
                result = parse(command, text)
            except ParseError as exc:
                # CEs without OSPF/LDP/BGP/VPN print nothing, an Error: or an Info: line
                assert router.startswith("CE"), (router, command, str(exc))
                assert exc.kind in (ParseErrorKind.EMPTY, ParseErrorKind.DEVICE_ERROR, ParseErrorKind.UNKNOWN_LINE)
                continue
            assert result.model_dump()
            parsed += 1
    assert parsed >= 24  # all eight on each PE


def test_pe_sessions_match_the_reference_lab(lab) -> None:
    net, _ = lab
    ldp = parse("display mpls ldp session", net.display_mpls_ldp_session("PE1")).model_dump()
    assert sorted(s["peer_id"] for s in ldp["sessions"]) == ["3.3.3.3:0", "4.4.4.4:0"]
    assert {s["status"] for s in ldp["sessions"]} == {"Operational"}
    vpnv4 = parse("display bgp vpnv4 all peer", net.display_bgp_peer("PE3", "vpnv4_all")).model_dump()
    assert {(p["peer"], p["vpn_instance"], p["state"]) for p in vpnv4["peers"]} == {
        ("2.2.2.2", None, "Established"), ("3.3.3.3", None, "Established"), ("10.3.1.2", "VPNA", "Established"),
    }
    vrf = parse("display ip vpn-instance verbose", net.display_ip_vpn_instance_verbose("PE2")).model_dump()
    (af,) = vrf["instances"][0]["address_families"]
    assert (vrf["instances"][0]["name"], af["route_distinguisher"], af["export_vpn_targets"]) == ("VPNA", "100:2", ["111:1"])
