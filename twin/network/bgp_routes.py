"""BGP route exchange: what each router originates, sends, receives and installs.

Why incremental: a PE learns a CE's routes over EBGP, exports them as VPNv4
to its IBGP peers (or its route reflectors, which reflect them to the other
PEs), and those send them to their own CEs. Recomputing that for the whole
network at every evaluation grows with the square of the network (every PE
holds every other PE's routes). :class:`BgpExchange` keeps the RIBs between
evaluations and propagates only changes, prefix by prefix, along the
Established sessions until nothing changes: the work of an evaluation grows
with the routes a change touches (one new CE loopback: one path per router
that learns it), not with the size of the network.

What marks a prefix for re-selection: a changed originated route (the
router's tables or ``import-route``), a changed path received from a peer, a
session going up or down (its routes are sent or withdrawn whole), the
router's BGP configuration changing (its own state is rebuilt from its
Adj-RIBs-In and its sessions re-sent), and a change in how a next hop
resolves (BGP next-hop tracking: the router's public table or the LDP LSPs
changed and a tracked next hop now has another IGP cost or no LSP).

Rules: IBGP-learned paths are not re-advertised to IBGP peers unless the
router reflects them (``peer X reflect-client``): a path from a client goes
to every other peer, one from a non-client only to clients; the reflector
keeps the next hop, sets ORIGINATOR_ID (the router ID of the peer it came
from, unless already set) and prepends its cluster ID (``reflector
cluster-id``, else its router ID) to CLUSTER_LIST. A router drops a path
whose ORIGINATOR_ID is its own router ID; a reflector drops one whose
CLUSTER_LIST holds its own cluster ID. EBGP prepends the sender's AS and
sets the next hop to the sender's address; a receiver drops paths carrying
its own AS. VPNv4 routes carry the VRF's RD and export targets; with
``policy vpn-target`` (the default) a router accepts only routes matching
one of its instances' import targets, and installs them into each matching
instance. IBGP paths are usable only when the next hop resolves in the
public table and (in a VPN instance) an LDP LSP leads to it.

Selection (VRP order, simplified to the attributes the twin has): locally
originated, shortest AS path, lowest MED, EBGP over IBGP, lowest IGP cost to
the next hop, shortest CLUSTER_LIST, lowest originator (ORIGINATOR_ID, else
the advertising router's ID), lowest peer address. ``maximum load-balancing
N`` keeps up to N paths with distinct next hops that tie down to the IGP
cost (best first); with ``load-balancing igp-metric-ignore`` the IGP cost is
not compared for load balancing (the best path is still the cheapest). A
router's VPNv4 table (what a reflector reflects and ``display bgp
vpnv4 all routing-table`` lists) selects per (RD, prefix) by the same rules
among paths whose next hop is reachable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network

from ..config.model import BgpUnicastFamily, BgpVpnv4Family, RouterConfig
from .bgp_session import PeerView, router_id
from .links import PUBLIC
from .rib import PREF, Route, Table

log = logging.getLogger(__name__)

ZERO = IPv4Address("0.0.0.0")
VPNV4 = "vpnv4"

# Bound on the work of one evaluation: a topology that never settles (a
# policy loop the twin does not model) stops here and logs, never hangs.
MAX_STEPS = 5_000_000


@dataclass(frozen=True)
class Path:
    prefix: IPv4Network
    nexthop: IPv4Address
    as_path: tuple[str, ...] = ()
    local: bool = False
    ebgp: bool = False
    peer: IPv4Address | None = None  # address of the peer it came from
    originator: IPv4Address = ZERO  # router ID of the advertising router
    rd: str | None = None
    targets: tuple[str, ...] = ()
    egress: tuple[str, str] | None = None  # (router, vpn instance) it leaves the core at
    source_proto: str = "direct"  # for locally originated: "direct" | "static"
    originator_id: IPv4Address | None = None  # ORIGINATOR_ID, set by the first reflector
    cluster_list: tuple[IPv4Address, ...] = ()  # CLUSTER_LIST, the last reflector first


VpnKey = tuple[str, IPv4Network]  # (RD, prefix): one VPNv4 route
LocKey = tuple[str, str]  # (router, table)
SessionKey = tuple[str, str, IPv4Address]  # receiving side: (router, table, peer address)
Source = tuple[str, IPv4Address, str]  # ("local" | "peer" | "vpn", peer address, RD)
NhKey = tuple[str, IPv4Address, str]  # (table, next hop, "ebgp" | "ibgp" | "vpn" | "vpnv4")

LOCAL: Source = ("local", ZERO, "")


@dataclass
class BgpResult:
    """Per router: best paths per table, received paths per peer, the VPNv4 table.

    ``vpnv4_rib[router][(rd, prefix)]`` lists the router's valid VPNv4 paths,
    best first (its own exports are ``local``); reflected paths carry
    ``originator_id`` and ``cluster_list``.
    """

    best: dict[LocKey, dict[IPv4Network, list[Path]]] = field(default_factory=dict)
    received: dict[SessionKey, list[Path]] = field(default_factory=dict)
    vpnv4_in: dict[tuple[str, IPv4Address], list[Path]] = field(default_factory=dict)
    sent: dict[tuple[str, str, IPv4Address], int] = field(default_factory=dict)
    vpnv4_rib: dict[str, dict[VpnKey, list[Path]]] = field(default_factory=dict)


def originated(router: str, cfg: RouterConfig, table: str, rows: list[Route]) -> list[Path]:
    """``import-route direct|static`` of the family bound to *table*."""
    bgp = cfg.bgp
    assert bgp is not None
    imports = bgp.unicast.import_routes if table == PUBLIC else bgp.vrfs[table].import_routes
    rid = router_id(cfg)
    out: list[Path] = []
    seen: set[IPv4Network] = set()
    for proto in imports:
        for r in rows:
            if r.prefix in seen or r.interface == "InLoopBack0":
                continue
            direct = proto == "direct" and r.proto == "Direct" and (
                r.kind == "connected" or (r.interface.startswith("LoopBack") and r.prefix.prefixlen == 32)
            )
            static = proto == "static" and r.proto == "Static"
            if direct or static:
                seen.add(r.prefix)
                out.append(Path(r.prefix, ZERO, local=True, originator=rid, source_proto=proto))
    return out


def vrf_tables(cfg: RouterConfig) -> list[str]:
    """VPN instances with a BGP family on this router (the tables BGP serves besides public)."""
    bgp = cfg.bgp
    return [v for v in bgp.vrfs if v in cfg.vpn_instances] if bgp else []


def cluster_id(cfg: RouterConfig, family: BgpUnicastFamily | BgpVpnv4Family) -> IPv4Address:
    """The reflector's cluster ID: configured (a number is read as a dotted quad), else the router ID."""
    if family.cluster_id is not None:
        cid = family.cluster_id
        return IPv4Address(int(cid)) if cid.isdigit() else IPv4Address(cid)
    return router_id(cfg)


