"""Route reflectors over SSH: a PE ring with reflectors, configured line by line.

The lab is a bench/topologies.py inventory (a CE per PE, EBGP PE-CE, VPNA),
booted factory-fresh; every router's configuration is typed over SSH and
committed, and the VRP displays are read back over SSH.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from vrpbook.parsers.api import parse

from ..bench_scripts import topologies

pytestmark = pytest.mark.lab


def _configure(lab: Any, vty: Any, net: Any) -> dict[str, Any]:
    sessions = {}
    for name in net.routers:
        s = vty(lab, name)
        s.send("system-view")
        for line in topologies().to_commands(net.config_text(name)):
            out = s.send(line)
            assert not [o for o in out if "Error" in o], (name, line, out)
        assert not [o for o in s.send("commit") if "Error" in o]
        s.send("return")
        sessions[name] = s
    return sessions


def _bgp_vpn_rows(vty_session: Any) -> dict[str, list[tuple[str, str]]]:
    """display ip routing-table vpn-instance VPNA: BGP prefix -> [(proto, next hop)]."""
    rows: dict[str, list[tuple[str, str]]] = {}
    for line in vty_session.send("display ip routing-table vpn-instance VPNA"):
        m = re.match(r"\s*(\d+\.\d+\.\d+\.\d+/\d+)\s+(IBGP|EBGP)\s+\d+\s+\d+\s+\w+\s+(\S+)", line)
        if m:
            rows.setdefault(m.group(1), []).append((m.group(2), m.group(3)))
    return rows


def _parsed(vty_session: Any, command: str) -> dict[str, Any]:
    """The display as the terminal showed it (prompt, echo, output, prompt), through vrpbook's parsers."""
    before = vty_session.prompt
    lines = vty_session.send(command)
    return dict(parse(command, "\n".join([before + command, *lines, vty_session.prompt]) + "\n").model_dump())


def test_two_reflectors_carry_every_vpn_route(lab_factory: Any, vty: Any, tmp_path: Path) -> None:
    net = topologies().ScaleNetwork(pes=6)
    lab = lab_factory(inventory=net.write_inventory(tmp_path / "inv"))
    s = _configure(lab, vty, net)

    # The reflector lists every other PE as an Established VPNv4 peer ...
    peers = [ln.split() for ln in s["PE1"].send("display bgp vpnv4 all peer") if re.match(r"\s*10\.0\.0\.\d+\s", ln)]
    assert sorted(p[0] for p in peers) == [f"10.0.0.{j}" for j in range(2, 7)]
    assert {p[-2] for p in peers} == {"Established"}
    # ... and prints its reflection configuration back.
    bgp = s["PE1"].send("display current-configuration configuration bgp")
    assert "  reflector cluster-id 1" in bgp and "  undo policy vpn-target" in bgp
    assert "  peer 10.0.0.2 reflect-client" in bgp and "  peer 10.0.0.4 reflect-client" not in bgp

    # A client peers with the two reflectors only, and learns every CE's loopback
    # with the far PE's loopback as next hop.
    client = [ln.split()[0] for ln in s["PE3"].send("display bgp vpnv4 all peer") if re.match(r"\s*10\.0\.0\.", ln)]
    assert client == ["10.0.0.1", "10.0.0.4"]
    routes = _bgp_vpn_rows(s["PE3"])
    for j in (1, 2, 4, 5, 6):
        assert {nh for _proto, nh in routes[f"10.3.0.{j}/32"]} == {f"10.0.0.{j}"}
    # The CE behind PE5 reaches the CE behind PE2 end to end.
    assert "0.00% packet loss" in "\n".join(s["CE5"].send("ping -a 10.3.0.5 10.3.0.2"))

    # The client's VPNv4 table holds each remote route twice (one copy per
    # reflector): the best "*>i", the other "* i" on a continuation row.
    table = s["PE3"].send("display bgp vpnv4 all routing-table")
    start = table.index(" Route Distinguisher: 100:5")
    rows = [ln.split()[:3] for ln in table[start + 1:start + 14] if ln.startswith(" *")]
    assert rows == [["*>i", "10.2.0.20/30", "10.0.0.5"], ["*", "i", "10.0.0.5"],
                    ["*>i", "10.3.0.5/32", "10.0.0.5"], ["*", "i", "10.0.0.5"]]

    # The per-instance BGP table, read back through the parsers: each reflected route
    # once (the instance's best path), from the far PE, IBGP; the CE's own route by EBGP;
    # the same rows as the instance's section of the "all" display.
    one = _parsed(s["PE3"], "display bgp vpnv4 vpn-instance VPNA routing-table")
    got = {r["network"]: (r["status"].replace(" ", ""), r["nexthop"]) for r in one["routes"]}
    for j in (1, 2, 4, 5, 6):
        assert got[f"10.3.0.{j}/32"] == ("*>i", f"10.0.0.{j}")
    assert got["10.3.0.3/32"] == ("*>", "10.2.0.14")
    assert one["total_routes"] == len(one["routes"]) == len(got)
    assert _parsed(s["PE3"], "display bgp vpnv4 all routing-table")["vpn_instances"][0]["routes"] == one["routes"]


def test_non_client_routes_reach_clients_only(lab_factory: Any, vty: Any, tmp_path: Path) -> None:
    net = topologies().ScaleNetwork(pes=5, rr_count=1)
    lab = lab_factory(inventory=net.write_inventory(tmp_path / "inv"))
    s = _configure(lab, vty, net)
    assert "10.3.0.4/32" in _bgp_vpn_rows(s["PE5"])

    # PE4 and PE5 become non-clients of the only reflector.
    rr = s["PE1"]
    for line in ("system-view", "bgp 100", "ipv4-family vpnv4", "undo peer 10.0.0.4 reflect-client",
                 "undo peer 10.0.0.5 reflect-client", "commit", "return"):
        assert not [o for o in rr.send(line) if "Error" in o], line
    # A non-client's routes go to clients only ...
    assert "10.3.0.4/32" in _bgp_vpn_rows(s["PE2"])
    assert "10.3.0.4/32" not in _bgp_vpn_rows(s["PE5"])
    assert "10.3.0.5/32" not in _bgp_vpn_rows(s["PE4"])
    # ... a client's to everyone.
    assert "10.3.0.2/32" in _bgp_vpn_rows(s["PE4"])
    assert "10.3.0.2/32" in _bgp_vpn_rows(s["PE5"])
    # The reflector counts what it receives from each peer (undo policy vpn-target keeps all).
    pref = {ln.split()[0]: int(ln.split()[-1]) for ln in rr.send("display bgp vpnv4 all peer")
            if re.match(r"\s*10\.0\.0\.\d+\s", ln)}
    assert pref == {f"10.0.0.{j}": 2 for j in range(2, 6)}  # each PE: its CE's loopback and link
