"""The policy of issue 11: structural fail-closed, tolerant of the unknown, strict where it protects.

- an unknown ``Key : value`` of a verbose display is kept under ``extra`` with a warning;
- values with a known set (states, protocols, flags) are checked; a block missing a required
  line fails; a doubled row fails;
- a total that disagrees with the rows fails when truncation explains it, else warns;
- terminal variants (timestamps, echoes, 80-column wraps, elisions, prompts) are read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vrpbook.parsers import ParseError, ParseErrorKind, parse
from vrpbook.parsers.config import CurrentConfiguration

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def _sample(path: str) -> str:
    return (SAMPLES / path).read_text(encoding="utf-8")


# ------------------------------------------------------------------ tolerant of the unknown


def test_unknown_vpn_instance_key_is_kept_under_extra_with_a_warning() -> None:
    text = _sample("ip_vpn_instance_verbose/02-ne40e-option-c-per-instance-label-aligned-totals.txt")
    text = text.replace("  Vrf Status : UP", "  Vrf Status : UP\n  Service ID : 7")
    result = parse("display ip vpn-instance verbose", text).model_dump()
    (af,) = result["instances"][0]["address_families"]
    assert af["extra"] == {"Service ID": "7"} and af["vrf_status"] == "UP"
    assert result["warnings"] == ["line 12: field 'Service ID' is not one vrpbook knows; kept under extra"]


def test_vrp5_vpn_instance_without_address_family_lines_is_read_as_ipv4() -> None:
    text = ("Total VPN-Instances configured : 1\n\n VPN-Instance Name and ID : vpn1, 1\n"
            "  Create date : 2010/01/25 15:53:53\n  Route Distinguisher : 100:1\n  Export VPN Targets :  1:1\n"
            "  Import VPN Targets :  1:1\n  Label Policy : label per route\n  Interfaces : Vlanif10\n")
    result = parse("display ip vpn-instance verbose", text).model_dump()
    (inst,) = result["instances"]
    (af,) = inst["address_families"]
    assert (af["afi"], af["route_distinguisher"], af["export_vpn_targets"]) == ("ipv4", "100:1", ["1:1"])
    assert any("read as address family ipv4" in w for w in result["warnings"])


def test_vrp5_bfd_verbose_session_mindex_header() -> None:
    """VRP5 S-series prints ``Session MIndex : 256`` before the hop tag (command reference)."""
    text = _sample("bfd_session_all_verbose/01-ne40e-eth-trunk-down-local-demand.txt").replace(
        "   (One Hop) State : Down", "  Session MIndex : 256       (One Hop) State : Down")
    (session,) = parse("display bfd session all verbose", text).model_dump()["sessions"]
    assert (session["mindex"], session["hop_type"], session["name"]) == (256, "One Hop", "atob")


def test_bfd_verbose_repeated_key_without_value_is_ignored_with_a_warning() -> None:
    result = parse("display bfd session all verbose",
                   _sample("bfd_session_all_verbose/03-ce6800-timestamp-duplicate-empty-keys.txt")).model_dump()
    (session,) = result["sessions"]
    assert (session["bind_type"], session["interface"]) == ("Interface(100GE1/0/1)", "100GE1/0/1")
    assert [w for w in result["warnings"] if "again without a value" in w] == [
        "line 12: 'BFD Bind Type' printed again without a value (ignored)",
        "line 16: 'Bind Interface' printed again without a value (ignored)",
    ]


# ------------------------------------------------------------------ strict where it protects


@pytest.mark.parametrize(
    ("command", "sample", "old", "new"),
    [
        ("display bfd session all verbose", "bfd_session_all_verbose/01-ne40e-multihop-up.txt", "State : Up", "State : Upp"),
        ("display bfd session all", "bfd_session_all/03-ne40e-vpws-pw.txt", " Up ", " Upp"),
        ("display bgp peer", "bgp_peer/03-ne40e-mixed-v4-v6.txt", "Established", "Establishd"),
        ("display ospf peer brief", "ospf_peer_brief/01-ne40e-multi-area-adjacency.txt", "Full", "Ful"),
        ("display mpls ldp session", "mpls_ldp_session/03-ne40e-cmdref.txt", "Operational", "Operationl"),
        ("display mpls ldp session", "mpls_ldp_session/03-ne40e-cmdref.txt", " DU ", " DX "),
        ("display ip routing-table", "ip_routing_table/01-ne40e-ospf-lb-3way.txt", "OSPF   ", "OSPFF  "),
        ("display ip routing-table", "ip_routing_table/01-ne40e-ospf-lb-3way.txt", "  D  ", "  X  "),
    ],
)
def test_a_value_outside_its_set_fails(command: str, sample: str, old: str, new: str) -> None:
    text = _sample(sample)
    assert old in text
    with pytest.raises(ParseError) as info:
        parse(command, text.replace(old, new, 1))
    assert info.value.kind in (ParseErrorKind.VALUE, ParseErrorKind.UNKNOWN_LINE)


def test_route_flags_are_the_legend_s_letters() -> None:
    text = _sample("ip_routing_table/02-real-ar-vrp5-ibgp-rd-double-space-cmd.txt")
    assert "Route Flags: R - relay, D - download to fib\n" in text
    # VRP5's legend defines R and D only: a T flag is not one this router prints
    with pytest.raises(ParseError, match="not defined by the Route Flags legend"):
        parse("display ip routing-table", text.replace(" RD ", " RT ", 1))


def test_a_bfd_block_missing_a_required_line_fails() -> None:
    text = _sample("bfd_session_all_verbose/01-ne40e-multihop-up.txt")
    cut = "\n".join(line for line in text.split("\n") if "Bind Application" not in line)
    with pytest.raises(ParseError, match="without bind_application") as info:
        parse("display bfd session all verbose", cut)
    assert info.value.kind is ParseErrorKind.STRUCTURE


@pytest.mark.parametrize(
    ("command", "sample", "row"),
    [
        ("display bgp peer", "bgp_peer/03-ne40e-mixed-v4-v6.txt", "192.168.1.1 "),
        ("display ip routing-table", "ip_routing_table/01-ne40e-ospf-lb-3way.txt", "InLoopBack0"),
        ("display mpls ldp session", "mpls_ldp_session/03-ne40e-cmdref.txt", ":0 "),
        ("display interface brief", "interface_brief/04-real-ce6870-prod-utilization.txt", "100GE1/0/2 "),
    ],
)
def test_a_doubled_row_fails(command: str, sample: str, row: str) -> None:
    lines = _sample(sample).split("\n")
    i = next(n for n, line in enumerate(lines) if row in line)
    with pytest.raises(ParseError, match="printed twice"):
        parse(command, "\n".join(lines[: i + 1] + lines[i:]))


def test_a_bfd_key_printed_twice_with_values_fails() -> None:
    text = _sample("bfd_session_all_verbose/01-ne40e-multihop-up.txt")
    line = next(x for x in text.split("\n") if "Bind Session Type" in x)
    with pytest.raises(ParseError, match="printed twice"):
        parse("display bfd session all verbose", text.replace(line, line + "\n" + line))


# ------------------------------------------------------------------ totals


BGP_HEAD = (" BGP local router ID : 1.1.1.1\n Local AS number : 100\n"
            " Total number of peers : {total}        Peers in established state : {total}\n\n"
            "  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv\n")
BGP_ROW = "  10.1.1.{n}        4         200       21       24     0 00:00:23 Established        0\n"


def test_a_total_over_no_rows_at_the_end_is_truncated() -> None:
    with pytest.raises(ParseError, match="truncated"):
        parse("display bgp peer", BGP_HEAD.format(total=3))


def test_fewer_or_more_rows_than_a_leading_total_are_kept_with_a_warning() -> None:
    fewer = parse("display bgp peer", BGP_HEAD.format(total=3) + BGP_ROW.format(n=1)).model_dump()
    assert len(fewer["peers"]) == 1 and fewer["total_peers"] == 3
    assert fewer["warnings"] == ["line 3: BGP peers: 3 announced, 1 listed (kept as printed)"]
    more = parse("display bgp peer", BGP_HEAD.format(total=1) + BGP_ROW.format(n=1) + BGP_ROW.format(n=2)).model_dump()
    assert len(more["peers"]) == 2 and more["warnings"] == ["line 3: BGP peers: 1 announced, 2 listed (kept as printed)"]


def test_excerpt_samples_keep_their_counters_with_a_warning() -> None:
    result = parse("dis ip routing-table vpn-instance LAN",
                   _sample("ip_routing_table_vpn_instance/01-real-ce-yunshan-excerpt-wide-nexthop.txt")).model_dump()
    assert (result["routes_count"], len(result["routes"])) == (67, 1)
    assert result["warnings"] == ["line 6: routes: 67 announced, 1 listed (kept as printed)"]


CE_BFD = ("S: Static session\nD: Dynamic session\n Total UP/DOWN Session Number : 2/0\n" + "-" * 80 + "\n"
          "Local Remote PeerIpAddr      State     Type        InterfaceName\n" + "-" * 80 + "\n"
          "10    20     10.1.1.2        Up       S_IP_PEER         -\n")


def test_a_leading_total_over_an_unclosed_table_is_truncated_and_over_a_closed_one_warns() -> None:
    with pytest.raises(ParseError, match="truncated"):
        parse("display bfd session all", CE_BFD)
    closed = parse("display bfd session all", CE_BFD + "-" * 80 + "\n").model_dump()
    assert len(closed["sessions"]) == 1 and "2 announced, 1 listed" in closed["warnings"][0]


def test_a_trailing_total_that_disagrees_warns() -> None:
    text = _sample("mpls_ldp_session/03-ne40e-cmdref.txt").replace("TOTAL: 2 Session(s)", "TOTAL: 3 Session(s)")
    result = parse("display mpls ldp session", text).model_dump()
    assert len(result["sessions"]) == 2 and result["total_sessions"] == 3
    assert any("3 announced, 2 listed" in w for w in result["warnings"])


# ------------------------------------------------------------------ terminal variants


def test_timestamp_info_and_repeated_echo_before_the_output() -> None:
    body = _sample("bgp_peer/05-ne40e-evpn-csc-narrow-columns-split-blocks.txt").split("\n", 1)[1]
    text = ("<PE1>display bgp peer\n2024-05-01 10:00:00.123 +08:00\n"
            "Info: It will take a long time if the content you search is too much or the string you input is too long, "
            "you can press CTRL_C to break.\ndisplay bgp peer\n" + body)
    result = parse("display bgp peer", text).model_dump()
    assert result["hostname"] == "PE1" and len(result["peers"]) == 2 and result["warnings"] == []


def test_elision_lines_are_accepted_with_a_warning() -> None:
    text = _sample("ip_routing_table/01-ne40e-ospf-lb-3way.txt")
    lines = text.split("\n")
    i = next(n for n, line in enumerate(lines) if "127.0.0.0/8" in line)
    result = parse("display ip routing-table", "\n".join([*lines[:i], "  ...", *lines[i:]])).model_dump()
    assert any("'...' line" in w for w in result["warnings"])


def test_tilde_in_a_user_view_prompt_is_not_part_of_the_name() -> None:
    result = parse("display bgp peer", _sample("bgp_peer/04-ne40e-keychain-tilde-user-view-prompt.txt"))
    assert (result.prompt, result.hostname) == ("<~DeviceA>", "DeviceA")


def test_only_lines_as_wide_as_the_terminal_are_joined() -> None:
    text = _sample("ip_routing_table/01-real-ar-vrp5-wrapped-80col.txt")
    routes = parse("display ip routing-table", text).model_dump()["routes"]
    assert {r["interface"] for r in routes} == {"LoopBack0", "GigabitEthernet0/0/0", "InLoopBack0"}
    # the same halves with the head line not 80 columns wide are two lines, the second unknown
    narrower = text.replace("        2.2.2.2/32  OSPF", "       2.2.2.2/32  OSPF", 1)
    with pytest.raises(ParseError) as info:
        parse("display ip routing-table", narrower)
    assert info.value.kind is ParseErrorKind.UNKNOWN_LINE and info.value.line == "0/0/0"


def test_legend_after_the_ldp_total() -> None:
    result = parse("display mpls ldp session",
                   _sample("mpls_ldp_session/02-ne40e-legend-after-total-split-blocks.txt")).model_dump()
    assert result["total_sessions"] == len(result["sessions"]) == 2


def test_interface_brief_port_flags_and_trunk_members() -> None:
    rows = parse("display interface brief",
                 _sample("interface_brief/01-real-ne-router-eth-trunk-members-10g.txt")).model_dump()["interfaces"]
    member = next(r for r in rows if r["interface"] == "GigabitEthernet15/1/0")
    assert (member["speed_tag"], member["member_of"]) == ("10G", "Eth-Trunk4")
    assert next(r for r in rows if r["interface"] == "Eth-Trunk4")["member_of"] is None
    flagged = parse("display interface brief", _sample("interface_brief/02-real-ar-wlan-virtual-port-flags.txt"))
    row = next(r for r in flagged.model_dump()["interfaces"] if r["interface"] == "GigabitEthernet0/0/5")
    assert (row["speed_tag"], row["port_flag"]) == (None, "v")


# ------------------------------------------------------------------ configuration sections


CONFIG = """!Software Version V800R012C10
!Last configuration was updated at 2026-04-01 19:16:48-03:00 by radiusnet1
#
sysname PE1
#
interface GigabitEthernet0/1/0
 undo shutdown
 ip address 11.11.11.1 255.255.255.0
 mpls
