"""Routes, routing tables and longest-prefix lookup.

Why: every display and the forwarding simulation read the same tables, so a
route carries both what VRP prints (proto, preference, cost, flags, next hop,
interface) and what forwarding needs (is it local, connected, or carried over
the MPLS core to another PE's VPN instance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from vrpbook.vrp import interface_sort_key

from ..config.model import RouterConfig, StaticRoute
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


def _mask(plen: int) -> int:
    return (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF


def best_rows(rows: list[Route]) -> dict[IPv4Network, list[Route]]:
    """Best routes per prefix of *rows*: lowest preference, then cost, wins; equal
    rows of the same protocol (and OSPF process) are ECMP, in the order given."""
    best: dict[IPv4Network, list[Route]] = {}
    for r in rows:
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
    return best


@dataclass
class Table:
    """All candidate routes of one routing table; ``active`` are the ones VRP shows.

    The index (best rows per prefix, longest-prefix-match dicts) is built when
    first needed and kept until the candidate list grows (tables are only ever
    appended to); :meth:`patched` derives a table from its predecessor by
    re-ranking only the prefixes that changed.
    """

    name: str
    _candidates: list[Route] = field(default_factory=list)
    # A patched table builds its candidate list only when somebody reads it.
    _make: Callable[[], list[Route]] | None = field(default=None, repr=False, compare=False)
    _n: int = field(default=-1, repr=False, compare=False)  # len(candidates) the index was built for
    _best: dict[IPv4Network, list[Route]] = field(default_factory=dict, repr=False, compare=False)
    # Longest-prefix-match index: prefix length -> network address -> rows.
    _by_len: dict[int, dict[int, list[Route]]] = field(default_factory=dict, repr=False, compare=False)
    _lpm: list[tuple[int, dict[int, list[Route]]]] = field(default_factory=list, repr=False, compare=False)
    _rows: list[Route] | None = field(default=None, repr=False, compare=False)
    _by_prefix_all: tuple[int, dict[IPv4Network, list[Route]]] | None = field(default=None, repr=False, compare=False)
    # (the table this one was patched from, the prefixes re-ranked): lets a diff
    # look at those prefixes only.
    patched_from: tuple[Table, frozenset[IPv4Network]] | None = field(default=None, repr=False, compare=False)

    @property
    def candidates(self) -> list[Route]:
        """Every row offered to this table (direct, static, OSPF, BGP), in table order."""
        if self._make is not None:
            self._candidates, self._make = self._make(), None
            self._n = len(self._candidates)  # the index was built for exactly these
        return self._candidates

    @candidates.setter
    def candidates(self, rows: list[Route]) -> None:
        self._candidates, self._make, self._n = rows, None, -1

    @classmethod
    def patched(cls, name: str, candidates: Callable[[], list[Route]], previous: Table,
                changed: dict[IPv4Network, list[Route]]) -> Table:
        """The table ``Table(name, candidates())``, computed from *previous* (whose
        candidates differ only in the prefixes of *changed*, given with all
        their candidate rows in table order); *candidates* runs when first read."""
        previous._index()
        t = cls(name)
        t._make = candidates
        best = dict(previous._best)
        by_len = dict(previous._by_len)
        copied: set[int] = set()
        for prefix, rows in changed.items():
            plen, key = prefix.prefixlen, int(prefix.network_address)
            if plen not in copied:
                by_len[plen] = dict(by_len.get(plen, {}))
                copied.add(plen)
            chosen = best_rows(rows).get(prefix)
            if chosen:
                best[prefix] = chosen
                by_len[plen][key] = chosen
            else:
                best.pop(prefix, None)
                by_len[plen].pop(key, None)
        t._set_index(best, {plen: nets for plen, nets in by_len.items() if nets})
        t.patched_from = (previous, frozenset(changed))
        previous.patched_from = None  # one step back is all a diff needs: no chain of old tables
        rows_of = dict(previous.candidates_by_prefix())
        for prefix, rows in changed.items():
            if rows:
                rows_of[prefix] = rows
            else:
                rows_of.pop(prefix, None)
        t._by_prefix_all = (-1, rows_of)  # -1: derived with the table, valid as long as nobody appends
        return t

    def _set_index(self, best: dict[IPv4Network, list[Route]], by_len: dict[int, dict[int, list[Route]]]) -> None:
        self._best, self._by_len, self._rows = best, by_len, None
        self._n = len(self._candidates) if self._make is None else -2
        self._lpm = [(_mask(plen), nets) for plen, nets in sorted(by_len.items(), reverse=True)]

    def _index(self) -> None:
        if self._make is not None or self._n == len(self._candidates):
            return
        best = best_rows(self.candidates)
        by_len: dict[int, dict[int, list[Route]]] = {}
        for prefix, rows in best.items():
            by_len.setdefault(prefix.prefixlen, {})[int(prefix.network_address)] = rows
        self._set_index(best, by_len)
        self.patched_from = None

    def active(self) -> list[Route]:
        """Best routes per prefix, sorted by prefix (the rows VRP shows)."""
        self._index()
        if self._rows is None:
            rows: list[Route] = []
            for prefix in sorted(self._best, key=lambda p: (int(p.network_address), p.prefixlen)):
                rows.extend(self._best[prefix])
            self._rows = rows
        return self._rows

    def by_prefix(self) -> dict[IPv4Network, list[Route]]:
        """The active rows of each prefix (read-only)."""
        self._index()
        return self._best

    def candidates_by_prefix(self) -> dict[IPv4Network, list[Route]]:
        """Every candidate row of each prefix, in table order (read-only; built once)."""
        if self._by_prefix_all is not None and self._by_prefix_all[0] == -1 and self._make is not None:
            return self._by_prefix_all[1]
        if self._by_prefix_all is None or self._by_prefix_all[0] not in (-1, len(self.candidates)):
            out: dict[IPv4Network, list[Route]] = {}
            for r in self.candidates:
                out.setdefault(r.prefix, []).append(r)
            self._by_prefix_all = (len(self.candidates), out)
        return self._by_prefix_all[1]

    def lookup(self, dest: IPv4Address) -> list[Route]:
        """Longest-prefix match among active routes (ECMP rows in table order)."""
        self._index()
        addr = int(dest)
        for mask, nets in self._lpm:
            rows = nets.get(addr & mask)
            if rows is not None:
                return list(rows)
        return []


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
            inloop = [("127.0.0.0/8", "local"), ("127.0.0.1/32", "local"), ("127.255.255.255/32", "local"), *inloop]
        elif name in bfd_vpn_tables:
            inloop = [("127.0.0.0/8", "local"), *inloop]
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
        nexthop = sr.nexthop
        via = None
        if nexthop is not None:
            for r in direct.get(table, []):
                if (r.kind == "connected" and nexthop in r.prefix and r.nexthop != nexthop
                        and (sr.interface is None or sr.interface == r.interface)):
                    via = r
                    break
        if via is None or nexthop is None:
            out.append(StaticResult(sr, None, "next hop unresolved"))
            continue
        route = Route(sr.prefix, "Static", pre, 0, "RD", nexthop, via.interface, "ip")
        out.append(StaticResult(sr, route, "ok"))
    return out


def _if_addr(cfg: RouterConfig, name: str) -> IPv4Address:
    iface = cfg.interfaces.get(name)
    return iface.address.ip if iface is not None and iface.address is not None else IPv4Address("0.0.0.0")
