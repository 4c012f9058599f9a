"""CE1's GE0/1/0 shut down (reference step 9) and restored; cable pulls; timing."""

from __future__ import annotations

import re
from ipaddress import IPv4Address

from vrpbook_tests_refnet import counts, reference_block, table_rows  # type: ignore[import-not-found]

G1 = "GigabitEthernet0/1/0"


def shut_ce1(lab, down: bool = True) -> None:
    lab.configs["CE1"].interfaces[G1].shutdown = down
    lab.commit("CE1")


def test_shutdown_switches_over_like_the_reference(ref_lab):
    net = ref_lab.net
    before = {r: net.display_ip_routing_table(r, "VPNA") for r in ("PE1", "PE3")}
    t_shut = ref_lab.clock()
    shut_ce1(ref_lab)
    # Within the detection time BFD still reports Up ...
    assert "State : Up " in net.display_bfd_session("PE1", verbose=True)
    ref_lab.clock.advance(0.031)
    # ... and Down once 3 x 10 ms have passed.
    pe1_bfd = net.display_bfd_session("PE1", verbose=True).splitlines()
    assert "  (One Hop) State : Down                    Name : pe1_to_ce1" in pe1_bfd
    assert "  Session Not Up Reason  : In negotiation" in pe1_bfd
    assert "     Total UP/DOWN Session Number : 0/1" in pe1_bfd

    events = net.events()
    downs = [e for e in events if e.kind == "bfd-down" and e.router == "PE1"]
    link = [e for e in events if e.kind == "link-down" and e.router == "CE1"]
    assert len(downs) == 1 and len(link) == 1
    assert abs((downs[0].t_ms - link[0].t_ms) - 30.0) < 1e-6
    assert "detect time 30 ms" in downs[0].detail
    assert abs(link[0].t_ms - (t_shut - net._t0) * 1000) < 1e-6
    withdrawn = [e for e in events if e.kind == "route-withdrawn" and e.router == "PE1"]
    assert any("1.1.1.1/32 Static via 10.1.1.1" in e.detail for e in withdrawn)

    # PE1: the reference prints this table with "EBGP" for 1.1.1.1/32; the route
    # comes from PE2 over MP-IBGP, so protocol truth is IBGP.
    ref = reference_block("<PE1> display ip routing-table vpn-instance VPNA", 2)
    out = net.display_ip_routing_table("PE1", "VPNA").splitlines()
    expected = [tuple("IBGP" if x == "EBGP" else x for x in row) for row in table_rows(ref)]
    assert table_rows(out) == expected
    assert counts(out) == counts(ref) == (4, 4)

    ref = reference_block("<PE3> display ip routing-table vpn-instance VPNA", 2)
    out = net.display_ip_routing_table("PE3", "VPNA").splitlines()
    assert table_rows(out) == table_rows(ref)
    assert counts(out) == (6, 6)

    ce2 = net.tracert("CE2", "1.1.1.1").splitlines()
    assert re.fullmatch(r" 2 10\.2\.1\.2 < AS=100 > \d+ ms  \d+ ms  \d+ ms", ce2[2])
    assert re.fullmatch(r" 3 10\.2\.1\.1 < AS=100 > \d+ ms  \d+ ms  \d+ ms", ce2[3])
    ce1 = net.tracert("CE1", "10.3.1.2").splitlines()
    assert re.fullmatch(r" 1 10\.2\.1\.2 \d+ ms  \d+ ms  \d+ ms", ce1[1])
    assert re.fullmatch(r" 3 10\.3\.1\.2 \d+ ms  \d+ ms  \d+ ms", ce1[3])
    assert "*down" in net.display_interface_brief("CE1").splitlines()[17]
    assert "GigabitEthernet0/3/0        down  down" in net.display_interface_brief("PE1")

    # undo shutdown restores everything.
    shut_ce1(ref_lab, down=False)
    for r in ("PE1", "PE3"):
        assert table_rows(net.display_ip_routing_table(r, "VPNA").splitlines()) == table_rows(before[r].splitlines())
    assert "Total UP/DOWN Session Number : 1/0" in net.display_bfd_session("PE1", verbose=False)
    assert re.search(r" 1 10\.1\.1\.2 \d+ ms 10\.2\.1\.2", net.tracert("CE1", "10.3.1.2"))


