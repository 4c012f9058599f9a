"""ping and tracert over the simulated forwarding tables, hop by hop.

Forwarding model: a packet is looked up in the table of the interface it
arrived on (the ingress VPN instance for a CE-facing port). A VPN route whose
next hop is another PE's loopback is label-switched across the core
invisibly (ttl-mode pipe): the next router that sees the IP packet is the
egress PE, in the VPN instance that exported the route. Every IP hop
decrements the TTL; a hop whose TTL expires answers from the interface the
probe arrived on, and an egress PE (no arrival interface in the VPN) answers
from its VPN-instance interface toward the destination. A reply is only
printed when it can be routed back to the source.

Load balancing: ``load-balance packet all`` round-robins the probes of one
command over ECMP rows; otherwise one path per flow, chosen by a CRC32 hash
of (source, destination) (twin's choice of hash).

``< AS=N >`` after a hop address (twin's derivation; the rule is
undocumented): printed when the tracing router's own table reaches that
address through a BGP route, N being the origin AS (last AS of its AS path).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from ipaddress import IPv4Address

from .compute import NetState
from .links import table_of
from .rib import Route

MAX_IP_HOPS = 64


@dataclass(frozen=True)
class Outcome:
    kind: str  # "reached" | "expired" | "unreachable"
    router: str | None
    table: str | None
    reply_from: IPv4Address | None
    hops: int  # routers that decremented the TTL


class Forwarder:
    def __init__(self, st: NetState) -> None:
        self.st = st
        self.rr: dict[str, int] = {}

    def _choose(self, router: str, routes: list[Route], src: IPv4Address, dest: IPv4Address, count: bool) -> Route:
        if len(routes) == 1:
            return routes[0]
        if self.st.configs[router].load_balance_packet_all and count:
            i = self.rr.get(router, 0)
            self.rr[router] = i + 1
            return routes[i % len(routes)]
        return routes[zlib.crc32(f"{src}>{dest}".encode()) % len(routes)]

    def _local(self, router: str, table: str, dest: IPv4Address) -> IPv4Address | None:
        for iface in self.st.configs[router].interfaces.values():
            if (iface.address is not None and iface.address.ip == dest and table_of(iface) == table
                    and self.st.links.is_up(router, iface.name)):
                return dest
        return None

    def _if_addr(self, router: str, name: str) -> IPv4Address | None:
        iface = self.st.configs[router].interfaces.get(name)
        return iface.address.ip if iface is not None and iface.address is not None else None

    def source_for(self, router: str, table: str, dest: IPv4Address) -> IPv4Address | None:
        """Source address VRP would pick: the outgoing interface's address."""
        if self._local(router, table, dest):
            return dest
        routes = self.st.tables[router].get(table)
        rows = routes.lookup(dest) if routes else []
        for r in rows:
            if r.kind == "vpn":
                # twin's choice: first up interface address of the VPN instance.
                for iface in self.st.configs[router].interfaces.values():
                    if iface.vpn_instance == table and iface.address and self.st.links.is_up(router, iface.name):
                        return iface.address.ip
                continue
            addr = self._if_addr(router, r.interface)
            if addr is not None:
                return addr
        return None

    def _next_hop_router(
        self, router: str, table: str, route: Route, dest: IPv4Address, depth: int = 0
    ) -> tuple[str, str, str] | None:
        """(router, table, arrival interface) reached by following *route*, or None."""
        target = dest if route.kind == "connected" else route.nexthop
        nb = self.st.links.neighbour(router, route.interface)
        if nb is not None and nb[1].address is not None and nb[1].address.ip == target:
            return nb[0], table_of(nb[1]), nb[1].name
        if route.kind == "ip" and depth < 4:
            # Recursive next hop (e.g. public IBGP): resolve it in the same table.
            rows = self.st.tables[router][table].lookup(route.nexthop)
            for r in rows:
                if r.kind in ("ip", "connected") and r is not route:
                    return self._next_hop_router(router, table, r, route.nexthop, depth + 1)
        return None

    def walk(self, origin: str, table: str, src: IPv4Address, dest: IPv4Address, ttl: int, count: bool) -> Outcome:
        router, tbl, mpls = origin, table, False
        arrived: str | None = None  # interface the packet came in on (None: originated / left the MPLS core)
        addr: IPv4Address | None
        hops = 0
        for _ in range(MAX_IP_HOPS):
            if self._local(router, tbl, dest) is not None:
                addr = self._if_addr(router, arrived) if arrived else dest
                return Outcome("reached", router, tbl, addr, hops)
            if router != origin or hops > 0 or mpls:
                hops += 1
                ttl -= 1
                if ttl <= 0:
                    addr = self._if_addr(router, arrived) if arrived else self.source_for(router, tbl, dest)
                    return Outcome("expired", router, tbl, addr, hops)
            table_obj = self.st.tables[router].get(tbl)
            routes = table_obj.lookup(dest) if table_obj else []
            if not routes:
                return Outcome("unreachable", router, tbl, None, hops)
            r = self._choose(router, routes, src, dest, count)
            if r.kind == "local":
                return Outcome("reached", router, tbl, dest, hops)
            if r.kind == "vpn" and r.egress is not None:
                router, tbl, arrived, mpls = r.egress[0], r.egress[1], None, True
                continue
            nxt = self._next_hop_router(router, tbl, r, dest)
            if nxt is None:
                return Outcome("unreachable", router, tbl, None, hops)
            router, tbl, arrived = nxt
            mpls = False
        return Outcome("unreachable", None, None, None, hops)

    def reply_ok(self, out: Outcome, origin: str, src: IPv4Address) -> int | None:
        """Hops taken by the reply back to *src* at *origin*, None when it is lost."""
        if out.router is None or out.table is None or out.reply_from is None:
            return None
        back = self.walk(out.router, out.table, out.reply_from, src, 255, False)
        if back.kind == "reached" and back.router == origin:
            return back.hops
        return None


