"""Evaluations of the whole network, each at one instant, reusing what did not change.

Layers, in dependency order, so a zero time scale converges in a single pass:
links -> BFD -> direct and static routes -> OSPF adjacencies and SPF -> LDP ->
BGP sessions -> BGP exchange -> final routing tables. Session reachability
uses the tables *before* BGP (direct, static, OSPF): the twin does not carry
BGP sessions over BGP-learned routes.

Why an :class:`Evaluator` with memory: the network is evaluated at every
commit and at every protocol transition instant, hundreds of times while a
large lab converges. Each layer keeps its last results per router with the
inputs they were computed from (compared by identity: configurations are
replaced, never mutated, between evaluations, and every layer hands on the
same objects when their content did not change), so an evaluation redoes
only what a change reaches: the changed router's ports, its neighbours',
tables whose inputs changed, SPF only when the OSPF graph changed, BGP
sessions whose ends changed, and the BGP exchange prefix by prefix
(:class:`~.bgp_routes.BgpExchange`). ``reset()`` forgets everything, so the
next evaluation is a full recompute (benchmarks compare the two).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from ..config.model import RouterConfig
from ..topology import Endpoint, Topology
from . import bfd as bfd_mod
from . import bgp_routes, bgp_session, ldp, ospf
from .links import PUBLIC, LinkMap
from .rib import Route, StaticResult, Table, direct_routes, static_routes
from .timeline import Key, Timeline

# Realistic bring-up times in seconds; multiplied by the lab's time scale.
DELAY_OSPF = 6.0  # hello, 2-Way, ExStart..Loading to Full
DELAY_LDP = 2.0  # hello discovery, TCP, initialisation after the LSR ID is reachable
DELAY_IBGP = 4.0  # TCP + OPEN + first UPDATE after the loopbacks reach each other
DELAY_EBGP = 3.0
DELAY_BFD = 1.0  # slow-start Down -> Init -> Up


@dataclass
class BfdState:
    view: bfd_mod.BfdView
    up: bool
    remote_disc: int
    timers: tuple[int, int, int] | None  # negotiated tx, rx, detect (ms) while Up
    ever_up: bool


@dataclass
class BfdMemory:
    """What BFD remembers across evaluations (a session's history, not its config)."""

    discriminators: dict[str, dict[str, int]] = field(default_factory=dict)  # router -> session -> auto disc
    timers: dict[Key, tuple[int, int, int]] = field(default_factory=dict)  # last negotiated tx, rx, detect
    remote_disc: dict[Key, int] = field(default_factory=dict)  # last remote discriminator seen
    ever_up: set[Key] = field(default_factory=set)


@dataclass
class NetState:
    """Everything the displays and forwarding read, at evaluation time ``t``."""

    t: float
    configs: dict[str, RouterConfig]
    links: LinkMap
    bfd: list[BfdState]
    ospf_adj: list[tuple[ospf.Adjacency, bool]]
    ldp: list[tuple[ldp.LdpPeer, bool]]
    bgp_peers: list[tuple[bgp_session.PeerView, str]]
    bgp: bgp_routes.BgpResult
    statics: dict[str, list[StaticResult]]
    tables: dict[str, dict[str, Table]]
    base: dict[str, dict[str, Table]]
    ldp_up: set[tuple[str, str]] = field(default_factory=set)


class Evaluator:
    """Evaluates the network at successive instants; see the module docstring."""

    def __init__(self, topology: Topology, scale: float) -> None:
        self.topology = topology
        self.scale = scale
        self.timeline = Timeline()
        self.memory = BfdMemory()
        self.reset()

    def reset(self) -> None:
        """Forget every cached result: the next evaluation recomputes everything."""
        self.bgp = bgp_routes.BgpExchange()
        self._links: LinkMap | None = None
        self._ribs: dict[str, tuple[tuple[Any, ...], dict[str, list[Route]], list[StaticResult]]] = {}
        self._ospf_ifs: dict[str, tuple[tuple[Any, ...], list[ospf.OspfIf]]] = {}
        self._spf_sig: object = None
        self._spf: dict[str, list[Route]] = {}
        self._base: dict[str, tuple[tuple[Any, ...], dict[str, Table]]] = {}
        self._peers: dict[tuple[str, str, IPv4Address], tuple[tuple[Any, ...], bgp_session.PeerView]] = {}
        self._ldp_up: set[tuple[str, str]] | None = None
        self._lsp_memo: dict[tuple[str, IPv4Address], bool] = {}
        self._final: dict[str, tuple[dict[str, Table], dict[str, Table]]] = {}
        # Installed rows per (router, table, prefix), with the best-path list and public
        # table they came from: a prefix whose best paths did not change keeps its rows.
        self._installed: dict[tuple[str, str], dict[IPv4Network, tuple[list[bgp_routes.Path], Table, list[Route]]]] = {}
        self._neighbours: dict[str, list[str]] = {}

    def evaluate(self, t: float, configs: dict[str, RouterConfig], pulled: set[Endpoint]) -> NetState:
        """Compute the network at time *t* (the timeline and BFD memory persist across calls)."""
        configs = dict(configs)  # this state's own view: later commits replace entries of the caller's dict
        timeline, scale = self.timeline, self.scale
        timeline.begin(t)
        links = LinkMap(self.topology, configs, pulled, self._links)
        self._links = links

        # BFD first: it depends on links only, and static routes track it.
        bfd_states = _bfd(configs, links, timeline, scale, self.memory)
        bfd_up: dict[str, set[str]] = {r: set() for r in configs}
        bfd_vpn: dict[str, set[str]] = {r: set() for r in configs}
        for s in bfd_states:
            if s.up:
                bfd_up[s.view.router].add(s.view.cfg.name)
                if s.view.cfg.vpn_instance:
                    bfd_vpn[s.view.router].add(s.view.cfg.vpn_instance)

        direct: dict[str, dict[str, list[Route]]] = {}
        statics: dict[str, list[StaticResult]] = {}
        for r, cfg in configs.items():
            key = (cfg, links.by_router[r], frozenset(bfd_up[r]), frozenset(bfd_vpn[r]))
            hit = self._ribs.get(r)
            if hit is None or not _same(hit[0], key):
                d = direct_routes(r, cfg, links, bfd_vpn[r])
                hit = (key, d, static_routes(cfg, d, links, r, bfd_up[r]))
                self._ribs[r] = hit
            direct[r], statics[r] = hit[1], hit[2]

        ospf_ifs = self._ospf_interfaces(configs, links)
        adjs = ospf.candidate_adjacencies(configs, links, ospf_ifs)
        # The process is part of the key: moving an interface to another process
        # tears its adjacency down and forms a new one.
        ospf_state = [(a, timeline.ready(("ospf", a.router, a.process, a.interface), True, DELAY_OSPF * scale))
                      for a in adjs]
        # An adjacency is Full only when both ends consider it so.
        up_at_end = {(a.router, a.interface, a.process): up for a, up in ospf_state}
        ospf_state = [(a, up and up_at_end.get((a.neighbour, a.neighbour_if, a.neighbour_process), False))
                      for a, up in ospf_state]
        spf = self._spf_routes(ospf_ifs, [a for a, up in ospf_state if up])

        base: dict[str, dict[str, Table]] = {}
        public_changed = False  # the public table of an LSR changed (LSPs follow those tables)
        for r in configs:
            bkey = (direct[r], statics[r], spf.get(r))
            bhit = self._base.get(r)
            if bhit is None or not _same(bhit[0], bkey):
                tables = _base_tables(direct[r], statics[r], spf.get(r, []),
                                      bhit[1] if bhit is not None else {})
                if bhit is None or bhit[1].get(PUBLIC) is not tables.get(PUBLIC):
                    public_changed = public_changed or configs[r].mpls_ldp_enabled or bhit is None
                bhit = (bkey, tables)
                self._base[r] = bhit
            base[r] = bhit[1]
        for r in [r for r in self._base if r not in configs]:
            del self._base[r]

        ldp_cands = ldp.candidates(configs, links, base)
        ldp_state = [(p, timeline.ready(("ldp", p.router, p.peer), True, DELAY_LDP * scale)) for p in ldp_cands]
        ldp_up = {(p.router, p.peer) for p, up in ldp_state if up}
        ldp_up = {(a, b) for a, b in ldp_up if (b, a) in ldp_up}
        ldp_state = [(p, (p.router, p.peer) in ldp_up) for p, _ in ldp_state]
        lsp_changed = public_changed or ldp_up != self._ldp_up
        if lsp_changed:
            self._lsp_memo = {}
            self._ldp_up = ldp_up
        memo = self._lsp_memo

        def lsp_ok(router: str, dest: IPv4Address) -> bool:
            return ldp.has_lsp(router, dest, configs, links, base, ldp_up, memo=memo)

        peer_state: list[tuple[bgp_session.PeerView, str]] = []
        for pv in self._peer_views(configs, links, base):
            delay = (DELAY_EBGP if pv.ebgp else DELAY_IBGP) * scale
            up = timeline.ready(("bgp", pv.router, pv.table, pv.address), pv.consistent, delay)
            if up:
                state = "Established"
            elif pv.consistent:
                state = "Connect"
            elif pv.reachable:
                state = "Active"
            else:
                state = "Idle"
            peer_state.append((pv, state))
        established = [pv for pv, st in peer_state if st == "Established"]

        bgp_res = self.bgp.step(configs, base, established, lsp_ok, lsp_changed)
        final = self._final_tables(configs, base, bgp_res)
        timeline.end()
        return NetState(t, configs, links, bfd_states, ospf_state, ldp_state, peer_state, bgp_res, statics, final,
                        base, ldp_up)

    # ------------------------------------------------------------ layers
    def _ospf_interfaces(self, configs: dict[str, RouterConfig], links: LinkMap) -> dict[ospf.Node, list[ospf.OspfIf]]:
        """Every OSPF process of every router with the interfaces it covers (as ospf.interfaces_by_node)."""
        out: dict[ospf.Node, list[ospf.OspfIf]] = {}
        for r, cfg in configs.items():
            key = (cfg, links.by_router[r])
            hit = self._ospf_ifs.get(r)
            if hit is None or not _same(hit[0], key):
                hit = (key, ospf.ospf_interfaces(r, cfg, links))
                self._ospf_ifs[r] = hit
            for pid in cfg.ospf:
                out[(r, pid)] = []
            for o in hit[1]:
                out[(r, o.process)].append(o)
        return out

    def _spf_routes(
        self, ifs: dict[ospf.Node, list[ospf.OspfIf]], full: list[ospf.Adjacency]
    ) -> dict[str, list[Route]]:
        """SPF for every router, rerun only when the OSPF graph changed; a router whose
        routes came out the same keeps its previous list (so its tables stay the same objects)."""
        sig = (
            frozenset((a.router, a.process, a.interface, a.neighbour, a.neighbour_process, a.neighbour_addr)
                      for a in full),
            frozenset((node, tuple((o.iface.name, o.network, o.cost) for o in lst)) for node, lst in ifs.items()),
        )
        if sig == self._spf_sig:
            return self._spf
        routes = ospf.spf_routes(ifs, full)
        for r, rows in routes.items():
            old = self._spf.get(r)
            if old is not None and old == rows:
                routes[r] = old
        self._spf_sig, self._spf = sig, routes
        return routes

    def _peer_views(self, configs: dict[str, RouterConfig], links: LinkMap,
                    base: dict[str, dict[str, Table]]) -> list[bgp_session.PeerView]:
        """Every configured peer's view; recomputed only when one of its two ends changed."""
        out: list[bgp_session.PeerView] = []
        seen: set[tuple[str, str, IPv4Address]] = set()
        for r, cfg in configs.items():
            bgp = cfg.bgp
            if bgp is None:
                continue
            near = (cfg, base[r], links.by_router[r], *[links.by_router.get(n) for n in self._cabled(r)])
            for table in [PUBLIC] + [v for v in bgp.vrfs if v in cfg.vpn_instances]:
                for pcfg in bgp_session.peer_table(bgp, table).values():
                    key = (r, table, pcfg.address)
                    seen.add(key)
                    deps = (*near, tuple(links.owners.get(pcfg.address, ())))
                    hit = self._peers.get(key)
                    if hit is not None and _same(hit[0][:len(deps)], deps) and \
                            _same(hit[0][len(deps):], _far_deps(hit[1], configs, links, base)):
                        out.append(hit[1])
                        continue
                    view = bgp_session.view(r, cfg, table, pcfg, configs, links, base)
                    self._peers[key] = ((*deps, *_far_deps(view, configs, links, base)), view)
                    out.append(view)
        for key in [k for k in self._peers if k not in seen]:
            del self._peers[key]
        return out

    def _cabled(self, router: str) -> list[str]:
        if router not in self._neighbours:
            dev = self.topology.devices.get(router)
            ends = [self.topology.peer_of(router, i) for i in (dev.interfaces if dev else [])]
            self._neighbours[router] = sorted({e.device for e in ends if e is not None})
        return self._neighbours[router]

    def _final_tables(self, configs: dict[str, RouterConfig], base: dict[str, dict[str, Table]],
                      bgp_res: bgp_routes.BgpResult) -> dict[str, dict[str, Table]]:
        """Base tables plus installed BGP rows; a table is rebuilt only when its base
        table, its BGP best paths or (for IBGP rows) the public table changed."""
        changed: dict[str, set[str]] = {}
        for r, t in self.bgp.changed_tables:
            changed.setdefault(r, set()).add(t)
        final: dict[str, dict[str, Table]] = {}
        for r in configs:
            tabs = base[r]
            prev = self._final.get(r)
            mine = changed.get(r, set())
            if prev is not None and prev[0] is tabs and not mine:
                final[r] = prev[1]
                continue
            public_same = prev is not None and prev[0].get(PUBLIC) is tabs.get(PUBLIC)
            names = list(tabs) + [t for (rr, t) in bgp_res.best if rr == r and t not in tabs] \
                if prev is None else list(tabs) + [t for t in mine if t not in tabs and t != bgp_routes.VPNV4]
            out: dict[str, Table] = {}
            for name in names:
                old_final = prev[1].get(name) if prev is not None else None
                same_base = old_final is not None and public_same and prev is not None \
                    and prev[0].get(name) is tabs.get(name)
                if same_base and name not in mine:
                    assert old_final is not None
                    out[name] = old_final
                    continue
                tb = tabs.get(name)
                if same_base and tb is not None and (r, name) in self._installed:
                    assert old_final is not None
                    out[name] = self._patch(r, name, tb, old_final, bgp_res, base)
                    continue
                table = Table(name, list(tb.candidates) if tb is not None else [])
                best = bgp_res.best.get((r, name))
                if best:
                    table.candidates.extend(self._install(r, name, best, base))
                out[name] = table
            final[r] = out
            self._final[r] = (tabs, out)
        for r in [r for r in self._final if r not in configs]:
            del self._final[r]
        return final


    def _patch(self, r: str, name: str, tb: Table, old_final: Table, bgp_res: bgp_routes.BgpResult,
               base: dict[str, dict[str, Table]]) -> Table:
        """The final table when only some BGP prefixes changed: re-install and re-rank those."""
        best = bgp_res.best.get((r, name), {})
        prefixes = self.bgp.changed_prefixes.get((r, name), set())
        installed = dict(self._installed[(r, name)])
        for prefix in prefixes:
            paths = best.get(prefix)
            if not paths:
                installed.pop(prefix, None)
                continue
            via = base[r][PUBLIC] if not paths[0].ebgp else tb
            installed[prefix] = (paths, via, bgp_routes.install(r, name, {prefix: paths}, base))
        self._installed[(r, name)] = installed
        candidates = list(tb.candidates)
        for entry in installed.values():
            candidates.extend(entry[2])
        base_rows = tb.candidates_by_prefix()
        changed = {p: base_rows.get(p, []) + (installed[p][2] if p in installed else []) for p in prefixes}
        return Table.patched(name, candidates, old_final, changed)

    def _install(self, r: str, name: str, best: dict[IPv4Network, list[bgp_routes.Path]],
                 base: dict[str, dict[str, Table]]) -> list[Route]:
        """bgp_routes.install, prefix by prefix, reusing the rows of unchanged prefixes."""
        cache = self._installed.get((r, name), {})
        public = base[r].get(PUBLIC)
        table = base[r].get(name)
        fresh: dict[IPv4Network, tuple[list[bgp_routes.Path], Table, list[Route]]] = {}
        rows: list[Route] = []
        for prefix, paths in best.items():
            hit = cache.get(prefix)
            via = public if not paths[0].ebgp else table
            if hit is None or hit[0] is not paths or hit[1] is not via:
                assert via is not None
                hit = (paths, via, bgp_routes.install(r, name, {prefix: paths}, base))
            fresh[prefix] = hit
            rows.extend(hit[2])
        self._installed[(r, name)] = fresh
        return rows


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Same inputs: identical objects (configs, tables, port maps), equal values (sets, tuples)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x is y:
            continue
        if isinstance(x, (frozenset, tuple, bool)) and x == y:
            continue
        return False
    return True


def _far_deps(view: bgp_session.PeerView, configs: dict[str, RouterConfig], links: LinkMap,
              base: dict[str, dict[str, Table]]) -> tuple[Any, ...]:
    if view.remote is None:
        return ()
    far = view.remote[0]
    return (configs.get(far), base.get(far), links.by_router.get(far))


def _base_tables(direct: dict[str, list[Route]], statics: list[StaticResult], spf: list[Route],
                 previous: dict[str, Table]) -> dict[str, Table]:
    """Direct, static and OSPF rows per table; a table whose rows did not change is the previous object."""
    rows: dict[str, list[Route]] = {name: list(r) for name, r in direct.items()}
    for sr in statics:
        if sr.route is not None:
            rows.setdefault(sr.config.vpn_instance or PUBLIC, []).append(sr.route)
    rows.setdefault(PUBLIC, []).extend(spf)
    tables: dict[str, Table] = {}
    for name, cands in rows.items():
        old = previous.get(name)
        tables[name] = old if old is not None and old.candidates == cands else Table(name, cands)
    return tables


def _bfd(configs: dict[str, RouterConfig], links: LinkMap, timeline: Timeline, scale: float,
         memory: BfdMemory) -> list[BfdState]:
    """Static BFD sessions: matched ends, timers, and the Up/Down time model."""
    views = bfd_mod.sessions(configs, links, memory.discriminators)
    by_name = {(v.router, v.cfg.name): v for v in views}
    bfd_states: list[BfdState] = []
    for v in views:
        key: Key = ("bfd", v.router, v.cfg.name)
        timers = None
        if v.peer is not None:
            timers = bfd_mod.negotiated(v.cfg, configs[v.peer[0]].bfd_sessions[v.peer[1]])
            memory.timers[key] = timers
        held = memory.timers.get(key)
        hold = held[2] / 1000.0 if held is not None else 0.0
        up = timeline.ready(key, v.eligible, DELAY_BFD * scale, hold=hold)
        if up and timers is None:
            timers = held
        remote = by_name.get(v.peer) if v.peer else None
        if remote is not None:
            memory.remote_disc[key] = remote.local_disc
        remote_disc = memory.remote_disc.get(key, 0) if up else 0
        if up:
            memory.ever_up.add(key)
        bfd_states.append(BfdState(v, up, remote_disc, timers if up else None, key in memory.ever_up))
    return bfd_states


def evaluate(
    t: float,
    topology: Topology,
    configs: dict[str, RouterConfig],
    pulled: set[Endpoint],
    timeline: Timeline,
    scale: float,
    memory: BfdMemory,
) -> NetState:
    """One full evaluation with the given timeline and BFD memory (no cached layers)."""
    ev = Evaluator(topology, scale)
    ev.timeline, ev.memory = timeline, memory
    return ev.evaluate(t, configs, pulled)
