"""Incremental evaluation computes exactly what a full recompute computes.

Why: the engine reuses every layer whose inputs did not change and propagates
BGP changes prefix by prefix; a missed dependency would leave a stale route
that no display test on the reference lab would notice. Here a scale network
(a PE ring with route reflectors, and one with a full mesh) goes through a
series of real changes, committed one at a time; after each, the state the
incremental engine reached is compared, fact by fact, with a fresh network's
full evaluation of the same configurations, and with the same network's own
forced full recompute.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

import pytest
from vrpbook_tests_refnet import FakeClock
from vrpbook_tests_scalenet import build, topologies

from vrpbook.twin.config.model import Interface, RouterConfig
from vrpbook.twin.network import ospf
from vrpbook.twin.network.engine import Network
from vrpbook.twin.network.links import LinkMap

A = IPv4Address
RING = "GigabitEthernet0/1/0"


def facts(st: Any) -> dict[str, Any]:
    """Everything displays and forwarding read, as comparable plain values."""
    return {
        "tables": {r: {n: [repr(x) for x in t.active()] for n, t in tabs.items()} for r, tabs in st.tables.items()},
        "peers": sorted((pv.router, pv.table, str(pv.address), s) for pv, s in st.bgp_peers),
        "best": {k: {str(p): v for p, v in d.items()} for k, d in st.bgp.best.items() if d},
        "received": {k: sorted(map(repr, v)) for k, v in st.bgp.received.items()},
        "vpnv4_in": {k: sorted(map(repr, v)) for k, v in st.bgp.vpnv4_in.items()},
        "sent": dict(st.bgp.sent),
        "vpnv4_rib": {r: {str(k): v for k, v in d.items()} for r, d in st.bgp.vpnv4_rib.items() if d},
        "ospf": sorted((a.router, a.interface, up) for a, up in st.ospf_adj),
        "ldp": sorted((p.router, p.peer, up) for p, up in st.ldp),
    }


def _loopback(cfg: Any, name: str, addr: str | None) -> None:
    if addr is None:
        cfg.interfaces.pop(name, None)
    else:
        cfg.interfaces[name] = Interface(name, False, address=IPv4Interface(addr))


def _changes(net: Any) -> list[tuple[str, str, Callable[[Any], None]]]:
    """(description, router, change) in commit order; each change edits a copy of the running config."""
    rr = f"PE{net.reflectors[0]}" if net.reflectors else "PE1"
    client = net.pe_loopback(3)

    def vpnv4(cfg: Any) -> Any:
        return cfg.bgp.vpnv4

    out: list[tuple[str, str, Callable[[Any], None]]] = [
        ("a CE announces a new loopback", "CE3", lambda c: _loopback(c, "LoopBack9", "10.9.9.9/32")),
        ("a ring port goes admin down", "PE2", lambda c: setattr(c.interfaces[RING], "shutdown", True)),
        ("an OSPF cost changes", "PE4", lambda c: setattr(c.interfaces[RING], "ospf_cost", 50)),
        ("the ring port comes back", "PE2", lambda c: setattr(c.interfaces[RING], "shutdown", False)),
        ("a PE imports another target", "PE4",
         lambda c: setattr(c.vpn_instances["VPNA"], "import_targets", ["999:1"])),
        ("the PE imports the VPN again", "PE4",
         lambda c: setattr(c.vpn_instances["VPNA"], "import_targets", ["111:1"])),
        ("a CE drops its EBGP peer", "CE5", lambda c: c.bgp.peers.clear()),
        ("a PE changes its RD", "PE6", lambda c: setattr(c.vpn_instances["VPNA"], "route_distinguisher", "100:66")),
        ("the CE withdraws the loopback", "CE3", lambda c: _loopback(c, "LoopBack9", None)),
    ]
    if net.reflectors:
        out += [
            ("a reflector stops reflecting to one client", rr, lambda c: vpnv4(c).reflect_clients.remove(client)),
            ("the reflector moves to another cluster", rr, lambda c: setattr(vpnv4(c), "cluster_id", "2")),
            ("the client is reflected to again", rr, lambda c: vpnv4(c).reflect_clients.append(client)),
        ]
    return out


@pytest.mark.parametrize("ibgp", ["rr", "full-mesh"])
def test_incremental_equals_full_recompute(ibgp: str) -> None:
    net = topologies().ScaleNetwork(pes=8, ibgp=ibgp)
    topo, configs = build(net)
    clock = FakeClock()
    live = Network(topo, lambda: configs, time_scale=0.0, clock=clock)
    live.state()
    steps = [(d, r, f) for d, r, f in _changes(net)]
    steps.insert(3, ("a PE-CE cable is pulled", "PE1:GigabitEthernet0/3/0", lambda c: None))
    for description, router, change in steps:
        if ":" in router:
            live.set_cable(*router.split(":"), up=False)
        else:
            new = configs[router].clone()
            change(new)
            configs[router] = new
            live.config_changed(router)
        clock.advance(1.0)
        incremental = facts(live.state())
        fresh = Network(topo, lambda: configs, time_scale=0.0, clock=clock)
        for end in live._pulled:
            fresh.set_cable(end.device, end.interface, up=False)
        assert facts(fresh.state()) == incremental, description
        assert facts(live.recompute()) == incremental, description


def test_changes_reach_every_pe_and_only_them() -> None:
    """A new CE loopback is one prefix more in every PE's VPN table, and nothing else moves."""
    net = topologies().ScaleNetwork(pes=8, ibgp="rr")
    topo, configs = build(net)
    live = Network(topo, lambda: configs, time_scale=0.0, clock=FakeClock())
    before = live.state()
    new = configs["CE3"].clone()
    _loopback(new, "LoopBack9", "10.9.9.9/32")
    configs["CE3"] = new
    live.config_changed("CE3")
    after = live.state()
    installed = [e for e in live.events() if e.kind == "route-installed"]
    # Every PE and every other CE (a PE opposite PE3 on the ring installs two ECMP rows).
    assert {e.router for e in installed} == {f"PE{i}" for i in range(1, 9)} | {f"CE{i}" for i in range(1, 9) if i != 3}
    assert len(installed) <= 2 * 15
    assert all("VPNA 10.9.9.9/32" in e.detail or "_public_ 10.9.9.9/32" in e.detail for e in installed)
    # What the change does not reach is not recomputed: PE1's direct/static/OSPF
    # tables are the very same objects, and so are the untouched public tables.
    assert after.base["PE1"] is before.base["PE1"]
    assert after.tables["PE1"]["_public_"] is before.tables["PE1"]["_public_"]


