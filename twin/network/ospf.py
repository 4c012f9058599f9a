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

import functools
import heapq
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from vrpbook.vrp import interface_sort_key as _interface_sort_key

from ..config.model import Interface, RouterConfig
from .links import LinkMap
from .rib import PREF, Route
from .timeline import Key

DEFAULT_COST = 1

# Interface names repeat across every SPF run: parse each name's order once.
interface_sort_key = functools.lru_cache(maxsize=None)(_interface_sort_key)

Node = tuple[str, int]  # (router, OSPF process ID)


@dataclass(frozen=True)
class OspfIf:
    router: str
    process: int
    area: IPv4Address
    iface: Interface
    network: IPv4Network  # the interface's subnet (only addressed interfaces run OSPF)

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
    key: Key


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
                    out.append(OspfIf(router, proc.process_id, area.area_id, iface, iface.address.network))
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
        if far_if.address.network != oi.network:
            continue
        key = ("ospf", *sorted([(router, name), (far_router, far_if.name)]))
        out.append(Adjacency(
            router=router, process=oi.process, interface=name, area=oi.area,
            neighbour=far_router, neighbour_process=far.process, neighbour_if=far_if.name,
            neighbour_addr=far_if.address.ip, neighbour_rid=rids[(far_router, far.process)], key=key,
        ))
    return out