def test_pulled_cable_brings_protocols_down_and_back(ref_lab):
    net = ref_lab.net
    net.set_cable("PE1", "GE0/1/0", up=False)
    st = net.state()
    assert not any(up for a, up in st.ospf_adj if a.router == "PE1" and a.interface == G1)
    # PE1 now reaches 4.4.4.4 through PE2: cost 3.
    rows = table_rows(net.display_ip_routing_table("PE1").splitlines())
    assert ("4.4.4.4/32", "OSPF", "10", "3", "D", "33.33.33.2", "GigabitEthernet0/2/0") in rows
    assert "GigabitEthernet0/1/0        down  down" in net.display_interface_brief("PE1")
    ldp = net.display_mpls_ldp_session("PE1")
    assert "4.4.4.4:0" not in ldp and "TOTAL: 1 session(s) Found." in ldp
    # The IBGP session survives over the other path.
    assert net.display_bgp_peer("PE1", "vpnv4_all").count("Established") == 2
    net.set_cable("PE1", "GigabitEthernet0/1/0", up=True)
    rows = table_rows(net.display_ip_routing_table("PE1").splitlines())
    assert ("4.4.4.4/32", "OSPF", "10", "2", "D", "11.11.11.2", "GigabitEthernet0/1/0") in rows
    kinds = [e.kind for e in net.events()]
    assert "link-down" in kinds and "link-up" in kinds and "ospf-down" in kinds


def test_set_cable_rejects_unknown_port(ref_lab):
    import pytest

    with pytest.raises(ValueError, match="PE1:GigabitEthernet0/9/0"):
        ref_lab.net.set_cable("PE1", "GigabitEthernet0/9/0", up=False)


def test_protocols_converge_in_realistic_order(make_lab):
    from vrpbook_tests_refnet import LAB_TOPOLOGY, reference_configs  # type: ignore[import-not-found]

    lab = make_lab(LAB_TOPOLOGY, reference_configs, time_scale=1.0)
    net = lab.net

    def snapshot():
        st = net.state()
        return (sum(s.up for s in st.bfd), sum(up for _, up in st.ospf_adj), sum(up for _, up in st.ldp),
                sum(s == "Established" for _, s in st.bgp_peers))

    assert snapshot() == (0, 0, 0, 0)
    assert "Idle" in net.display_bgp_peer("PE1", "vpnv4_all")
    lab.clock.advance(1.0)
    assert snapshot() == (4, 0, 0, 0)  # BFD first
    lab.clock.advance(5.0)
    assert snapshot()[1] == 6 and snapshot()[2] == 0  # OSPF Full at 6 s
    lab.clock.advance(3.0)  # LDP 2 s after OSPF, EBGP (3 s, directly connected) too
    b, o, ldp, bgp = snapshot()
    assert ldp == 6 and bgp == 2
    lab.clock.advance(2.0)  # IBGP 4 s after the loopbacks became reachable at 6 s
    assert snapshot() == (4, 6, 6, 8)
    # Nothing arrives before it should: the VPN route from PE2 appeared exactly at 10 s.
    installs = [e for e in net.events() if e.kind == "route-installed" and e.router == "PE3" and "VPNA" in e.detail]
    assert installs and min(e.t_ms for e in installs) == 10000.0
    lab.clock.advance(125.0)
    row = [x for x in net.display_bgp_peer("PE1", "vpnv4_all").splitlines() if x.startswith("3.3.3.3")][0]
    assert row.split()[6] == "00:02:06"  # Established at 10 s, now 136 s
    assert "0000:00:02" in net.display_mpls_ldp_session("PE1")
    # Counters grow with time.
    first = int(row.split()[3])
    lab.clock.advance(600.0)
    row = [x for x in net.display_bgp_peer("PE1", "vpnv4_all").splitlines() if x.startswith("3.3.3.3")][0]
    assert int(row.split()[3]) == first + 10


