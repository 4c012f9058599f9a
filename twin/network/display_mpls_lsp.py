"""``display mpls lsp``: the LDP LSPs the network's computed state implies.

Layout: the two real AR captures (samples2/mpls_lsp/01, 02): a dashed frame
around ``LSP Information: LDP LSP``, the header ``FEC In/Out Label In/Out IF
Vrf Name`` and one row per LSP, out interfaces abbreviated (``GE0/0/1``).

Which LSPs (from the state, read-only): a router running LDP (``mpls``,
``mpls ldp``, an LSR ID) is the egress of its public LoopBack /32 addresses
(``3/NULL -/-``). For every other LDP router's LoopBack /32 it has a route to
(``NetState.base``, the IGP tables) and an LSP to (``ldp.has_lsp`` over ``NetState.ldp_up``),
it prints, per next hop whose neighbour is an Operational LDP peer with an LSP
to that FEC, an ingress row (``NULL/out``) and a transit row (``in/out``); the
out label is the neighbour's in label for the FEC, or 3 (implicit null) when
the neighbour is the egress.

twin's choices (no evidence for them): labels are allocated per router from
48000 upwards in ascending FEC order (VRP8 allocates dynamic labels from a
platform range; 48060 appears as a per-instance label in samples2/
ip_vpn_instance_verbose/02); egress FECs are listed first, then the others by
ascending address, ingress before transit; only ``GigabitEthernet`` is
abbreviated (``GE``); the BGP LSPs of VPN labels are not printed (the twin does
not model VPN labels).
"""

from __future__ import annotations

from ipaddress import IPv4Address

from ..config.model import RouterConfig
from . import ldp
from .compute import NetState
from .links import PUBLIC

LABEL_BASE = 48000
RULE = "-" * 79
HEADER = "FEC                In/Out Label  In/Out IF                      Vrf Name"


def short_interface(name: str) -> str:
    """``GigabitEthernet0/1/0`` -> ``GE0/1/0`` as the LSP display prints it."""
    return "GE" + name[len("GigabitEthernet"):] if name.startswith("GigabitEthernet") else name


def _ldp_router(cfg: RouterConfig) -> bool:
    return cfg.mpls_enabled and cfg.mpls_ldp_enabled and cfg.mpls_lsr_id is not None


def egress_fecs(cfg: RouterConfig) -> list[IPv4Address]:
    """Public LoopBack /32 addresses of an LDP router: the FECs it is the egress of."""
    if not _ldp_router(cfg):
        return []
    return sorted(
        i.address.ip for i in cfg.interfaces.values()
        if i.name.startswith("LoopBack") and i.address is not None and i.address.network.prefixlen == 32
        and not i.vpn_instance
    )


def _owner(st: NetState, fec: IPv4Address) -> str | None:
    return next((r for r, cfg in st.configs.items() if fec in egress_fecs(cfg)), None)


def lsp_hops(st: NetState, router: str) -> dict[IPv4Address, list[tuple[str, str]]]:
    """FEC -> [(out interface, downstream router)] of every LSP *router* starts or carries."""
    cfg = st.configs[router]
    if not _ldp_router(cfg):
        return {}
    own = set(egress_fecs(cfg))
    fecs = sorted({f for other, c in st.configs.items() if other != router for f in egress_fecs(c)} - own)
    out: dict[IPv4Address, list[tuple[str, str]]] = {}
    for fec in fecs:
        hops = []
        for route in st.base[router][PUBLIC].lookup(fec):  # the tables LDP follows (ldp.has_lsp)
            if route.kind != "ip" or route.prefix.prefixlen != 32:
                continue
            nb = st.links.neighbour(router, route.interface)
            if nb is None or (router, nb[0]) not in st.ldp_up:
                continue
            if ldp.has_lsp(nb[0], fec, st.configs, st.links, st.base, st.ldp_up):
                hops.append((route.interface, nb[0]))
        if hops:
            out[fec] = hops
    return out


def in_labels(st: NetState, router: str) -> dict[IPv4Address, int]:
    """The label *router* allocated to each FEC it carries (egress FECs use 3)."""
    return {fec: LABEL_BASE + i for i, fec in enumerate(sorted(lsp_hops(st, router)))}


def mpls_lsp(st: NetState, router: str) -> str:
    """The display text, or the twin's error text when the router runs no LDP."""
    cfg = st.configs[router]
    if not _ldp_router(cfg):
        return "Error: The MPLS LDP is not enabled.\n"  # twin's choice, as display mpls ldp session
    mine = in_labels(st, router)
    rows = [f"{str(f) + '/32':<19}{'3/NULL':<14}{'-/-':<31}" for f in egress_fecs(cfg)]
    for fec, hops in sorted(lsp_hops(st, router).items()):
        for interface, far in hops:
            theirs = 3 if fec in egress_fecs(st.configs[far]) else in_labels(st, far).get(fec)
            if theirs is None:  # the neighbour carries no LSP for it (has_lsp says it does)
                continue
            out_if = f"-/{short_interface(interface)}"
            rows.append(f"{str(fec) + '/32':<19}{'NULL/' + str(theirs):<14}{out_if:<31}")
            rows.append(f"{str(fec) + '/32':<19}{str(mine[fec]) + '/' + str(theirs):<14}{out_if:<31}")
    lines = [RULE, "                 LSP Information: LDP LSP", RULE, HEADER] + [r.rstrip() for r in rows]
    return "\n".join(lines) + "\n"