def spf_routes(ifs: dict[Node, list[OspfIf]], full: list[Adjacency]) -> dict[str, list[Route]]:
    """The routes of every OSPF process of every router, each from its own SPF
    (the reference :class:`IncrementalSpf` is tested against).

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
    own = {o.network for o in ifs[src]}
    best: dict[IPv4Network, tuple[int, set[tuple[IPv4Address, str]]]] = {}
    for node, d in dist.items():
        if node == src:
            continue
        for o in ifs.get(node, []):
            net = o.network
            if net in own:
                continue
            total = d + o.cost
            cur = best.get(net)
            if cur is None or total < cur[0]:
                best[net] = (total, set(hops[node]))
            elif total == cur[0]:
                cur[1].update(hops[node])
    routes: list[Route] = []
    ordered: dict[frozenset[tuple[IPv4Address, str]], list[tuple[IPv4Address, str]]] = {}
    for net, (cost, first_hops) in best.items():
        key = frozenset(first_hops)
        if key not in ordered:
            # Row order: by outgoing interface, as the reference lists 22.22.22.0/24.
            ordered[key] = sorted(key, key=lambda h: (interface_sort_key(h[1]), int(h[0])))
        routes.extend(_route(net, cost, nh, ifname, src[1]) for nh, ifname in ordered[key])
    return routes


@functools.lru_cache(maxsize=1 << 20)
def _route(net: IPv4Network, cost: int, nexthop: IPv4Address, interface: str, process: int) -> Route:
    """One OSPF row; the same row is the same object from one SPF run to the next, so
    unchanged routing tables compare (and are recognised as unchanged) by identity."""
    return Route(net, "OSPF", PREF["OSPF"], cost, "D", nexthop, interface, "ip", process=process)



Edge = tuple[Node, int, tuple[IPv4Address, str]]  # (far node, cost, first hop if taken from the source)
Hops = frozenset[tuple[IPv4Address, str]]


class IncrementalSpf:
    """Every process's SPF, kept between evaluations and updated from graph changes.

    Why: while a large lab comes up, adjacencies come Full one at a time and
    each one changes the graph; rerunning one Dijkstra per router for each is
    quadratic per change. Here each source keeps its distances, first hops and
    best route per network. An added (or cheaper) edge is relaxed from where it
    attaches, so a router joining the ring costs each source the nodes it
    actually reaches anew; a removed edge that was on a source's shortest
    paths (or a change of the source's own interfaces) reruns that source's
    Dijkstra; a node whose advertised networks changed re-ranks only those
    networks. Results equal :func:`spf_routes` (tests compare them).
    """

    def __init__(self) -> None:
        self.edges: dict[Node, dict[tuple[str, str], Edge]] = {}
        self.stubs: dict[Node, tuple[tuple[IPv4Network, int], ...]] = {}
        self.dist: dict[Node, dict[Node, int]] = {}
        self.hops: dict[Node, dict[Node, Hops]] = {}
        self.best: dict[Node, dict[IPv4Network, tuple[int, Hops]]] = {}
        self.rows: dict[Node, dict[IPv4Network, list[Route]]] = {}
        self.routes: dict[str, list[Route]] = {}
        self.changed_nets: dict[str, set[IPv4Network]] = {}  # per router, after update(): networks re-ranked

    def update(self, ifs: dict[Node, list[OspfIf]], full: list[Adjacency]) -> dict[str, list[Route]]:
        cost_of = {(o.router, o.iface.name): o.cost for lst in ifs.values() for o in lst}
        edges: dict[Node, dict[tuple[str, str], Edge]] = {node: {} for node in ifs}
        for adj in full:
            far: Node = (adj.neighbour, adj.neighbour_process)
            edges.setdefault((adj.router, adj.process), {})[(adj.interface, adj.neighbour)] = (
                far, cost_of.get((adj.router, adj.interface), DEFAULT_COST), (adj.neighbour_addr, adj.interface))
        stubs = {node: tuple((o.network, o.cost) for o in lst) for node, lst in ifs.items()}
        added: list[tuple[Node, Edge]] = []
        removed: list[tuple[Node, Edge]] = []
        for node in set(edges) | set(self.edges):
            new, old = edges.get(node, {}), self.edges.get(node, {})
            for key, e in new.items():
                if old.get(key) != e:
                    added.append((node, e))
            for key, e in old.items():
                if new.get(key) != e:
                    removed.append((node, e))
        old_stubs = self.stubs
        stub_moved = {node for node in set(stubs) | set(old_stubs) if stubs.get(node) != old_stubs.get(node)}
        moved_nets = {net for node in stub_moved for net, _c in stubs.get(node, ()) + old_stubs.get(node, ())}
        self.edges, self.stubs = edges, stubs
        self.changed_nets = {}
        advertisers: dict[IPv4Network, list[tuple[Node, int]]] = {}
        for node, lst in stubs.items():
            for net, cost in lst:
                advertisers.setdefault(net, []).append((node, cost))
        routers_changed: set[str] = set()
        for src in [n for n in self.dist if n not in ifs]:
            for store in (self.dist, self.hops, self.best, self.rows):
                store.pop(src, None)
            routers_changed.add(src[0])
        for src in sorted(ifs):
            dist = self.dist.get(src)
            full_run = dist is None or src in stub_moved or any(
                u in dist and e[0] in dist and dist[u] + e[1] == dist[e[0]] for u, e in removed)
            if full_run:
                touched = self._dijkstra(src)
            else:
                assert dist is not None
                touched = self._relax(src, [(u, e) for u, e in added if u in dist])
            nets = {net for node in touched for net, _c in stubs.get(node, ()) + old_stubs.get(node, ())}
            nets |= moved_nets
            if full_run:
                nets = set(self.best.get(src, {})) | {n for node in self.dist[src] for n, _c in stubs.get(node, ())}
            if self._rank(src, nets, advertisers, stubs, reset=full_run):
                routers_changed.add(src[0])
        for router in routers_changed:
            rows: list[Route] = []
            for node in sorted(n for n in ifs if n[0] == router):
                for net_rows in self.rows.get(node, {}).values():
                    rows.extend(net_rows)
            self.routes[router] = rows
        present = {n[0] for n in ifs}
        for router in [r for r in self.routes if r not in present]:
            del self.routes[router]
        for router in present:
            self.routes.setdefault(router, [])
        return self.routes

    def router_rows(self, router: str, net: IPv4Network) -> list[Route]:
        """The router's current OSPF rows for one network (its processes in order)."""
        out: list[Route] = []
        for node in sorted(n for n in self.rows if n[0] == router):
            out += self.rows[node].get(net, [])
        return out

    def _dijkstra(self, src: Node) -> set[Node]:
        """Full SPF of one source; returns every node whose distance or first hops changed."""
        dist: dict[Node, int] = {src: 0}
        hops: dict[Node, Hops] = {src: frozenset()}
        heap: list[tuple[int, Node]] = [(0, src)]
        done: set[Node] = set()
        while heap:
            d, node = heapq.heappop(heap)
            if node in done:
                continue
            done.add(node)
            for far, cost, first in self.edges.get(node, {}).values():
                nd = d + cost
                via = frozenset((first,)) if node == src else hops[node]
                if far not in dist or nd < dist[far]:
                    dist[far] = nd
                    hops[far] = via
                    heapq.heappush(heap, (nd, far))
                elif nd == dist[far] and far not in done:
                    hops[far] = hops[far] | via
        old_d, old_h = self.dist.get(src, {}), self.hops.get(src, {})
        touched = {n for n in set(dist) | set(old_d) if dist.get(n) != old_d.get(n) or hops.get(n) != old_h.get(n)}
        self.dist[src], self.hops[src] = dist, hops
        return touched

    def _relax(self, src: Node, seeds: list[tuple[Node, Edge]]) -> set[Node]:
        """Added edges only: distances can only fall and first-hop sets only grow."""
        dist, hops = self.dist[src], self.hops[src]
        heap: list[tuple[int, int, Node, Hops]] = []
        order = 0
        for u, (far, cost, first) in seeds:
            via = frozenset((first,)) if u == src else hops[u]
            heap.append((dist[u] + cost, order, far, via))
            order += 1
        heapq.heapify(heap)
        touched: set[Node] = set()
        while heap:
            d, _o, node, via = heapq.heappop(heap)
            cur = dist.get(node)
            if cur is not None and d > cur:
                continue
            if cur is None or d < cur:
                dist[node], hops[node] = d, via
            elif via <= hops[node]:
                continue
            else:
                hops[node] = hops[node] | via
            if node == src:
                continue
            touched.add(node)
            for far, cost, _first in self.edges.get(node, {}).values():
                heapq.heappush(heap, (d + cost, order, far, hops[node]))
                order += 1
        return touched

    def _rank(self, src: Node, nets: set[IPv4Network], advertisers: dict[IPv4Network, list[tuple[Node, int]]],
              stubs: dict[Node, tuple[tuple[IPv4Network, int], ...]], reset: bool) -> bool:
        """Re-rank *nets* for one source; True when any of its rows changed."""
        dist, hops = self.dist[src], self.hops[src]
        own = {net for net, _c in stubs.get(src, ())}
        best = {} if reset else dict(self.best.get(src, {}))
        rows = {} if reset else dict(self.rows.get(src, {}))
        old_rows = self.rows.get(src, {})
        changed = False
        for net in nets:
            top: tuple[int, Hops] | None = None
            if net not in own:
                for node, cost in advertisers.get(net, ()):
                    if node == src or node not in dist:
                        continue
                    total = dist[node] + cost
                    if top is None or total < top[0]:
                        top = (total, hops[node])
                    elif total == top[0]:
                        top = (total, top[1] | hops[node])
            if top is None:
                best.pop(net, None)
                if rows.pop(net, None) is not None:
                    changed = True
                continue
            best[net] = top
            ordered = sorted(top[1], key=lambda h: (interface_sort_key(h[1]), int(h[0])))
            new_rows = [_route(net, top[0], nh, ifname, src[1]) for nh, ifname in ordered]
            if old_rows.get(net) != new_rows:
                changed = True
                self.changed_nets.setdefault(src[0], set()).add(net)
            rows[net] = old_rows.get(net) if old_rows.get(net) == new_rows else new_rows  # type: ignore[assignment]
        if reset and set(old_rows) != set(rows):
            changed = True
            self.changed_nets.setdefault(src[0], set()).update(set(old_rows) ^ set(rows))
        self.best[src], self.rows[src] = best, rows
        return changed