def _rtt(rng: random.Random, hops: int) -> int:
    return max(1, int(rng.gauss(8 * max(1, hops), 4 * max(1, hops))))


def ping(st: NetState, router: str, dest: IPv4Address, table: str, count: int, size: int,
         source: IPv4Address | None, seed: int) -> str:
    fw = Forwarder(st)
    rng = random.Random(seed)
    if source is not None and fw._local(router, table, source) is None:
        # twin's choice of text: -a must name an up address of this router in that table.
        return f"Error: The source address {source} is not a local address.\n"
    src = source or fw.source_for(router, table, dest)
    lines = [f"PING {dest}: {size}  data bytes, press CTRL_C to break"]
    times: list[int] = []
    for seq in range(1, count + 1):
        out = fw.walk(router, table, src, dest, 255, True) if src else None
        back = fw.reply_ok(out, router, src) if (out and out.kind == "reached" and src) else None
        if out is None or back is None:
            lines.append("    Request time out")
            continue
        t = _rtt(rng, out.hops + back + 1) * (3 if seq == 1 else 1)
        times.append(t)
        lines.append(f"    Reply from {dest}: bytes={size} Sequence={seq} ttl={255 - back} time={t} ms")
    loss = 100.0 * (count - len(times)) / count if count else 0.0
    lines += [
        "",
        f"  --- {dest} ping statistics ---",
        f"    {count} packet(s) transmitted",
        f"    {len(times)} packet(s) received",
        f"    {loss:.2f}% packet loss",
    ]
    if times:
        lines.append(f"round-trip min/avg/max = {min(times)}/{sum(times) // len(times)}/{max(times)} ms")
    return "\n".join(lines) + "\n\n"


def _as_tag(st: NetState, router: str, table: str, addr: IPv4Address) -> str:
    tb = st.tables[router].get(table)
    rows = tb.lookup(addr) if tb else []
    for r in rows:
        if r.proto in ("IBGP", "EBGP") and r.as_path:
            return f" < AS={r.as_path[-1]} >"
    return ""


def tracert(st: NetState, router: str, dest: IPv4Address, table: str, seed: int, max_hops: int = 30) -> str:
    fw = Forwarder(st)
    rng = random.Random(seed)
    src = fw.source_for(router, table, dest)
    lines = [f" traceroute to  {dest}({dest}), max hops: {max_hops} ,packet length: 40"]
    for ttl in range(1, max_hops + 1):
        pieces: list[str] = []
        prev: IPv4Address | None = None
        done = False
        for _probe in range(3):
            out = fw.walk(router, table, src, dest, ttl, True) if src else None
            back = fw.reply_ok(out, router, src) if (out and out.kind != "unreachable" and src) else None
            if out is None or back is None or out.reply_from is None:
                pieces.append("*")
                continue
            t = _rtt(rng, out.hops + back)
            if out.reply_from == prev:
                pieces.append(f" {t} ms")
            else:
                pieces.append(f"{out.reply_from}{_as_tag(st, router, table, out.reply_from)} {t} ms")
            prev = out.reply_from
            done = done or out.kind == "reached"
        lines.append(f" {ttl} " + " ".join(pieces))
        if done:
            break
    return "\n".join(lines) + "\n\n"
