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
        self._ispf = ospf.IncrementalSpf()
        self.spf_changed: dict[str, set[IPv4Network]] = {}  # per router: OSPF networks re-ranked this evaluation
        self._base: dict[str, tuple[tuple[Any, ...], dict[str, Table]]] = {}
        self._peers: dict[tuple[str, str, IPv4Address], tuple[tuple[Any, ...], bgp_session.PeerView]] = {}
        self._peer_inputs: dict[str, tuple[Any, ...]] = {}
        self._peer_routers: dict[str, tuple[list[bgp_session.PeerView], set[str]]] = {}
        self._owners: object = None
        self._final: dict[str, tuple[dict[str, Table], dict[str, Table]]] = {}
        # Installed rows per (router, table, prefix), with the best-path list and public
        # table they came from: a prefix whose best paths did not change keeps its rows.
        self._installed: dict[tuple[str, str], dict[IPv4Network, tuple[list[bgp_routes.Path], Table, list[Route]]]] = {}
        self._nh_index: dict[tuple[str, str], dict[IPv4Address, set[IPv4Network]]] = {}  # next hop -> prefixes
        self._lsp = ldp.LspReach()
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
                sr = static_routes(cfg, d, links, r, bfd_up[r])
                # Same rows as before (a neighbour's unrelated change): downstream keeps its tables.
                hit = (key, hit[1], hit[2]) if hit is not None and hit[1] == d and hit[2] == sr else (key, d, sr)
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
        hints: dict[str, set[IPv4Network]] = {}  # router -> the only public networks that changed (SPF)
        lsr_nets: set[IPv4Network] | None = set()  # public networks changed on LSRs (None: unknown)
        for r, cfg in configs.items():
            bkey = (direct[r], statics[r], spf.get(r))
            bhit = self._base.get(r)
            if bhit is None or not _same(bhit[0], bkey):
                nets = self.spf_changed.get(r)
                old_tables = bhit[1] if bhit is not None else {}
                if (bhit is not None and bhit[0][0] is direct[r] and bhit[0][1] is statics[r] and nets is not None
                        and PUBLIC in old_tables):
                    tables = dict(old_tables)
                    tables[PUBLIC] = self._patch_public(r, old_tables[PUBLIC], direct[r], statics[r],
                                                        spf.get(r, []), nets)
                    hints[r] = nets
                    if lsr_nets is not None and cfg.mpls_ldp_enabled:
                        lsr_nets |= nets
                else:
                    tables = _base_tables(direct[r], statics[r], spf.get(r, []), old_tables)
                    old_public, new_public = old_tables.get(PUBLIC), tables.get(PUBLIC)
                    if old_public is not new_public:
                        if old_public is None or new_public is None:
                            if cfg.mpls_ldp_enabled:
                                lsr_nets = None
                        else:
                            was, now = old_public.by_prefix(), new_public.by_prefix()
                            moved = {p for p in was.keys() | now.keys() if was.get(p) != now.get(p)}
                            hints[r] = moved
                            if lsr_nets is not None and cfg.mpls_ldp_enabled:
                                lsr_nets |= moved
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
        lsp_flips = self._lsp.update(configs, links, base, ldp_up, lsr_nets)
        lsp = self._lsp

        def lsp_ok(router: str, dest: IPv4Address) -> bool:
            return lsp.reaches(router, dest, configs, links, base, ldp_up)

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

        bgp_res = self.bgp.step(configs, base, established, lsp_ok, lsp_flips, hints)
        final = self._final_tables(configs, base, bgp_res, hints)
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
            self.spf_changed = {}
            return self._spf
        routes = dict(self._ispf.update(ifs, full))
        self.spf_changed = self._ispf.changed_nets
        self._spf_sig, self._spf = sig, routes
        return routes

    def _peer_views(self, configs: dict[str, RouterConfig], links: LinkMap,
                    base: dict[str, dict[str, Table]]) -> list[bgp_session.PeerView]:
        """Every configured peer's view; recomputed only when one of its two ends changed."""
        out: list[bgp_session.PeerView] = []
        seen: set[tuple[str, str, IPv4Address]] = set()
        # Routers whose own inputs changed since the last evaluation: a router's views
        # are reused whole when neither it nor any router its peers live on changed.
        changed = set()
        for r, cfg in configs.items():
            inputs = self._peer_inputs.get(r)
            if inputs is None or inputs[0] is not cfg or inputs[1] is not base[r] \
                    or inputs[2] is not links.by_router[r]:
                changed.add(r)
        for r in changed:
            self._peer_inputs[r] = (configs[r], base[r], links.by_router[r])
        for gone in [r for r in self._peer_inputs if r not in configs]:
            del self._peer_inputs[gone]
        owners_same = links.owners is self._owners
        self._owners = links.owners
        for r, cfg in configs.items():
            bgp = cfg.bgp
            if bgp is None:
                continue
            whole = self._peer_routers.get(r)
            if (whole is not None and owners_same and r not in changed
                    and not any(n in changed for n in self._cabled(r)) and not (whole[1] & changed)):
                out.extend(whole[0])
                seen.update((v.router, v.table, v.address) for v in whole[0])
                continue
            mine_start = len(out)
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
            mine = out[mine_start:]
            self._peer_routers[r] = (mine, {v.remote[0] for v in mine if v.remote is not None})
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
                      bgp_res: bgp_routes.BgpResult, hints: dict[str, set[IPv4Network]]) -> dict[str, dict[str, Table]]:
        """Base tables plus installed BGP rows. A table is reused when neither its base
        table nor its BGP best paths changed; patched (only the prefixes concerned
        re-ranked) when its BGP paths changed or its base changed only in known
        networks (an SPF update: the public table, and the BGP rows whose next hops
        lie in those networks); rebuilt otherwise."""
        changed: dict[str, set[str]] = {}
        for r, t in self.bgp.changed_tables:
            changed.setdefault(r, set()).add(t)
        bgp_tables: dict[str, list[str]] = {}
        if len(self._final) < len(configs):  # routers new to the network: find their BGP tables once
            for r, t in bgp_res.best:
                bgp_tables.setdefault(r, []).append(t)
        final: dict[str, dict[str, Table]] = {}
        for r in configs:
            tabs = base[r]
            prev = self._final.get(r)
            mine = changed.get(r, set())
            if prev is not None and prev[0] is tabs and not mine:
                final[r] = prev[1]
                continue
            hint = self._public_hint(r, prev[0] if prev is not None else None, tabs, hints)
            public_same = prev is not None and prev[0].get(PUBLIC) is tabs.get(PUBLIC)
            extra = [t for t in (bgp_tables.get(r, []) if prev is None else mine) if t not in tabs
                     and t != bgp_routes.VPNV4]
            out: dict[str, Table] = {}
            for name in list(tabs) + extra:
                old_final = prev[1].get(name) if prev is not None else None
                tb = tabs.get(name)
                old_base = prev[0].get(name) if prev is not None else None
                if old_final is not None and tb is not None and (r, name) in self._installed and (
                        public_same or hint is not None):
                    if old_base is tb and public_same and name not in mine:
                        out[name] = old_final
                        continue
                    base_moved = hint if (hint is not None and name == PUBLIC) else set()
                    if old_base is tb or base_moved:
                        out[name] = self._patch(r, name, tb, old_final, bgp_res, base, hint or set(), base_moved)
                        continue
                table = Table(name, list(tb.candidates) if tb is not None else [])
                best = bgp_res.best.get((r, name))
                table.candidates.extend(self._install(r, name, best or {}, base))
                out[name] = table
            final[r] = out
            self._final[r] = (tabs, out)
        for r in [r for r in self._final if r not in configs]:
            del self._final[r]
        return final

    def _patch_public(self, r: str, old: Table, direct: dict[str, list[Route]], statics: list[StaticResult],
                      spf: list[Route], nets: set[IPv4Network]) -> Table:
        """The public table after an SPF update that changed only *nets* for this router."""
        before = old.candidates_by_prefix()
        changed = {net: [x for x in before.get(net, []) if x.proto != "OSPF"] + self._ispf.router_rows(r, net)
                   for net in nets}
        return Table.patched(PUBLIC, lambda: _public_rows(direct, statics, spf), old, changed)

    @staticmethod
    def _public_hint(r: str, old: dict[str, Table] | None, tabs: dict[str, Table],
                     hints: dict[str, set[IPv4Network]]) -> set[IPv4Network] | None:
        """The networks in which the public table changed, when that is all that changed."""
        if old is None or r not in hints:
            return None
        new_public = tabs.get(PUBLIC)
        if new_public is None or new_public.patched_from is None or new_public.patched_from[0] is not old.get(PUBLIC):
            return None
        if any(tabs.get(n) is not old.get(n) for n in set(tabs) | set(old) if n != PUBLIC):
            return None
        return hints[r]

    def _patch(self, r: str, name: str, tb: Table, old_final: Table, bgp_res: bgp_routes.BgpResult,
               base: dict[str, dict[str, Table]], moved_nets: set[IPv4Network],
               base_moved: set[IPv4Network]) -> Table:
        """Re-install and re-rank only the prefixes that changed: BGP best paths that
        changed, BGP rows whose next hop lies in *moved_nets* (the public table changed
        there), and *base_moved* prefixes of the base table itself."""
        best = bgp_res.best.get((r, name), {})
        prefixes = set(self.bgp.changed_prefixes.get((r, name), set()))
        index = self._nh_index.setdefault((r, name), {})
        for net in moved_nets:
            if net.prefixlen == 32:
                prefixes |= index.get(net.network_address, set())
            else:
                for addr, users in index.items():
                    if addr in net:
                        prefixes |= users
        installed = dict(self._installed[(r, name)])
        for prefix in prefixes:
            paths = best.get(prefix)
            if not paths:
                installed.pop(prefix, None)
                continue
            via = base[r][PUBLIC] if not paths[0].ebgp else tb
            installed[prefix] = (paths, via, bgp_routes.install(r, name, {prefix: paths}, base))
            for p in paths:
                index.setdefault(p.nexthop, set()).add(prefix)
        self._installed[(r, name)] = installed

        def candidates() -> list[Route]:
            rows = list(tb.candidates)
            for entry in installed.values():
                rows.extend(entry[2])
            return rows

        base_rows = tb.candidates_by_prefix()
        changed = {p: base_rows.get(p, []) + (installed[p][2] if p in installed else [])
                   for p in prefixes | base_moved}
        return Table.patched(name, candidates, old_final, changed)

    def _install(self, r: str, name: str, best: dict[IPv4Network, list[bgp_routes.Path]],
                 base: dict[str, dict[str, Table]]) -> list[Route]:
        """bgp_routes.install, prefix by prefix, reusing the rows of unchanged prefixes."""
        cache = self._installed.get((r, name), {})
        public = base[r].get(PUBLIC)
        table = base[r].get(name)
        fresh: dict[IPv4Network, tuple[list[bgp_routes.Path], Table, list[Route]]] = {}
        index: dict[IPv4Address, set[IPv4Network]] = {}
        rows: list[Route] = []
        for prefix, paths in best.items():
            hit = cache.get(prefix)
            via = public if not paths[0].ebgp else table
            if hit is None or hit[0] is not paths or hit[1] is not via:
                assert via is not None
                hit = (paths, via, bgp_routes.install(r, name, {prefix: paths}, base))
            fresh[prefix] = hit
            rows.extend(hit[2])
            for p in paths:
                index.setdefault(p.nexthop, set()).add(prefix)
        self._installed[(r, name)] = fresh
        self._nh_index[(r, name)] = index
        return rows


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Same inputs: identical objects (configs, tables, port maps), equal values (sets, tuples)."""
    if len(a) != len(b):
        return False
    if all(x is y for x, y in zip(a, b, strict=True)):
        return True
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


def _public_rows(direct: dict[str, list[Route]], statics: list[StaticResult], spf: list[Route]) -> list[Route]:
    rows = list(direct.get(PUBLIC, []))
    rows += [sr.route for sr in statics if sr.route is not None and not sr.config.vpn_instance]
    return rows + spf


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
