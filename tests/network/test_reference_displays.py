"""The reference network built in Python: every display against the reference's outputs."""

from __future__ import annotations

import re

from vrpbook_tests_refnet import counts, reference_block, table_rows  # type: ignore[import-not-found]


def test_pe1_public_routing_table_matches_reference(ref_lab):
    ref = reference_block("<PE1> display ip routing-table")
    out = ref_lab.net.display_ip_routing_table("PE1").splitlines()
    assert table_rows(out) == table_rows(ref)
    assert len(table_rows(out)) == 15
    assert counts(out) == counts(ref) == (14, 15)
    # Static layout lines are the reference's, character for character.
    for fixed in (0, 1, 2, 5):
        assert out[fixed] == ref[fixed].rstrip()
    # Direct rows use the reference's column layout exactly.
    assert "        2.2.2.2/32  Direct 0    0           D  127.0.0.1       LoopBack1" in out
    # ECMP continuation row has a blank destination.
    cont = out[out.index(next(x for x in out if x.lstrip().startswith("22.22.22.0/24"))) + 1]
    assert cont.startswith(" " * 20 + "OSPF")


def test_pe1_and_pe3_vpn_tables_match_reference(ref_lab):
    for router, marker, occ in (("PE1", "<PE1> display ip routing-table vpn-instance VPNA", 1),
                                ("PE3", "<PE3> display ip routing-table vpn-instance VPNA", 1)):
        ref = reference_block(marker, occ)
        out = ref_lab.net.display_ip_routing_table(router, "VPNA").splitlines()
        assert table_rows(out) == table_rows(ref), router
        assert counts(out) == counts(ref), router
        assert out[2] == "Routing Table: VPNA"


def test_pe1_ldp_sessions(ref_lab):
    ref = reference_block("<PE1> display mpls ldp session")
    ref_lab.clock.advance(2 * 3600 + 22 * 60 + 5)
    out = ref_lab.net.display_mpls_ldp_session("PE1").splitlines()
    # Header and rule lines identical to the reference.
    assert [x.rstrip() for x in ref[:8]] == out[:8]
    rows = [x.split() for x in out if x.strip().endswith(tuple("0123456789")) and ":0 " in x]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("3.3.3.3:0", "Operational", "DU", "Passive"), ("4.4.4.4:0", "Operational", "DU", "Passive")]
    assert rows[0][4] == "0000:02:22"
    sent, rcvd = map(int, rows[0][5].split("/"))
    assert sent == rcvd and 560 <= sent <= 575  # keepalive every 15 s
    assert out[-1] == " TOTAL: 2 session(s) Found."
    # PE3 has the highest LSR ID: it is Active towards both.
    pe3 = ref_lab.net.display_mpls_ldp_session("PE3")
    assert pe3.count("Active") == 2 and "Passive" not in pe3


def test_pe1_vpn_instance_verbose(ref_lab):
    ref = [x.rstrip() for x in reference_block("<PE1> display ip vpn-instance verbose")]
    ref_lab.clock.advance(2 * 3600 + 35 * 60 + 58)
    out = ref_lab.net.display_ip_vpn_instance_verbose("PE1").splitlines()
    assert out[7] == "  Up time : 0 days, 02 hours, 35 minutes and 58 seconds"
    assert re.fullmatch(r"  Create date : \d{4}/\d\d/\d\d \d\d:\d\d:\d\d", out[6])
    for i, line in enumerate(ref):
        if "Create date" in line or "Up time" in line:
            continue
        assert out[i] == line, i


def test_every_pe_has_established_vpnv4_peers(ref_lab):
    ref = reference_block("<PE1> display bgp vpnv4 all peer")
    ref_lab.clock.advance(3 * 3600 + 5 * 60 + 25)
    for pe, peers in (("PE1", ["3.3.3.3", "4.4.4.4"]), ("PE2", ["2.2.2.2", "4.4.4.4"]),
                      ("PE3", ["2.2.2.2", "3.3.3.3"])):
        out = ref_lab.net.display_bgp_peer(pe, "vpnv4_all").splitlines()
        rows = [x.split() for x in out if re.match(r"^\d+\.\d+\.\d+\.\d+ ", x)]
        assert [r[0] for r in rows[:2]] == peers
        assert all(r[7] == "Established" and r[6] == "03:05:25" for r in rows)
        assert " Local AS number : 100" in out
        assert "Peer            V    AS  MsgRcvd  MsgSent    OutQ  Up/Down  State PrefRcv" in out
    pe1 = ref_lab.net.display_bgp_peer("PE1", "vpnv4_all").splitlines()
    assert pe1[:4] == [x.rstrip() for x in ref[:4]][:1] + [" BGP local router ID : 2.2.2.2"] + [
        x.rstrip() for x in ref[2:4]]
    pe3 = ref_lab.net.display_bgp_peer("PE3", "vpnv4_all")
    assert "  Peer of IPv4-family for vpn instance :" in pe3
    assert "  VPN-Instance VPNA, Router ID 4.4.4.4:" in pe3
    assert re.search(r"^10\.3\.1\.2\s+4\s+65410\s+\d+\s+\d+\s+0 \S+ Established\s+1$", pe3, re.M)


