"""``display bgp peer``, ``display bgp vpnv4 all peer``,
``display bgp vpnv4 vpn-instance NAME peer``, ``display bgp vpnv4 all routing-table``.

Peer tables: ``display bgp peer`` and the VPN-instance form follow the NE40E
samples (``samples/bgp_peer/03``, ``samples/bgp_vpnv4_vpn_instance_peer/01``);
``vpnv4 all peer`` follows the reference's step 6 columns, with the
``Peer of IPv4-family for vpn instance :`` sections of
``samples/bgp_vpnv4_all_peer/01`` when VPN-instance peers exist.

twin's choices: peers are listed by ascending address (every sample does; the
reference's step 6 lists 4.4.4.4 first); a VPNv4 peer whose far end has not
enabled VPNv4 (``peer X enable`` missing in ``ipv4-family vpnv4``) has no
VPNv4 session even if the IPv4 session is Established, and shows ``Idle`` in
the VPNv4 tables so that a check on this display fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from .api import PeerKey
from .bgp_routes import Path
from .bgp_session import PeerView, router_id
from .compute import NetState
from .links import PUBLIC

SAMPLE_HDR = "  Peer            V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv"
REF_HDR = "Peer            V    AS  MsgRcvd  MsgSent    OutQ  Up/Down  State PrefRcv"


@dataclass(frozen=True)
class PeerRow:
    peer: IPv4Address
    as_number: str
    rcvd: int
    sent: int
    up_down: str
    state: str
    pref: int


def up_down(seconds: float) -> str:
    """``HH:MM:SS`` below a day, else ``NNNhMMm`` (samples/bgp_peer/07)."""
    s = int(max(0.0, seconds))
    if s < 86400:
        return f"{s // 3600:02d}:{(s // 60) % 60:02d}:{s % 60:02d}"
    return f"{s // 3600}h{(s // 60) % 60:02d}m"


def _sample_row(r: PeerRow) -> str:
    return (f"  {r.peer!s:<16}4{r.as_number:>12}{r.rcvd:>9}{r.sent:>9}{0:>6} {r.up_down:<8}"
            f"{r.state:>12}{r.pref:>9}")


def _ref_row(r: PeerRow) -> str:
    return f"{r.peer!s:<16}4{r.as_number:>6}{r.rcvd:>9}{r.sent:>9}{0:>8} {r.up_down} {r.state}{r.pref:>8}"


def _head(st: NetState, router: str, rows: list[PeerRow]) -> list[str]:
    cfg = st.configs[router]
    assert cfg.bgp is not None
    est = sum(1 for r in rows if r.state == "Established")
    return [
        "",
        f" BGP local router ID : {router_id(cfg)}",
        f" Local AS number : {cfg.bgp.as_number}",
        f" Total number of peers : {len(rows):<18}Peers in established state : {est}",
        "",
    ]


def no_bgp() -> str:
    # twin's choice: the text VRP prints when BGP is not configured.
    return "Info: The BGP process is not configured.\n"


def peer_table(rows: list[PeerRow], st: NetState, router: str) -> str:
    lines = _head(st, router, rows) + [SAMPLE_HDR] + [_sample_row(r) for r in rows]
    return "\n".join(lines) + "\n"


def vpnv4_all(public: list[PeerRow], vrfs: dict[str, list[PeerRow]], st: NetState, router: str) -> str:
    every = public + [r for rows in vrfs.values() for r in rows]
    lines = _head(st, router, every) + [REF_HDR, ""] + [_ref_row(r) for r in public]
    if vrfs:
        rid = router_id(st.configs[router])
        lines += ["", "  Peer of IPv4-family for vpn instance :", ""]
        for name, rows in vrfs.items():
            lines.append(f"  VPN-Instance {name}, Router ID {rid}:")
            lines.append(REF_HDR)
            lines += [_ref_row(r) for r in rows]
    return "\n".join(lines) + "\n"


def routing_table(st: NetState, router: str) -> str:
    """VRP8.md §6 layout: one section per RD (local and received), then per instance."""
    cfg = st.configs[router]
    assert cfg.bgp is not None
    rid = router_id(cfg)
    by_rd: dict[str, list[tuple[str, Path]]] = {}
    for vrf in cfg.bgp.vrfs:
        inst = cfg.vpn_instances.get(vrf)
        if inst is None or not inst.route_distinguisher:
            continue
        for paths in st.bgp.best.get((router, vrf), {}).values():
            for p in paths:
                if p.local or p.ebgp:
                    by_rd.setdefault(inst.route_distinguisher, []).append(("*>", p))
    # Received routes, best first per (RD, prefix) as the router's VPNv4 table ranks
    # them: "*>i" best, "* i" valid (e.g. the same route from a second reflector,
    # samples2/bgp_vpnv4_all_routing_table/01), twin's choice "  i" for a route
    # whose next hop does not resolve.
    rib = st.bgp.vpnv4_rib.get(router, {})
    received: dict[tuple[str, IPv4Network], list[Path]] = {}
    for (r, _peer), paths in st.bgp.vpnv4_in.items():
        if r == router:
            for p in paths:
                received.setdefault((p.rd or "-", p.prefix), []).append(p)
    for (rd, prefix), paths in received.items():
        ranked = rib.get((rd, prefix), [])
        paths.sort(key=lambda p: ranked.index(p) if p in ranked else len(ranked))
        for i, p in enumerate(paths):
            code = ("*>i" if i == 0 else "* i") if p in ranked else "  i"
            by_rd.setdefault(rd, []).append((code, p))
    total = sum(len(v) for v in by_rd.values())
    hdr = "        Network            NextHop                       MED        LocPrf    PrefVal Path/Ogn"
    lines = [
        "",
        f" BGP Local router ID is {rid}",
        " Status codes: * - valid, > - best, d - damped, x - best external, a - add path,",
        "               h - history,  i - internal, s - suppressed, S - Stale",
        "               Origin : i - IGP, e - EGP, ? - incomplete",
        " RPKI validation codes: V - valid, I - invalid, N - not-found",
        "",
        "",
        f" Total number of routes from all PE: {total}",
    ]
    for rd in sorted(by_rd):
        lines += [f" Route Distinguisher: {rd}", "", "", hdr, ""]
        previous = None
        for code, p in sorted(by_rd[rd], key=lambda x: (int(x[1].prefix.network_address), x[1].prefix.prefixlen)):
            lines.append(_path_row(code, p, show_network=p.prefix != previous))
            previous = p.prefix
        lines.append("")
    for vrf in cfg.bgp.vrfs:
        best = st.bgp.best.get((router, vrf), {})
        rows = [(p, i == 0) for paths in best.values() for i, p in enumerate(paths)]
        lines += [f" VPN-Instance {vrf}, Router ID {rid}:", "", f" Total Number of Routes: {len(rows)}", hdr, ""]
        for p, first in sorted(rows, key=lambda x: (int(x[0].prefix.network_address), x[0].prefix.prefixlen)):
            code = "*>" if first else "* "
            if not p.local and not p.ebgp:
                code += "i"
            lines.append(_path_row(code, p))
        lines.append("")
    return "\n".join(lines) + "\n"


def _path_row(code: str, p: Path, show_network: bool = True) -> str:
    net = f"{p.prefix.network_address}/{p.prefix.prefixlen}" if show_network else ""
    locprf = "" if (p.local or p.ebgp) else "100"
    path = " ".join(p.as_path) + "?"  # origin code glued to the last AS (samples2/bgp_vpnv4_all_routing_table)
    return f" {code:<7}{net:<19}{p.nexthop!s:<30}{0:<11}{locprf:<10}{0:<8}{path}"


def rows_for(st: NetState, router: str, views: list[tuple[PeerView, str]], now: float,
             changed: dict[PeerKey, tuple[str, float]], ka: float, family: str) -> list[PeerRow]:
    rows = []
    for pv, session_state in sorted(views, key=lambda x: int(x[0].address)):
        state = session_state
        if family == "vpnv4" and state == "Established" and "vpnv4" not in pv.families:
            state = "Idle"
        since = changed.get(("bgp", pv.router, pv.table, pv.address), (state, now))[1]
        age = now - since
        if family == "vpnv4":
            pref = len(_accepted_vpnv4(st, router, pv.address))
            sent = st.bgp.sent.get((router, "vpnv4", pv.address), 0)
        else:
            pref = len(st.bgp.received.get((router, pv.table, pv.address), []))
            sent = st.bgp.sent.get((router, pv.table, pv.address), 0)
        if state == "Established":
            kas = int(age // ka)
            rcvd, snt = 2 + pref + kas, 2 + sent + kas
        else:
            rcvd = snt = 0
        rows.append(PeerRow(pv.address, pv.cfg.as_number, rcvd, snt, up_down(age), state, pref))
    return rows


def _accepted_vpnv4(st: NetState, router: str, peer: IPv4Address) -> list[Path]:
    cfg = st.configs[router]
    paths = st.bgp.vpnv4_in.get((router, peer), [])
    if cfg.bgp is not None and cfg.bgp.vpnv4 is not None and not cfg.bgp.vpnv4.policy_vpn_target:
        return paths  # "undo policy vpn-target" (a reflector): every VPNv4 route is kept
    wanted = {t for v in cfg.vpn_instances.values() for t in v.import_targets}
    return [p for p in paths if wanted & set(p.targets)]


def scope_views(st: NetState, router: str, scope: str, vpn: str | None) -> list[tuple[PeerView, str]]:
    cfg = st.configs[router]
    assert cfg.bgp is not None
    mine = [(pv, s) for pv, s in st.bgp_peers if pv.router == router]
    if scope == "ipv4":
        return [(pv, s) for pv, s in mine if pv.table == PUBLIC and pv.address in cfg.bgp.unicast.enabled_peers]
    if scope == "vpnv4_all":
        v4 = cfg.bgp.vpnv4
        return [(pv, s) for pv, s in mine if pv.table == PUBLIC and v4 is not None and pv.address in v4.enabled_peers]
    return [(pv, s) for pv, s in mine if pv.table == vpn]
