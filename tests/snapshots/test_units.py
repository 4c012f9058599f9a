"""Snapshots without a router: ages to "since", counters apart, the diff, and the attribution rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vrpbook.parsers import parse
from vrpbook.snapshots import RouterSnapshot, compare, displays_for, normalise
from vrpbook.snapshots.diff import config_diff, config_paths
from vrpbook.snapshots.normalise import parse_age, same_since, since

T = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)

BGP = """
 BGP local router ID : 2.2.2.2
 Local AS number : 100
 Total number of peers : 2                 Peers in established state : 2

  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv
  3.3.3.3         4         100       10       11     0 00:05:15 Established        2
  4.4.4.4         4         100      900      901     0 626h43m  Established        3
"""


def test_ages_in_every_printed_form():
    assert parse_age("00:05:15") == (315.0, 1.0)
    assert parse_age("626h43m") == (626 * 3600 + 43 * 60, 60.0)
    assert parse_age("1d02h") == (26 * 3600, 3600.0)
    assert parse_age("0001:02:03", ldp=True) == (86400 + 2 * 3600 + 180, 60.0)
    assert parse_age("soon") is None


def test_an_age_becomes_a_since_that_stays_put_while_the_session_stays_up():
    a = since(T, "00:05:15")
    b = since(T + timedelta(seconds=61), "00:06:16")  # read a minute later: the same instant
    assert a == {"at": "2026-03-01T09:54:45+00:00", "resolution_s": 1.0}
    assert same_since(a, b)  # type: ignore[arg-type]
    flapped = since(T + timedelta(seconds=61), "00:00:20")
    assert not same_since(a, flapped)  # type: ignore[arg-type]


def test_counters_are_kept_apart_from_the_state():
    out = normalise("display bgp peer", parse("display bgp peer", BGP), T)
    peer = out.state["bgp peers"]["peer 3.3.3.3"]
    assert peer == {"as": "100", "state": "Established", "since": {"at": "2026-03-01T09:54:45+00:00", "resolution_s": 1.0}}
    assert out.counters["bgp peers"]["peer 4.4.4.4"] == {"msg_rcvd": 900, "msg_sent": 901, "out_q": 0, "pref_rcv": 3}
    later = normalise("display bgp peer", parse("display bgp peer", BGP.replace("      10       11", "      99      120")
                                                 .replace("00:05:15", "00:07:15").replace("626h43m", "626h45m")),
                      T + timedelta(seconds=120))
    assert later.state == out.state  # messages moved, time passed: no state change
    assert later.counters != out.counters


def test_displays_follow_the_routers_own_configuration():
    pe = "#\nsysname PE1\n#\nip vpn-instance VPNA\n ipv4-family\n#\nmpls ldp\n#\nbfd\n#\nbgp 100\n ipv4-family vpnv4\n#\nospf 1\n#\nreturn\n"
    assert displays_for(pe) == ["display ip routing-table", "display interface brief", "display bgp peer",
                                "display bgp vpnv4 all peer", "display ospf peer brief", "display mpls ldp session",
                                "display bfd session all", "display ip vpn-instance verbose",
                                "display ip routing-table vpn-instance VPNA"]
    assert displays_for("#\nsysname CE9\n#\nreturn\n") == ["display ip routing-table", "display interface brief"]


def test_configuration_lines_keep_their_parents():
    text = "#\ninterface GigabitEthernet0/3/0\n ip binding vpn-instance VPNA\n ip address 10.1.1.2 255.255.255.0\n#\nreturn\n"
    assert [p for _m, p in config_paths(text)] == [
        ("interface GigabitEthernet0/3/0",),
        ("interface GigabitEthernet0/3/0", "ip binding vpn-instance VPNA"),
        ("interface GigabitEthernet0/3/0", "ip address 10.1.1.2 255.255.255.0"),
    ]
    diff = "Building configuration\n  #\n  interface LoopBack1\n+  description core\n-  ip address 1.1.1.1 255.255.255.255\n"
    assert config_paths(diff, marked=True) == [(" ", ("interface LoopBack1",)), ("+", ("interface LoopBack1", "description core")),
                                               ("-", ("interface LoopBack1", "ip address 1.1.1.1 255.255.255.255"))]
    changed = config_diff("PE1", "#\ninterface LoopBack1\n ip address 1.1.1.1 255.255.255.255\n#\n",
                          "#\ninterface LoopBack1\n description core\n#\n")
    assert [d.line() for d in changed] == ["PE1: config - interface LoopBack1 > ip address 1.1.1.1 255.255.255.255",
                                           "PE1: config + interface LoopBack1 > description core"]


def _snap(router: str, config: str, state: dict, phase: str = "pre", errors: dict | None = None) -> RouterSnapshot:
    return RouterSnapshot(router, phase, T, config, state=state, errors=errors or {})


PE1_CFG = "#\ninterface GigabitEthernet0/3/0\n ip address 10.1.1.2 255.255.255.0\n#\ninterface LoopBack1\n ip address 2.2.2.2 255.255.255.255\n#\n"
UP = {"state": "Up", "local": 10, "remote": 20}


def test_what_the_change_meant_is_tied_and_anything_else_is_flagged():
    meant = {"PE1": "Building configuration\n  #\n+ ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1\n"}
    pre = {"PE1": _snap("PE1", PE1_CFG, {"routes VPNA": {}, "interfaces": {"GigabitEthernet0/1/0": {"phy": "up", "protocol": "up"}},
                                          "bfd sessions": {"peer 10.1.1.1 S_IP_IF GigabitEthernet0/3/0": UP}})}
    post_cfg = PE1_CFG + "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1\n#\n"
    post = {"PE1": _snap("PE1", post_cfg, {
        "routes VPNA": {"1.1.1.1/32 via 10.1.1.1 GigabitEthernet0/3/0": {"proto": "Static", "pre": 60, "cost": 0, "flags": "RD"}},
        "interfaces": {"GigabitEthernet0/1/0": {"phy": "up", "protocol": "down"}},  # nobody's line explains this
        "bfd sessions": {"peer 10.1.1.1 S_IP_IF GigabitEthernet0/3/0": UP}}, "post")}
    proof = compare(pre, post, meant)
    assert proof.verdict == "fail"
    assert [d.line() for d in proof.flagged] == ["PE1: interfaces GigabitEthernet0/1/0: protocol up -> down"]
    tied = {d.line(): why for d, why in proof.tied}
    assert tied == {
        "PE1: config + ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1":
            "PE1's diff: + ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1",
        "PE1: routes VPNA 1.1.1.1/32 via 10.1.1.1 GigabitEthernet0/3/0 added":
            "PE1: + ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1",
    }


def test_a_line_the_change_meant_that_is_not_there_is_missing_and_unread_is_not_a_pass():
    meant = {"PE1": "Building configuration\n+ ip route-static 9.9.9.9 255.255.255.255 10.1.1.1\n"}
    same = {"PE1": _snap("PE1", PE1_CFG, {})}
    proof = compare(same, {"PE1": _snap("PE1", PE1_CFG, {}, "post")}, meant)
    assert proof.verdict == "fail" and proof.missing == [
        "PE1: + ip route-static 9.9.9.9 255.255.255.255 10.1.1.1 (the change meant it; the router does not show it)"]
    unread = compare(same, {"PE1": _snap("PE1", PE1_CFG, {}, "post", {"display bfd session all": "device error: x"})},
                     {"PE1": ""})
    assert unread.verdict == "error" and unread.not_compared == {"PE1": ["post: display bfd session all: device error: x"]}
    gone = compare(same, {"PE1": "SessionLost: PE1: the session closed"}, {"PE1": ""})
    assert gone.verdict == "error" and "post snapshot: SessionLost" in gone.not_compared["PE1"][0]
    assert compare(same, {"PE1": _snap("PE1", PE1_CFG, {}, "post")}, {"PE1": ""}).verdict == "pass"
