"""Every display output printed in the Huawei reference parses to the values printed there.

The outputs are read from the reference file itself (fenced blocks after
``<PE1> display ...`` lines), not copied into the test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from vrpbook.parsers import parse

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "000_ec677ba149024c37.txt"
_COMMAND = re.compile(r"^(?P<prompt><[^>]+>|\[[~*]?[^\]]+\])\s*(?P<command>display .+?)\s*$")


@dataclass(frozen=True)
class Capture:
    """One display command of the reference and its printed output."""

    host: str
    command: str
    text: str
    line_no: int


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    blocks: list[tuple[int, list[str]]] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].lstrip()
        if not stripped.startswith("```"):
            i += 1
            continue
        indent = len(lines[i]) - len(stripped)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].lstrip().startswith("```"):
            body.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j].lstrip())
            j += 1
        blocks.append((i + 2, body))
        i = j + 1
    return blocks


def captures() -> list[Capture]:
    """Every ``display`` command of the reference with its output (same or next fenced block)."""
    blocks = _blocks(REFERENCE.read_text(encoding="utf-8").split("\n"))
    found: list[Capture] = []
    for index, (line_no, body) in enumerate(blocks):
        for k, line in enumerate(body):
            m = _COMMAND.match(line)
            if not m:
                continue
            output = body[k + 1 :]
            if not any(x.strip() for x in output) and index + 1 < len(blocks):
                output = blocks[index + 1][1]
            host = m.group("prompt").strip("<>[]~*")
            found.append(Capture(host, m.group("command"), "\n".join([line, *output]), line_no + k))
    return found


CAPTURES = captures()


def _get(host: str, command: str, nth: int = 0) -> dict:
    matching = [c for c in CAPTURES if c.host == host and c.command == command]
    return parse(matching[nth].command, matching[nth].text).model_dump()


def test_every_display_of_the_reference_is_found_and_parses() -> None:
    assert [(c.host, c.command) for c in CAPTURES] == [
        ("PE1", "display ip routing-table"),
        ("PE1", "display mpls ldp session"),
        ("PE1", "display ip vpn-instance verbose"),
        ("PE1", "display bgp vpnv4 all peer"),
        ("PE1", "display bfd session all verbose"),
        ("CE1", "display bfd session all verbose"),
        ("PE1", "display ip routing-table vpn-instance VPNA"),
        ("PE3", "display ip routing-table vpn-instance VPNA"),
        ("PE1", "display bfd session all verbose"),
        ("PE1", "display ip routing-table vpn-instance VPNA"),
        ("PE3", "display ip routing-table vpn-instance VPNA"),
    ]
    for c in CAPTURES:
        result = parse(c.command, c.text)
        assert result.hostname == c.host
        assert result.command == c.command


def test_pe1_public_table_step1() -> None:
    t = _get("PE1", "display ip routing-table")
    assert (t["table"], t["destinations"], t["routes_count"]) == ("_public_", 14, 15)
    assert len(t["routes"]) == 15
    ecmp = [r for r in t["routes"] if r["destination"] == "22.22.22.0/24"]
    assert [(r["nexthop"], r["interface"]) for r in ecmp] == [
        ("11.11.11.2", "GigabitEthernet0/1/0"),
        ("33.33.33.2", "GigabitEthernet0/2/0"),
    ]
    assert all((r["proto"], r["pre"], r["cost"], r["flags"]) == ("OSPF", 10, 2, "D") for r in ecmp)
    # "3.3.3.3/32 OSPF" is glued to its column in the reference
    assert t["routes"][1] == {
        "destination": "3.3.3.3/32", "proto": "OSPF", "pre": 10, "cost": 2, "flags": "D",
        "nexthop": "33.33.33.2", "interface": "GigabitEthernet0/2/0",
    }
    assert t["routes"][-1]["destination"] == "255.255.255.255/32"


def test_pe1_ldp_sessions_step2() -> None:
    t = _get("PE1", "display mpls ldp session")
    assert t["total_sessions"] == 2
    assert [(s["peer_id"], s["status"], s["lam"], s["ssn_role"]) for s in t["sessions"]] == [
        ("3.3.3.3:0", "Operational", "DU", "Passive"),
        ("4.4.4.4:0", "Operational", "DU", "Passive"),
    ]
    assert (t["sessions"][0]["ssn_age"], t["sessions"][0]["ka_sent"], t["sessions"][0]["ka_rcv"]) == ("0000:02:22", 572, 572)
    assert (t["sessions"][1]["ka_sent"], t["sessions"][1]["ka_rcv"]) == (566, 566)


def test_pe1_vpn_instance_step3() -> None:
    t = _get("PE1", "display ip vpn-instance verbose")
    assert (t["total_vpn_instances"], t["total_ipv4_vpn_instances"], t["total_ipv6_vpn_instances"]) == (1, 1, 0)
    (inst,) = t["instances"]
    assert (inst["name"], inst["id"], inst["interfaces"], inst["description"]) == ("VPNA", 1, ["GigabitEthernet0/3/0"], None)
    (af,) = inst["address_families"]
    assert af["afi"] == "ipv4" and af["vrf_status"] == "UP"
    assert af["route_distinguisher"] == "100:1"
    assert af["export_vpn_targets"] == ["111:1"] and af["import_vpn_targets"] == ["111:1"]
    assert af["label_policy"] == "label per instance"  # printed "Label policy" (lower-case p)
    assert af["ttl_mode"] == "pipe" and af["diffserv_mode"] == "uniform"


def test_pe1_vpnv4_peers_step6() -> None:
    t = _get("PE1", "display bgp vpnv4 all peer")
    assert (t["router_id"], t["local_as"], t["total_peers"], t["peers_established"]) == ("2.2.2.2", "100", 2, 2)
    assert [(p["peer"], p["as"], p["state"], p["vpn_instance"]) for p in t["peers"]] == [
        ("4.4.4.4", "100", "Established", None),
        ("3.3.3.3", "100", "Established", None),
    ]
    assert (t["peers"][0]["msg_rcvd"], t["peers"][0]["msg_sent"], t["peers"][0]["up_down"]) == (205, 202, "03:05:25")
    assert t["vpn_instances"] == []


def test_pe1_bfd_verbose_step7_keeps_doc_slip_as_null_with_warning() -> None:
    matching = [c for c in CAPTURES if c.host == "PE1" and c.command == "display bfd session all verbose"]
    result = parse(matching[0].command, matching[0].text)
    t = result.model_dump()
    assert (t["total_up"], t["total_down"]) == (1, 0)
    (s,) = t["sessions"]
    assert (s["name"], s["state"], s["hop_type"]) == ("pe1_to_ce1", "Up", "One Hop")
    assert s["local_discriminator"] == 8192
    # the reference prints "Remote Discriminator : ce1_to_pe1" (a name): null + warning
    assert s["remote_discriminator"] is None
    assert any("ce1_to_pe1" in w and "Remote Discriminator" in w for w in result.warnings)
    assert s["bind_type"] == "Interface(GigabitEthernet0/3/0)" and s["session_type"] == "Static_Auto"
    assert (s["peer_ip"], s["interface"], s["vpn_instance"], s["source_ip"]) == (
        "10.1.1.1", "GigabitEthernet0/3/0", "vpna", "10.1.1.2",
    )
    assert (s["min_tx_interval_ms"], s["actual_tx_interval_ms"], s["detect_interval_ms"]) == (10, None, None)
    assert (s["local_detect_multi"], s["destination_port"], s["ttl"], s["tos_exp"]) == (3, 3784, 254, 6)
    assert s["session_not_up_reason"] == "In negotiation"
    assert s["bind_application"] == "AUTO"


def test_ce1_bfd_verbose_step7() -> None:
    t = _get("CE1", "display bfd session all verbose")
    assert (t["total_up"], t["total_down"]) == (2, 0)
    assert [
        (s["name"], s["local_discriminator"], s["remote_discriminator"], s["peer_ip"], s["interface"])
        for s in t["sessions"]
    ] == [
        ("ce1_to_pe1", 8192, 8192, "10.1.1.2", "GigabitEthernet0/1/0"),
        ("ce1_to_pe2", 8193, 8193, "10.2.1.2", "GigabitEthernet0/2/0"),
    ]
    assert t["sessions"][0]["pdt_index"] == "FSM-5020000 | RCV-0 | IF-5020000 | TOKEN-0"
    assert "session_not_up_reason" not in t["sessions"][0]


def test_pe1_bfd_down_step9_counters_as_printed() -> None:
    t = _get("PE1", "display bfd session all verbose", nth=1)
    (s,) = t["sessions"]
    assert (s["name"], s["state"], s["local_discriminator"], s["remote_discriminator"]) == ("pe1_to_ce1", "Down", 8192, 8192)
    assert (t["total_up"], t["total_down"]) == (1, 0)  # printed so, although the session is Down


def test_vpna_tables_step9() -> None:
    pe1 = _get("PE1", "display ip routing-table vpn-instance VPNA")
    assert (pe1["table"], pe1["vpn_instance"], pe1["destinations"], pe1["routes_count"]) == ("VPNA", "VPNA", 8, 8)
    assert pe1["routes"][0] == {
        "destination": "1.1.1.1/32", "proto": "Static", "pre": 60, "cost": 0, "flags": "RD",
        "nexthop": "10.1.1.1", "interface": "GigabitEthernet0/3/0",
    }
    assert [(r["destination"], r["proto"], r["nexthop"]) for r in pe1["routes"] if r["proto"] == "IBGP"] == [
        ("10.2.1.0/24", "IBGP", "3.3.3.3"),
        ("10.3.1.0/24", "IBGP", "4.4.4.4"),
    ]
    pe3 = _get("PE3", "display ip routing-table vpn-instance VPNA")
    assert (pe3["destinations"], pe3["routes_count"], len(pe3["routes"])) == (7, 8, 8)
    to_ce1 = [(r["nexthop"], r["interface"]) for r in pe3["routes"] if r["destination"] == "1.1.1.1/32"]
    assert to_ce1 == [("3.3.3.3", "GigabitEthernet0/2/0"), ("2.2.2.2", "GigabitEthernet0/1/0")]


def test_vpna_tables_after_link_failure_step9() -> None:
    pe1 = _get("PE1", "display ip routing-table vpn-instance VPNA", nth=1)
    assert (pe1["destinations"], pe1["routes_count"], len(pe1["routes"])) == (4, 4, 4)
    # first row is misaligned (shifted left) in the reference
    assert pe1["routes"][0] == {
        "destination": "1.1.1.1/32", "proto": "EBGP", "pre": 255, "cost": 0, "flags": "RD",
        "nexthop": "3.3.3.3", "interface": "GigabitEthernet0/2/0",
    }
    pe3 = _get("PE3", "display ip routing-table vpn-instance VPNA", nth=1)
    assert (pe3["destinations"], pe3["routes_count"]) == (6, 6)
    assert [(r["nexthop"]) for r in pe3["routes"] if r["destination"] == "1.1.1.1/32"] == ["3.3.3.3"]


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda c: f"{c.host}-L{c.line_no}")
def test_reference_outputs_parse_without_their_prompt_line(capture: Capture) -> None:
    with_prompt = parse(capture.command, capture.text).model_dump()
    body = capture.text.split("\n", 1)[1]
    without = parse(capture.command, body + "\n<" + capture.host + ">").model_dump()
    assert len(without.pop("warnings")) == len(with_prompt.pop("warnings"))
    for key in ("prompt", "hostname", "command"):
        assert without.pop(key) is None
        with_prompt.pop(key)
    assert without == with_prompt
