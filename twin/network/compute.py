"""One evaluation of the whole network at one instant.

Layers, in dependency order, so a zero time scale converges in a single pass:
links -> BFD -> direct and static routes -> OSPF adjacencies and SPF -> LDP ->
BGP sessions -> BGP exchange -> final routing tables. Session reachability
uses the tables *before* BGP (direct, static, OSPF): the twin does not carry
BGP sessions over BGP-learned routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address

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


def evaluate(
    t: float,
    topology: Topology,
    configs: dict[str, RouterConfig],
    pulled: set[Endpoint],
    timeline: Timeline,
    scale: float,
    memory: BfdMemory,
) -> NetState:
    """Compute the network at time *t*; *timeline* and *memory* persist across calls."""
    timeline.begin(t)
    links = LinkMap(topology, configs, pulled)

    # BFD first: it depends on links only, and static routes track it.
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
    bfd_up: dict[str, set[str]] = {r: set() for r in configs}
    bfd_vpn: dict[str, set[str]] = {r: set() for r in configs}
    for s in bfd_states:
        if s.up:
            bfd_up[s.view.router].add(s.view.cfg.name)
            if s.view.cfg.vpn_instance:
                bfd_vpn[s.view.router].add(s.view.cfg.vpn_instance)

    direct = {r: direct_routes(r, c, links, bfd_vpn[r]) for r, c in configs.items()}
    statics = {r: static_routes(c, direct[r], links, r, bfd_up[r]) for r, c in configs.items()}

    ospf_ifs = ospf.interfaces_by_node(configs, links)
    adjs = ospf.candidate_adjacencies(configs, links, ospf_ifs)
    # The process is part of the key: moving an interface to another process
    # tears its adjacency down and forms a new one.
    ospf_state = [(a, timeline.ready(("ospf", a.router, a.process, a.interface), True, DELAY_OSPF * scale))
                  for a in adjs]
    # An adjacency is Full only when both ends consider it so.
    up_at_end = {(a.router, a.interface, a.process): up for a, up in ospf_state}
    ospf_state = [(a, up and up_at_end.get((a.neighbour, a.neighbour_if, a.neighbour_process), False))
                  for a, up in ospf_state]
    full = [a for a, up in ospf_state if up]
    ospf_routes = ospf.spf_routes(ospf_ifs, full)

    base: dict[str, dict[str, Table]] = {}
    for r in configs:
        tables = {name: Table(name, list(rows)) for name, rows in direct[r].items()}
        for sr in statics[r]:
            if sr.route is not None:
                name = sr.config.vpn_instance or PUBLIC
                tables.setdefault(name, Table(name)).candidates.append(sr.route)
        tables[PUBLIC].candidates.extend(ospf_routes.get(r, []))
        base[r] = tables

    ldp_cands = ldp.candidates(configs, links, base)
    ldp_state = [(p, timeline.ready(("ldp", p.router, p.peer), True, DELAY_LDP * scale)) for p in ldp_cands]
    ldp_up = {(p.router, p.peer) for p, up in ldp_state if up}
    ldp_up = {(a, b) for a, b in ldp_up if (b, a) in ldp_up}
    ldp_state = [(p, (p.router, p.peer) in ldp_up) for p, _ in ldp_state]

    peer_views = bgp_session.peers(configs, links, base)
    peer_state: list[tuple[bgp_session.PeerView, str]] = []
    for pv in peer_views:
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

    active = {r: {n: t_.active() for n, t_ in tabs.items()} for r, tabs in base.items()}
    lsp_memo: dict[tuple[str, IPv4Address], bool] = {}

    def lsp_ok(router: str, dest: IPv4Address) -> bool:
        k = (router, dest)
        if k not in lsp_memo:
            lsp_memo[k] = ldp.has_lsp(router, dest, configs, links, base, ldp_up)
        return lsp_memo[k]

    bgp_res = bgp_routes.exchange(configs, active, established, base, lsp_ok)
    final: dict[str, dict[str, Table]] = {}
    for r, tabs in base.items():
        final[r] = {n: Table(n, list(tb.candidates)) for n, tb in tabs.items()}
    for (r, table), best in bgp_res.best.items():
        rows: list[Route] = bgp_routes.install(r, table, best, base)
        final[r].setdefault(table, Table(table)).candidates.extend(rows)
    timeline.end()
    return NetState(t, configs, links, bfd_states, ospf_state, ldp_state, peer_state, bgp_res, statics, final,
                    base, ldp_up)

