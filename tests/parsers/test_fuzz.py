"""Property tests: generated tables come back row for row; noise, truncation and
doubled lines never crash and never silently lose a row.

Tables are generated from random rows in the printed VRP layout, so the
expected values are the generated ones, not another parse.
"""

from __future__ import annotations

import contextlib
import gc
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vrpbook.parsers import ParseError, parse, supported_commands

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

octet = st.integers(0, 255)
ipv4 = st.tuples(octet, octet, octet, octet).map(lambda t: ".".join(map(str, t)))
prefix = st.tuples(ipv4, st.integers(0, 32)).map(lambda t: f"{t[0]}/{t[1]}")
interfaces = st.sampled_from(
    ["GigabitEthernet0/1/0", "GigabitEthernet0/3/0.100", "100GE1/0/1", "Eth-Trunk10", "NULL0", "InLoopBack0",
     "Tunnel1", "Vlanif100", "LoopBack2147483647", "GE1/0/0"]
)
route_row = st.fixed_dictionaries(
    {
        "proto": st.sampled_from(["Direct", "Static", "OSPF", "O_ASE", "IBGP", "EBGP", "RIP", "ISIS-L2", "Unr"]),
        "pre": st.integers(0, 255),
        "cost": st.integers(0, 4294967295),
        "flags": st.sampled_from(["", "D", "RD", "DB", "RDB", "T"]),
        "nexthop": ipv4,
        "interface": interfaces,
    }
)
route_group = st.tuples(prefix, st.lists(route_row, min_size=1, max_size=3,
                                         unique_by=lambda r: (r["nexthop"], r["interface"])))
route_groups = st.lists(route_group, unique_by=lambda g: g[0])


@dataclass
class Rendered:
    """A generated display: text, expected rows, and where each row's line sits."""

    text: str
    rows: list[dict]
    spans: list[tuple[int, int]]  # (start, end) offsets of each row's line


def render_routing_table(groups: list[tuple[str, list[dict]]], indent: int = 0, counts: tuple[int, int] = (0, 0)) -> Rendered:
    pad = " " * indent
    head = (
        f"{pad}Route Flags: R - relay, D - download to fib, T - to vpn-instance, B - black hole route\n"
        f"{pad}{'-' * 78}\n{pad}Routing Table : _public_\n"
        f"{pad}         Destinations : {counts[0]}        Routes : {counts[1]}\n\n"
        f"{pad}Destination/Mask    Proto   Pre  Cost      Flags NextHop         Interface\n\n"
    )
    text, rows, spans = head, [], []
    for destination, group in groups:
        for i, row in enumerate(group):
            shown = destination if i == 0 else ""
            line = (
                f"{pad}{shown:>18}  {row['proto']:<7} {row['pre']:<4} {row['cost']:<9} {row['flags']:>5}  "
                f"{row['nexthop']:<15} {row['interface']}"
            )
            spans.append((len(text), len(text) + len(line)))
            text += line + "\n"
            rows.append({"destination": destination, **row})
    return Rendered(text, rows, spans)


@FAST
@given(st.lists(route_group, max_size=25, unique_by=lambda g: g[0]), st.integers(0, 4),
       st.tuples(st.integers(0, 99), st.integers(0, 99)))
def test_generated_routing_tables_come_back_row_for_row(groups, indent, counts) -> None:
    r = render_routing_table(groups, indent, counts)
    if not r.rows and counts[1]:
        # a header announcing routes over no row at all is a cut output (README, "Totals")
        with pytest.raises(ParseError, match="truncated"):
            parse("display ip routing-table", r.text)
        return
    result = parse("display ip routing-table", r.text).model_dump()
    assert result["routes"] == r.rows
    assert (result["destinations"], result["routes_count"]) == counts  # as printed, never "fixed"
    assert any("announced" in w for w in result["warnings"]) == (counts[1] != len(r.rows))


