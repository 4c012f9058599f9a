"""BGP peers: does each configured peer have a consistent, reachable far end?

A session comes up only when both sides agree: each has a peer statement for
the address the other sources its packets from (the connect-interface address,
else the outgoing interface address), the AS numbers cross-match, the peer is
reachable through the table the peer lives in, an EBGP peer without
``ebgp-max-hop`` is directly connected, and the two sides share at least one
enabled address family.

twin's choice for states that no reference shows: unreachable or unanswered
peers are ``Idle``; a reachable far end that rejects the OPEN (AS or address
mismatch, no common family) is ``Active``; between meeting the preconditions
and Established the peer shows ``Connect``.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

from ..config.model import Bgp, BgpPeer, RouterConfig
from .links import PUBLIC, LinkMap, table_of
from .ospf import router_id as default_router_id
from .rib import Table
from .timeline import Key


@dataclass(frozen=True)
class PeerView:
    """One configured peer, seen from its router."""

    router: str
    table: str  # PUBLIC or the VPN instance name
    cfg: BgpPeer
    local_as: str
    source: IPv4Address | None
    remote: tuple[str, str] | None  # (router, table) that owns the peer address
    remote_source: IPv4Address | None
    reachable: bool
    consistent: bool
    families: frozenset[str]  # negotiated: "unicast" (IPv4 / VPN-instance IPv4), "vpnv4"
    local_families: frozenset[str]
    key: Key

    @property
    def ebgp(self) -> bool:
        return self.cfg.as_number != self.local_as

    @property
    def address(self) -> IPv4Address:
        return self.cfg.address


def router_id(cfg: RouterConfig) -> IPv4Address:
    """BGP router ID: configured, else the router's default (the rule OSPF uses), else 0.0.0.0."""
    configured = cfg.bgp.router_id if cfg.bgp is not None else None
    return default_router_id(cfg, configured) or IPv4Address("0.0.0.0")


def peer_table(bgp: Bgp, table: str) -> dict[IPv4Address, BgpPeer]:
    if table == PUBLIC:
        return bgp.peers
    vrf = bgp.vrfs.get(table)
    return vrf.peers if vrf else {}


def local_families(bgp: Bgp, table: str, addr: IPv4Address) -> frozenset[str]:
    if table != PUBLIC:
        return frozenset({"unicast"})
    fams = set()
    if addr in bgp.unicast.enabled_peers:
        fams.add("unicast")
    if bgp.vpnv4 is not None and addr in bgp.vpnv4.enabled_peers:
        fams.add("vpnv4")
    return frozenset(fams)


def source_address(
    cfg: RouterConfig, router: str, table: str, peer: BgpPeer, links: LinkMap, tables: dict[str, Table]
) -> IPv4Address | None:
    """Address this router sends BGP packets to *peer* from."""
    if peer.connect_interface:
        iface = cfg.interfaces.get(peer.connect_interface)
        if iface is None or iface.address is None or not links.is_up(router, iface.name):
            return None
        return iface.address.ip
    routes = tables[table].lookup(peer.address) if table in tables else []
    for r in routes:
        iface = cfg.interfaces.get(r.interface)
        if iface is not None and iface.address is not None:
            return iface.address.ip
    return None


def _remote(
    router: str, table: str, addr: IPv4Address, links: LinkMap, tables: dict[str, Table]
) -> tuple[str, str] | None:
    """Which router/table holds the peer address, as routing would reach it."""
    routes = tables[table].lookup(addr) if table in tables else []
    for r in routes:
        if r.kind == "connected":
            nb = links.neighbour(router, r.interface)
            if nb and nb[1].address is not None and nb[1].address.ip == addr:
                return nb[0], table_of(nb[1])
    for owner, ifname in links.owners.get(addr, []):
        iface = links.configs[owner].interfaces[ifname]
        if owner != router and table_of(iface) == PUBLIC and table == PUBLIC:
            return owner, PUBLIC
    return None


def view(
    router: str,
    cfg: RouterConfig,
    table: str,
    pcfg: BgpPeer,
    configs: dict[str, RouterConfig],
    links: LinkMap,
    base: dict[str, dict[str, Table]],
) -> PeerView:
    bgp = cfg.bgp
    assert bgp is not None
    fams = local_families(bgp, table, pcfg.address)
    src = source_address(cfg, router, table, pcfg, links, base[router])
    lone = ("bgp", router, table, pcfg.address)
    remote = _remote(router, table, pcfg.address, links, base[router])
    if src is None or remote is None:
        return PeerView(router, table, pcfg, bgp.as_number, src, remote, None, False, False, frozenset(), fams, lone)
    rrouter, rtable = remote
    rcfg = configs[rrouter]
    direct_ok = True
    if pcfg.as_number != bgp.as_number and not pcfg.ebgp_max_hop:
        direct_ok = any(r.kind == "connected" for r in base[router][table].lookup(pcfg.address))
    there = bool(base[router][table].lookup(pcfg.address))
    back = bool(base[rrouter].get(rtable) and base[rrouter][rtable].lookup(src))
    reachable = direct_ok and there and back
    rbgp = rcfg.bgp
    rpeer = peer_table(rbgp, rtable).get(src) if rbgp else None
    if not reachable or rbgp is None or rpeer is None:
        return PeerView(router, table, pcfg, bgp.as_number, src, remote, None, reachable, False, frozenset(), fams,
                        lone)
    rsrc = source_address(rcfg, rrouter, rtable, rpeer, links, base[rrouter])
    negotiated = fams & local_families(rbgp, rtable, src)
    consistent = (
        pcfg.as_number == rbgp.as_number
        and rpeer.as_number == bgp.as_number
        and rsrc == pcfg.address
        and bool(negotiated)
    )
    key = ("bgp", *sorted([(router, table, str(pcfg.address)), (rrouter, rtable, str(src))])) if consistent else lone
    return PeerView(router, table, pcfg, bgp.as_number, src, remote, rsrc, reachable, consistent,
                    frozenset(negotiated) if consistent else frozenset(), fams, key)
