"""MPLS LDP: sessions between adjacent LSRs and the LSPs VPN routes ride on.

A session needs ``mpls``/``mpls ldp`` globally and on both ends of an up link,
an LSR ID on both routers, and each LSR ID reachable from the other (the
transport address is the LSR ID). Several links between the same two LSRs
make one session. The LSR with the higher LSR ID is Active (RFC 5036 2.5.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

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
    if any(i.address and i.address.ip == dest and not i.vpn_instance for i in configs[router].interfaces.values()):
        return True
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