@dataclass(frozen=True)
class Session:
    """One direction of an Established session: *tx* sends, *rx* receives."""

    rx: PeerView
    tx: PeerView

    @property
    def key(self) -> SessionKey:
        return (self.rx.router, self.rx.table, self.rx.address)


class _Router:
    """One router's BGP state between evaluations."""

    def __init__(self, name: str, cfg: RouterConfig) -> None:
        self.name = name
        self.cfg = cfg
        self.rid = router_id(cfg)
        self.vrfs = vrf_tables(cfg)
        self.tables: dict[str, Table] = {}  # base tables seen at the last evaluation
        self.origin: dict[str, dict[IPv4Network, Path]] = {}
        self.cands: dict[str, dict[IPv4Network, dict[Source, Path]]] = {}
        self.loc: dict[str, dict[IPv4Network, list[Path]]] = {}
        self.vpn_cands: dict[VpnKey, dict[Source, Path]] = {}
        self.vpn_loc: dict[VpnKey, list[Path]] = {}
        self.exports: dict[tuple[str, IPv4Network], Path] = {}  # (VRF, prefix) -> own VPNv4 route
        self.nh_cost: dict[NhKey, int | None] = {}
        self.nh_users: dict[NhKey, set[tuple[str, object]]] = {}  # -> {(table, prefix) | (VPNV4, VpnKey)}
        self.nh_by_addr: dict[IPv4Address, set[NhKey]] = {}

    # configuration-derived facts
    def bgp_tables(self) -> list[str]:
        return [PUBLIC, *self.vrfs] if self.cfg.bgp is not None else []

    def family(self, name: str) -> BgpUnicastFamily | BgpVpnv4Family | None:
        bgp = self.cfg.bgp
        if bgp is None:
            return None
        return bgp.unicast if name != VPNV4 else bgp.vpnv4

    def exports_keys(self) -> list[VpnKey]:
        return [(p.rd, prefix) for (_table, prefix), p in self.exports.items() if p.rd is not None]

    def wanted_targets(self) -> set[str]:
        return {t for v in self.cfg.vpn_instances.values() for t in v.import_targets}

    def policy_vpn_target(self) -> bool:
        bgp = self.cfg.bgp
        return bgp is None or bgp.vpnv4 is None or bgp.vpnv4.policy_vpn_target