def test_bgp_peer_and_vpn_instance_peer(ref_lab):
    ce2 = ref_lab.net.display_bgp_peer("CE2", "ipv4").splitlines()
    row = [x.split() for x in ce2 if x.startswith("  10.3.1.1")][0]
    assert row[2] == "100" and row[7] == "Established" and int(row[8]) == 4
    pe3 = ref_lab.net.display_bgp_peer("PE3", "vpn_instance", "VPNA")
    assert re.search(r"^  10\.3\.1\.2\s+4\s+65410 .* Established\s+1$", pe3, re.M)
    assert ref_lab.net.display_bgp_peer("PE3", "vpn_instance", "NOPE").startswith("Error:")


def test_bfd_verbose_pe1_and_ce1(ref_lab):
    pe1 = ref_lab.net.display_bfd_session("PE1", verbose=True).splitlines()
    assert "  (One Hop) State : Up                      Name : pe1_to_ce1" in pe1
    for line in ("  Local Discriminator    : 8192             Remote Discriminator   : 8192",
                 "  BFD Bind Type          : Interface(GigabitEthernet0/3/0)",
                 "  Bind Session Type      : Static_Auto",
                 "  Bind Peer IP Address   : 10.1.1.1",
                 "  Vpn Instance Name      : VPNA",
                 "  Bind Source IP Address : 10.1.1.2",
                 "  Actual Tx Interval (ms): 10               Actual Rx Interval (ms): 10",
                 "  Local Detect Multi     : 3                Detect Interval (ms)   : 30",
                 "  Destination Port       : 3784             TTL                    : 255",
                 "     Total UP/DOWN Session Number : 1/0"):
        assert line in pe1, line
    assert not any("Session Not Up Reason" in x for x in pe1)
    ce1 = ref_lab.net.display_bfd_session("CE1", verbose=True)
    assert "Name : ce1_to_pe1" in ce1 and "Name : ce1_to_pe2" in ce1
    assert "  Local Discriminator    : 8193             Remote Discriminator   : 8192" in ce1
    assert "Total UP/DOWN Session Number : 2/0" in ce1
    # The lines the reference prints for CE1 that the twin prints too, verbatim.
    ref = [x.rstrip() for x in reference_block("<CE1> display bfd session all verbose")]
    for line in ref[:12]:
        if "Actual" in line or "Detect Interval" in line or "TOS-EXP" in line or "Local Discriminator" in line:
            continue
        assert line in [x.rstrip() for x in ce1.splitlines()], line


def test_bfd_brief_layout(ref_lab):
    out = ref_lab.net.display_bfd_session("CE1", verbose=False).splitlines()
    assert out[3] == "Local  Remote PeerIpAddr      State     Type      InterfaceName"
    assert out[5] == "8192  8192   10.1.1.2        Up        S_AUTO_IF   GigabitEthernet0/1/0"
    # The reference prints Remote 8193 here; PE2 allocates its only auto session 8192,
    # and the remote discriminator is the far end's local one (protocol truth).
    assert out[6] == "8193  8192   10.2.1.2        Up        S_AUTO_IF   GigabitEthernet0/2/0"
    assert out[-1] == "     Total UP/DOWN Session Number : 2/0"


def test_ospf_peer_brief(ref_lab):
    out = ref_lab.net.display_ospf_peer_brief("PE1").splitlines()
    assert "          OSPF Process 1 with Router ID 2.2.2.2" in out
    rows = [x.split() for x in out if x.startswith(" 0.0.0.0")]
    assert rows == [["0.0.0.0", "GigabitEthernet0/1/0", "4.4.4.4", "Full"],
                    ["0.0.0.0", "GigabitEthernet0/2/0", "3.3.3.3", "Full"]]
    assert "Total number of peer(s): 2" in out and " Peer(s) in full state: 2" in out


