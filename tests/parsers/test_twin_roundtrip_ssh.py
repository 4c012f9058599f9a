"""Every display the twin prints over SSH parses back to the twin's own state.

Three labs, each converged over real SSH with the real netmiko (``huawei_vrpv8``)
at time scale 0 and shared by the tests of this module:

- ``reference``: the five routers of ``inventory/lab``, configured by replaying
  the reference procedure exactly as typed (``tests/twin/test_reference.py``);
- ``quad``: four PEs in a ring plus two sites (``tests/fixtures/topologies/quad``,
  other names, AS numbers, addresses and interface names), configured by typing
  the configuration ``tests/network/refnet.py::quad_configs`` builds, block by
  block, in two commits (the second one labelled), plus a static-discriminator
  BFD session ALPHA <-> SITEA that ALPHA's VPN static route tracks;
- ``three``: the OSPF-only triangle of ``tests/fixtures/topologies/three``
  (process 10, area 0.0.0.1, configured router IDs, NE8000 ports), typed as
  ``tests/twin/test_second_topology.py`` does.

For every router and every display both the twin and ``vrpbook.parsers``
implement, the terminal transcript (the prompt the router printed, the echo of
the command, the output, the next prompt) is parsed, and the parsed facts are
compared with facts read from the twin through Python: the committed
``RouterConfig`` objects, the topology's cables, the device's commit history
and the network engine's state objects (``Network.state()``). Where a fact
can be derived from configuration + cables alone (direct routes, OSPF and LDP
neighbours, BGP peers, VPN instances, interface states) it is derived here,
independently of the engine. Nothing is compared with a string produced by
the code path that printed the display.

Routers that do not run a protocol: each case asserts the twin's actual
behaviour -- an empty but well-formed result, or a ``ParseError`` of a named
kind -- and says why that is the fail-closed answer.

The displays added for issue 11 (``display ip interface brief``, ``display
version``, ``display mpls lsp``, ``display bgp vpnv4 all routing-table`` and
``... vpn-instance NAME routing-table``, ``display current-configuration`` read
into sections) are checked the same way at the end of the module.

Not covered because the twin does not implement it (the parser does):
``display ip routing-table vpn-instance NAME PREFIX`` (the twin answers
``Error: Unrecognized command``); the twin's ``display ip routing-table
vpn-instance NAME protocol static`` has no parser. Statics in VPN tables are
checked through the VPN routing tables instead.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

from vrpbook.lab import boot_lab
from vrpbook.parsers import ParseError, ParseErrorKind, parse
from vrpbook.twin.config.model import BfdSession, RouterConfig
from vrpbook.twin.config.render import render_body
from vrpbook.twin.lab import HostSpec, Lab, RunningLab
from vrpbook.twin.topology import Topology

from ..by_path import load

pytestmark = pytest.mark.lab

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
PUBLIC = "_public_"


refnet = load("vrpbook_tests_refnet", TESTS / "network" / "refnet.py")
procedure = load("vrpbook_twin_reference_replay", TESTS / "twin" / "test_reference.py")
vtys = load("vrpbook_twin_vty", TESTS / "twin" / "conftest.py")
second = load("vrpbook_twin_second_topology", TESTS / "twin" / "test_second_topology.py")


def poll(fn: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Call *fn* until truthy; fail naming *what* (time scale 0 converges at once,
    polling only guards against the lab's loop thread lagging behind)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


# --------------------------------------------------------------------- labs


@dataclass
class Converged:
    """A running, converged lab and one open SSH session per router."""

    name: str
    run: RunningLab
    sessions: dict[str, Any]
    typed_commits: dict[str, list[tuple[str | None, str]]]  # router -> (label, description) typed

    @property
    def routers(self) -> list[str]:
        return sorted(self.run.lab.routers)

    @property
    def topology(self) -> Topology:
        return self.run.lab.topology

    def config(self, router: str) -> RouterConfig:
        return self.run.running_config(router)

    def transcript(self, router: str, command: str) -> str:
        """What the terminal showed: the router's prompt, the echoed command, the
        output and the next prompt -- all bytes the router sent over SSH
        (``Vty.send`` checks the echo is the typed command byte for byte)."""
        vty = self.sessions[router]
        before = vty.prompt
        lines = vty.send(command)
        return "\n".join([before + command, *lines, vty.prompt]) + "\n"

    def show(self, router: str, command: str) -> Any:
        """Parse the display; its prompt line must name the router's sysname."""
        result = parse(command, self.transcript(router, command))
        assert result.hostname == self.config(router).sysname, (router, command, result.prompt)
        assert result.warnings == [], (router, command, result.warnings)
        return result

    def refused(self, router: str, command: str) -> ParseError:
        with pytest.raises(ParseError) as info:
            parse(command, self.transcript(router, command))
        return info.value

    def state(self) -> Any:
        return self.run.lab.call(self.run.network.state)

    def history(self, router: str) -> list[Any]:
        return self.run.lab.call(lambda: list(self.run.lab.routers[router].history))


def _open(run: RunningLab, router: str) -> Any:
    import netmiko

    return vtys.Vty(netmiko.ConnectHandler(**run.netmiko_params(router)))


def _send_ok(vty: Any, line: str) -> list[str]:
    """Type *line*; the router must answer without an error and with a prompt (no question)."""
    out = vty.send(line)
    assert not any(o.lstrip().startswith("Error") for o in out), (line, out)
    assert vty.prompt.startswith(("<", "[")), (line, vty.prompt)
    return out


def _view(prompt: str) -> str:
    """The view part of a prompt (``[*BRAVO-bgp]`` -> ``BRAVO-bgp``): ``~``/``*`` only
    say whether uncommitted changes exist."""
    return prompt.strip("<>[]").lstrip("~*")


