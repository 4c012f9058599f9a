"""Property tests for the templates added by issue 11: generated displays come back record for
record; CRLF, ANSI and pager noise change nothing; a cut anywhere, a doubled line anywhere never
loses or invents a record silently; 0 and 100,000 records.

Each display is generated in its printed VRP layout from random records, so the expected values
are the generated ones, not another parse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vrpbook.parsers import ParseError, parse

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

octet = st.integers(0, 255)
ipv4 = st.tuples(octet, octet, octet, octet).map(lambda t: ".".join(map(str, t)))
ifnames = st.sampled_from(
    ["GigabitEthernet0/1/0", "GigabitEthernet0/3/0.100", "100GE1/0/1", "Eth-Trunk10", "LoopBack0", "Vlanif100",
     "MEth0/0/0", "Tunnel1", "Virtual-if0", "GigabitEthernet1/0/1(10G)", "GigabitEthernet0/0/5(v)"]
)


@dataclass
class Generated:
    """A display: its text, the records it lists and, per record, the span of its line(s)."""

    text: str
    records: list[dict[str, Any]]
    spans: list[tuple[int, int]]


def _lines_to_text(head: list[str], rows: list[str], tail: list[str] = ()) -> tuple[str, list[tuple[int, int]]]:
    text = "".join(line + "\n" for line in head)
    spans = []
    for row in rows:
        spans.append((len(text), len(text) + len(row)))
        text += row + "\n"
    return text + "".join(line + "\n" for line in tail), spans


# ------------------------------------------------------------ display ip interface brief

ip_row = st.fixed_dictionaries({
    "name": ifnames,
    "address": st.one_of(st.just("unassigned"), st.tuples(ipv4, st.integers(8, 32)).map(lambda t: f"{t[0]}/{t[1]}")),
    "physical": st.sampled_from(["up", "down", "*down", "^down", "up(l)"]),
    "protocol": st.sampled_from(["up", "down", "up(s)", "*down"]),
    "vpn": st.one_of(st.none(), st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True)),
})


def render_ip_brief(rows: list[dict[str, Any]], with_vpn: bool = True) -> Generated:
    up_phy = sum(r["physical"].startswith("up") for r in rows)
    up_proto = sum(r["protocol"].startswith("up") for r in rows)
    head = ["*down: administratively down", "!down: FIB overload down", "^down: standby", "(l): loopback",
            "(s): spoofing",
            f"The number of interface that is UP in Physical is {up_phy}",
            f"The number of interface that is DOWN in Physical is {len(rows) - up_phy}",
            f"The number of interface that is UP in Protocol is {up_proto}",
            f"The number of interface that is DOWN in Protocol is {len(rows) - up_proto}", "",
            "Interface                   IP Address/Mask    Physical Protocol" + (" VPN" if with_vpn else "")]
    lines, records = [], []
    for r in rows:
        vpn = (r["vpn"] or "--") if with_vpn else ""
        lines.append(f"{r['name']:<27} {r['address']:<18} {r['physical']:<8} {r['protocol']:<8} {vpn}".rstrip())
        name, tag, flag = r["name"], None, None
        if name.endswith(")"):
            name, tag = name[:-1].split("(")
            tag, flag = (tag, None) if tag[0].isdigit() else (None, tag)
        records.append({"interface": name, "speed_tag": tag, "port_flag": flag,
                        "ip_address": None if r["address"] == "unassigned" else r["address"],
                        "physical": r["physical"], "protocol": r["protocol"], "vpn": r["vpn"] if with_vpn else None})
    text, spans = _lines_to_text(head, lines)
    return Generated(text, records, spans)


# ------------------------------------------------------------ display mpls lsp

label = st.one_of(st.just("NULL"), st.integers(3, 1048575).map(str))
lsp_row = st.fixed_dictionaries({
    "fec": st.tuples(ipv4, st.integers(0, 32)).map(lambda t: f"{t[0]}/{t[1]}"),
    "in": label, "out": label,
    "in_if": st.sampled_from(["-", "GE0/0/1", "Eth-Trunk1.10"]),
    "out_if": st.sampled_from(["-", "GE0/0/0", "GE1/0/0(I)", "Tun1", "100GE1/0/1"]),
    "vrf": st.one_of(st.none(), st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True)),
})


def render_lsp(sections: list[tuple[str, list[dict[str, Any]]]]) -> Generated:
    rule = "-" * 79
    text = "Flag after Out IF: (I) - RLFA Iterated LSP, (I*) - Normal and RLFA Iterated LSP\n"
    records, spans = [], []
    for kind, rows in sections:
        text += f"{rule}\n                 LSP Information: {kind}\n{rule}\n"
        text += "FEC                In/Out Label  In/Out IF                      Vrf Name\n"
        for r in rows:
            line = f"{r['fec']:<18} {r['in'] + '/' + r['out']:<15} {r['in_if'] + '/' + r['out_if']:<30} {r['vrf'] or ''}"
            spans.append((len(text), len(text) + len(line.rstrip())))
            text += line.rstrip() + "\n"
            records.append({"fec": r["fec"], "in_label": None if r["in"] == "NULL" else int(r["in"]),
                            "out_label": None if r["out"] == "NULL" else int(r["out"]),
                            "in_interface": None if r["in_if"] == "-" else r["in_if"],
                            "out_interface": None if r["out_if"] == "-" else r["out_if"], "vrf_name": r["vrf"]})
    return Generated(text, records, spans)


def lsp_records(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for s in result["sections"] for e in s["entries"]]


# ------------------------------------------------------------ BGP VPNv4 routing tables

as_path = st.lists(st.integers(1, 4294967295).map(str), max_size=4)
bgp_route = st.fixed_dictionaries({
    "network": st.tuples(ipv4, st.integers(0, 32)).map(lambda t: f"{t[0]}/{t[1]}"),
    "nexthop": st.one_of(ipv4, st.just("2001:DB8:3::3")),
    "med": st.one_of(st.none(), st.integers(0, 999_999_999)),
    "local_pref": st.one_of(st.none(), st.integers(0, 999_999_999)),
    "pref_val": st.integers(0, 65535),
    "path": as_path,
    "origin": st.sampled_from(["i", "e", "?"]),
    "status": st.sampled_from(["*>", "*>i", "* i", "*", "d", "h", "*>x"]),
})
COLUMNS = "        Network            NextHop                       MED        LocPrf    PrefVal Path/Ogn"


def _bgp_row(r: dict[str, Any], continuation: bool) -> tuple[str, dict[str, Any]]:
    med = "" if r["med"] is None else str(r["med"])
    lp = "" if r["local_pref"] is None else str(r["local_pref"])
    path = (" ".join(r["path"]) + r["origin"]) if r["path"] else r["origin"]
    net = "" if continuation else r["network"]
    line = f" {r['status']:<7}{net:<19}{r['nexthop']:<30}{med:<11}{lp:<10}{r['pref_val']:<8}{path}"
    return line, {"status": r["status"], "network": r["network"], "nexthop": r["nexthop"], "med": r["med"],
                  "local_pref": r["local_pref"], "pref_val": r["pref_val"], "path_origin": path}


def _bgp_head() -> str:
    return ("\n BGP Local router ID is 1.1.1.1\n"
            " Status codes: * - valid, > - best, d - damped, x - best external, a - add path,\n"
            "               h - history,  i - internal, s - suppressed, S - Stale\n"
            "               Origin : i - IGP, e - EGP, ? - incomplete\n"
            " RPKI validation codes: V - valid, I - invalid, N - not-found\n\n")


def _bgp_rows(routes: list[dict[str, Any]], text: str) -> tuple[str, list[dict[str, Any]], list[tuple[int, int]]]:
    records, spans = [], []
    previous = None
    for r in routes:
        cont = previous is not None and r["network"] == previous
        line, rec = _bgp_row(r, cont)
        spans.append((len(text), len(text) + len(line)))
        text += line + "\n"
        records.append(rec)
        previous = r["network"]
    return text, records, spans


def render_bgp_all(rds: list[tuple[str, list[dict[str, Any]]]], vpn: list[dict[str, Any]]) -> Generated:
    total = sum(len(rows) for _, rows in rds)
    text = _bgp_head() + f" Total number of routes from all PE: {total}\n"
    records, spans = [], []
    for rd, rows in rds:
        text += f" Route Distinguisher: {rd}\n\n{COLUMNS}\n\n"
        text, recs, sp = _bgp_rows(rows, text)
        records += recs
        spans += sp
    text += f"\n VPN-Instance vpna, Router ID 1.1.1.1:\n\n Total Number of Routes: {len(vpn)}\n{COLUMNS}\n\n"
    text, recs, sp = _bgp_rows(vpn, text)
    return Generated(text, records + recs, spans + sp)


def bgp_all_records(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [x for s in result["route_distinguishers"] for x in s["routes"]] + [
        x for v in result["vpn_instances"] for x in v["routes"]]


def render_bgp_vrf(routes: list[dict[str, Any]]) -> Generated:
    text = _bgp_head() + f" VPN-Instance vpna, Router ID 1.1.1.1:\n\n Total Number of Routes: {len(routes)}\n{COLUMNS}\n\n"
    text, records, spans = _bgp_rows(routes, text)
    return Generated(text, records, spans)


# ------------------------------------------------------------ display version

def render_version(details: list[str]) -> Generated:
    head = ["Huawei Versatile Routing Platform Software", "VRP (R) software, Version 8.200 (NE40E V800R012C10)",
            "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd.", "HUAWEI NE40E-X8A uptime is 1 day, 2 hours, 3 minutes",
            "Patch Version: V800R012SPH001", ""]
    text, spans = _lines_to_text(head, details)
    return Generated(text, [{"line": d} for d in details], spans)


detail = st.from_regex(r"[A-Za-z][A-Za-z0-9 :./()-]{0,40}[A-Za-z0-9)]", fullmatch=True).filter(
    lambda s: "uptime is" not in s and not s.startswith(("VRP (R)", "Copyright", "Patch", "HUAWEI", "Huawei", "Quidway")))


# ------------------------------------------------------------ display current-configuration

word = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True).filter(lambda w: w != "return")
config_tree = st.recursive(
    st.builds(lambda w, a: {"line": f"{w} {a}", "children": []}, word, st.integers(0, 99)),
    lambda kids: st.builds(lambda w, c: {"line": w, "children": c}, word, st.lists(kids, max_size=3)),
    max_leaves=12,
)


def _config_lines(node: dict[str, Any], depth: int) -> list[str]:
    return [" " * depth + node["line"]] + [x for c in node["children"] for x in _config_lines(c, depth + 1)]


def render_config(sections: list[dict[str, Any]]) -> Generated:
    text = "!Software Version V800R012C10\n!Last configuration was updated at 2024-01-01 00:00:00+00:00\n"
    spans = []
    for s in sections:
        text += "#\n"
        block = "\n".join(_config_lines(s, 0))
        spans.append((len(text), len(text) + len(block)))
        text += block + "\n"
    return Generated(text + "#\nreturn\n", sections, spans)


# ------------------------------------------------------------ the properties, per family


@dataclass
class Family:
    command: str
    records: Callable[[dict[str, Any]], list[dict[str, Any]]]


FAMILIES = {
    "ip_brief": Family("display ip interface brief", lambda r: r["interfaces"]),
    "lsp": Family("display mpls lsp", lsp_records),
    "bgp_all": Family("display bgp vpnv4 all routing-table", bgp_all_records),
    "bgp_vrf": Family("display bgp vpnv4 vpn-instance vpna routing-table", lambda r: r["routes"]),
    "version": Family("display version", lambda r: []),
    "config": Family("display current-configuration", lambda r: r["sections"]),
}


def _generate(name: str, data: st.DataObject, max_size: int = 8) -> Generated:
    if name == "ip_brief":
        return render_ip_brief(data.draw(st.lists(ip_row, max_size=max_size)), data.draw(st.booleans()))
    if name == "lsp":
        kinds = st.sampled_from(["LDP LSP", "BGP  LSP", "RSVP LSP", "Static LSP"])
        return render_lsp(data.draw(st.lists(st.tuples(kinds, st.lists(lsp_row, max_size=max_size)), min_size=1,
                                             max_size=3)))
    if name == "bgp_all":
        rds = st.lists(st.tuples(st.sampled_from(["100:1", "200:1", "1.1.1.1:5"]), st.lists(bgp_route, max_size=4)),
                       max_size=3)
        return render_bgp_all(data.draw(rds), data.draw(st.lists(bgp_route, max_size=max_size)))
    if name == "bgp_vrf":
        return render_bgp_vrf(data.draw(st.lists(bgp_route, max_size=max_size)))
    if name == "version":
        return render_version(data.draw(st.lists(detail, max_size=max_size)))
    return render_config(data.draw(st.lists(config_tree, max_size=max_size)))


def _dedup(g: Generated) -> Generated:
    """Drop generated records whose line repeats the one above (VRP never prints that; the
    parser refuses a doubled row)."""
    lines = g.text.split("\n")
    for i in range(1, len(lines)):
        if lines[i] and lines[i] == lines[i - 1] and not lines[i].startswith(("-", "#")):
            raise _Doubled
    return g


class _Doubled(Exception):
    pass


def _generated(name: str, data: st.DataObject) -> Generated | None:
    try:
        return _dedup(_generate(name, data))
    except _Doubled:
        return None


@FAST
@pytest.mark.parametrize("name", FAMILIES)
@given(data=st.data())
def test_generated_displays_come_back_record_for_record(name: str, data: st.DataObject) -> None:
    g = _generated(name, data)
    if g is None:
        return
    family = FAMILIES[name]
    result = parse(family.command, g.text).model_dump()
    if name == "config":
        assert result["sections"] == g.records and result["complete"]
    elif name == "version":
        assert (result["model"], result["uptime"], result["patch_version"]) == (
            "NE40E-X8A", "1 day, 2 hours, 3 minutes", "V800R012SPH001")
    else:
        assert family.records(result) == g.records
    assert [w for w in result["warnings"] if "announced" in w] == []


def _noisy(text: str, eol: str) -> str:
    out = []
    for i, line in enumerate(text.split("\n")):
        if i % 5 == 3:
            line = "  ---- More ----\x1b[42D" + " " * 42 + "\x1b[42D" + line
        if i % 4 == 1 and line:
            line = "\x1b[0m" + line + "\x1b[K"
        out.append(line)
    return eol.join(out)


@FAST
@pytest.mark.parametrize("name", FAMILIES)
@given(data=st.data(), eol=st.sampled_from(["\r\n", "\n", "\r\r\n"]))
def test_crlf_ansi_and_pager_noise_change_nothing(name: str, data: st.DataObject, eol: str) -> None:
    g = _generated(name, data)
    if g is None:
        return
    command = FAMILIES[name].command
    assert parse(command, _noisy(g.text, eol)).model_dump() == parse(command, g.text).model_dump()


def _prefix_of(got: list[dict[str, Any]], whole: list[dict[str, Any]]) -> bool:
    """All records but the last are whole ones; the last is whole or cut inside its last printed
    token(s): a cut inside the last column, or inside the column before an optional last one (the
    Vrf Name of an LSP, the VPN of an interface), reads as a shorter value and no value -- it cannot
    be told from a shorter row and is reported as printed (README, "What truncated means")."""
    if len(got) > len(whole) or got[:-1] != whole[: max(len(got) - 1, 0)]:
        return False
    if not got or got[-1] == whole[len(got) - 1]:
        return True
    last, ref = got[-1], whole[len(got) - 1]
    diff = [k for k in ref if last.get(k) != ref[k]]
    return 0 < len(diff) <= 2 and all(
        isinstance(ref[k], str) and ref[k].startswith(str(last.get(k) or "")) for k in diff)


@FAST
@pytest.mark.parametrize("name", FAMILIES)
@given(data=st.data())
def test_a_cut_anywhere_fails_or_keeps_a_prefix(name: str, data: st.DataObject) -> None:
    g = _generated(name, data)
    if g is None:
        return
    family = FAMILIES[name]
    whole = family.records(parse(family.command, g.text).model_dump())
    cut = data.draw(st.integers(0, len(g.text)))
    try:
        result = parse(family.command, g.text[:cut]).model_dump()
    except ParseError:
        return
    assert name != "config" or cut >= len(g.text) - 1  # a configuration without "return" is cut
    got = family.records(result)
    assert _prefix_of(got, whole), (got, whole)


@FAST
@pytest.mark.parametrize("name", FAMILIES)
@given(data=st.data())
def test_a_doubled_line_fails_or_changes_no_record(name: str, data: st.DataObject) -> None:
    g = _generated(name, data)
    if g is None:
        return
    family = FAMILIES[name]
    whole = parse(family.command, g.text).model_dump()
    lines = g.text.split("\n")
    i = data.draw(st.integers(0, len(lines) - 1))
    doubled = "\n".join([*lines[:i + 1], lines[i], *lines[i + 1:]])
    try:
        result = parse(family.command, doubled).model_dump()
    except ParseError:
        return
    if name == "config":
        # a configuration cannot tell a doubled line from two equal lines: read as printed
        expected = [ln for ln in doubled.split("\n") if ln.strip() and ln.strip() != "#" and not ln.startswith("!")]
        assert [" " * 0 + ln for ln in _flat(result["sections"])] == [ln for ln in expected if ln != "return"]
        return
    if name == "version":
        return  # detail lines are accepted as printed; the head lines may only appear once (checked)
    assert family.records(result) == family.records(whole)


def _flat(sections: list[dict[str, Any]], depth: int = 0) -> list[str]:
    return [x for s in sections for x in [" " * depth + s["line"], *_flat(s["children"], depth + 1)]]


@pytest.mark.parametrize("name", FAMILIES)
def test_zero_records(name: str) -> None:
    family = FAMILIES[name]
    g = {"ip_brief": render_ip_brief([]), "lsp": render_lsp([("LDP LSP", [])]), "bgp_all": render_bgp_all([], []),
         "bgp_vrf": render_bgp_vrf([]), "version": render_version([]), "config": render_config([])}[name]
    result = parse(family.command, g.text).model_dump()
    assert family.records(result) == [] and result["warnings"] == []


def _many(name: str, n: int) -> Generated:
    if name == "ip_brief":
        return render_ip_brief([{"name": f"GigabitEthernet{i // 4096}/{(i // 64) % 64}/{i % 64}",
                                 "address": f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}/32", "physical": "up",
                                 "protocol": "up", "vpn": None} for i in range(n)])
    if name == "lsp":
        return render_lsp([("LDP LSP", [{"fec": f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}/32", "in": str(i + 3),
                                         "out": "3", "in_if": "-", "out_if": "GE0/0/0", "vrf": None}
                                        for i in range(n)])])
    routes = [{"network": f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}/32", "nexthop": "192.0.2.1", "med": 0,
               "local_pref": 100, "pref_val": 0, "path": ["65001"], "origin": "i", "status": "*>i"} for i in range(n)]
    if name == "bgp_all":
        return render_bgp_all([("100:1", routes)], [])
    if name == "bgp_vrf":
        return render_bgp_vrf(routes)
    if name == "version":
        return render_version([f"  PCB Version {i} : CR57LPUF120A REV C" for i in range(n)])
    return render_config([{"line": f"interface LoopBack{i}", "children": [
        {"line": f"ip address 10.{i // 65536}.{(i // 256) % 256}.{i % 256} 255.255.255.255", "children": []}]}
        for i in range(n // 2)])


@pytest.mark.parametrize("name", FAMILIES)
def test_hundred_thousand_records(name: str) -> None:
    family = FAMILIES[name]
    g = _many(name, 100_000)
    result = parse(family.command, g.text).model_dump()
    if name == "version":
        assert result["model"] == "NE40E-X8A"
        return
    got = family.records(result)
    assert len(got) == len(g.records)
    assert got[0] == g.records[0] and got[-1] == g.records[-1] and got[54_321 % len(got)] == g.records[54_321 % len(got)]
