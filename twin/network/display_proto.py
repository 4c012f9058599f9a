"""``display ospf peer brief``, ``display mpls ldp session``,
``display ip vpn-instance verbose`` and ``display interface brief``.

Formats: OSPF from ``samples/ospf_peer_brief/01`` (NE40E), LDP and VPN
instance from the reference (steps 2 and 3), interface brief from VRP8.md §6.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vrpbook.vrp import interface_sort_key

from .compute import NetState
from .ospf import process_router_id
from .timeline import Key


def ospf_peer_brief(st: NetState, router: str) -> str:
    """One block per process, with that process's router ID and only the
    neighbours of its own adjacencies (each shown by the router ID of the
    neighbour's process)."""
    cfg = st.configs[router]
    mine = [(a, up) for a, up in st.ospf_adj if a.router == router]
    lines = ["(M) Indicates MADJ neighbor", "", ""]
    for proc in sorted(cfg.ospf.values(), key=lambda p: p.process_id):
        rid = process_router_id(cfg, proc.process_id)
        peers = [(a, up) for a, up in mine if a.process == proc.process_id]
        full = sum(1 for _, up in peers if up)
        lines += [
            f"          OSPF Process {proc.process_id} with Router ID {rid}",
            "                   Peer Statistic Information",
            f"Total number of peer(s): {len(peers)}",
            f" Peer(s) in full state: {full}",
            "-" * 77,
            " Area Id         Interface                  Neighbor id          State",
        ]
        for a, up in sorted(peers, key=lambda p: interface_sort_key(p[0].interface)):
            # twin's choice: an adjacency still forming shows ExStart.
            state = "Full" if up else "ExStart"
            lines.append(f" {a.area!s:<16}{a.interface:<27}{a.neighbour_rid!s:<21}{state}")
        lines.append("-" * 77)
    return "\n".join(lines) + "\n"


def _ssn_age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 1440:04d}:{(minutes // 60) % 24:02d}:{minutes % 60:02d}"


def mpls_ldp_session(st: NetState, router: str, now: float, up_at: dict[Key, float], ka_interval: float) -> str:
    rule = " " + "-" * 78
    lines = [
        "",
        "               LDP Session(s) in Public Network",
        " Codes: LAM(Label Advertisement Mode), SsnAge Unit(DDDD:HH:MM)",
        " An asterisk (*) before a session means the session is being deleted.",
        "",
        rule,
        " Peer-ID            Status      LAM  SsnRole  SsnAge      KA-Sent/Rcv",
        rule,
    ]
    mine = sorted([(p, up) for p, up in st.ldp if p.router == router], key=lambda x: x[0].peer_lsr_id)
    for p, up in mine:
        if up:
            age = max(0.0, now - up_at.get(("ldp", p.router, p.peer), now))
            ka = 1 + int(age // ka_interval)
            status, ssn, kas = "Operational", _ssn_age(age), f"{ka}/{ka}"
        else:
            # twin's choice: a session still initialising (RFC 5036 state name).
            status, ssn, kas = "Initialized", "0000:00:00", "0/0"
        lines.append(f" {str(p.peer_lsr_id) + ':0':<19}{status:<12}{'DU':<5}{p.role:<9}{ssn:<13}{kas}")
    lines += [rule, f" TOTAL: {len(mine)} session(s) Found."]
    return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    s = int(seconds)
    return (f"{s // 86400} days, {(s // 3600) % 24:02d} hours, {(s // 60) % 60:02d} minutes "
            f"and {s % 60:02d} seconds")


def vpn_instance_verbose(
    st: NetState,
    router: str,
    now: float,
    first_seen: dict[tuple[str, str], float],
    wall_of: Callable[[float], float],
) -> str:
    """Reference step 3 layout; dates from when the instance first appeared in running config.

    twin's choice: several bound interfaces are joined with ", "; an instance
    with an RD is ``UP``, without one ``DOWN``; dates are printed in UTC.
    """
    cfg = st.configs[router]
    insts = list(cfg.vpn_instances.values())
    v4 = [i for i in insts if i.ipv4_family]
    lines = [
        f" Total VPN-Instances configured : {len(insts)}",
        f" Total IPv4 VPN-Instances configured : {len(v4)}",
        " Total IPv6 VPN-Instances configured : 0",
    ]
    for idx, inst in enumerate(insts, start=1):
        ifs = sorted((i.name for i in cfg.interfaces.values() if i.vpn_instance == inst.name), key=interface_sort_key)
        lines.append(f" VPN-Instance Name and ID : {inst.name}, {idx}")
        if inst.description:
            lines.append(f"  Description : {inst.description}")
        if ifs:
            lines.append(f"  Interfaces : {', '.join(ifs)}")
        if inst.ipv4_family:
            born = first_seen.get((router, inst.name), now)
            lines += [
                " Address family ipv4",
                f"  Create date : {time.strftime('%Y/%m/%d %H:%M:%S', time.gmtime(wall_of(born)))}",
                f"  Up time : {_duration(now - born)}",
                f"  Vrf Status : {'UP' if inst.route_distinguisher else 'DOWN'}",
            ]
            if inst.route_distinguisher:
                lines.append(f"  Route Distinguisher : {inst.route_distinguisher}")
            if inst.export_targets:
                lines.append(f"  Export VPN Targets :  {' '.join(inst.export_targets)}")
            if inst.import_targets:
                lines.append(f"  Import VPN Targets :  {' '.join(inst.import_targets)}")
            label = "label per instance" if inst.apply_label == "per-instance" else "label per route"
            lines += [
                f"  Label policy : {label}",
                "  The diffserv-mode Information is : uniform",
                "  The ttl-mode Information is : pipe",
            ]
        lines.append("")
    return "\n".join(lines) + "\n"


IF_LEGEND = [
    "PHY: Physical", "*down: administratively down", "^down: standby", "(l): loopback", "(s): spoofing",
    "(E): E-Trunk down", "(b): BFD down", "(B): Bit-error-detection down", "(e): ETHOAM down",
    "(d): Dampening Suppressed", "(p): port alarm down", "(ld): loop-detect trigger down",
    "(mf): mac-flapping blocked", "(c): CFM down", "(sd): STP instance discarding",
    "InUti/OutUti: input utility/output utility",
]


def interface_brief(st: NetState, router: str) -> str:
    """VRP8.md §6 layout; traffic counters are zero (the twin carries no traffic)."""
    cfg = st.configs[router]
    lines = [*IF_LEGEND, "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors"]
    names = sorted(cfg.interfaces, key=interface_sort_key)
    for name in names:
        p = st.links.port(router, name)
        phy, proto = (p.phy, p.protocol) if p else ("down", "down")
        lines.append(_if_row(name, phy, proto))
    lines.append(_if_row("NULL0", "up", "up(s)"))
    return "\n".join(lines) + "\n"


def _if_row(name: str, phy: str, proto: str) -> str:
    return f"{name:<27} {phy:<6}{proto:<8}{'0%':>7}{'0%':>7}{0:>11}{0:>11}"
