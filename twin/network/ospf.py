"""OSPF: who is a neighbour of whom, and the shortest-path routes.

Cost rule (reproduces every Cost of PE1's table in the reference): VRP's
default interface cost is reference-bandwidth / bandwidth with a floor of 1;
with the default reference bandwidth of 100 Mbit/s every GE port *and* the
LoopBack (which VRP costs like any other interface on NE40E) cost 1.
``ospf cost N`` overrides. A route's cost is the sum of the outgoing
interface costs along the path plus the advertising interface's own cost:
PE1 -> 3.3.3.3/32 = 1 (GE0/2/0) + 1 (PE2's LoopBack1) = 2, and
PE1 -> 22.22.22.0/24 = 1 + 1 via PE3 and via PE2 (ECMP, two rows).

Areas are honoured for adjacency (both ends in the same area); routes are
computed over the union of areas (the twin has no ABR summarisation).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from ..config.model import Interface, RouterConfig
from ..interfaces import interface_sort_key
from .links import LinkMap
from .rib import PREF, Route

DEFAULT_COST = 1


@dataclass(frozen=True)
class OspfIf:
    router: str
    process: int
    area: IPv4Address
    iface: Interface

    @property
    def cost(self) -> int:
        return self.iface.ospf_cost if self.iface.ospf_cost is not None else DEFAULT_COST


@dataclass(frozen=True)
class Adjacency:
    """One side's view of a neighbour on one interface."""

    router: str
    interface: str
    area: IPv4Address
    neighbour: str
    neighbour_if: str
    neighbour_addr: IPv4Address
    key: tuple


def router_id(cfg: RouterConfig, configured: IPv4Address | None) -> IPv4Address | None:
    """Configured ID, else the highest LoopBack address, else the highest address."""
    if configured is not None:
        return configured
    loops = [i.address.ip for i in cfg.interfaces.values() if i.address and i.name.startswith("LoopBack")]
    if loops:
        return max(loops)
    addrs = [i.address.ip for i in cfg.interfaces.values() if i.address]
    return max(addrs) if addrs else None


def ospf_interfaces(router: str, cfg: RouterConfig, links: LinkMap) -> list[OspfIf]:
    """Up, public interfaces covered by a ``network`` statement (first match wins)."""
    out: list[OspfIf] = []
    for iface in sorted(cfg.interfaces.values(), key=lambda i: interface_sort_key(i.name)):
        if iface.address is None or iface.vpn_instance or not links.is_up(router, iface.name):
            continue
        found = False
        for proc in cfg.ospf.values():
            for area in proc.areas.values():
                if any(n.covers(iface.address.ip) for n in area.networks):
                    out.append(OspfIf(router, proc.process_id, area.area_id, iface))
                    found = True
                    break
            if found:
                break
    return out


def candidate_adjacencies(configs: dict[str, RouterConfig], links: LinkMap) -> list[Adjacency]:
    """Adjacencies whose preconditions hold (they still have to reach Full)."""
    by_router = {r: {o.iface.name: o for o in ospf_interfaces(r, c, links)} for r, c in configs.items() if c.ospf}
    out: list[Adjacency] = []
    for router, ifs in by_router.items():
        for name, oi in ifs.items():
            nb = links.neighbour(router, name)
            if nb is None:
                continue
            far_router, far_if = nb
            far = by_router.get(far_router, {}).get(far_if.name)
            if far is None or far.area != oi.area or far_if.address is None:
                continue
            if far_if.address.network != oi.iface.address.network:
                continue
            key = ("ospf",) + tuple(sorted([(router, name), (far_router, far_if.name)]))
            out.append(Adjacency(router, name, oi.area, far_router, far_if.name, far_if.address.ip, key))
    return out


def spf(
    source: str, configs: dict[str, RouterConfig], links: LinkMap, full: list[Adjacency]
) -> list[Route]:
    """Dijkstra over Full adjacencies; ECMP keeps every equal-cost first hop."""
    ifs = {r: ospf_interfaces(r, c, links) for r, c in configs.items() if c.ospf}
    if source not in ifs:
        return []
    cost_of = {(o.router, o.iface.name): o.cost for lst in ifs.values() for o in lst}
    edges: dict[str, list[Adjacency]] = {}
    for adj in full:
        edges.setdefault(adj.router, []).append(adj)
    dist: dict[str, int] = {source: 0}
    hops: dict[str, set[tuple[IPv4Address, str]]] = {source: set()}
    heap: list[tuple[int, str]] = [(0, source)]
    done: set[str] = set()
    while heap:
        d, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        for adj in edges.get(node, []):
            nd = d + cost_of.get((node, adj.interface), DEFAULT_COST)
            first = {(adj.neighbour_addr, adj.interface)} if node == source else hops[node]
            if adj.neighbour not in dist or nd < dist[adj.neighbour]:
                dist[adj.neighbour] = nd
                hops[adj.neighbour] = set(first)
                heapq.heappush(heap, (nd, adj.neighbour))
            elif nd == dist[adj.neighbour] and adj.neighbour not in done:
                hops[adj.neighbour] |= first
    own = {o.iface.address.network for o in ifs[source]}
    best: dict[IPv4Network, tuple[int, set[tuple[IPv4Address, str]]]] = {}
    for node, d in dist.items():
        if node == source:
            continue
        for o in ifs[node]:
            net = o.iface.address.network
            if net in own:
                continue
            total = d + o.cost
            cur = best.get(net)
            if cur is None or total < cur[0]:
                best[net] = (total, set(hops[node]))
            elif total == cur[0]:
                cur[1].update(hops[node])
    routes: list[Route] = []
    for net, (cost, first_hops) in best.items():
        # Row order: by outgoing interface, as the reference lists 22.22.22.0/24.
        for nh, ifname in sorted(first_hops, key=lambda h: (interface_sort_key(h[1]), int(h[0]))):
            routes.append(Route(net, "OSPF", PREF["OSPF"], cost, "D", nh, ifname, "ip"))
    return routes
