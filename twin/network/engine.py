"""The simulated network: control plane computed from all running configs + cables.

How it works: the engine keeps a snapshot of every router's running
configuration (refreshed on :meth:`Network.config_changed`), the set of
pulled cables, and a :class:`~.timeline.Timeline` of when each adjacency
became eligible. It evaluates the network (:class:`.compute.Evaluator`) only
at discrete instants: a configuration change, a cable pull, or the next
pending protocol transition (an adjacency's bring-up delay or a BFD detection
timer expiring). Displays between those instants reuse the cached state and
only compute ages and counters from the recorded times. State changes between
consecutive evaluations become the event log.

Growing to hundreds of routers: an evaluation redoes only what its change
reaches. Every layer keeps its per-router results with the inputs they came
from and hands on the same objects when nothing changed (a committed router
gets a new configuration object; the others keep theirs), so ports, direct
and static routes, OSPF interfaces, base tables and BGP peer views are
recomputed for the routers whose inputs changed; SPF runs only when the OSPF
graph changed; the BGP exchange (:class:`.bgp_routes.BgpExchange`) keeps the
RIBs and propagates changes prefix by prefix, with next-hop tracking for IGP
and LSP changes; final tables are patched per changed prefix; and the
event-log diff looks only at the tables and prefixes that changed. What is
still linear in the network per evaluation: a pass over the routers to find
what changed (identity checks), the adjacency lists handed to the timeline,
and the BGP result snapshot; what is still quadratic: SPF after an OSPF
topology change (one Dijkstra per router, O(R * E log R)) and re-checking
the LSPs behind tracked VPN next hops when an LSR's public table changed.
:meth:`Network.recompute` drops every cache (a full recompute, which
``bench/twin_scale.py`` compares with the incremental one).
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from ipaddress import AddressValueError, IPv4Address

from vrpbook.vrp import canonical_interface_name

from ..config.model import RouterConfig
from ..topology import Endpoint, Topology
from . import display_bfd, display_bgp, display_proto, display_routing, forwarding
from .api import BgpPeerScope, LabEvent, PeerKey, RunningConfigs
from .compute import Evaluator, NetState
from .links import PUBLIC
from .rib import Table

LDP_KEEPALIVE_S = 15.0  # VRP default keepalive send interval (hold time 45 s / 3)
BGP_KEEPALIVE_S = 60.0  # VRP default keepalive interval

# twin's choice: error texts of displays naming something that does not exist.
ERR_NO_VPN = "Error: The VPN instance does not exist.\n"


class Network:
    """Implements :class:`~vrpbook.twin.network.api.NetworkView` for one lab.

    ``time_scale`` multiplies protocol delays (1.0 = realistic seconds,
    0 = instant); ``clock`` returns seconds (monotonic).
    """

    def __init__(
        self,
        topology: Topology,
        running_configs: RunningConfigs,
        time_scale: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.topology = topology
        self.running_configs = running_configs
        self.time_scale = time_scale
        self.clock = clock
        self._lock = threading.RLock()
        self._t0 = clock()
        self._wall0 = time.time()
        self._snapshot: dict[str, RouterConfig] | None = None
        self._pulled: set[Endpoint] = set()
        self._evaluator = Evaluator(topology, time_scale)
        self._timeline = self._evaluator.timeline
        self._memory = self._evaluator.memory
        self._state: NetState | None = None
        self._events: list[LabEvent] = []
        self._changed: dict[PeerKey, tuple[str, float]] = {}
        self._first_seen: dict[tuple[str, str], float] = {}
        self._flip_cache: dict[str, tuple[object, dict[tuple[str, ...], bool]]] = {}
        self._calls = 0

    # ----------------------------------------------------------------- state
    def _configs(self) -> dict[str, RouterConfig]:
        if self._snapshot is None:
            self._snapshot = {n: c.clone() for n, c in self.running_configs().items()}
        return self._snapshot

    def _evaluate(self, t: float) -> None:
        st = self._evaluator.evaluate(t, self._configs(), self._pulled)
        self._record(self._state, st)
        self._state = st

    def _advance(self, now: float) -> NetState:
        if self._state is None:
            self._evaluate(now)
        while self._timeline.next_t <= now:
            self._evaluate(self._timeline.next_t)
        assert self._state is not None
        return self._state

    def _current(self, router: str | None = None) -> tuple[NetState, float]:
        """The state now (and the time); with *router*, it must be a router of the lab."""
        with self._lock:
            now = self.clock()
            st = self._advance(now)
        if router is not None and router not in st.configs:
            raise KeyError(f"unknown router {router!r}")
        return st, now

    def recompute(self) -> NetState:
        """Force a full evaluation now, every cached layer forgotten (benchmarks compare it
        with the incremental evaluation a commit triggers; the lab never needs it)."""
        with self._lock:
            self._evaluator.reset()
            self._evaluate(self.clock())
            assert self._state is not None
            return self._state

    def config_changed(self, router: str) -> None:
        """Called by the device side after every commit, rollback or trial revert."""
        with self._lock:
            now = self.clock()
            self._advance(now)  # transitions up to now happened under the old configs
            current = self.running_configs()
            snap = self._configs()
            if router in current:
                snap[router] = current[router].clone()
            else:
                snap.pop(router, None)
            for name, cfg in current.items():
                if name not in snap:
                    snap[name] = cfg.clone()
            self._evaluate(now)

    def set_cable(self, device: str, interface: str, up: bool) -> None:
        """Plug (``up=True``) or pull the cable at device:interface (failover drills)."""
        name = canonical_interface_name(interface)
        if device not in self.topology.devices or name not in self.topology.devices[device].interfaces:
            raise ValueError(f"set_cable: {device}:{interface} is not a port of the topology")
        if self.topology.peer_of(device, name) is None:
            raise ValueError(f"set_cable: {device}:{name} has no cable")
        with self._lock:
            now = self.clock()
            self._advance(now)
            end = Endpoint(device, name)
            if up:
                self._pulled.discard(end)
            else:
                self._pulled.add(end)
            self._evaluate(now)

    def events(self) -> list[LabEvent]:
        with self._lock:
            self._advance(self.clock())
            return list(self._events)

    def state(self) -> NetState:
        """The computed state now (for tests and drills that read facts, not text)."""
        return self._current()[0]

    # ------------------------------------------------------------ event log
    def _emit(self, t: float, router: str, kind: str, detail: str) -> None:
        self._events.append(LabEvent(round((t - self._t0) * 1000.0, 3), router, kind, detail))

    def _record(self, old: NetState | None, new: NetState) -> None:
        t = new.t
        live = {(r, n) for r, c in new.configs.items() for n in c.vpn_instances}
        for key in live:
            self._first_seen.setdefault(key, t)
        for key in [k for k in self._first_seen if k not in live]:
            del self._first_seen[key]
        for pv, state in new.bgp_peers:
            pkey: PeerKey = ("bgp", pv.router, pv.table, pv.address)
            seen = self._changed.get(pkey)
            if seen is None or seen[0] != state:
                self._changed[pkey] = (state, t)
        if old is None:
            return
        for router, ports in new.links.by_router.items():
            was = old.links.by_router.get(router)
            if was is ports or was is None:
                continue
            for name, port in ports.items():
                before = was.get(name)
                if before is None or not new.configs[router].interfaces[name].physical:
                    continue
                if before.phy == "up" and port.phy != "up":
                    self._emit(t, router, "link-down", f"{port.name} physical down")
                elif before.phy != "up" and port.phy == "up":
                    self._emit(t, router, "link-up", f"{port.name} physical up")
        self._diff(t, old, new)

    def _flip_keys(self, kind: str, source: object, build: Callable[[], dict[tuple[str, ...], bool]]
                   ) -> dict[tuple[str, ...], bool]:
        """Up/down per adjacency of one kind for one state; the previous evaluation's
        map is kept, so each state's map is built once."""
        cached = self._flip_cache.get(kind)
        if cached is not None and cached[0] is source:
            return cached[1]
        built = build()
        self._flip_cache[kind] = (source, built)
        return built

    def _diff(self, t: float, old: NetState, new: NetState) -> None:
        def flips(before: dict[tuple[str, ...], bool], after: dict[tuple[str, ...], bool], up_kind: str,
                  down_kind: str, describe: Callable[[tuple[str, ...], bool], str]) -> None:
            moved = [k for k, b in after.items() if before.get(k, False) != b]
            moved += [k for k, a in before.items() if a and k not in after]
            for key in sorted(moved, key=str):
                up = after.get(key, False)
                self._emit(t, key[0], up_kind if up else down_kind, describe(key, up))

        def ospf(st: NetState) -> Callable[[], dict[tuple[str, ...], bool]]:
            return lambda: {(a.router, a.interface, a.neighbour): up for a, up in st.ospf_adj}

        def ldp(st: NetState) -> Callable[[], dict[tuple[str, ...], bool]]:
            return lambda: {(p.router, p.peer): up for p, up in st.ldp}

        def bgp(st: NetState) -> Callable[[], dict[tuple[str, ...], bool]]:
            return lambda: {(p.router, p.table, str(p.address)): s == "Established" for p, s in st.bgp_peers}

        before_ospf = self._flip_keys("ospf", old.ospf_adj, ospf(old))
        flips(before_ospf, self._flip_keys("ospf", new.ospf_adj, ospf(new)),
              "ospf-full", "ospf-down", lambda k, up: f"neighbour {k[2]} on {k[1]} {'Full' if up else 'Down'}")
        before_ldp = self._flip_keys("ldp", old.ldp, ldp(old))
        flips(before_ldp, self._flip_keys("ldp", new.ldp, ldp(new)),
              "ldp-up", "ldp-down", lambda k, up: f"LDP session with {k[1]} {'Operational' if up else 'down'}")
        before_bgp = self._flip_keys("bgp", old.bgp_peers, bgp(old))
        flips(before_bgp, self._flip_keys("bgp", new.bgp_peers, bgp(new)),
              "bgp-up", "bgp-down", lambda k, up: f"peer {k[2]} ({k[1]}) {'Established' if up else 'down'}")

        def bfd_detail(k: tuple[str, ...], up: bool) -> str:
            timers = self._memory.timers.get(("bfd", k[0], k[1]))
            det = timers[2] if timers is not None else "-"
            return f"{k[1]} Up" if up else f"{k[1]} Down (detect time {det} ms)"

        flips({(s.view.router, s.view.cfg.name): s.up for s in old.bfd},
              {(s.view.router, s.view.cfg.name): s.up for s in new.bfd}, "bfd-up", "bfd-down", bfd_detail)
        for router, tables in new.tables.items():
            old_tables = old.tables.get(router, {})
            if old_tables is tables:
                continue  # the evaluation reused this router's tables: nothing changed
            for name, table in tables.items():
                old_t = old_tables.get(name)
                if old_t is table:
                    continue
                # Only prefixes whose rows differ can differ in the event log; a table
                # patched from the old one names them.
                now_rows = table.by_prefix()
                was_rows = old_t.by_prefix() if old_t else {}
                hint = table.patched_from
                scope = hint[1] if hint is not None and hint[0] is old_t else now_rows.keys() | was_rows.keys()
                moved = [p for p in scope if now_rows.get(p) != was_rows.get(p)]
                after = {(r.prefix, r.proto, r.nexthop, r.interface)
                         for p in moved for r in now_rows.get(p, ()) if r.proto != "Direct"}
                before = {(r.prefix, r.proto, r.nexthop, r.interface)
                          for p in moved for r in was_rows.get(p, ()) if r.proto != "Direct"}
                for p, proto, nh, ifn in sorted(before - after, key=str):
                    self._emit(t, router, "route-withdrawn", f"{name} {p} {proto} via {nh} {ifn}")
                for p, proto, nh, ifn in sorted(after - before, key=str):
                    self._emit(t, router, "route-installed", f"{name} {p} {proto} via {nh} {ifn}")

    # -------------------------------------------------------------- helpers
    def _ka(self, base: float) -> float:
        return base * self.time_scale if self.time_scale > 0 else base

    def _table(self, st: NetState, router: str, vpn_instance: str | None) -> str | None:
        """Table name for a VPN instance argument; None when it does not exist."""
        if vpn_instance is None:
            return PUBLIC
        return vpn_instance if vpn_instance in st.configs[router].vpn_instances else None

    # -------------------------------------------------------------- displays
    def display_ip_routing_table(
        self, router: str, vpn_instance: str | None = None, protocol: str | None = None
    ) -> str:
        st, _now = self._current(router)
        name = self._table(st, router, vpn_instance)
        if name is None:
            return ERR_NO_VPN
        table = st.tables[router].get(name) or Table(name)
        if protocol is None:
            return display_routing.routing_table(table)
        proto = protocol.lower()
        if proto == "static":
            return display_routing.static_table(name, table, st.statics[router])
        if proto in display_routing.PROTOCOLS:
            return display_routing.protocol_table(name, table, proto)
        # twin's choice: VRP's parser error for an unknown protocol keyword.
        return "Error: Unrecognized command found at '^' position.\n"

    def display_ip_vpn_instance_verbose(self, router: str) -> str:
        st, now = self._current(router)
        with self._lock:
            first_seen = dict(self._first_seen)
        return display_proto.vpn_instance_verbose(
            st, router, now, first_seen, lambda t: self._wall0 + (t - self._t0)
        )

    def display_interface_brief(self, router: str) -> str:
        st, _ = self._current(router)
        return display_proto.interface_brief(st, router)

    def display_ospf_peer_brief(self, router: str) -> str:
        st, _ = self._current(router)
        if not st.configs[router].ospf:
            return ""  # twin's choice: VRP prints nothing when OSPF is not configured
        return display_proto.ospf_peer_brief(st, router)

    def display_mpls_ldp_session(self, router: str) -> str:
        st, now = self._current(router)
        cfg = st.configs[router]
        if not (cfg.mpls_enabled and cfg.mpls_ldp_enabled):
            return "Error: The MPLS LDP is not enabled.\n"  # twin's choice of text
        with self._lock:
            up_at = dict(self._timeline.up_at)
        return display_proto.mpls_ldp_session(st, router, now, up_at, self._ka(LDP_KEEPALIVE_S))

    def display_bgp_peer(self, router: str, scope: BgpPeerScope, vpn_instance: str | None = None) -> str:
        st, now = self._current(router)
        cfg = st.configs[router]
        if cfg.bgp is None:
            return display_bgp.no_bgp()
        if scope == "vpn_instance" and (vpn_instance is None or vpn_instance not in cfg.vpn_instances):
            return ERR_NO_VPN
        with self._lock:
            changed = dict(self._changed)
        ka = self._ka(BGP_KEEPALIVE_S)
        if scope == "ipv4":
            rows = display_bgp.rows_for(st, router, display_bgp.scope_views(st, router, "ipv4", None), now,
                                        changed, ka, "ipv4")
            return display_bgp.peer_table(rows, st, router)
        if scope == "vpn_instance":
            rows = display_bgp.rows_for(st, router, display_bgp.scope_views(st, router, "vpn_instance",
                                                                            vpn_instance), now, changed, ka, "ipv4")
            return display_bgp.peer_table(rows, st, router)
        public = display_bgp.rows_for(st, router, display_bgp.scope_views(st, router, "vpnv4_all", None), now,
                                      changed, ka, "vpnv4")
        vrfs = {}
        for vrf in cfg.bgp.vrfs:
            views = display_bgp.scope_views(st, router, "vpn_instance", vrf)
            if views:
                vrfs[vrf] = display_bgp.rows_for(st, router, views, now, changed, ka, "ipv4")
        return display_bgp.vpnv4_all(public, vrfs, st, router)

    def display_bgp_vpnv4_routing_table(self, router: str) -> str:
        st, _ = self._current(router)
        if st.configs[router].bgp is None:
            return display_bgp.no_bgp()
        return display_bgp.routing_table(st, router)

    def display_bfd_session(self, router: str, verbose: bool) -> str:
        st, _ = self._current(router)
        mine = [s for s in st.bfd if s.view.router == router]
        return display_bfd.verbose(mine) if verbose else display_bfd.brief(mine)

    # ------------------------------------------------------------ ping/tracert
    def _seed(self, *parts: object) -> int:
        with self._lock:
            self._calls += 1
            return zlib.crc32(repr((*parts, self._calls)).encode())

    def ping(
        self,
        router: str,
        destination: str,
        vpn_instance: str | None = None,
        count: int = 5,
        size: int = 56,
        source: str | None = None,
    ) -> str:
        st, _ = self._current(router)
        table = self._table(st, router, vpn_instance)
        if table is None:
            return ERR_NO_VPN
        try:
            dest = IPv4Address(destination)
            src = IPv4Address(source) if source else None
        except (AddressValueError, ValueError):
            return f"Error: Invalid IP address {destination if source is None else source}.\n"
        return forwarding.ping(st, router, dest, table, count, size, src, self._seed(router, destination))

    def tracert(self, router: str, destination: str, vpn_instance: str | None = None) -> str:
        st, _ = self._current(router)
        table = self._table(st, router, vpn_instance)
        if table is None:
            return ERR_NO_VPN
        try:
            dest = IPv4Address(destination)
        except (AddressValueError, ValueError):
            return f"Error: Invalid IP address {destination}.\n"
        return forwarding.tracert(st, router, dest, table, self._seed(router, destination))


__all__ = ["Network"]