def _bgp_signature(cfg: RouterConfig) -> tuple[object, ...]:
    """Everything of a configuration the exchange reads besides the tables."""
    return (cfg.bgp, cfg.vpn_instances, router_id(cfg))


class BgpExchange:
    """The network's BGP RIBs, kept between evaluations and updated by :meth:`step`."""

    def __init__(self) -> None:
        self.routers: dict[str, _Router] = {}
        self.sessions: dict[SessionKey, Session] = {}
        self.out_unicast: dict[LocKey, set[SessionKey]] = {}
        self.out_vpn: dict[str, set[SessionKey]] = {}
        self.adj_in: dict[SessionKey, dict[IPv4Network, Path]] = {}
        self.vpn_in: dict[tuple[str, IPv4Address], dict[VpnKey, Path]] = {}
        self._dirty_loc: set[tuple[str, str, IPv4Network]] = set()
        self._dirty_vpn: set[tuple[str, VpnKey]] = set()
        self._sends: set[tuple[SessionKey, str, object]] = set()  # (session, family, prefix | VpnKey)
        self._lsp_ok: Callable[[str, IPv4Address], bool] = lambda r, a: False
        self._result = BgpResult()
        self._touched_in: set[SessionKey] = set()
        self._touched_vpn: set[tuple[str, IPv4Address]] = set()
        self._sessions_changed = False
        self.changed_tables: set[LocKey] = set()  # (router, table) whose best paths changed in the last step
        self.changed_prefixes: dict[LocKey, set[IPv4Network]] = {}  # ... and which prefixes
        self.steps = 0  # work of the last step (selections + sends), for benchmarks

    # ------------------------------------------------------------ evaluation
    def step(
        self,
        configs: dict[str, RouterConfig],
        tables: dict[str, dict[str, Table]],
        established: list[PeerView],
        lsp_ok: Callable[[str, IPv4Address], bool],
        lsp_flips: set[tuple[str, IPv4Address]],
        public_hints: dict[str, set[IPv4Network]] | None = None,
    ) -> BgpResult:
        """Bring the RIBs up to date with the configs, base tables and sessions of this evaluation.

        *lsp_flips*: (router, destination) whose LSP appeared or vanished;
        *public_hints*: for a router whose public table changed only in some
        networks (an SPF update), those networks (next hops elsewhere resolve
        as before).
        """
        self._lsp_ok = lsp_ok
        self.changed_tables = set()
        self.changed_prefixes = {}
        self.steps = 0
        self._sync_routers(configs)
        self._sync_tables(tables, public_hints or {})
        for router, dest in lsp_flips:
            st = self.routers.get(router)
            if st is not None:
                self._refresh_nexthops(st, [(PUBLIC, dest, "vpn")])
        self._sessions_changed = False
        self._sync_sessions(established)
        self._run()
        if not (self.changed_tables or self._touched_in or self._touched_vpn or self._sessions_changed):
            return self._result  # nothing moved: the previous result still holds
        return self._snapshot()

    # ------------------------------------------------------------ inputs
    def _sync_routers(self, configs: dict[str, RouterConfig]) -> None:
        for name in [n for n in self.routers if n not in configs]:
            st = self.routers.pop(name)
            for table in list(st.loc):
                self._drop_table(st, table)
        for name, cfg in configs.items():
            known = self.routers.get(name)
            if known is None:
                self.routers[name] = _Router(name, cfg)
                continue
            st = known
            if st.cfg is cfg:
                continue
            old_sig = _bgp_signature(st.cfg)
            st.cfg = cfg
            if _bgp_signature(cfg) != old_sig:
                self._reset_router(st)

    def _reset_router(self, st: _Router) -> None:
        """The router's BGP configuration changed: rebuild its state from its Adj-RIBs-In."""
        st.rid = router_id(st.cfg)
        st.vrfs = vrf_tables(st.cfg)
        keep = set(st.bgp_tables())
        for table in [t for t in st.loc if t not in keep]:
            self._drop_table(st, table)
        for table in keep:
            self._originate(st, table)
            self._rebuild_candidates(st, table)
            for prefix in st.cands.get(table, {}):
                self._dirty_loc.add((st.name, table, prefix))
            for prefix in st.loc.get(table, {}):
                self._dirty_loc.add((st.name, table, prefix))
        for table, prefix in list(st.exports):
            self._export(st, table, prefix)  # RD, targets or the instance itself may have changed
        for table in keep - {PUBLIC}:
            for prefix in st.loc.get(table, {}):
                self._export(st, table, prefix)
        for key in list(st.vpn_cands) + list(st.vpn_loc):
            self._dirty_vpn.add((st.name, key))
        # What this router sends, and what its peers send it (its policy and
        # loop checks decide), is re-evaluated whole.
        for skey, s in self.sessions.items():
            if s.tx.router == st.name or s.rx.router == st.name:
                self._resend(skey)

    def _drop_table(self, st: _Router, table: str) -> None:
        for prefix in list(st.loc.get(table, {})):
            self._set_loc(st, table, prefix, None)
        st.loc.pop(table, None)
        st.cands.pop(table, None)
        st.origin.pop(table, None)

    def _sync_tables(self, tables: dict[str, dict[str, Table]], hints: dict[str, set[IPv4Network]]) -> None:
        for name, st in self.routers.items():
            mine = tables.get(name, {})
            if st.tables is mine:
                continue
            old = st.tables
            st.tables = mine
            changed = {t for t in set(old) | set(mine) if old.get(t) is not mine.get(t)}
            if not changed:
                continue
            for table in changed & set(st.bgp_tables()):
                self._originate(st, table)
            keys: list[NhKey] = [k for k in st.nh_cost if k[0] in changed and k[0] != PUBLIC]
            if PUBLIC in changed:
                hint = hints.get(name)
                if hint is None:
                    keys += [k for k in st.nh_cost if k[0] == PUBLIC]
                else:  # only next hops inside the networks that changed can resolve differently
                    for net in hint:
                        if net.prefixlen == 32:
                            keys += st.nh_by_addr.get(net.network_address, ())
                        else:
                            keys += [k for a, ks in st.nh_by_addr.items() if a in net for k in ks]
            self._refresh_nexthops(st, keys)

    def _originate(self, st: _Router, table: str) -> None:
        cfg = st.cfg
        base = st.tables.get(table)
        bgp = cfg.bgp
        imports = (bgp.unicast.import_routes if table == PUBLIC else bgp.vrfs[table].import_routes) if bgp else []
        rows = base.active() if base is not None and imports else []
        new = {p.prefix: p for p in originated(st.name, cfg, table, rows)} if bgp is not None else {}
        old = st.origin.get(table, {})
        if new == old:
            return
        st.origin[table] = new
        for prefix in set(old) | set(new):
            if old.get(prefix) != new.get(prefix):
                self._set_cand(st, table, prefix, LOCAL, new.get(prefix))

    def _rebuild_candidates(self, st: _Router, table: str) -> None:
        """Candidates of one table from scratch: origin, Adj-RIBs-In, imported VPNv4 routes."""
        old = st.cands.get(table, {})
        for prefix, srcs in list(old.items()):
            for src in list(srcs):
                self._set_cand(st, table, prefix, src, None)
        for prefix, p in st.origin.get(table, {}).items():
            self._set_cand(st, table, prefix, LOCAL, p)
        for skey, received in self.adj_in.items():
            if skey[0] == st.name and skey[1] == table:
                for prefix, p in received.items():
                    self._set_cand(st, table, prefix, ("peer", skey[2], ""), p)
        if table != PUBLIC and table in st.cfg.vpn_instances:
            imports = set(st.cfg.vpn_instances[table].import_targets)
            for (rname, peer), vpn_paths in self.vpn_in.items():
                if rname == st.name:
                    for (rd, vprefix), vp in vpn_paths.items():
                        if imports & set(vp.targets):
                            self._set_cand(st, table, vprefix, ("vpn", peer, rd), vp)

    def _sync_sessions(self, established: list[PeerView]) -> None:
        by_key = {(p.router, p.table, p.address): p for p in established}
        new: dict[SessionKey, Session] = {}
        for rx in established:
            if rx.remote is None or rx.source is None:
                continue
            tx = by_key.get((rx.remote[0], rx.remote[1], rx.source))
            if tx is None or tx.source is None:
                continue
            new[(rx.router, rx.table, rx.address)] = Session(rx, tx)

        def same(old: Session, now: Session | None) -> bool:
            return now is not None and ((old.rx is now.rx and old.tx is now.tx) or old == now)

        for skey in [k for k, s in self.sessions.items() if not same(s, new.get(k))]:
            self._close(skey)
        for skey, s in new.items():
            if skey not in self.sessions:
                self._open(s)

    def _open(self, s: Session) -> None:
        self._sessions_changed = True
        skey = s.key
        self.sessions[skey] = s
        if "unicast" in s.rx.families:
            self.out_unicast.setdefault((s.tx.router, s.tx.table), set()).add(skey)
        if VPNV4 in s.rx.families:
            self.out_vpn.setdefault(s.tx.router, set()).add(skey)
        self._resend(skey)

    def _close(self, skey: SessionKey) -> None:
        self._sessions_changed = True
        s = self.sessions.pop(skey)
        self.out_unicast.get((s.tx.router, s.tx.table), set()).discard(skey)
        self.out_vpn.get(s.tx.router, set()).discard(skey)
        rx = self.routers.get(s.rx.router)
        for prefix in list(self.adj_in.get(skey, {})):
            self._receive_unicast(skey, s, rx, prefix, None)
        self.adj_in.pop(skey, None)
        vkey = (s.rx.router, s.rx.address)
        for key in list(self.vpn_in.get(vkey, {})):
            self._receive_vpn(s, rx, key, None)
        self.vpn_in.pop(vkey, None)

    def _resend(self, skey: SessionKey) -> None:
        s = self.sessions[skey]
        tx = self.routers.get(s.tx.router)
        if tx is None:
            return
        if "unicast" in s.rx.families:
            for prefix in set(tx.loc.get(s.tx.table, {})) | set(self.adj_in.get(skey, {})):
                self._sends.add((skey, "unicast", prefix))
        if VPNV4 in s.rx.families:
            mine = set(tx.vpn_loc) if _reflector(tx, VPNV4) else set(tx.exports_keys())
            for key in mine | set(self.vpn_in.get((s.rx.router, s.rx.address), {})):
                self._sends.add((skey, VPNV4, key))

    # ------------------------------------------------------------ next hops
    def _cost(self, st: _Router, key: NhKey) -> int | None:
        if key not in st.nh_cost:
            st.nh_cost[key] = self._resolve(st, key)
            st.nh_by_addr.setdefault(key[1], set()).add(key)
        return st.nh_cost[key]

    def _resolve(self, st: _Router, key: NhKey) -> int | None:
        table, nexthop, kind = key
        if kind == "ebgp":
            base = st.tables.get(table)
            rows = base.lookup(nexthop) if base is not None else []
            return 0 if any(r.kind == "connected" for r in rows) else None
        public = st.tables.get(PUBLIC)
        rows = public.lookup(nexthop) if public is not None else []
        if not rows:
            return None
        if kind == "vpn" and not self._lsp_ok(st.name, nexthop):
            return None
        return rows[0].cost

    def _refresh_nexthops(self, st: _Router, keys: Iterable[NhKey]) -> None:
        for key in set(keys):
            if key not in st.nh_cost:
                continue
            old = st.nh_cost[key]
            new = self._resolve(st, key)
            if new == old:
                continue
            st.nh_cost[key] = new
            for table, item in st.nh_users.get(key, ()):
                if table == VPNV4:
                    self._dirty_vpn.add((st.name, item))  # type: ignore[arg-type]
                else:
                    self._dirty_loc.add((st.name, table, item))  # type: ignore[arg-type]

    @staticmethod
    def _nh_key(table: str, p: Path) -> NhKey | None:
        if p.local:
            return None
        if p.ebgp:
            return (table, p.nexthop, "ebgp")
        return (PUBLIC, p.nexthop, "vpn" if p.rd is not None else "ibgp")

    # ------------------------------------------------------------ candidates
    def _set_cand(self, st: _Router, table: str, prefix: IPv4Network, src: Source, p: Path | None) -> None:
        cands = st.cands.setdefault(table, {})
        srcs = cands.get(prefix)
        if p is None:
            if srcs is None or src not in srcs:
                return
            del srcs[src]
            if not srcs:
                del cands[prefix]
        else:
            if srcs is not None and srcs.get(src) == p:
                return
            cands.setdefault(prefix, {})[src] = p
            key = self._nh_key(table, p)
            if key is not None:
                st.nh_users.setdefault(key, set()).add((table, prefix))
        self._dirty_loc.add((st.name, table, prefix))

    def _set_vpn_cand(self, st: _Router, key: VpnKey, src: Source, p: Path | None) -> None:
        srcs = st.vpn_cands.get(key)
        if p is None:
            if srcs is None or src not in srcs:
                return
            del srcs[src]
            if not srcs:
                del st.vpn_cands[key]
        else:
            if srcs is not None and srcs.get(src) == p:
                return
            st.vpn_cands.setdefault(key, {})[src] = p
            if not p.local:
                st.nh_users.setdefault((PUBLIC, p.nexthop, VPNV4), set()).add((VPNV4, key))
        self._dirty_vpn.add((st.name, key))

    # ------------------------------------------------------------ selection
    def _rank(self, st: _Router, table: str, p: Path, kind: str | None = None) -> tuple[int, ...] | None:
        if p.local:
            cost = 0
        else:
            nh = (PUBLIC, p.nexthop, kind) if kind is not None else self._nh_key(table, p)
            assert nh is not None
            c = self._cost(st, nh)
            if c is None:
                return None
            cost = c
        return (0 if p.local else 1, len(p.as_path), 0, 0 if p.ebgp else 1, cost, len(p.cluster_list),
                int(p.originator_id or p.originator), int(p.peer or ZERO))

    def _select(self, st: _Router, table: str, prefix: IPv4Network) -> list[Path] | None:
        cands = st.cands.get(table, {}).get(prefix)
        if not cands:
            return None
        ranked: list[tuple[tuple[int, ...], str, Path]] = []
        for p in cands.values():
            rank = self._rank(st, table, p)
            if rank is not None:
                ranked.append((rank, p.rd or "", p))
        if not ranked:
            return None
        ranked.sort(key=lambda x: (x[0], x[1]))
        first = ranked[0][2]
        if first.local:
            return [first]
        limit = 1
        width = 5  # multipath: paths that tie with the best down to the IGP cost
        bgp = st.cfg.bgp
        if table != PUBLIC and bgp is not None and table in bgp.vrfs:
            vrf = bgp.vrfs[table]
            limit = vrf.maximum_load_balancing or 1
            if vrf.load_balancing_igp_metric_ignore:
                width = 4  # ... or, with "load-balancing igp-metric-ignore", whatever their IGP cost
        best = ranked[0][0][:width]
        chosen: list[Path] = []
        hops: set[IPv4Address] = set()
        for rank, _rd, p in ranked:
            if rank[:width] != best or p.local or p.nexthop in hops:
                continue  # one path per next hop: copies of one route from two reflectors are not ECMP
            chosen.append(p)
            hops.add(p.nexthop)
            if len(chosen) == limit:
                break
        return chosen

    def _select_vpn(self, st: _Router, key: VpnKey) -> list[Path] | None:
        cands = st.vpn_cands.get(key)
        if not cands:
            return None
        ranked = []
        for p in cands.values():
            rank = self._rank(st, PUBLIC, p, VPNV4)
            if rank is not None:
                ranked.append((rank, p))
        if not ranked:
            return None
        ranked.sort(key=lambda x: x[0])
        return [p for _r, p in ranked]

    def _set_loc(self, st: _Router, table: str, prefix: IPv4Network, paths: list[Path] | None) -> None:
        loc = st.loc.setdefault(table, {})
        if (st.name, table) not in self.changed_tables:
            loc = st.loc[table] = dict(loc)  # copy on write: earlier results keep their dicts
            self.changed_tables.add((st.name, table))
        if paths is None:
            loc.pop(prefix, None)
        else:
            loc[prefix] = paths
        self.changed_prefixes.setdefault((st.name, table), set()).add(prefix)
        for skey in self.out_unicast.get((st.name, table), ()):
            self._sends.add((skey, "unicast", prefix))
        if table != PUBLIC:
            self._export(st, table, prefix)

    def _export(self, st: _Router, table: str, prefix: IPv4Network) -> None:
        """Own VPNv4 route for one VRF prefix: its best path, when local or EBGP-learned,
        with the instance's RD and export targets."""
        inst = st.cfg.vpn_instances.get(table)
        new = None
        if inst is not None and inst.route_distinguisher and table in st.vrfs:
            paths = st.loc.get(table, {}).get(prefix)
            p = paths[0] if paths else None
            if p is not None and (p.local or p.ebgp):
                new = Path(prefix, ZERO, p.as_path, True, False, None, st.rid, inst.route_distinguisher,
                           tuple(inst.export_targets), (st.name, table))
        old = st.exports.get((table, prefix))
        if old == new:
            return
        if old is not None and (new is None or old.rd != new.rd):
            assert old.rd is not None
            self._set_vpn_cand(st, (old.rd, prefix), LOCAL, None)
        if new is None:
            st.exports.pop((table, prefix), None)
        else:
            assert new.rd is not None
            st.exports[(table, prefix)] = new
            self._set_vpn_cand(st, (new.rd, prefix), LOCAL, new)

    # ------------------------------------------------------------ sending
    def _unicast_out(self, s: Session, tx: _Router, rx: _Router, prefix: IPv4Network) -> Path | None:
        paths = tx.loc.get(s.tx.table, {}).get(prefix)
        if not paths:
            return None
        p = paths[0]
        if p.peer is not None and p.peer == s.tx.address:
            return None  # never back to where it came from
        ebgp = s.rx.ebgp
        originator_id, clusters, nexthop = p.originator_id, p.cluster_list, s.tx.source
        if not p.local and not p.ebgp and not ebgp:
            fam = tx.family("unicast")
            if fam is None or not _may_reflect(fam.reflect_clients, p.peer, s.tx.address):
                return None  # IBGP-learned paths stay off IBGP sessions unless reflected
            originator_id = p.originator_id or p.originator
            clusters = (cluster_id(tx.cfg, fam), *p.cluster_list)
            nexthop = p.nexthop  # a reflector keeps the next hop
        as_path = p.as_path
        if ebgp:
            as_path = (s.tx.local_as, *as_path)
            if s.rx.local_as in as_path:
                return None
            originator_id, clusters = None, ()  # not carried across AS borders
        if not _accepts(rx, "unicast", originator_id, clusters):
            return None
        assert nexthop is not None
        return Path(prefix, nexthop, as_path, False, ebgp, s.rx.address, tx.rid,
                    originator_id=originator_id, cluster_list=clusters)

    def _vpn_out(self, s: Session, tx: _Router, rx: _Router, key: VpnKey) -> Path | None:
        paths = tx.vpn_loc.get(key)
        if not paths:
            return None
        p = paths[0]
        if rx.policy_vpn_target() and not (rx.wanted_targets() & set(p.targets)):
            return None
        assert s.tx.source is not None
        if p.local:
            return replace(p, nexthop=s.tx.source, local=False, peer=s.rx.address, originator=tx.rid)
        fam = tx.family(VPNV4)
        if p.peer == s.tx.address or fam is None or not _may_reflect(fam.reflect_clients, p.peer, s.tx.address):
            return None
        originator_id = p.originator_id or p.originator
        clusters = (cluster_id(tx.cfg, fam), *p.cluster_list)
        if not _accepts(rx, VPNV4, originator_id, clusters):
            return None
        return replace(p, peer=s.rx.address, originator=tx.rid, originator_id=originator_id, cluster_list=clusters)

    def _receive_unicast(self, skey: SessionKey, s: Session, rx: _Router | None, prefix: IPv4Network,
                         p: Path | None) -> None:
        store = self.adj_in.setdefault(skey, {})
        if store.get(prefix) == p:
            return
        if p is None:
            store.pop(prefix, None)
        else:
            store[prefix] = p
        self._touched_in.add(skey)
        if rx is not None:
            self._set_cand(rx, s.rx.table, prefix, ("peer", s.rx.address, ""), p)

    def _receive_vpn(self, s: Session, rx: _Router | None, key: VpnKey, p: Path | None) -> None:
        vkey = (s.rx.router, s.rx.address)
        store = self.vpn_in.setdefault(vkey, {})
        old = store.get(key)
        if old == p:
            return
        if p is None:
            store.pop(key, None)
        else:
            store[key] = p
        self._touched_vpn.add(vkey)
        if rx is None:
            return
        src: Source = ("vpn", s.rx.address, key[0])
        self._set_vpn_cand(rx, key, src, p)
        targets = set(p.targets if p is not None else ()) | set(old.targets if old is not None else ())
        for table in rx.vrfs:
            imports = set(rx.cfg.vpn_instances[table].import_targets)
            if imports & targets:
                self._set_cand(rx, table, key[1], src, p if p is not None and imports & set(p.targets) else None)

    # ------------------------------------------------------------ the work loop
    def _run(self) -> None:
        while self._dirty_loc or self._dirty_vpn or self._sends:
            if self.steps > MAX_STEPS:
                log.error("BGP exchange did not settle after %d steps; state left as it is", self.steps)
                self._dirty_loc.clear()
                self._dirty_vpn.clear()
                self._sends.clear()
                return
            while self._dirty_loc:
                name, table, prefix = self._dirty_loc.pop()
                st = self.routers.get(name)
                if st is None:
                    continue
                self.steps += 1
                new = self._select(st, table, prefix)
                if st.loc.get(table, {}).get(prefix) != new:
                    self._set_loc(st, table, prefix, new)
            while self._dirty_vpn:
                name, key = self._dirty_vpn.pop()
                st = self.routers.get(name)
                if st is None:
                    continue
                self.steps += 1
                vnew = self._select_vpn(st, key)
                if st.vpn_loc.get(key) != vnew:
                    self._set_vpn_loc(st, key, vnew)
            sends, self._sends = self._sends, set()
            for skey, family, item in sends:
                s = self.sessions.get(skey)
                if s is None:
                    continue
                tx, rx = self.routers.get(s.tx.router), self.routers.get(s.rx.router)
                if tx is None or rx is None:
                    continue
                if (family if family == VPNV4 else "unicast") not in s.rx.families:
                    continue  # queued for a session that came back with other families
                self.steps += 1
                if family == "unicast":
                    assert isinstance(item, IPv4Network)
                    self._receive_unicast(skey, s, rx, item, self._unicast_out(s, tx, rx, item))
                else:
                    vkey: VpnKey = item  # type: ignore[assignment]
                    self._receive_vpn(s, rx, vkey, self._vpn_out(s, tx, rx, vkey))

    def _set_vpn_loc(self, st: _Router, key: VpnKey, paths: list[Path] | None) -> None:
        if (st.name, VPNV4) not in self.changed_tables:
            st.vpn_loc = dict(st.vpn_loc)  # copy on write
            self.changed_tables.add((st.name, VPNV4))
        old = st.vpn_loc.get(key)
        if paths is None:
            st.vpn_loc.pop(key, None)
        else:
            st.vpn_loc[key] = paths
        # A router advertises its own VPNv4 routes; other routers' only when it reflects.
        if (old and old[0].local) or (paths and paths[0].local) or _reflector(st, VPNV4):
            for skey in self.out_vpn.get(st.name, ()):
                self._sends.add((skey, VPNV4, key))

    # ------------------------------------------------------------ result
    def _snapshot(self) -> BgpResult:
        """This evaluation's result; unchanged parts are shared with the previous one."""
        prev = self._result
        res = BgpResult()
        res.best = {(n, t): loc for n, st in self.routers.items() for t, loc in st.loc.items()}
        for n, st in self.routers.items():
            for t in st.bgp_tables():
                res.best.setdefault((n, t), {})
        res.received = {k: (list(v.values()) if k in self._touched_in or k not in prev.received
                            else prev.received[k]) for k, v in self.adj_in.items() if k in self.sessions}
        vkeys = {(s.rx.router, s.rx.address) for s in self.sessions.values() if VPNV4 in s.rx.families}
        res.vpnv4_in = {k: (list(v.values()) if k in self._touched_vpn or k not in prev.vpnv4_in
                            else prev.vpnv4_in[k]) for k, v in self.vpn_in.items() if k in vkeys}
        for skey, s in self.sessions.items():
            if "unicast" in s.rx.families:
                res.received.setdefault(skey, [])
                res.sent[(s.tx.router, s.tx.table, s.tx.address)] = len(self.adj_in.get(skey, {}))
            if VPNV4 in s.rx.families:
                res.vpnv4_in.setdefault((s.rx.router, s.rx.address), [])
                res.sent[(s.tx.router, VPNV4, s.tx.address)] = len(self.vpn_in.get((s.rx.router, s.rx.address), {}))
        res.vpnv4_rib = {n: st.vpn_loc for n, st in self.routers.items()}
        self._touched_in, self._touched_vpn = set(), set()
        self._result = res
        return res