@pytest.fixture(scope="module")
def reference() -> Iterator[Converged]:
    lab = boot_lab(ROOT / "inventory" / "lab", time_scale=0.0)
    with lab.running(ephemeral_ports=True) as run:
        sessions: dict[str, Any] = {}
        typed: dict[str, list[tuple[str | None, str]]] = {}
        try:
            cmds = procedure.procedure_commands()
            for router in ("PE1", "PE2", "PE3", "CE1", "CE2"):
                v = sessions[router] = _open(run, router)
                lines = procedure.ADDED.get(router, []) + [c for _s, _p, c in cmds[router]]
                for line in lines:
                    _send_ok(v, line)
                typed[router] = [(None, "")] * sum(1 for x in lines if x.strip() == "commit")
                _send_ok(v, "return")
            conv = Converged("reference", run, sessions, typed)
            _wait_converged(conv)
            yield conv
        finally:
            for v in sessions.values():
                v.close()


def quad_configs(topology: Topology) -> dict[str, RouterConfig]:
    """refnet's quad, plus a static BFD session ALPHA <-> SITEA inside CUST that
    ALPHA's static route tracks -- static discriminators and non-default timers,
    unlike the reference's ``auto`` sessions, so both kinds round-trip."""
    cfgs = refnet.quad_configs(topology)
    alpha, sitea = cfgs["ALPHA"], cfgs["SITEA"]
    alpha.bfd_enabled = sitea.bfd_enabled = True
    alpha.bfd_sessions["alpha_sitea"] = BfdSession(
        "alpha_sitea", IPv4Address("172.16.10.2"), "CUST", "GigabitEthernet0/0/3", IPv4Address("172.16.10.1"),
        local_discriminator=101, remote_discriminator=202, min_tx_interval=100, min_rx_interval=200,
        description="to-SITEA")
    sitea.bfd_sessions["sitea_alpha"] = BfdSession(
        "sitea_alpha", IPv4Address("172.16.10.1"), None, "GigabitEthernet0/0/1", IPv4Address("172.16.10.2"),
        local_discriminator=202, remote_discriminator=101, min_tx_interval=50, detect_multiplier=5)
    (route,) = [r for r in alpha.static_routes if r.vpn_instance == "CUST"]
    route.track_bfd_session = "alpha_sitea"
    return cfgs


QUAD_PASSWORD = "Quad-Lab-only"  # lab-only: logs in to the twin on 127.0.0.1 and nowhere else


def _config_lines(cfg: RouterConfig) -> list[tuple[int, str]]:
    """(indent, line) of a configuration, as an operator would paste it."""
    out = []
    for raw in render_body(cfg):
        s = raw.strip()
        if s and s not in ("#", "return"):
            out.append((len(raw) - len(raw.lstrip(" ")), s))
    return out


def _type_config(v: Any, cfg: RouterConfig, label: str, description: str) -> None:
    """Type *cfg* in system view: sysname first (commit 1), then everything else
    (commit 2, labelled); leave views by ``quit`` following the indentation."""
    lines = _config_lines(cfg)
    assert lines[0] == (0, f"sysname {cfg.sysname}")
    _send_ok(v, "system-view")
    _send_ok(v, lines[0][1])
    _send_ok(v, "commit")
    stack: list[int] = []
    for indent, line in lines[1:]:
        while stack and stack[-1] >= indent:
            _send_ok(v, "quit")
            stack.pop()
        before = _view(v.prompt)
        _send_ok(v, line)
        if _view(v.prompt) != before:  # entered a view
            stack.append(indent)
    while stack:
        _send_ok(v, "quit")
        stack.pop()
    _send_ok(v, f"commit label {label} description {description}")
    _send_ok(v, "return")


