"""Routes, routing tables and longest-prefix lookup.

Why: every display and the forwarding simulation read the same tables, so a
route carries both what VRP prints (proto, preference, cost, flags, next hop,
interface) and what forwarding needs (is it local, connected, or carried over
the MPLS core to another PE's VPN instance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from ..config.model import RouterConfig, StaticRoute
from vrpbook.vrp import interface_sort_key
from .links import PUBLIC, LinkMap, table_of

LOCALHOST = IPv4Address("127.0.0.1")
IN_LOOPBACK = "InLoopBack0"

# Protocol preferences (VRP defaults).
PREF = {"Direct": 0, "OSPF": 10, "Static": 60, "IBGP": 255, "EBGP": 255}


@dataclass(frozen=True)
class Route:
    """One row of a routing table."""

    prefix: IPv4Network
    proto: str
    pre: int
    cost: int
    flags: str
    nexthop: IPv4Address
    interface: str
    kind: str = "ip"  # "local" | "connected" | "ip" | "vpn"
    egress: tuple[str, str] | None = None  # (router, vpn instance) of a VPN route's origin
    as_path: tuple[str, ...] = ()
    process: int = 0  # OSPF process that computed the route (0 for every other protocol)

    def sort_key(self) -> tuple[int, int]:
        return (int(self.prefix.network_address), self.prefix.prefixlen)


@dataclass
class Table:
    """All candidate routes of one routing table; ``active`` are the ones VRP shows."""

    name: str
    candidates: list[Route] = field(default_factory=list)
    _cache: tuple[int, list[Route]] | None = field(default=None, repr=False, compare=False)

    def active(self) -> list[Route]:
        """Best routes per prefix: lowest preference, then cost, wins; equal rows of
        the same protocol (and OSPF process) are ECMP.

        Cached until the candidate list grows (tables are only ever appended to).
        """
        if self._cache is not None and self._cache[0] == len(self.candidates):
            return self._cache[1]
        best: dict[IPv4Network, list[Route]] = {}
        for r in self.candidates:
            cur = best.get(r.prefix)
            if cur is None or (r.pre, r.cost) < (cur[0].pre, cur[0].cost):
                best[r.prefix] = [r]
            elif (r.pre, r.cost) == (cur[0].pre, cur[0].cost) and r.proto == cur[0].proto:
                if r.process == cur[0].process:
                    if r not in cur:
                        cur.append(r)
                elif r.process < cur[0].process:
                    # twin's choice: two OSPF processes with the same preference and
                    # cost do not load-balance; the lower process ID wins.
                    best[r.prefix] = [r]
        rows: list[Route] = []
        for prefix in sorted(best, key=lambda p: (int(p.network_address), p.prefixlen)):
            rows.extend(best[prefix])
        self._cache = (len(self.candidates), rows)
        return rows

    def lookup(self, dest: IPv4Address) -> list[Route]:
        """Longest-prefix match among active routes (ECMP rows in table order)."""
        match: list[Route] = []
        length = -1
        for r in self.active():
            if dest in r.prefix and r.prefix.prefixlen >= length:
                if r.prefix.prefixlen > length:
                    match, length = [], r.prefix.prefixlen
                match.append(r)
        return match


def direct_routes(router: str, cfg: RouterConfig, links: LinkMap, bfd_vpn_tables: set[str]) -> dict[str, list[Route]]:
    """Direct routes per table, as VRP lists them (down interfaces add none).

    The reference shows ``127.0.0.0/8`` in PE1's VPNA table while its BFD
    session bound to VPNA is Up, but not in PE3's VPNA table (no BFD) nor in
    PE1's after the session went Down. twin's choice: a VPN table carries
    ``127.0.0.0/8`` only while an Up BFD session is bound to that instance
    (the only rule consistent with all three reference tables).
    """
    tables: dict[str, list[Route]] = {PUBLIC: []}
    for name in cfg.vpn_instances:
        tables[name] = []
    ifaces = sorted(cfg.interfaces.values(), key=lambda i: interface_sort_key(i.name))
    for iface in ifaces:
        if iface.address is None or not links.is_up(router, iface.name):
            continue
        rows = tables.setdefault(table_of(iface), [])
        addr = iface.address
        if addr.network.prefixlen < 32:
            rows.append(Route(addr.network, "Direct", 0, 0, "D", addr.ip, iface.name, "connected"))
        rows.append(Route(IPv4Network(f"{addr.ip}/32"), "Direct", 0, 0, "D", LOCALHOST, iface.name, "local"))
        if addr.network.prefixlen < 31:
            bcast = IPv4Network(f"{addr.network.broadcast_address}/32")
            rows.append(Route(bcast, "Direct", 0, 0, "D", LOCALHOST, iface.name, "local"))
    for name, rows in tables.items():
        inloop = [("255.255.255.255/32", "local")]
        if name == PUBLIC:
            inloop = [("127.0.0.0/8", "local"), ("127.0.0.1/32", "local"),
                      ("127.255.255.255/32", "local")] + inloop
        elif name in bfd_vpn_tables:
            inloop = [("127.0.0.0/8", "local")] + inloop
        for prefix, kind in inloop:
            rows.append(Route(IPv4Network(prefix), "Direct", 0, 0, "D", LOCALHOST, IN_LOOPBACK, kind))
    return tables


@dataclass(frozen=True)
class StaticResult:
    config: StaticRoute
    route: Route | None  # None = configured but not installed
    reason: str


def static_routes(
    cfg: RouterConfig, direct: dict[str, list[Route]], links: LinkMap, router: str, bfd_up: set[str]
) -> list[StaticResult]:
    """Resolve each configured static route against the direct routes of its table.

    A next hop resolves when it lies in a connected subnet of an up interface
    of the same table; ``track bfd-session S`` also needs S Up.
    """
    out: list[StaticResult] = []
    for sr in cfg.static_routes:
        table = sr.vpn_instance or PUBLIC
        pre = sr.preference if sr.preference is not None else PREF["Static"]
        if sr.vpn_instance is not None and sr.vpn_instance not in cfg.vpn_instances:
            out.append(StaticResult(sr, None, "no such vpn-instance"))
            continue
        if sr.track_bfd_session is not None and sr.track_bfd_session not in bfd_up:
            out.append(StaticResult(sr, None, f"bfd-session {sr.track_bfd_session} not Up"))
            continue
        if sr.interface is not None and sr.nexthop is None:
            if links.is_up(router, sr.interface):
                route = Route(sr.prefix, "Static", pre, 0, "D", _if_addr(cfg, sr.interface), sr.interface, "connected")
                out.append(StaticResult(sr, route, "ok"))
            else:
                out.append(StaticResult(sr, None, "interface down"))
            continue
        via = None
        for r in direct.get(table, []):
            if r.kind == "connected" and sr.nexthop in r.prefix and r.nexthop != sr.nexthop:
                if sr.interface is None or sr.interface == r.interface:
                    via = r
                    break
        if via is None:
            out.append(StaticResult(sr, None, "next hop unresolved"))
            continue
        route = Route(sr.prefix, "Static", pre, 0, "RD", sr.nexthop, via.interface, "ip")
        out.append(StaticResult(sr, route, "ok"))
    return out


def _if_addr(cfg: RouterConfig, name: str) -> IPv4Address:
    iface = cfg.interfaces.get(name)
    return iface.address.ip if iface is not None and iface.address is not None else IPv4Address("0.0.0.0")