def _reflector(st: _Router, family: str) -> bool:
    fam = st.family(family)
    return fam is not None and bool(fam.reflect_clients)


def _may_reflect(clients: list[IPv4Address], learned_from: IPv4Address | None, to: IPv4Address) -> bool:
    """Reflection rule: from a client to every peer, from a non-client to clients only."""
    if not clients:
        return False
    return learned_from in clients or to in clients


def _accepts(rx: _Router, family: str, originator_id: IPv4Address | None,
             clusters: tuple[IPv4Address, ...]) -> bool:
    """Loop prevention at the receiver: its own ORIGINATOR_ID, or (a reflector) its own cluster ID."""
    if originator_id is not None and originator_id == rx.rid:
        return False
    fam = rx.family(family)
    return not (clusters and fam is not None and fam.reflect_clients and cluster_id(rx.cfg, fam) in clusters)


def install(
    router: str, table: str, best: dict[IPv4Network, list[Path]], base: dict[str, dict[str, Table]]
) -> list[Route]:
    """Routing-table rows for the BGP paths that are not locally originated.

    twin's choice: rows of a multipath route are listed by descending BGP next
    hop (the reference's PE3 lists 3.3.3.3 before 2.2.2.2; VRP's rule is
    undocumented).
    """
    rows: list[Route] = []
    for prefix, paths in best.items():
        if paths[0].local:
            continue
        for p in sorted(paths, key=lambda x: int(x.nexthop), reverse=True):
            if p.ebgp:
                via = [r for r in base[router][table].lookup(p.nexthop) if r.kind == "connected"]
                rows.extend(Route(prefix, "EBGP", PREF["EBGP"], 0, "D", p.nexthop, r.interface, "ip",
                                  as_path=p.as_path) for r in via[:1])
                continue
            for r in base[router][PUBLIC].lookup(p.nexthop):
                kind = "vpn" if p.rd is not None else "ip"
                rows.append(Route(prefix, "IBGP", PREF["IBGP"], 0, "RD", p.nexthop, r.interface, kind,
                                  egress=p.egress, as_path=p.as_path))
    return rows