@FAST
@given(st.lists(route_group, min_size=1, max_size=10, unique_by=lambda g: g[0]), st.sampled_from(["\r\n", "\n"]), st.booleans())
def test_crlf_and_ansi_pager_escapes_are_stripped(groups, eol, pager) -> None:
    r = render_routing_table(groups)
    lines = r.text.split("\n")
    if pager:
        lines = [("  ---- More ----\x1b[42D" + " " * 42 + "\x1b[42D" + ln) if i % 5 == 4 else ln for i, ln in enumerate(lines)]
    assert parse("display ip routing-table", eol.join(lines)).model_dump()["routes"] == r.rows


@FAST
@given(st.lists(route_group, min_size=1, max_size=10, unique_by=lambda g: g[0]), st.data())
def test_truncated_table_raises_or_returns_exactly_the_complete_rows(groups, data) -> None:
    r = render_routing_table(groups)
    cut = data.draw(st.integers(0, len(r.text)))
    complete = sum(1 for _, end in r.spans if end <= cut)
    try:
        routes = parse("display ip routing-table", r.text[:cut]).model_dump()["routes"]
    except ParseError:
        return
    assert routes[:complete] == r.rows[:complete]  # never fewer than the complete rows
    if len(routes) > complete:
        # the cut fell inside the last token (the interface) of the next row: indistinguishable
        # from a shorter name, reported as printed
        (partial,) = routes[complete:]
        start, end = r.spans[complete]
        assert start < cut < end
        expected = r.rows[complete]
        assert {k: v for k, v in partial.items() if k != "interface"} == {k: v for k, v in expected.items() if k != "interface"}
        assert expected["interface"].startswith(partial["interface"]) and partial["interface"] != expected["interface"]


@FAST
@given(st.lists(route_group, min_size=1, max_size=10, unique_by=lambda g: g[0]), st.data())
def test_doubled_line_is_refused_or_read_as_printed(groups, data) -> None:
    r = render_routing_table(groups)
    lines = r.text.split("\n")
    i = data.draw(st.integers(0, len(lines) - 1))
    doubled = "\n".join([*lines[:i + 1], lines[i], *lines[i + 1:]])
    try:
        routes = parse("display ip routing-table", doubled).model_dump()["routes"]
    except ParseError:
        return
    row_starts = [r.text.count("\n", 0, start) for start, _ in r.spans]
    if i in row_starts:
        k = row_starts.index(i)
        assert routes == [*r.rows[:k + 1], r.rows[k], *r.rows[k + 1:]]
    else:
        assert routes == r.rows


@settings(max_examples=25, deadline=None)
@given(st.lists(route_group, max_size=12, unique_by=lambda g: g[0]), st.integers(0, 3))
def test_plain_ttp_reads_generated_tables_like_the_walker(groups, indent) -> None:
    from vrpbook.parsers.grammar import load_grammar
    from vrpbook.parsers.text import clean

    r = render_routing_table(groups, indent)
    grammar = load_grammar("display_ip_routing-table.ttp")
    walked: dict[str, list[dict]] = {}
    for match in grammar.scan(clean(r.text), "display ip routing-table"):
        walked.setdefault(match.kind, []).append(match.values)
    assert grammar.ttp_parse(r.text) == walked


def test_zero_rows_is_a_valid_empty_table() -> None:
    result = parse("display ip routing-table", render_routing_table([]).text).model_dump()
    assert result["routes"] == [] and result["table"] == "_public_"


def test_hundred_thousand_rows() -> None:
    groups = [(f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}/32",
               [{"proto": "OSPF", "pre": 10, "cost": i, "flags": "D", "nexthop": "10.1.1.2", "interface": "GigabitEthernet0/1/0"}])
              for i in range(100_000)]
    r = render_routing_table(groups, counts=(100_000, 100_000))
    assert gc.isenabled()
    routes = parse("display ip routing-table", r.text).model_dump()["routes"]
    assert gc.isenabled()  # paused during the parse only
    assert len(routes) == 100_000
    assert routes[0] == r.rows[0] and routes[54_321] == r.rows[54_321] and routes[-1] == r.rows[-1]