@pytest.fixture(scope="module")
def quad() -> Iterator[Converged]:
    topology = Topology.load(refnet.QUAD_TOPOLOGY)
    wanted = quad_configs(topology)
    hosts = {name: HostSpec(name, "127.0.0.1", 0) for name in topology.devices}
    lab = Lab(topology, hosts, "quadops", QUAD_PASSWORD, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as run:
        sessions: dict[str, Any] = {}
        typed: dict[str, list[tuple[str | None, str]]] = {}
        try:
            for router in sorted(wanted):
                v = sessions[router] = _open(run, router)
                label, desc = f"{router.lower()}-base", f"quad_{router}_baseline"
                _type_config(v, wanted[router], label, desc)
                typed[router] = [(None, ""), (label, desc)]
                # what was typed over SSH is what the router runs
                assert render_body(run.running_config(router)) == render_body(wanted[router]), router
            conv = Converged("quad", run, sessions, typed)
            _wait_converged(conv)
            yield conv
        finally:
            for v in sessions.values():
                v.close()


@pytest.fixture(scope="module")
def three() -> Iterator[Converged]:
    """The triangle R-A/R-B/R-C (OSPF only: process 10, area 0.0.0.1, configured
    router IDs, ospf cost 20), typed as tests/twin/test_second_topology.py does."""
    lab = boot_lab(TESTS / "fixtures" / "topologies" / "three", time_scale=0.0)
    with lab.running(ephemeral_ports=True) as run:
        sessions: dict[str, Any] = {}
        typed: dict[str, list[tuple[str | None, str]]] = {}
        try:
            for index, router in enumerate(["R-A", "R-B", "R-C"], 1):
                v = sessions[router] = _open(run, router)
                _send_ok(v, "system-view")
                lines = second._commands(router, index)
                for line in lines:
                    _send_ok(v, line)
                typed[router] = [(None, "")] * lines.count("commit")
            conv = Converged("three", run, sessions, typed)
            _wait_converged(conv)
            yield conv
        finally:
            for v in sessions.values():
                v.close()


def _wait_converged(conv: Converged) -> None:
    """Every configured adjacency/session is up in the engine's state."""

    def done() -> bool:
        st = conv.state()
        return (all(up for _a, up in st.ospf_adj) and all(up for _p, up in st.ldp)
                and all(s == "Established" for _p, s in st.bgp_peers) and all(b.up for b in st.bfd)
                and bool(st.ospf_adj))

    poll(done, f"{conv.name} converged")


@pytest.fixture(params=["reference", "quad", "three"])
def net(request: pytest.FixtureRequest) -> Converged:
    return request.getfixturevalue(request.param)


# ------------------------------------------------- independent derivations


def _ports(conv: Converged, router: str) -> dict[str, tuple[str, str]]:
    """(phy, protocol) of every interface, from configs and cables only."""
    cfg = conv.config(router)
    out = {}
    for name, iface in cfg.interfaces.items():
        if iface.shutdown:
            out[name] = ("*down", "down")
        elif not iface.physical:
            out[name] = ("up", "up(s)")
        else:
            far = conv.topology.peer_of(router, name)
            far_if = conv.config(far.device).interfaces.get(far.interface) if far else None
            if far_if is None or far_if.shutdown:
                out[name] = ("down", "down")
            else:
                out[name] = ("up", "up" if iface.address is not None else "down")
    return out


def _is_up(conv: Converged, router: str, ifname: str) -> bool:
    return _ports(conv, router).get(ifname, ("down", "down"))[1] in ("up", "up(s)")


def _expected_direct(conv: Converged, router: str, table: str) -> set[tuple[str, str, str]]:
    """(destination, nexthop, interface) of the interface-derived Direct routes."""
    cfg = conv.config(router)
    out = set()
    for iface in cfg.interfaces.values():
        if iface.address is None or (iface.vpn_instance or PUBLIC) != table or not _is_up(conv, router, iface.name):
            continue
        a = iface.address
        if a.network.prefixlen < 32:
            out.add((str(a.network), str(a.ip), iface.name))
        out.add((f"{a.ip}/32", "127.0.0.1", iface.name))
        if a.network.prefixlen < 31:
            out.add((f"{a.network.broadcast_address}/32", "127.0.0.1", iface.name))
    return out


def _ospf_area_of(cfg: RouterConfig, address: IPv4Address) -> str | None:
    for proc in cfg.ospf.values():
        for area in proc.areas.values():
            if any(n.covers(address) for n in area.networks):
                return str(area.area_id)
    return None


def _ospf_router_id(cfg: RouterConfig) -> IPv4Address:
    """``ospf N router-id X`` when configured, else the automatic choice."""
    configured = [p.router_id for p in cfg.ospf.values() if p.router_id is not None]
    return configured[0] if configured else _router_id(cfg)


def _router_id(cfg: RouterConfig) -> IPv4Address:
    loops = [i.address.ip for i in cfg.interfaces.values() if i.address and i.name.startswith("LoopBack")]
    return max(loops or [i.address.ip for i in cfg.interfaces.values() if i.address])


def _ospf_neighbours(conv: Converged, router: str) -> list[tuple[str, str, str]]:
    """(area, interface, neighbour router ID) over up cables, both ends in one area."""
    cfg = conv.config(router)
    out = []
    for name, iface in cfg.interfaces.items():
        if iface.address is None or iface.vpn_instance or not _is_up(conv, router, name):
            continue
        area = _ospf_area_of(cfg, iface.address.ip)
        far = conv.topology.peer_of(router, name)
        if area is None or far is None:
            continue
        fcfg = conv.config(far.device)
        fif = fcfg.interfaces[far.interface]
        if fif.address is not None and _ospf_area_of(fcfg, fif.address.ip) == area:
            out.append((area, name, str(_ospf_router_id(fcfg))))
    return sorted(out)


def _ldp_neighbours(conv: Converged, router: str) -> dict[str, str]:
    """peer LSR ID -> role, from mpls/mpls ldp on both ends of up cables."""
    cfg = conv.config(router)
    if not (cfg.mpls_enabled and cfg.mpls_ldp_enabled and cfg.mpls_lsr_id):
        return {}
    out = {}
    for name, iface in cfg.interfaces.items():
        far = conv.topology.peer_of(router, name)
        if not (iface.mpls and iface.mpls_ldp) or far is None or not _is_up(conv, router, name):
            continue
        fcfg = conv.config(far.device)
        fif = fcfg.interfaces.get(far.interface)
        if fif and fif.mpls and fif.mpls_ldp and fcfg.mpls_ldp_enabled and fcfg.mpls_lsr_id:
            out[f"{fcfg.mpls_lsr_id}:0"] = "Active" if cfg.mpls_lsr_id > fcfg.mpls_lsr_id else "Passive"
    return out


def _route_rows(table: Any) -> list[dict[str, Any]]:
    """Active rows of an engine table (state objects, not text)."""
    return [
        {"destination": str(r.prefix), "proto": r.proto, "pre": r.pre, "cost": r.cost, "flags": r.flags,
         "nexthop": str(r.nexthop), "interface": r.interface}
        for r in table.active()
    ]


def _all_vpn_names(conv: Converged) -> set[str]:
    return {n for r in conv.routers for n in conv.config(r).vpn_instances}


# -------------------------------------------------------------- routing


def _check_table(conv: Converged, router: str, name: str, parsed: dict[str, Any], engine_table: Any) -> None:
    rows = parsed["routes"]
    assert parsed["table"] == name
    assert rows == _route_rows(engine_table), (router, name)
    assert parsed["destinations"] == len({r["destination"] for r in rows})
    assert parsed["routes_count"] == len(rows)
    direct = {(r["destination"], r["nexthop"], r["interface"]) for r in rows
              if r["proto"] == "Direct" and r["interface"] != "InLoopBack0"}
    assert direct == _expected_direct(conv, router, name), (router, name)
    up = {n for n in conv.config(router).interfaces if _is_up(conv, router, n)}
    for r in rows:
        assert r["interface"] in up | {"InLoopBack0"}, (router, name, r)
        if r["proto"] == "OSPF":
            # the next hop is the address of the OSPF neighbour on that interface's cable
            far = conv.topology.peer_of(router, r["interface"])
            assert far is not None
            assert r["nexthop"] == str(conv.config(far.device).interfaces[far.interface].address.ip)
            assert r["pre"] == 10


def test_routing_tables(net: Converged) -> None:
    """Public and every VPN table of every router; routes, counters, ECMP, directs."""
    st = net.state()
    checked = ecmp = 0
    for router in net.routers:
        cfg = net.config(router)
        data = net.show(router, "display ip routing-table").model_dump()
        _check_table(net, router, PUBLIC, data, st.tables[router][PUBLIC])
        for vpn in sorted(_all_vpn_names(net)):
            cmd = f"display ip routing-table vpn-instance {vpn}"
            if vpn not in cfg.vpn_instances:
                # the twin answers "Error: The VPN instance does not exist." -> device error
                assert net.refused(router, cmd).kind is ParseErrorKind.DEVICE_ERROR
                continue
            vdata = net.show(router, cmd).model_dump()
            assert vdata["vpn_instance"] == vpn
            _check_table(net, router, vpn, vdata, st.tables[router][vpn])
            checked += 1
            ecmp += sum(n > 1 for n in Counter(r["destination"] for r in vdata["routes"]).values())
        ecmp += sum(n > 1 for n in Counter(r["destination"] for r in data["routes"]).values())
        checked += 1
    assert checked == len(net.routers) + sum(len(net.config(r).vpn_instances) for r in net.routers)
    assert ecmp >= 2  # both labs have equal-cost paths (ring / triangle + load-balanced VPN routes)


def test_static_routing_tables(net: Converged) -> None:
    st = net.state()
    for router in net.routers:
        cfg = net.config(router)
        data = net.show(router, "display ip routing-table protocol static").model_dump()
        configured = [s for s in cfg.static_routes if s.vpn_instance is None]
        active, inactive = data["sections"]
        assert (data["table"], active["status"], inactive["status"]) == (PUBLIC, "Active", "Inactive")
        assert data["configured_routes"] == len(configured)
        expected = [r for r in _route_rows(st.tables[router][PUBLIC]) if r["proto"] == "Static"]
        assert active["entries"] == expected
        # converged labs: every public static route is installed, ECMP rows included
        assert sorted((r["destination"], r["nexthop"]) for r in active["entries"]) == sorted(
            (str(s.prefix), str(s.nexthop)) for s in configured)
        assert (active["routes"], inactive["routes"], inactive["entries"]) == (len(configured), 0, [])
        assert data["routes_count"] == active["routes"]
        assert data["destinations"] == active["destinations"] == len({str(s.prefix) for s in configured})


# ------------------------------------------------------------------ BFD


def test_bfd_sessions(net: Converged) -> None:
    st = net.state()
    seen = 0
    for router in net.routers:
        cfg = net.config(router)
        mine = {s.view.cfg.name: s for s in st.bfd if s.view.router == router}
        assert set(mine) == set(cfg.bfd_sessions)
        brief = net.show(router, "display bfd session all").model_dump()
        verbose = net.show(router, "display bfd session all verbose").model_dump()
        # a router without sessions prints the empty table with its Total line: an empty result
        assert len(brief["sessions"]) == len(verbose["sessions"]) == len(cfg.bfd_sessions)
        up = sum(s.up for s in mine.values())
        assert (brief["total_up"], brief["total_down"]) == (up, len(mine) - up)
        assert (verbose["total_up"], verbose["total_down"]) == (up, len(mine) - up)
        by_disc = {s["local_discriminator"]: s for s in brief["sessions"]}
        for v in verbose["sessions"]:
            s, c = mine[v["name"]], cfg.bfd_sessions[v["name"]]
            peer = next(p for p in st.bfd if (p.view.router, p.view.cfg.name) == s.view.peer)
            # discriminators: mine is the far end's remote and the other way round
            assert v["local_discriminator"] == s.view.local_disc
            assert v["remote_discriminator"] == peer.view.local_disc
            assert peer.remote_disc == s.view.local_disc
            # the Vpn Instance Name line is printed only for a session bound to an instance
            assert (v["state"], v["peer_ip"], v["interface"], v.get("vpn_instance"), v["source_ip"]) == (
                "Up", str(c.peer_ip), c.interface, c.vpn_instance, str(c.source_ip))
            assert ("vpn_instance" in v) == (c.vpn_instance is not None)
            assert v["session_type"] == ("Static_Auto" if c.auto else "Static")
            assert v["session_description"] == (c.description or None)
            assert (v["min_tx_interval_ms"], v["min_rx_interval_ms"], v["local_detect_multi"]) == (
                c.min_tx_interval, c.min_rx_interval, c.detect_multiplier)
            far = net.config(peer.view.router).bfd_sessions[peer.view.cfg.name]
            assert v["actual_tx_interval_ms"] == max(c.min_tx_interval, far.min_rx_interval)
            assert v["detect_interval_ms"] == far.detect_multiplier * max(c.min_rx_interval, far.min_tx_interval)
            # the peer answers from the address this session expects
            far_if = net.topology.peer_of(router, c.interface)
            assert str(net.config(far_if.device).interfaces[far_if.interface].address.ip) == v["peer_ip"]
            b = by_disc[v["local_discriminator"]]
            assert (b["remote_discriminator"], b["peer_ip"], b["state"], b["interface"]) == (
                v["remote_discriminator"], v["peer_ip"], "Up", c.interface)
            seen += 1
    assert seen == sum(len(net.config(r).bfd_sessions) for r in net.routers)


# ------------------------------------------------------------------ BGP


def _peer_state(st: Any, router: str, table: str, address: str) -> str:
    (state,) = [s for pv, s in st.bgp_peers if (pv.router, pv.table, str(pv.address)) == (router, table, address)]
    return state


def test_bgp_peers(net: Converged) -> None:
    st = net.state()
    for router in net.routers:
        cfg = net.config(router)
        cmd = "display bgp peer"
        if cfg.bgp is None:
            # "Info: The BGP process is not configured." is no table: no line of the
            # template matches it, so it fails closed instead of reading as "no peers"
            err = net.refused(router, cmd)
            assert err.kind is ParseErrorKind.UNKNOWN_LINE and "The BGP process is not configured" in str(err)
            continue
        data = net.show(router, cmd).model_dump()
        assert (data["local_as"], data["router_id"]) == (cfg.bgp.as_number, str(_router_id(cfg)))
        want = {str(a): cfg.bgp.peers[a].as_number for a in cfg.bgp.unicast.enabled_peers}
        assert {p["peer"]: p["as"] for p in data["peers"]} == want
        for p in data["peers"]:
            assert p["state"] == _peer_state(st, router, PUBLIC, p["peer"]) == "Established"
            assert p["pref_rcv"] == len(st.bgp.received.get((router, PUBLIC, IPv4Address(p["peer"])), []))
        assert data["total_peers"] == data["peers_established"] == len(want)


def test_bgp_vpnv4_peers(net: Converged) -> None:
    st = net.state()
    for router in net.routers:
        cfg = net.config(router)
        cmd = "display bgp vpnv4 all peer"
        if cfg.bgp is None:
            assert net.refused(router, cmd).kind is ParseErrorKind.UNKNOWN_LINE  # the Info: line
            continue
        data = net.show(router, cmd).model_dump()
        assert (data["local_as"], data["router_id"]) == (cfg.bgp.as_number, str(_router_id(cfg)))
        public = {str(a): cfg.bgp.peers[a].as_number for a in (cfg.bgp.vpnv4.enabled_peers if cfg.bgp.vpnv4 else [])}
        vrf = {(str(a), name): p.as_number for name, fam in cfg.bgp.vrfs.items() for a, p in fam.peers.items()}
        got = {(p["peer"], p["vpn_instance"]): p["as"] for p in data["peers"]}
        # a CE with BGP but no VPNv4 prints the header and no rows: an empty result
        assert got == {**{(a, None): asn for a, asn in public.items()}, **vrf}
        assert data["total_peers"] == data["peers_established"] == len(got)
        assert sorted(i["name"] for i in data["vpn_instances"]) == sorted(n for _a, n in vrf)
        assert {i["router_id"] for i in data["vpn_instances"]} <= {str(_router_id(cfg))}
        for p in data["peers"]:
            assert p["state"] == _peer_state(st, router, p["vpn_instance"] or PUBLIC, p["peer"]) == "Established"
            if p["vpn_instance"] is None:
                # PrefRcv counts the VPNv4 routes received from the peer; every VPN route
                # installed here with that PE as BGP next hop was one of them
                learned = {r["destination"] for name in cfg.vpn_instances
                           for r in _route_rows(st.tables[router][name]) if r["nexthop"] == p["peer"]}
                assert p["pref_rcv"] >= len(learned)


def test_bgp_vpn_instance_peers(net: Converged) -> None:
    st = net.state()
    for router in net.routers:
        cfg = net.config(router)
        for vpn in sorted(_all_vpn_names(net)):
            cmd = f"display bgp vpnv4 vpn-instance {vpn} peer"
            if cfg.bgp is None:
                assert net.refused(router, cmd).kind is ParseErrorKind.UNKNOWN_LINE  # the Info: line
                continue
            if vpn not in cfg.vpn_instances:
                assert net.refused(router, cmd).kind is ParseErrorKind.DEVICE_ERROR  # no such instance
                continue
            data = net.show(router, cmd).model_dump()
            fam = cfg.bgp.vrfs.get(vpn)
            want = {str(a): p.as_number for a, p in (fam.peers.items() if fam else [])}
            assert data["vpn_instance"] == vpn
            # a PE whose instance has no CE peer prints the table with no rows: an empty result
            assert {p["peer"]: p["as"] for p in data["peers"]} == want
            for p in data["peers"]:
                assert p["state"] == _peer_state(st, router, vpn, p["peer"]) == "Established"
                assert p["pref_rcv"] == len(st.bgp.received.get((router, vpn, IPv4Address(p["peer"])), []))
            assert data["total_peers"] == data["peers_established"] == len(want)


# ------------------------------------------------------------- LDP / OSPF


def test_ldp_sessions(net: Converged) -> None:
    for router in net.routers:
        cfg = net.config(router)
        cmd = "display mpls ldp session"
        want = _ldp_neighbours(net, router)
        if not cfg.mpls_ldp_enabled:
            # "Error: The MPLS LDP is not enabled." -> the device refused: fail closed
            assert net.refused(router, cmd).kind is ParseErrorKind.DEVICE_ERROR
            continue
        data = net.show(router, cmd).model_dump()
        assert {s["peer_id"]: s["ssn_role"] for s in data["sessions"]} == want
        assert {(s["status"], s["lam"], s["deleting"]) for s in data["sessions"]} == {("Operational", "DU", False)}
        assert data["total_sessions"] == len(want) >= 2


def test_ospf_peers(net: Converged) -> None:
    for router in net.routers:
        cfg = net.config(router)
        cmd = "display ospf peer brief"
        if not cfg.ospf:
            # the twin prints nothing at all without OSPF: empty output is not an empty table
            assert net.refused(router, cmd).kind is ParseErrorKind.EMPTY
            continue
        data = net.show(router, cmd).model_dump()
        (proc,) = cfg.ospf.values()
        want = _ospf_neighbours(net, router)
        assert (data["process_id"], data["router_id"]) == (proc.process_id, str(_ospf_router_id(cfg)))
        assert sorted((p["area"], p["interface"], p["neighbor_id"]) for p in data["peers"]) == want
        assert {(p["state"], p["madj"], p["process_id"]) for p in data["peers"]} == {("Full", False, proc.process_id)}
        assert data["total_peers"] == data["peers_full"] == len(want) >= 2


# ---------------------------------------------------- VPN / interfaces / commits


def test_vpn_instances(net: Converged) -> None:
    for router in net.routers:
        cfg = net.config(router)
        data = net.show(router, "display ip vpn-instance verbose").model_dump()
        # a router without instances prints the three zero totals: an empty result
        assert data["total_vpn_instances"] == data["total_ipv4_vpn_instances"] == len(cfg.vpn_instances)
        assert data["total_ipv6_vpn_instances"] == 0
        assert [i["name"] for i in data["instances"]] == list(cfg.vpn_instances)
        for inst in data["instances"]:
            c = cfg.vpn_instances[inst["name"]]
            bound = sorted(n for n, i in cfg.interfaces.items() if i.vpn_instance == c.name)
            assert sorted(inst["interfaces"]) == bound
            (af,) = inst["address_families"]
            assert (af["afi"], af["route_distinguisher"], af["vrf_status"]) == ("ipv4", c.route_distinguisher, "UP")
            assert (af["export_vpn_targets"], af["import_vpn_targets"]) == (c.export_targets, c.import_targets)


def test_interface_brief(net: Converged) -> None:
    for router in net.routers:
        data = net.show(router, "display interface brief").model_dump()
        got = {r["interface"]: (r["phy"], r["protocol"]) for r in data["interfaces"]}
        assert got == {**_ports(net, router), "NULL0": ("up", "up(s)")}
        # every cabled port of the topology is up in both labs
        assert all(got[p] == ("up", "up") for p in net.topology.devices[router].interfaces
                   if net.topology.peer_of(router, p) is not None)
        assert {(r["in_errors"], r["out_errors"]) for r in data["interfaces"]} == {(0, 0)}


def _stamp(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def test_commit_lists(net: Converged) -> None:
    user = net.run.credentials[0]
    for router in net.routers:
        hist = net.history(router)
        table = net.show(router, "display configuration commit list").model_dump()["commits"]
        verbose = net.show(router, "display configuration commit list verbose").model_dump()["commits"]
        # one commit point per "commit" typed over SSH, newest first, ids consecutive from 1000000001
        typed = net.typed_commits[router]
        assert len(hist) == len(typed) == len(table) == len(verbose)
        assert [int(c["commit_id"]) for c in verbose] == list(range(1000000000 + len(typed), 1000000000, -1))
        assert [(c["label"], c["description"]) for c in verbose] == list(reversed(typed))
        for i, (t, v, p) in enumerate(zip(table, verbose, hist, strict=False), start=1):
            assert t["index"] == v["index"] == i
            assert t["commit_id"] == v["commit_id"] == str(p.commit_id)
            assert t["label"] == v["label"] == p.label
            assert t["user"] == v["user"] == user
            assert t["timestamp"] == v["timestamp"] == _stamp(p.time)
            assert (v["type"], v["user_intf"]) == ("CLI", p.user_intf)
            assert v["user_intf"].startswith("VTY ")


# ------------------------------------------------ netmiko's own send_command

STABLE = ("display ip routing-table", "display ip routing-table protocol static", "display bfd session all",
          "display bfd session all verbose", "display interface brief", "display configuration commit list verbose",
          "display ip interface brief", "display current-configuration")


def test_send_command_output_parses_the_same(net: Converged) -> None:
    """What runbooks read -- ``send_command`` strips echo and prompt -- parses to the
    same facts as the full transcript (displays without clocks in them)."""
    for router in net.routers:
        conn = net.sessions[router].conn
        prompt = re.escape(net.sessions[router].prompt)  # known: saves netmiko's prompt probing
        for cmd in STABLE:
            stripped = parse(cmd, conn.send_command(cmd, expect_string=prompt)).model_dump()
            full = net.show(router, cmd).model_dump()
            assert stripped["hostname"] is None and full["hostname"] == net.config(router).sysname
            for key in ("prompt", "hostname", "command"):
                stripped.pop(key), full.pop(key)
            assert stripped == full, (router, cmd)


# ------------------------------------------- several OSPF processes on one router


def test_ospf_two_processes_each_list_their_own_neighbours() -> None:
    """ALPHA and DELTA run their shared link in OSPF process 2, the rest in process 1:
    process 1 must list BRAVO only, process 2 DELTA only (this test found the
    twin printing both neighbours under both processes; fixed in twin/network/ospf.py)."""
    from vrpbook.twin.config.model import Ospf, OspfArea, OspfNetwork
    from vrpbook.twin.network.engine import Network

    topology = Topology.load(refnet.QUAD_TOPOLOGY)
    cfgs = refnet.quad_configs(topology)
    area = IPv4Address("0.0.0.0")
    for router in ("ALPHA", "DELTA"):
        p1 = cfgs[router].ospf[1].areas[area]
        lo = p1.networks[-1]  # the loopback /32
        p1.networks = [OspfNetwork(IPv4Address("172.16.0.0"), IPv4Address("0.0.0.7")),
                       OspfNetwork(IPv4Address("172.16.0.8"), IPv4Address("0.0.0.3")), lo]
        cfgs[router].ospf[2] = Ospf(2, areas={area: OspfArea(area, [
            OspfNetwork(IPv4Address("172.16.0.12"), IPv4Address("0.0.0.3"))])})
    net = Network(topology, lambda: cfgs, time_scale=0.0)
    data = parse("display ospf peer brief", net.display_ospf_peer_brief("ALPHA")).model_dump()
    got = sorted((p["process_id"], p["interface"], p["neighbor_id"]) for p in data["peers"])
    assert got == [(1, "GigabitEthernet0/0/1", "192.0.2.2"), (2, "GigabitEthernet0/0/2", "192.0.2.4")]
    assert [(p["process_id"], p["total_peers"]) for p in data["processes"]] == [(1, 1), (2, 1)]


# ------------------------------------------------------------ new displays (issue 11)


def _mask(length: int) -> str:
    return str(IPv4Address((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF))


def test_ip_interface_brief(net: Converged) -> None:
    """Addresses, VPN bindings and states of every interface, from configs and cables."""
    for router in net.routers:
        cfg = net.config(router)
        data = net.show(router, "display ip interface brief").model_dump()
        ports = {**_ports(net, router), "NULL0": ("up", "up(s)")}
        got = {r["interface"]: r for r in data["interfaces"]}
        assert set(got) == set(cfg.interfaces) | {"NULL0"}
        for name, row in got.items():
            iface = cfg.interfaces.get(name)
            address = f"{iface.address.ip}/{iface.address.network.prefixlen}" if iface and iface.address else None
            assert (row["ip_address"], row["vpn"]) == (address, iface.vpn_instance if iface else None), (router, name)
            assert (row["physical"], row["protocol"]) == ports[name], (router, name)
        up_phy = sum(p.startswith("up") for p, _ in ports.values())
        up_proto = sum(q.startswith("up") for _, q in ports.values())
        assert (data["up_physical"], data["down_physical"]) == (up_phy, len(ports) - up_phy)
        assert (data["up_protocol"], data["down_protocol"]) == (up_proto, len(ports) - up_proto)


def test_version(net: Converged) -> None:
    """The model the topology gives, the release the twin runs, an uptime that grows from boot."""
    for router in net.routers:
        data = net.show(router, "display version").model_dump()
        model = net.topology.devices[router].model
        assert data["model"] == model and data["product_version"] == f"{model.split('-')[0]} V800R012C10"
        assert data["vrp_version"] == "8.200" and data["patch_version"] is None
        booted = net.run.lab.call(lambda r=router: net.run.lab.routers[r].clock() - net.run.lab.routers[r].boot_time)
        days, hours, minutes = (int(x.split()[0]) for x in data["uptime"].split(", "))
        assert abs(days * 86400 + hours * 3600 + minutes * 60 - booted) < 120


def _ldp_lsrs(conv: Converged) -> dict[str, list[str]]:
    """Router -> its public LoopBack /32 addresses, for routers running LDP (from configs)."""
    out = {}
    for router in conv.routers:
        cfg = conv.config(router)
        if cfg.mpls_enabled and cfg.mpls_ldp_enabled and cfg.mpls_lsr_id is not None:
            out[router] = sorted(str(i.address.ip) for i in cfg.interfaces.values()
                                 if i.name.startswith("LoopBack") and i.address and i.address.network.prefixlen == 32
                                 and not i.vpn_instance)
    return out


def test_mpls_lsp(net: Converged) -> None:
    """Every LDP router: egress for its loopbacks, an LSP to every other LDP router's loopback
    over the IGP next hops, and labels that chain: an out label is the next router's in label."""
    lsrs = _ldp_lsrs(net)
    st = net.state()
    parsed: dict[str, list[dict[str, Any]]] = {}
    for router in net.routers:
        if router not in lsrs:
            # "Error: The MPLS LDP is not enabled." -> the device refused: fail closed
            assert net.refused(router, "display mpls lsp").kind is ParseErrorKind.DEVICE_ERROR
            continue
        data = net.show(router, "display mpls lsp").model_dump()
        (section,) = data["sections"]
        assert section["lsp_type"] == "LDP LSP"
        parsed[router] = section["entries"]
    if not parsed:
        assert not lsrs and net.name == "three"  # the OSPF-only triangle: every router refused above
        return
    cable = {(r, i): net.topology.peer_of(r, i) for r in net.routers for i in net.topology.devices[r].interfaces}
    for router, entries in parsed.items():
        egress = {e["fec"] for e in entries if (e["in_label"], e["out_label"]) == (3, None)}
        assert egress == {f"{a}/32" for a in lsrs[router]}
        others = {f"{a}/32" for r, addrs in lsrs.items() if r != router for a in addrs}
        assert {e["fec"] for e in entries} - egress == others  # converged: an LSP to every other LSR
        for e in entries:
            if e["fec"] in egress:
                continue
            # the out interface is one of the IGP next hops of the FEC in the engine's table
            igp = {r.interface for r in st.tables[router][PUBLIC].active() if str(r.prefix) == e["fec"]}
            (full,) = [i for i in igp if i.replace("GigabitEthernet", "GE") == e["out_interface"]]
            far = cable[(router, full)]
            assert far is not None
            owner = next(r for r, addrs in lsrs.items() if e["fec"] in {f"{a}/32" for a in addrs})
            if far.device == owner:
                assert e["out_label"] == 3  # implicit null from the egress
            else:
                # the label the next router allocated for the FEC (all its transit rows carry it)
                (label,) = {x["in_label"] for x in parsed[far.device] if x["fec"] == e["fec"]} - {None}
                assert e["out_label"] == label
        ingress = [e for e in entries if e["in_label"] is None]
        transit = [e for e in entries if e["in_label"] not in (None, 3)]
        assert [(e["fec"], e["out_label"], e["out_interface"]) for e in ingress] == \
               [(e["fec"], e["out_label"], e["out_interface"]) for e in transit]
        assert len({e["in_label"] for e in transit}) == len({e["fec"] for e in transit})


def _bgp_rows(st: Any, router: str, vrf: str) -> list[tuple[str, str, str, int | None]]:
    """(status, network, next hop, LocPrf) of the engine's best paths of one instance."""
    out = []
    for prefix, paths in st.bgp.best.get((router, vrf), {}).items():
        for i, p in enumerate(paths):
            ibgp = not p.local and not p.ebgp
            out.append((("*>" if i == 0 else "*") + ("i" if ibgp else ""), str(prefix), str(p.nexthop),
                        100 if ibgp else None))
    return sorted(out, key=lambda r: (IPv4Address(r[1].split("/")[0]), r))


def _norm(status: str) -> str:
    return status.replace(" ", "")


def test_bgp_vpnv4_routing_tables(net: Converged) -> None:
    """``all``: one VPN-instance section per BGP instance with the engine's best paths, RD
    sections carrying the local and received VPNv4 routes; ``vpn-instance NAME``: the same rows."""
    st = net.state()
    seen = 0
    for router in net.routers:
        cfg = net.config(router)
        if cfg.bgp is None:
            for cmd in ("display bgp vpnv4 all routing-table", "display bgp vpnv4 vpn-instance X routing-table"):
                err = net.refused(router, cmd)  # "Info: The BGP process is not configured." is no table
                assert err.kind is ParseErrorKind.UNKNOWN_LINE
            continue
        data = net.show(router, "display bgp vpnv4 all routing-table").model_dump()
        assert data["router_id"] == str(_router_id(cfg))
        assert [v["name"] for v in data["vpn_instances"]] == list(cfg.bgp.vrfs)
        for inst in data["vpn_instances"]:
            want = _bgp_rows(st, router, inst["name"])
            got = sorted(((_norm(r["status"]), r["network"], r["nexthop"], r["local_pref"]) for r in inst["routes"]),
                         key=lambda r: (IPv4Address(r[1].split("/")[0]), r))
            assert got == want, (router, inst["name"])
            assert inst["total_routes"] == len(want) and inst["router_id"] == str(_router_id(cfg))
            one = net.show(router, f"display bgp vpnv4 vpn-instance {inst['name']} routing-table").model_dump()
            assert (one["vpn_instance"], one["vpn_instance_router_id"], one["total_routes"]) == (
                inst["name"], inst["router_id"], inst["total_routes"])
            assert one["routes"] == inst["routes"]
            seen += len(want)
        rds = {c.route_distinguisher for c in cfg.vpn_instances.values() if c.route_distinguisher}
        local_rds = {s["rd"] for s in data["route_distinguishers"]} & rds
        assert local_rds == {cfg.vpn_instances[v].route_distinguisher for v in cfg.bgp.vrfs
                             if cfg.vpn_instances.get(v) and cfg.vpn_instances[v].route_distinguisher
                             and st.bgp.best.get((router, v))}
        received = {(str(p.prefix), str(p.nexthop)) for (r, _peer), paths in st.bgp.vpnv4_in.items() if r == router
                    for p in paths}
        got_in = {(x["network"], x["nexthop"]) for s in data["route_distinguishers"] for x in s["routes"]
                  if _norm(x["status"]).endswith("i")}
        assert got_in == received
        assert data["total_routes_all_pe"] == sum(len(s["routes"]) for s in data["route_distinguishers"])
        for vpn in sorted(_all_vpn_names(net) - set(cfg.vpn_instances)):
            err = net.refused(router, f"display bgp vpnv4 vpn-instance {vpn} routing-table")
            assert err.kind is ParseErrorKind.DEVICE_ERROR
    if net.name != "three":
        assert seen > 0


def _config_facts(cfg: RouterConfig) -> dict[str, set[str]]:
    """Section -> lines it must hold, from the RouterConfig objects (not from rendered text)."""
    facts: dict[str, set[str]] = {f"sysname {cfg.sysname}": set()}
    for iface in cfg.interfaces.values():
        lines = set()
        if iface.address is not None:
            lines.add(f"ip address {iface.address.ip} {iface.address.netmask}")
        if iface.vpn_instance:
            lines.add(f"ip binding vpn-instance {iface.vpn_instance}")
        if iface.mpls:
            lines.add("mpls")
        if iface.mpls_ldp:
            lines.add("mpls ldp")
        if iface.shutdown:
            lines.add("shutdown")
        facts[f"interface {iface.name}"] = lines
    for inst in cfg.vpn_instances.values():
        facts[f"ip vpn-instance {inst.name}"] = {"ipv4-family"} if inst.ipv4_family else set()
    if cfg.bgp is not None:
        facts[f"bgp {cfg.bgp.as_number}"] = {f"peer {a} as-number {p.as_number}" for a, p in cfg.bgp.peers.items()}
    for proc in cfg.ospf.values():
        facts[f"ospf {proc.process_id}" + (f" router-id {proc.router_id}" if proc.router_id else "")] = {
            f"area {area.area_id}" for area in proc.areas.values()}
    for sr in cfg.static_routes:
        head = "ip route-static" + (f" vpn-instance {sr.vpn_instance}" if sr.vpn_instance else "")
        facts.setdefault("static", set()).add(f"{head} {sr.prefix.network_address} {_mask(sr.prefix.prefixlen)}")
    return facts


def test_current_configuration_sections(net: Converged) -> None:
    """The section tree holds what the committed RouterConfig says; the reference lab's
    running configuration has no drift from the document's configuration files."""
    for router in net.routers:
        cfg = net.config(router)
        data = net.show(router, "display current-configuration")
        assert data.complete and data.software_version == "V800R012C10" and data.last_updated
        for section, lines in _config_facts(cfg).items():
            if section == "static":
                statics = [s.line for s in data.sections_starting("ip route-static")]
                assert all(any(s.startswith(want + " ") for s in statics) for want in lines), (router, lines)
                continue
            node = data.section(section) or next(iter(data.sections_starting(section + " ")), None)
            assert node is not None, (router, section)
            children = {c.line for c in node.children}
            assert lines <= children, (router, section, lines - children)
            if section.startswith("ip vpn-instance") and lines:
                inst = cfg.vpn_instances[section.split()[-1]]
                (af,) = node.children
                assert {f"vpn-target {t} export-extcommunity" for t in inst.export_targets} <= {c.line for c in af.children}
        assert data.missing_lines(f"sysname {cfg.sysname}", []) == []
    if net.name == "reference":
        for router in ("PE1", "PE2", "PE3", "CE1", "CE2"):
            intended = parse("display current-configuration", _reference_file(router))
            running = net.show(router, "display current-configuration")
            assert running.drift(intended) == [], router


def _reference_file(router: str) -> str:
    """The document's configuration file of *router* (Configuration Files section), dedented."""
    text = (TESTS / "fixtures" / "reference" / "000_ec677ba149024c37.txt").read_text(encoding="utf-8")
    block = text[text.index(f"* {router} configuration file"):].split("```")[1]
    return "\n".join(line[2:] for line in block.split("\n"))
