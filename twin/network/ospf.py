"""OSPF: who is a neighbour of whom, and the shortest-path routes, per process.

Cost rule (reproduces every Cost of PE1's table in the reference): VRP's
default interface cost is reference-bandwidth / bandwidth with a floor of 1;
with the default reference bandwidth of 100 Mbit/s every GE port *and* the
LoopBack (which VRP costs like any other interface on NE40E) cost 1.
``ospf cost N`` overrides. A route's cost is the sum of the outgoing
interface costs along the path plus the advertising interface's own cost:
PE1 -> 3.3.3.3/32 = 1 (GE0/2/0) + 1 (PE2's LoopBack1) = 2, and
PE1 -> 22.22.22.0/24 = 1 + 1 via PE3 and via PE2 (ECMP, two rows).

Processes: OSPF processes of one router are separate protocol instances
with separate link-state databases (no leaking without ``import-route``),
so the graph's nodes are *(router, process)*. Each interface belongs to the
first process (configuration order) whose ``network`` statement covers it;
an adjacency joins the processes covering the two ends of a link (process
IDs are locally significant, so 1 may meet 2), and every process runs its
own SPF. Their routes all go to the RIB, which picks by preference and cost
(``rib.Table``).

Areas are honoured for adjacency (both ends in the same area); within a
process routes are computed over the union of its areas (the twin has no
ABR summarisation).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from ..config.model import Interface, RouterConfig
from vrpbook.vrp import interface_sort_key
from .links import LinkMap
from .rib import PREF, Route

DEFAULT_COST = 1

Node = tuple[str, int]  # (router, OSPF process ID)


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
    """One side's view of a neighbour on one interface, inside one process on each end."""

    router: str
    process: int
    interface: str
    area: IPv4Address
    neighbour: str
    neighbour_process: int
    neighbour_if: str
    neighbour_addr: IPv4Address
    neighbour_rid: IPv4Address | None  # the router ID of the neighbour's process
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


def process_router_id(cfg: RouterConfig, process_id: int) -> IPv4Address | None:
    """Router ID of one process: its ``router-id``, else the router's default."""
    proc = cfg.ospf.get(process_id)
    return router_id(cfg, proc.router_id if proc is not None else None)


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


def interfaces_by_node(configs: dict[str, RouterConfig], links: LinkMap) -> dict[Node, list[OspfIf]]:
    """Every OSPF process of every router with the interfaces it covers (computed once
    per evaluation and shared by adjacency detection and every SPF run).

    A configured process that covers no up interface still appears (empty list):
    it exists, it just has no neighbours and advertises nothing.
    """
    out: dict[Node, list[OspfIf]] = {}
    for r, c in configs.items():
        for pid in c.ospf:
            out[(r, pid)] = []
        for o in ospf_interfaces(r, c, links):
            out[(r, o.process)].append(o)
    return out


def candidate_adjacencies(
    configs: dict[str, RouterConfig], links: LinkMap, ifs: dict[Node, list[OspfIf]]
) -> list[Adjacency]:
    """Adjacencies whose preconditions hold (they still have to reach Full)."""
    by_if = {(o.router, o.iface.name): o for lst in ifs.values() for o in lst}
    rids = {node: process_router_id(configs[node[0]], node[1]) for node in ifs}
    out: list[Adjacency] = []
    for (router, name), oi in by_if.items():
        nb = links.neighbour(router, name)
        if nb is None:
            continue
        far_router, far_if = nb
        far = by_if.get((far_router, far_if.name))
        if far is None or far.area != oi.area or far_if.address is None:
            continue
        if far_if.address.network != oi.iface.address.network:
            continue
        key = ("ospf",) + tuple(sorted([(router, name), (far_router, far_if.name)]))
        out.append(Adjacency(
            router=router, process=oi.process, interface=name, area=oi.area,
            neighbour=far_router, neighbour_process=far.process, neighbour_if=far_if.name,
            neighbour_addr=far_if.address.ip, neighbour_rid=rids[(far_router, far.process)], key=key,
        ))
    return out


def spf_routes(ifs: dict[Node, list[OspfIf]], full: list[Adjacency]) -> dict[str, list[Route]]:
    """The routes of every OSPF process of every router, each from its own SPF.

    The graph (Full adjacencies, interface costs) is built once per evaluation
    and shared by every router's SPF. Routes of different processes of one
    router are all returned (tagged with their process, in process order); the
    RIB chooses between them.
    """
    edges: dict[Node, list[Adjacency]] = {}
    for adj in full:
        edges.setdefault((adj.router, adj.process), []).append(adj)
    cost_of = {(o.router, o.iface.name): o.cost for lst in ifs.values() for o in lst}
    routes: dict[str, list[Route]] = {}
    for node in sorted(ifs):
        routes.setdefault(node[0], []).extend(_process_spf(node, ifs, edges, cost_of))
    return routes


def _process_spf(
    src: Node, ifs: dict[Node, list[OspfIf]], edges: dict[Node, list[Adjacency]], cost_of: dict[tuple[str, str], int]
) -> list[Route]:
    """Dijkstra over one process's Full adjacencies; ECMP keeps every equal-cost first hop."""
    dist: dict[Node, int] = {src: 0}
    hops: dict[Node, set[tuple[IPv4Address, str]]] = {src: set()}
    heap: list[tuple[int, Node]] = [(0, src)]
    done: set[Node] = set()
    while heap:
        d, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        for adj in edges.get(node, []):
            nd = d + cost_of.get((adj.router, adj.interface), DEFAULT_COST)
            far: Node = (adj.neighbour, adj.neighbour_process)
            first = {(adj.neighbour_addr, adj.interface)} if node == src else hops[node]
            if far not in dist or nd < dist[far]:
                dist[far] = nd
                hops[far] = set(first)
                heapq.heappush(heap, (nd, far))
            elif nd == dist[far] and far not in done:
                hops[far] |= first
    own = {o.iface.address.network for o in ifs[src]}
    best: dict[IPv4Network, tuple[int, set[tuple[IPv4Address, str]]]] = {}
    for node, d in dist.items():
        if node == src:
            continue
        for o in ifs.get(node, []):
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
            routes.append(Route(net, "OSPF", PREF["OSPF"], cost, "D", nh, ifname, "ip", process=src[1]))
    return routes