ipv6 = st.lists(st.sampled_from(["2001", "DB8", "40", "a", "ffff", "0"]), min_size=2, max_size=5).map(lambda p: ":".join(p) + "::")
bfd_row = st.fixed_dictionaries(
    {
        "local_discriminator": st.integers(1, 4294967295),
        "remote_discriminator": st.integers(0, 4294967295),
        "peer_ip": st.one_of(ipv4, ipv6, st.none()),
        "state": st.sampled_from(["Up", "Down", "Init", "AdmDown", "Down(w)"]),
        "type": st.sampled_from(["S_IP_IF", "D_IP_PEER", "S_PW(M)", "S/IP-PEER", "D/IP-IF", "S_AUTO_PEER"]),
        "interface": st.one_of(interfaces, st.none()),
    }
)


def render_bfd(rows: list[dict]) -> Rendered:
    text = "(w): State in WTR\n(*): State is invalid\n" + "-" * 80 + "\n"
    text += "Local      Remote     PeerIpAddr      State     Type        InterfaceName\n" + "-" * 80 + "\n"
    spans = []
    for row in rows:
        peer = row["peer_ip"] or "--.--.--.--"
        iface = row["interface"] or "-"
        start = len(text)
        if len(peer) > 15:  # wrapped like bfd_session_all/01
            text += f"{row['local_discriminator']:<10} {row['remote_discriminator']:<10} {peer}\n"
            text += f"{'':38}{row['state']:<9} {row['type']:<17} {iface}\n"
        else:
            text += (f"{row['local_discriminator']:<10} {row['remote_discriminator']:<10} {peer:<15} "
                     f"{row['state']:<9} {row['type']:<11} {iface}\n")
        spans.append((start, len(text) - 1))
    up = sum(r["state"] == "Up" for r in rows)
    text += "-" * 80 + f"\n     Total UP/DOWN Session Number : {up}/{len(rows) - up}\n"
    return Rendered(text, rows, spans)


@FAST
@given(st.lists(bfd_row, max_size=20, unique_by=lambda r: r["local_discriminator"]))
def test_generated_bfd_tables_come_back_row_for_row(rows) -> None:
    result = parse("dis bfd se al", render_bfd(rows).text).model_dump()
    assert result["sessions"] == rows


@FAST
@given(st.lists(bfd_row, min_size=1, max_size=8, unique_by=lambda r: r["local_discriminator"]), st.data())
def test_truncated_bfd_table_never_loses_a_session_silently(rows, data) -> None:
    r = render_bfd(rows)
    cut = data.draw(st.integers(0, len(r.text)))
    try:
        sessions = parse("display bfd session all", r.text[:cut]).model_dump()["sessions"]
    except ParseError:
        return
    assert sessions == rows  # only a cut after the closing dashed line can still parse


bgp_row = st.fixed_dictionaries(
    {
        "peer": st.one_of(ipv4, ipv6.map(lambda a: a + "1")),
        "dynamic": st.booleans(),
        "version": st.just(4),
        "as": st.one_of(st.integers(1, 4294967295).map(str),
                        st.tuples(st.integers(1, 65535), st.integers(0, 65535)).map(lambda t: f"{t[0]}.{t[1]}")),
        "msg_rcvd": st.integers(0, 10**7),
        "msg_sent": st.integers(0, 10**7),
        "out_q": st.integers(0, 999),
        "up_down": st.sampled_from(["00:04:16", "626h43m", "1d02h", "0000h00m"]),
        "state": st.sampled_from(["Established", "Idle", "Active", "Connect", "OpenSent", "OpenConfirm", "Idle(Admin)"]),
        "pref_rcv": st.integers(0, 10**6),
    }
)