def test_incremental_spf_equals_full_spf_while_adjacencies_come_and_go() -> None:
    """Adjacencies come Full one by one in a random order, then go away; after each
    step the kept SPF state gives exactly the rows of a fresh SPF."""
    net = topologies().ScaleNetwork(pes=8, ibgp="rr")
    topo, configs = build(net)
    links = LinkMap(topo, configs, set())
    ifs = ospf.interfaces_by_node(configs, links)
    adjs = ospf.candidate_adjacencies(configs, links, ifs)
    rng = random.Random(7)
    order = adjs[:]
    rng.shuffle(order)
    spf = ospf.IncrementalSpf()

    def rows(routes: dict[str, list[Any]]) -> dict[str, list[str]]:
        return {r: sorted(map(repr, v)) for r, v in routes.items()}

    steps = [order[:k] for k in range(len(order) + 1)] + [order[:k] for k in range(len(order), -1, -3)]
    for full in steps:
        assert rows(spf.update(ifs, full)) == rows(ospf.spf_routes(ifs, full)), len(full)


def test_bring_up_at_protocol_speed_matches_full_recompute() -> None:
    """Routers committed one after another while protocols come up over time (every
    adjacency at its own instant): the incremental state equals a full recompute
    at every step (same timeline, caches dropped)."""
    net = topologies().ScaleNetwork(pes=8, ibgp="rr")
    topo, final = build(net)
    configs = {name: RouterConfig.factory(list(topo.devices[name].interfaces)) for name in net.routers}
    clock = FakeClock()
    live = Network(topo, lambda: configs, time_scale=0.05, clock=clock)
    live.state()
    for i, name in enumerate(net.routers):
        configs[name] = final[name]
        live.config_changed(name)
        clock.advance(0.07)
        if i % 3 == 2:
            incremental = facts(live.state())
            assert facts(live.recompute()) == incremental, name
    clock.advance(30)
    settled = live.state()
    assert all(s == "Established" for _pv, s in settled.bgp_peers)
    assert facts(live.recompute()) == facts(settled)


def test_igp_metric_ignore_is_honoured_incrementally(ref_lab: Any) -> None:
    """PE3 balances VPNA's 1.1.1.1/32 over PE1 and PE2 (``maximum load-balancing 2``)
    while both are at one IGP cost; a costlier link to PE2 leaves one path, ``load-balancing
    igp-metric-ignore`` brings the second back and its undo takes it away again, each
    commit evaluated incrementally and equal to a full recompute."""
    prefix = IPv4Network("1.1.1.1/32")

    def hops() -> list[str]:
        incremental = ref_lab.net.state()
        assert facts(ref_lab.net.recompute()) == facts(incremental)
        return sorted(str(p.nexthop) for p in incremental.bgp.best[("PE3", "VPNA")][prefix])

    def commit(change: Callable[[Any], None]) -> None:
        new = ref_lab.configs["PE3"].clone()
        change(new)
        ref_lab.configs["PE3"] = new
        ref_lab.commit("PE3")

    def vrf(cfg: Any) -> Any:
        return cfg.bgp.vrfs["VPNA"]

    both = hops()
    assert len(both) == 2
    commit(lambda c: setattr(c.interfaces["GigabitEthernet0/2/0"], "ospf_cost", 5))
    assert len(hops()) == 1
    commit(lambda c: setattr(vrf(c), "load_balancing_igp_metric_ignore", True))
    assert hops() == both
    commit(lambda c: setattr(vrf(c), "load_balancing_igp_metric_ignore", False))
    assert len(hops()) == 1
