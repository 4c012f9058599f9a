"""MPLS LDP: sessions between adjacent LSRs and the LSPs VPN routes ride on.

A session needs ``mpls``/``mpls ldp`` globally and on both ends of an up link,
an LSR ID on both routers, and each LSR ID reachable from the other (the
transport address is the LSR ID). Several links between the same two LSRs
make one session. The LSR with the higher LSR ID is Active (RFC 5036 2.5.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from ..config.model import RouterConfig
from .links import PUBLIC, LinkMap
from .rib import Table
from .timeline import Key


@dataclass(frozen=True)
class LdpPeer:
    router: str
    peer: str
    lsr_id: IPv4Address
    peer_lsr_id: IPv4Address
    key: Key

    @property
    def role(self) -> str:
        return "Active" if self.lsr_id > self.peer_lsr_id else "Passive"


def _ldp_ready(cfg: RouterConfig) -> bool:
    return cfg.mpls_enabled and cfg.mpls_ldp_enabled and cfg.mpls_lsr_id is not None


def candidates(configs: dict[str, RouterConfig], links: LinkMap, base: dict[str, dict[str, Table]]) -> list[LdpPeer]:
    """Both directions of every session whose preconditions hold."""
    found: dict[tuple[str, str], LdpPeer] = {}
    for router, cfg in configs.items():
        if not _ldp_ready(cfg):
            continue
        for iface in cfg.interfaces.values():
            if not (iface.mpls and iface.mpls_ldp) or iface.vpn_instance:
                continue
            nb = links.neighbour(router, iface.name)
            if nb is None:
                continue
            far, far_if = nb
            fcfg = configs[far]
            if not (_ldp_ready(fcfg) and far_if.mpls and far_if.mpls_ldp) or (router, far) in found:
                continue
            a, b = cfg.mpls_lsr_id, fcfg.mpls_lsr_id
            assert a is not None and b is not None
            if not (base[router][PUBLIC].lookup(b) and base[far][PUBLIC].lookup(a)):
                continue
            key = ("ldp", *sorted([router, far]))
            found[(router, far)] = LdpPeer(router, far, a, b, key)
            found[(far, router)] = LdpPeer(far, router, b, a, key)
    return list(found.values())


def has_lsp(
    router: str,
    dest: IPv4Address,
    configs: dict[str, RouterConfig],
    links: LinkMap,
    tables: dict[str, dict[str, Table]],
    operational: set[tuple[str, str]],
    seen: frozenset[str] = frozenset(),
    memo: dict[tuple[str, IPv4Address], bool] | None = None,
) -> bool:
    """Is there a label-switched path from *router* to the /32 *dest*?

    Hop by hop along the IGP: each next hop must be an LDP peer with an
    Operational session that itself has an LSP to *dest* (or owns it).
    *memo* shares the answers of every router along the way (one walk per
    (router, destination) for the whole network, not one per asking router).
    """
    if memo is not None and (router, dest) in memo:
        return memo[(router, dest)]
    found = _lsp_walk(router, dest, configs, links, tables, operational, seen, memo)
    if memo is not None and not seen:
        memo[(router, dest)] = found
    elif memo is not None and found:
        memo[(router, dest)] = True  # a path found is a path, whatever the walk that found it
    return found


def _lsp_walk(
    router: str,
    dest: IPv4Address,
    configs: dict[str, RouterConfig],
    links: LinkMap,
    tables: dict[str, dict[str, Table]],
    operational: set[tuple[str, str]],
    seen: frozenset[str],
    memo: dict[tuple[str, IPv4Address], bool] | None,
) -> bool:
    for owner, ifname in links.owners.get(dest, ()):
        if owner == router and not configs[router].interfaces[ifname].vpn_instance:
            return True  # the router owns the address (a public interface carries it)
    if router in seen:
        return False
    for route in tables[router][PUBLIC].lookup(dest):
        if route.kind != "ip":
            continue
        nb = links.neighbour(router, route.interface)
        if nb is None or (router, nb[0]) not in operational:
            continue
        if has_lsp(nb[0], dest, configs, links, tables, operational, seen | {router}, memo):
            return True
    return False


class LspReach:
    """Which routers have an LSP to each destination asked about, kept between evaluations.

    Why: VPN routes are usable only over an LSP to their next hop, and every
    OSPF or LDP change could change LSPs. Walking them again for every router
    and next hop at every change is quadratic per change. Here each
    destination keeps the set of routers that reach it by LSP and, per LSR,
    its IGP next-hop routers toward it; a destination is recomputed (one pass
    over the LSRs) only when an LSR's route toward it changed or an LDP
    session along its IGP next hops came or went. :meth:`update` returns the
    (router, destination) pairs whose answer flipped. Same answers as
    :func:`has_lsp`.
    """

    def __init__(self) -> None:
        self.sets: dict[IPv4Address, frozenset[str]] = {}
        self.next_hops: dict[IPv4Address, dict[str, frozenset[str]]] = {}
        self.back: dict[IPv4Address, dict[str, list[str]]] = {}  # per destination: next hop -> LSRs using it over LDP
        self._ldp_up: set[tuple[str, str]] = set()
        self._lsrs: frozenset[str] = frozenset()
        self._owners: object = None
        self._owned: dict[IPv4Address, tuple[tuple[str, str], ...]] = {}

    def reaches(self, router: str, dest: IPv4Address, configs: dict[str, RouterConfig], links: LinkMap,
                tables: dict[str, dict[str, Table]], ldp_up: set[tuple[str, str]]) -> bool:
        if dest not in self.sets:
            self._compute(dest, configs, links, tables, ldp_up)
        return router in self.sets[dest]

    def update(self, configs: dict[str, RouterConfig], links: LinkMap, tables: dict[str, dict[str, Table]],
               ldp_up: set[tuple[str, str]], changed_nets: set[IPv4Network] | None) -> set[tuple[str, IPv4Address]]:
        """Recompute the destinations this evaluation may have changed; *changed_nets*:
        the public-table networks that changed on any LSR (None: unknown, all)."""
        lsrs = _lsrs(configs)
        if changed_nets is None or not lsrs >= self._lsrs:
            dirty = set(self.sets)  # an LSR's table changed in unknown ways, or one stopped LDP: start over
        else:
            dirty = set()
            if links.owners is not self._owners:
                dirty.update(d for d in self.sets if _owners(d, links) != self._owned.get(d))
            for x in lsrs - self._lsrs:  # a new LSR: learn its next hops toward every destination
                for d, hops in self.next_hops.items():
                    hops[x] = _igp_next_hops(x, d, links, tables)
            for net in changed_nets:
                if net.prefixlen == 32:
                    if net.network_address in self.sets:
                        dirty.add(net.network_address)
                else:
                    dirty.update(d for d in self.sets if d in net)
            gone = self._ldp_up - ldp_up
            if gone:
                for d, hops in self.next_hops.items():
                    if any(b in hops.get(a, ()) for a, b in gone):
                        dirty.add(d)
        added = ldp_up - self._ldp_up if changed_nets is not None else set()
        self._ldp_up, self._lsrs, self._owners = set(ldp_up), lsrs, links.owners
        flips: set[tuple[str, IPv4Address]] = set()
        for d in dirty:
            before = self.sets[d]
            after = self._compute(d, configs, links, tables, ldp_up)
            flips.update((r, d) for r in before ^ after)
        if added:
            # A new session only adds LSPs: extend each destination's set upstream from it.
            for d, hops in self.next_hops.items():
                if d in dirty:
                    continue
                grown = self._extend(d, [(a, b) for a, b in added if b in hops.get(a, ())])
                flips.update((r, d) for r in grown)
        return flips

    def _extend(self, dest: IPv4Address, edges: list[tuple[str, str]]) -> set[str]:
        if not edges:
            return set()
        back = self.back[dest]
        reach = set(self.sets[dest])
        todo: list[str] = []
        for a, b in edges:
            back.setdefault(b, []).append(a)
            if b in reach and a not in reach:
                reach.add(a)
                todo.append(a)
        grown = set(todo)
        while todo:
            node = todo.pop()
            for x in back.get(node, ()):
                if x not in reach:
                    reach.add(x)
                    grown.add(x)
                    todo.append(x)
        self.sets[dest] = frozenset(reach)
        return grown

    def _compute(self, dest: IPv4Address, configs: dict[str, RouterConfig], links: LinkMap,
                 tables: dict[str, dict[str, Table]], ldp_up: set[tuple[str, str]]) -> frozenset[str]:
        owners = {r for r, ifname in links.owners.get(dest, ()) if not configs[r].interfaces[ifname].vpn_instance}
        self._owned[dest] = _owners(dest, links)
        hops: dict[str, frozenset[str]] = {}
        lsrs = _lsrs(configs)
        back: dict[str, list[str]] = {}
        for x in lsrs:
            nbs = hops[x] = _igp_next_hops(x, dest, links, tables)
            for nb in nbs:
                if (x, nb) in ldp_up:
                    back.setdefault(nb, []).append(x)
        reach = set(owners)
        todo = list(owners)
        while todo:
            node = todo.pop()
            for x in back.get(node, ()):
                if x not in reach:
                    reach.add(x)
                    todo.append(x)
        self.next_hops[dest] = hops
        self.back[dest] = back
        self.sets[dest] = frozenset(reach)
        return self.sets[dest]


def _owners(dest: IPv4Address, links: LinkMap) -> tuple[tuple[str, str], ...]:
    return tuple(links.owners.get(dest, ()))


def _igp_next_hops(x: str, dest: IPv4Address, links: LinkMap, tables: dict[str, dict[str, Table]]) -> frozenset[str]:
    """Routers *x* forwards traffic for *dest* to (its IGP next hops)."""
    nbs: set[str] = set()
    for route in tables[x][PUBLIC].lookup(dest):
        if route.kind == "ip":
            far = links.neighbour(x, route.interface)
            if far is not None:
                nbs.add(far[0])
    return frozenset(nbs)


def _lsrs(configs: dict[str, RouterConfig]) -> frozenset[str]:
    return frozenset(r for r, c in configs.items() if _ldp_ready(c))