def render_vpnv4_all(public: list[dict], vrfs: list[tuple[str, list[dict]]]) -> tuple[str, list[dict]]:
    head = "  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv"

    def row(p: dict) -> str:
        peer = ("*" if p["dynamic"] else "") + p["peer"]
        return (f"  {peer:<15} {p['version']:<2} {p['as']:>10} {p['msg_rcvd']:>8} {p['msg_sent']:>8} {p['out_q']:>5} "
                f"{p['up_down']:>8} {p['state']:>11} {p['pref_rcv']:>8}")

    every = public + [p for _, peers in vrfs for p in peers]
    established = sum(p["state"] == "Established" for p in every)
    lines = [" BGP local router ID : 1.1.1.1", " Local AS number : 100",
             f" Total number of peers : {len(every)}                 Peers in established state : {established}",
             "", head]
    expected = [{**p, "vpn_instance": None} for p in public]
    lines += [row(p) for p in public]
    if vrfs:
        lines += ["", "  Peer of IPv4-family for vpn instance :", ""]
    for name, peers in vrfs:
        lines += [f"  VPN-Instance {name}, Router ID 1.1.1.1:", head] + [row(p) for p in peers]
        expected += [{**p, "vpn_instance": name} for p in peers]
    return "\n".join(lines), expected


@FAST
@given(
    st.lists(bgp_row, max_size=8, unique_by=lambda p: p["peer"]),
    st.lists(st.tuples(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,15}", fullmatch=True),
                       st.lists(bgp_row, max_size=4, unique_by=lambda p: p["peer"])), max_size=3),
)
def test_generated_vpnv4_peer_tables_come_back_row_for_row(public, vrfs) -> None:
    text, expected = render_vpnv4_all(public, vrfs)
    result = parse("display bgp vpnv4 all peer", text).model_dump()
    assert result["peers"] == expected and result["warnings"] == []
    assert [v["name"] for v in result["vpn_instances"]] == [name for name, _ in vrfs]


ldp_row = st.fixed_dictionaries(
    {
        "peer_id": ipv4.map(lambda a: a + ":0"),
        "status": st.sampled_from(["Operational", "Initialized", "OpenSent", "OpenRec", "NonExistent"]),
        "lam": st.sampled_from(["DU", "DoD"]),
        "ssn_role": st.sampled_from(["Active", "Passive"]),
        "ssn_age": st.tuples(st.integers(0, 9999), st.integers(0, 23), st.integers(0, 59)).map(
            lambda t: f"{t[0]:04d}:{t[1]:02d}:{t[2]:02d}"),
        "ka_sent": st.integers(0, 10**6),
        "ka_rcv": st.integers(0, 10**6),
        "deleting": st.booleans(),
    }
)


@FAST
@given(st.lists(ldp_row, max_size=12, unique_by=lambda r: r["peer_id"]), st.data())
def test_generated_ldp_tables_and_their_truncations(rows, data) -> None:
    lines = [" LDP Session(s) in Public Network", " Codes: LAM(Label Advertisement Mode), SsnAge Unit(DDDD:HH:MM)",
             " An asterisk (*) before a session means the session is being deleted.", " " + "-" * 78,
             " PeerID             Status      LAM  SsnRole  SsnAge      KASent/Rcv", " " + "-" * 78]
    for r in rows:
        peer = ("*" if r["deleting"] else "") + r["peer_id"]
        lines.append(f" {peer:<18} {r['status']:<11} {r['lam']:<4} {r['ssn_role']:<8} {r['ssn_age']:<11} {r['ka_sent']}/{r['ka_rcv']}")
    lines += [" " + "-" * 78, f" TOTAL: {len(rows)} session(s) Found."]
    text = "\n".join(lines)
    result = parse("display mpls ldp session", text).model_dump()
    assert result["sessions"] == rows and result["total_sessions"] == len(rows)
    cut = data.draw(st.integers(0, len(text) - 1))
    try:
        truncated = parse("display mpls ldp session", text[:cut]).model_dump()
    except ParseError:
        return
    assert truncated["sessions"] == rows  # only a cut inside the TOTAL line's last word can parse


@settings(max_examples=150, deadline=None)
@given(st.text(), st.sampled_from(supported_commands()))
def test_random_text_only_ever_raises_parse_error(text, command) -> None:
    command = command.replace("<vpn_instance>", "vpna").replace("<prefix>", "10.0.0.0")
    with contextlib.suppress(ParseError):
        parse(command, text)


SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
FOLDER_COMMAND = {
    "bfd_session_all": "display bfd session all",
    "bfd_session_all_verbose": "display bfd session all verbose",
    "bgp_peer": "display bgp peer",
    "bgp_vpnv4_all_peer": "display bgp vpnv4 all peer",
    "ip_routing_table": "display ip routing-table",
    "ip_routing_table_protocol_static": "display ip routing-table protocol static",
    "mpls_ldp_session": "display mpls ldp session",
    "ospf_peer_brief": "display ospf peer brief",
    "ip_vpn_instance_verbose": "display ip vpn-instance verbose",
    "interface_brief": "display interface brief",
    "ip_interface_brief": "display ip interface brief",
    "version": "display version",
    "mpls_lsp": "display mpls lsp",
    "bgp_vpnv4_all_routing_table": "display bgp vpnv4 all routing-table",
}
LISTS = ("routes", "sessions", "peers", "instances", "sections", "commits", "interfaces", "route_distinguishers",
         "vpn_instances")
# formats without any closing line: the last record may be cut after a complete line
OPEN_ENDED_RECORDS = {"instances", "sections", "route_distinguishers", "vpn_instances"}


def _sample_cases() -> list[tuple[str, str]]:
    cases = []
    for txt in sorted(SAMPLES.glob("*/*.txt")):
        expected = json.loads(txt.with_name(txt.stem + ".expected.json").read_text(encoding="utf-8"))
        command = expected.get("command") or FOLDER_COMMAND.get(txt.parent.name)
        if txt.parent.name in FOLDER_COMMAND or txt.parent.name.startswith(("bgp_", "ip_routing")) or "commit list" in (command or ""):
            cases.append((command, txt.read_text(encoding="utf-8")))
    return cases


@pytest.mark.parametrize(("command", "text"), _sample_cases())
def test_samples_cut_at_every_line_keep_a_prefix_of_their_records(command: str, text: str) -> None:
    full = parse(command, text).model_dump()
    lines = text.split("\n")
    for n in range(len(lines)):
        for variant in ("\n".join(lines[:n]), "\n".join([*lines[:n], lines[n][:len(lines[n]) // 2]])):
            try:
                cut = parse(command, variant).model_dump()
            except ParseError:
                continue
            for key in LISTS:
                if key in full:
                    assert _records_prefix(cut[key], full[key], open_ended=key in OPEN_ENDED_RECORDS), (key, variant)


def _records_prefix(got: list, whole: list, *, open_ended: bool) -> bool:
    """All records but the last are the full parse's; the last is complete, or cut in its last
    token (one string field a prefix of the full one), or -- for formats with no closing line --
    cut after a complete line."""
    if len(got) > len(whole):
        return False
    if not got:
        return True
    if got[:-1] != whole[: len(got) - 1]:
        return False
    last, ref = got[-1], whole[len(got) - 1]
    if last == ref or open_ended:
        return True
    diff = [k for k in ref if last.get(k) != ref[k]]
    return len(diff) == 1 and isinstance(ref[diff[0]], str) and ref[diff[0]].startswith(str(last[diff[0]]))


@pytest.mark.parametrize(("command", "text"), _sample_cases())
def test_samples_with_a_doubled_line_never_crash(command: str, text: str) -> None:
    lines = text.split("\n")
    for i in range(len(lines)):
        with contextlib.suppress(ParseError):
            parse(command, "\n".join(lines[: i + 1] + lines[i:]))


ALL_SAMPLES = _sample_cases()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_SAMPLES), st.data())
def test_mutated_samples_only_ever_raise_parse_error(case, data) -> None:
    """Random cuts, duplications and insertions anywhere in a real output: typed result or ParseError."""
    command, text = case
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 40)))
        op = data.draw(st.sampled_from(["delete", "duplicate", "insert"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + data.draw(st.text(alphabet=" \t\r\n-:/.()*0123456789abcdefABCDEF", max_size=12)) + text[i:]
    try:
        result = parse(command, text)
    except ParseError:
        return
    assert isinstance(result.model_dump(), dict)