#
bgp 100
 peer 3.3.3.3 as-number 100
 #
 ipv4-family vpnv4
  policy vpn-target
  peer 3.3.3.3 enable
#
aaa
 local-user admin password irreversible-cipher %^%#abc{}def%^%#
#
return"""


def test_configuration_sections_tree_and_header() -> None:
    cfg = parse("display current-configuration", CONFIG)
    assert isinstance(cfg, CurrentConfiguration)
    assert (cfg.software_version, cfg.last_updated, cfg.last_updated_by) == (
        "V800R012C10", "2026-04-01 19:16:48-03:00", "radiusnet1")
    assert [s.line for s in cfg.sections] == ["sysname PE1", "interface GigabitEthernet0/1/0", "bgp 100", "aaa"]
    bgp = cfg.section("bgp 100")
    assert bgp is not None and [c.line for c in bgp.children] == ["peer 3.3.3.3 as-number 100", "ipv4-family vpnv4"]
    assert [c.line for c in bgp.children[1].children] == ["policy vpn-target", "peer 3.3.3.3 enable"]


def test_configuration_compliance_and_drift() -> None:
    cfg = parse("display current-configuration", CONFIG)
    assert isinstance(cfg, CurrentConfiguration)
    want = [" undo shutdown", " ip address 11.11.11.1 255.255.255.0", " mpls", " mpls ldp"]
    assert cfg.missing_lines("interface GigabitEthernet0/1/0", want) == ["mpls ldp"]
    assert cfg.unexpected_lines("interface GigabitEthernet0/1/0", want[:2]) == ["mpls"]
    intended = parse("display current-configuration", CONFIG.replace("  peer 3.3.3.3 enable\n", "")
                     .replace("sysname PE1", "sysname PE9"))
    assert isinstance(intended, CurrentConfiguration)
    assert [(d.path, d.line, d.change) for d in cfg.drift(intended)] == [
        ([], "sysname PE9", "missing"),
        (["bgp 100", "ipv4-family vpnv4"], "peer 3.3.3.3 enable", "unexpected"),
        ([], "sysname PE1", "unexpected"),
    ]
    assert cfg.drift(cfg) == []


def test_configuration_keeps_no_cipher_text() -> None:
    cfg = parse("display current-configuration", CONFIG)
    dumped = cfg.model_dump_json()
    assert "%^%#" not in dumped and "abc{}def" not in dumped
    aaa = cfg.section("aaa")
    assert aaa is not None and aaa.children[0].line.startswith("local-user admin password irreversible-cipher <secret ")


def test_configuration_without_return_is_truncated_unless_filtered() -> None:
    cut = CONFIG.rsplit("#", 1)[0]
    with pytest.raises(ParseError, match="truncated"):
        parse("display current-configuration", cut)
    filtered = parse("display current-configuration | include sysname", "sysname PE1\n")
    assert isinstance(filtered, CurrentConfiguration) and [s.line for s in filtered.sections] == ["sysname PE1"]


def test_unknown_commit_list_key_is_kept_under_extra() -> None:
    text = ("1) CommitId: 1000000114\n        Label: -\n        User: Huawei\n        User-Intf: VTY 0\n"
            "        Type: CLI\n        TimeStamp: 2012-07-03 20:20:40\n        Description: new name\n"
            "        Commit Mode: trial\n")
    result = parse("display configuration commit list verbose", text).model_dump()
    (point,) = result["commits"]
    assert (point["commit_id"], point["description"], point["extra"]) == ("1000000114", "new name", {"Commit Mode": "trial"})
    assert result["warnings"] == ["line 8: field 'Commit Mode' is not one vrpbook knows; kept under extra"]
