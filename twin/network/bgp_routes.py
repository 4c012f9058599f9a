"""BGP route exchange: what each router originates, sends, receives and installs.

Why iterate: a PE learns a CE's routes over EBGP, exports them as VPNv4 to the
other PEs, which send them to their own CEs; the exchange is repeated until
nothing changes (a few rounds for any loop-free topology).

Rules: IBGP-learned paths are not re-advertised to IBGP peers (full mesh, no
reflection); EBGP prepends the sender's AS and sets the next hop to the
sender's address; a receiver drops paths carrying its own AS. VPNv4 routes
carry the VRF's RD and export targets; with ``policy vpn-target`` a PE keeps
only routes matching one of its instances' import targets and installs them
into each matching instance. IBGP paths are usable only when the next hop
resolves in the public table and (VPNv4) an LDP LSP leads to it.

Selection (VRP order, simplified to the attributes the twin has): locally
originated, highest local preference, shortest AS path, lowest MED, EBGP over
IBGP, lowest IGP cost to the next hop, lowest originator router ID, lowest
peer address. ``maximum load-balancing N`` keeps up to N paths that tie down to
the IGP cost (best first); with ``load-balancing igp-metric-ignore`` the IGP
cost is not compared for load balancing (the best path is still the cheapest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Callable

from ..config.model import RouterConfig
from .bgp_session import PeerView, router_id
from .links import PUBLIC
from .rib import PREF, Route, Table

ZERO = IPv4Address("0.0.0.0")


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


@dataclass
class BgpResult:
    """Per router: best paths per table, received counts per peer, VPNv4 received."""

    best: dict[tuple[str, str], dict[IPv4Network, list[Path]]] = field(default_factory=dict)
    received: dict[tuple[str, str, IPv4Address], list[Path]] = field(default_factory=dict)
    vpnv4_in: dict[tuple[str, IPv4Address], list[Path]] = field(default_factory=dict)
    sent: dict[tuple[str, str, IPv4Address], int] = field(default_factory=dict)
    local_vpnv4: dict[str, list[Path]] = field(default_factory=dict)


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


def _vrf_tables(cfg: RouterConfig) -> list[str]:
    bgp = cfg.bgp
    return [v for v in bgp.vrfs if v in cfg.vpn_instances] if bgp else []


def exchange(
    configs: dict[str, RouterConfig],
    active: dict[str, dict[str, list[Route]]],
    established: list[PeerView],
    base: dict[str, dict[str, Table]],
    lsp_ok: Callable[[str, IPv4Address], bool],
) -> BgpResult:
    """Run the exchange to a fixed point over the Established sessions."""
    origin: dict[tuple[str, str], list[Path]] = {}
    for router, cfg in configs.items():
        if cfg.bgp is None:
            continue
        for table in [PUBLIC] + _vrf_tables(cfg):
            origin[(router, table)] = originated(router, cfg, table, active[router].get(table, []))
    by_key = {(p.router, p.table, p.address): p for p in established}
    res = BgpResult()
    for _round in range(2 * len(configs) + 2):
        res.best = {k: _select(k, v, res, configs, base, lsp_ok) for k, v in origin.items()}
        received, vpnv4_in, sent = _send(configs, established, by_key, res)
        if received == res.received and vpnv4_in == res.vpnv4_in:
            res.sent = sent
            break
        res.received, res.vpnv4_in, res.sent = received, vpnv4_in, sent
    res.best = {k: _select(k, v, res, configs, base, lsp_ok) for k, v in origin.items()}
    return res


def _candidates(key: tuple[str, str], local: list[Path], res: BgpResult, configs: dict[str, RouterConfig]) -> list[Path]:
    router, table = key
    cands = list(local)
    for (r, t, _peer), paths in res.received.items():
        if r == router and t == table:
            cands.extend(paths)
    if table != PUBLIC:
        imports = set(configs[router].vpn_instances[table].import_targets)
        for (r, _peer), paths in res.vpnv4_in.items():
            if r == router:
                cands.extend(p for p in paths if imports & set(p.targets))
    return cands


def _select(
    key: tuple[str, str],
    local: list[Path],
    res: BgpResult,
    configs: dict[str, RouterConfig],
    base: dict[str, dict[str, Table]],
    lsp_ok: Callable[[str, IPv4Address], bool],
) -> dict[IPv4Network, list[Path]]:
    router, table = key
    cfg = configs[router]
    public = base[router][PUBLIC]

    def igp_cost(p: Path) -> int | None:
        if p.local:
            return 0
        if p.ebgp:
            rows = base[router][table].lookup(p.nexthop) if table in base[router] else []
            return 0 if any(r.kind == "connected" for r in rows) else None
        rows = public.lookup(p.nexthop)
        if not rows:
            return None
        if p.rd is not None and not lsp_ok(router, p.nexthop):
            return None
        return rows[0].cost

    groups: dict[IPv4Network, list[tuple[tuple, Path]]] = {}
    for p in _candidates(key, local, res, configs):
        cost = igp_cost(p)
        if cost is None:
            continue
        rank = (0 if p.local else 1, len(p.as_path), 0, 0 if p.ebgp else 1, cost)
        groups.setdefault(p.prefix, []).append((rank + (int(p.originator), int(p.peer or ZERO)), p))
    limit = 1
    width = 5  # multipath: paths that tie with the best down to the IGP cost
    vrf = cfg.bgp.vrfs.get(table) if table != PUBLIC and cfg.bgp else None
    if vrf is not None:
        limit = vrf.maximum_load_balancing or 1
        if vrf.load_balancing_igp_metric_ignore:
            width = 4  # ... or, with "load-balancing igp-metric-ignore", whatever their IGP cost
    out: dict[IPv4Network, list[Path]] = {}
    for prefix, ranked in groups.items():
        ranked.sort(key=lambda x: x[0])
        best_rank = ranked[0][0][:width]
        chosen = [p for r, p in ranked if r[:width] == best_rank and not p.local][:limit] if not ranked[0][1].local else []
        out[prefix] = chosen or [ranked[0][1]]
    return out


def _send(
    configs: dict[str, RouterConfig],
    established: list[PeerView],
    by_key: dict[tuple[str, str, IPv4Address], PeerView],
    res: BgpResult,
) -> tuple[dict, dict, dict]:
    """What each Established session delivers to each side this round."""
    received: dict[tuple[str, str, IPv4Address], list[Path]] = {}
    vpnv4_in: dict[tuple[str, IPv4Address], list[Path]] = {}
    sent: dict[tuple[str, str, IPv4Address], int] = {}
    for rx in established:
        # rx receives from its peer; tx is the far side's view of the session.
        assert rx.remote is not None and rx.source is not None
        tx = by_key.get((rx.remote[0], rx.remote[1], rx.source))
        if tx is None or tx.source is None:
            continue
        rx_cfg, tx_cfg = configs[rx.router], configs[tx.router]
        ebgp = rx.ebgp
        tx_rid = router_id(tx_cfg)
        if "unicast" in rx.families:
            out = []
            for paths in res.best.get((tx.router, tx.table), {}).values():
                p = paths[0]
                if p.peer is not None and p.peer == tx.address:
                    continue  # never back to where it came from
                if not p.local and not p.ebgp and not ebgp:
                    continue  # IBGP-learned paths stay off IBGP sessions
                path = p.as_path
                if ebgp:
                    path = (tx.local_as,) + path
                    if rx.local_as in path:
                        continue
                out.append(Path(p.prefix, tx.source, path, False, ebgp, rx.address, tx_rid))
            received[(rx.router, rx.table, rx.address)] = out
            sent[(tx.router, tx.table, tx.address)] = len(out)
        if "vpnv4" in rx.families:
            inst = rx_cfg.vpn_instances
            wanted = {t for v in inst.values() for t in v.import_targets}
            policy = rx_cfg.bgp is not None and rx_cfg.bgp.vpnv4 is not None and rx_cfg.bgp.vpnv4.policy_vpn_target
            out = []
            for vrf in _vrf_tables(tx_cfg):
                vi = tx_cfg.vpn_instances[vrf]
                if not vi.route_distinguisher:
                    continue
                for paths in res.best.get((tx.router, vrf), {}).values():
                    p = paths[0]
                    if not (p.local or p.ebgp):
                        continue
                    if policy and not (wanted & set(vi.export_targets)):
                        continue
                    out.append(Path(p.prefix, tx.source, p.as_path, False, False, rx.address, tx_rid,
                                    vi.route_distinguisher, tuple(vi.export_targets), (tx.router, vrf)))
            vpnv4_in[(rx.router, rx.address)] = out
            sent[(tx.router, "vpnv4", tx.address)] = len(out)
    return received, vpnv4_in, sent


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
                for r in via[:1]:
                    rows.append(Route(prefix, "EBGP", PREF["EBGP"], 0, "D", p.nexthop, r.interface, "ip",
                                      as_path=p.as_path))
                continue
            for r in base[router][PUBLIC].lookup(p.nexthop):
                kind = "vpn" if p.rd is not None else "ip"
                rows.append(Route(prefix, "IBGP", PREF["IBGP"], 0, "RD", p.nexthop, r.interface, kind,
                                  egress=p.egress, as_path=p.as_path))
    return rows