def test_bfd_alone_withdraws_the_tracked_route_after_detect_time(ref_lab):
    """No link goes down: only BFD (CE1 deletes its session) can tell PE1 to withdraw."""
    net = ref_lab.net
    t0 = ref_lab.clock()
    del ref_lab.configs["CE1"].bfd_sessions["ce1_to_pe1"]
    ref_lab.commit("CE1")
    pe1 = table_rows(net.display_ip_routing_table("PE1", "VPNA").splitlines())
    assert ("1.1.1.1/32", "Static", "60", "0", "RD", "10.1.1.1", "GigabitEthernet0/3/0") in pe1  # still there
    ref_lab.clock.advance(0.029)
    assert "Static" in net.display_ip_routing_table("PE1", "VPNA")
    ref_lab.clock.advance(0.002)
    pe1 = table_rows(net.display_ip_routing_table("PE1", "VPNA").splitlines())
    assert [r[1:] for r in pe1 if r[0] == "1.1.1.1/32"] == [
        ("IBGP", "255", "0", "RD", "3.3.3.3", "GigabitEthernet0/2/0")]
    ev = [e for e in net.events() if e.router == "PE1" and e.kind in ("bfd-down", "route-withdrawn")]
    t30 = round((t0 - net._t0) * 1000 + 30.0, 3)
    assert [(e.kind, e.t_ms) for e in ev] == [("bfd-down", t30), ("route-withdrawn", t30)]
    assert "1.1.1.1/32 Static via 10.1.1.1" in ev[1].detail
    assert not any(e.kind == "link-down" for e in net.events())
    # The other session keeps its discriminator (allocated once, not renumbered).
    assert "8193  8192   10.2.1.2        Up" in net.display_bfd_session("CE1", verbose=False)
    # A session created later takes the lowest free discriminator.
    from vrpbook.twin.config.model import BfdSession

    ref_lab.configs["CE1"].bfd_sessions["again"] = BfdSession(
        "again", IPv4Address("10.1.1.2"), None, G1, IPv4Address("10.1.1.1"), auto=True)
    ref_lab.commit("CE1")
    ref_lab.clock.advance(0.01)
    assert "8192  8192   10.1.1.2        Up" in net.display_bfd_session("CE1", verbose=False)
    assert "Static" in net.display_ip_routing_table("PE1", "VPNA")


def test_cable_pull_logs_link_events_for_every_port_type():
    """Port names may start with a digit (``100GE0/1/0``): their pulls are logged too."""
    from ipaddress import IPv4Interface

    from vrpbook.twin.config.model import RouterConfig
    from vrpbook.twin.network.engine import Network
    from vrpbook.twin.topology import Topology

    for port in ("GigabitEthernet0/1/0", "100GE0/1/0", "10GE0/1/0"):
        topo = Topology.from_dict({"devices": {"A": {"interfaces": [port]}, "B": {"interfaces": [port]}},
                                   "cables": [[f"A:{port}", f"B:{port}"]]})
        cfgs = {}
        for i, name in enumerate("AB", 1):
            cfg = RouterConfig.factory(topo.devices[name].interfaces)
            cfg.interfaces[port].address = IPv4Interface(f"10.0.0.{i}/30")
            cfgs[name] = cfg
        net = Network(topo, lambda cfgs=cfgs: cfgs, time_scale=0.0)
        net.state()
        net.set_cable("A", port, False)
        net.set_cable("A", port, True)
        got = sorted((e.router, e.kind) for e in net.events() if e.kind.startswith("link"))
        assert got == [("A", "link-down"), ("A", "link-up"), ("B", "link-down"), ("B", "link-up")], port