def test_ping_formats(ref_lab):
    ref = reference_block("[~PE1] ping -vpn-instance VPNA 10.1.1.1", 1)
    out = ref_lab.net.ping("PE1", "10.1.1.1", "VPNA").splitlines()
    assert out[0] == ref[0] if ref else out[0] == "PING 10.1.1.1: 56  data bytes, press CTRL_C to break"
    assert all(re.fullmatch(r"    Reply from 10\.1\.1\.1: bytes=56 Sequence=\d ttl=255 time=\d+ ms", x) for x in out[1:6])
    assert out[7:11] == ["  --- 10.1.1.1 ping statistics ---", "    5 packet(s) transmitted",
                         "    5 packet(s) received", "    0.00% packet loss"]
    times = [int(re.search(r"time=(\d+)", x).group(1)) for x in out[1:6]]
    assert out[11] == f"round-trip min/avg/max = {min(times)}/{sum(times) // 5}/{max(times)} ms"
    # An address nobody holds: all lost, no round-trip line.
    lost = ref_lab.net.ping("PE1", "10.1.1.77", "VPNA").splitlines()
    assert lost.count("    Request time out") == 5
    assert "    100.00% packet loss" in lost and not any("round-trip" in x for x in lost)
    # Across the MPLS core: CE1's loopback from PE3's VPN instance.
    far = ref_lab.net.ping("PE3", "1.1.1.1", "VPNA")
    assert "5 packet(s) received" in far
    # -c / -s / -a are honoured; a source that is not local is refused.
    two = ref_lab.net.ping("CE2", "1.1.1.1", count=2, size=100, source="10.3.1.2")
    assert "bytes=100 Sequence=2 ttl=253" in two  # CE1 -> PE1|PE2 -> PE3 -> CE2: two IP hops and "    2 packet(s) received" in two
    assert ref_lab.net.ping("CE2", "1.1.1.1", source="10.9.9.9").startswith("Error:")


def test_ce1_tracert_alternates_first_hop(ref_lab):
    out = ref_lab.net.tracert("CE1", "10.3.1.2").splitlines()
    assert out[0] == " traceroute to  10.3.1.2(10.3.1.2), max hops: 30 ,packet length: 40"
    assert re.fullmatch(r" 1 10\.1\.1\.2 \d+ ms 10\.2\.1\.2 \d+ ms 10\.1\.1\.2 \d+ ms", out[1])
    assert re.fullmatch(r" 2 10\.3\.1\.1 \d+ ms  \d+ ms  \d+ ms", out[2])
    assert re.fullmatch(r" 3 10\.3\.1\.2 \d+ ms  \d+ ms  \d+ ms", out[3])
    assert len([x for x in out if x.strip()]) == 4


def test_ce2_tracert_marks_bgp_hops(ref_lab):
    out = ref_lab.net.tracert("CE2", "1.1.1.1").splitlines()
    assert re.fullmatch(r" 1 10\.3\.1\.1 \d+ ms  \d+ ms  \d+ ms", out[1])
    # Per-flow load balancing at PE3: one egress PE for the whole flow.
    m = re.fullmatch(r" 2 (10\.[12]\.1\.2) < AS=100 > \d+ ms  \d+ ms  \d+ ms", out[2])
    assert m
    last = "10.1.1.1" if m.group(1) == "10.1.1.2" else "10.2.1.1"
    assert re.fullmatch(rf" 3 {re.escape(last)} < AS=100 > \d+ ms  \d+ ms  \d+ ms", out[3])


def test_interface_brief(ref_lab):
    out = ref_lab.net.display_interface_brief("PE1").splitlines()
    assert out[0] == "PHY: Physical" and out[15] == "InUti/OutUti: input utility/output utility"
    assert out[16] == "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors"
    assert "GigabitEthernet0/1/0        up    up           0%     0%          0          0" in out
    assert "LoopBack1                   up    up(s)        0%     0%          0          0" in out
    assert out[-1].startswith("NULL0                       up    up(s)")


def test_static_protocol_table(ref_lab):
    out = ref_lab.net.display_ip_routing_table("CE1", protocol="static").splitlines()
    assert out[2] == "_public_ Routing Table : Static"
    assert "         Destinations : 1        Routes : 2        Configured Routes : 2" in out
    rows = table_rows(out[: out.index("Static routing table status : <Inactive>")])
    assert rows == [("0.0.0.0/0", "Static", "60", "0", "RD", "10.1.1.2", "GigabitEthernet0/1/0"),
                    ("0.0.0.0/0", "Static", "60", "0", "RD", "10.2.1.2", "GigabitEthernet0/2/0")]
    assert out[-1] == "         Destinations : 0        Routes : 0"


def test_vpnv4_routing_table(ref_lab):
    out = ref_lab.net.display_bgp_vpnv4_routing_table("PE3")
    assert " BGP Local router ID is 4.4.4.4" in out
    assert " Route Distinguisher: 100:1" in out and " Route Distinguisher: 100:3" in out
    assert re.search(r"^ \*>i\s+1\.1\.1\.1/32\s+2\.2\.2\.2\s+0\s+100\s+0\s+\?$", out, re.M)
    assert " VPN-Instance VPNA, Router ID 4.4.4.4:" in out


def test_unknown_vpn_instance_is_an_error(ref_lab):
    assert ref_lab.net.display_ip_routing_table("PE1", "VPNB").startswith("Error:")
    assert ref_lab.net.ping("PE1", "10.1.1.1", "VPNB").startswith("Error:")
