"""Wrong configurations fail like a real network: the session or route stays down."""

from __future__ import annotations

import re
from ipaddress import IPv4Address

from vrpbook_tests_refnet import table_rows  # type: ignore[import-not-found]

A = IPv4Address


def vpnv4_states(net, router: str) -> dict[str, str]:
    out = net.display_bgp_peer(router, "vpnv4_all").splitlines()
    return {x.split()[0]: x.split()[7] for x in out if re.match(r"^\d+\.\d+\.\d+\.\d+ ", x)}


def pe3_vpna(net) -> list[tuple[str, ...]]:
    return table_rows(net.display_ip_routing_table("PE3", "VPNA").splitlines())


def test_mismatched_as_keeps_session_down(ref_lab):
    ref_lab.configs["PE1"].bgp.peers[A("4.4.4.4")].as_number = "200"
    ref_lab.commit("PE1")
    # PE1 now thinks 4.4.4.4 is an EBGP peer that is not directly connected (no
    # ebgp-max-hop): it does not even try. PE3 tries and gets its OPEN refused.
    assert vpnv4_states(ref_lab.net, "PE1")["4.4.4.4"] == "Idle"
    assert vpnv4_states(ref_lab.net, "PE3")["2.2.2.2"] == "Active"
    assert vpnv4_states(ref_lab.net, "PE3")["3.3.3.3"] == "Established"
    rows = pe3_vpna(ref_lab.net)
    assert not any(r[5] == "2.2.2.2" for r in rows)  # nothing from PE1 any more
    ref_lab.configs["PE1"].bgp.peers[A("4.4.4.4")].as_number = "100"
    ref_lab.commit("PE1")
    assert vpnv4_states(ref_lab.net, "PE1")["4.4.4.4"] == "Established"


def test_missing_vpnv4_enable_stops_vpn_routes(ref_lab):
    ref_lab.configs["PE3"].bgp.vpnv4.enabled_peers.remove(A("2.2.2.2"))
    ref_lab.commit("PE3")
    # The IPv4 session stays up ...
    assert "Established" in ref_lab.net.display_bgp_peer("PE1", "ipv4")
    # ... but there is no VPNv4 session: PE3 does not list PE1, PE1 shows it Idle.
    assert "2.2.2.2" not in vpnv4_states(ref_lab.net, "PE3")
    assert vpnv4_states(ref_lab.net, "PE1")["4.4.4.4"] == "Idle"
    rows = pe3_vpna(ref_lab.net)
    assert [r for r in rows if r[0] == "1.1.1.1/32"] == [
        ("1.1.1.1/32", "IBGP", "255", "0", "RD", "3.3.3.3", "GigabitEthernet0/2/0")]
    assert not any(r[0] == "10.1.1.0/24" for r in rows)
    pe1 = table_rows(ref_lab.net.display_ip_routing_table("PE1", "VPNA").splitlines())
    assert not any(r[0] == "10.3.1.0/24" for r in pe1)


def test_wrong_vpn_target_is_not_imported(ref_lab):
    vi = ref_lab.configs["PE2"].vpn_instances["VPNA"]
    vi.export_targets = ["222:2"]
    ref_lab.commit("PE2")
    rows = pe3_vpna(ref_lab.net)
    assert not any(r[5] == "3.3.3.3" for r in rows)  # PE2's routes are not imported
    assert [r[5] for r in rows if r[0] == "1.1.1.1/32"] == ["2.2.2.2"]
    # Sessions themselves stay Established.
    assert set(vpnv4_states(ref_lab.net, "PE3").values()) == {"Established"}


def test_bfd_peer_address_typo_keeps_session_down(ref_lab):
    ref_lab.configs["PE1"].bfd_sessions["pe1_to_ce1"].peer_ip = A("10.1.1.11")
    ref_lab.commit("PE1")
    ref_lab.clock.advance(0.05)
    assert "Total UP/DOWN Session Number : 0/1" in ref_lab.net.display_bfd_session("PE1", verbose=True)
    ce1 = ref_lab.net.display_bfd_session("CE1", verbose=False).splitlines()
    assert "8192  0      10.1.1.2        Down      S_AUTO_IF   GigabitEthernet0/1/0" in ce1
    # The tracked static route is withdrawn: 1.1.1.1/32 now comes from PE2.
    pe1 = table_rows(ref_lab.net.display_ip_routing_table("PE1", "VPNA").splitlines())
    assert [r[1] for r in pe1 if r[0] == "1.1.1.1/32"] == ["IBGP"]
    static = ref_lab.net.display_ip_routing_table("PE1", "VPNA", protocol="static").splitlines()
    assert "Static routing table status : <Inactive>" in static
    assert static[-1].split()[:2] == ["1.1.1.1/32", "Static"]


def test_missing_network_statement_loses_the_loopback(ref_lab):
    area = next(iter(ref_lab.configs["PE2"].ospf[1].areas.values()))
    area.networks = [n for n in area.networks if str(n.address) != "3.3.3.3"]
    ref_lab.commit("PE2")
    pe1 = table_rows(ref_lab.net.display_ip_routing_table("PE1").splitlines())
    assert not any(r[0] == "3.3.3.3/32" for r in pe1)
    # Without a route to 3.3.3.3 the IBGP sessions to PE2 drop; its VPN routes vanish.
    assert vpnv4_states(ref_lab.net, "PE1")["3.3.3.3"] == "Idle"
    assert not any(r[5] == "3.3.3.3" for r in pe3_vpna(ref_lab.net))
    assert "3.3.3.3:0" not in ref_lab.net.display_mpls_ldp_session("PE1")


def test_missing_mpls_ldp_blocks_vpn_routes(ref_lab):
    ref_lab.configs["PE3"].interfaces["GigabitEthernet0/1/0"].mpls_ldp = False
    ref_lab.configs["PE3"].interfaces["GigabitEthernet0/2/0"].mpls_ldp = False
    ref_lab.commit("PE3")
    # BGP is up but there is no LSP to the other PEs: no VPN route is usable.
    assert set(vpnv4_states(ref_lab.net, "PE3").values()) == {"Established"}
    assert not any(r[1] == "IBGP" for r in pe3_vpna(ref_lab.net))
