"""``display bgp vpnv4 vpn-instance NAME routing-table``: one instance's BGP routes.

Layout: the ``VPN-Instance`` section of ``display bgp vpnv4 all routing-table``
(VRP8.md 6, samples2/bgp_vpnv4_all_routing_table/02) after the same head
(router ID line, status/origin/RPKI legends), and the same rows as the twin's
``all`` display prints for that instance (``display_bgp.routing_table``; a test
checks the two agree): one row per path of ``NetState.bgp.best``, the best
path ``*>``, others ``*``, ``i`` for paths learned over IBGP, MED 0, LocPrf 100
on IBGP paths, PrefVal 0, AS path and origin ``?``. ``best`` is the instance's
table after route reflection and import (the router's VPNv4 table,
``NetState.bgp.vpnv4_rib``, imported by target), so a route reflected to this
router prints here as the far PE's path, ``*>i`` with the far PE's next hop.

twin's choices (no sample of this command exists): an instance with no BGP
``ipv4-family vpn-instance`` prints the head and ``Total Number of Routes: 0``.
"""

from __future__ import annotations

from .bgp_routes import Path
from .bgp_session import router_id
from .compute import NetState
from .display_bgp import no_bgp

# The text the engine prints for a display naming an instance the router does not have
# (engine.ERR_NO_VPN; not imported: the engine imports the display modules).
ERR_NO_VPN = "Error: The VPN instance does not exist.\n"

HEAD = [
    " Status codes: * - valid, > - best, d - damped, x - best external, a - add path,",
    "               h - history,  i - internal, s - suppressed, S - Stale",
    "               Origin : i - IGP, e - EGP, ? - incomplete",
    " RPKI validation codes: V - valid, I - invalid, N - not-found",
]
COLUMNS = "        Network            NextHop                       MED        LocPrf    PrefVal Path/Ogn"


def path_row(code: str, p: Path) -> str:
    """One route row, in the columns of COLUMNS."""
    net = f"{p.prefix.network_address}/{p.prefix.prefixlen}"
    locprf = "" if (p.local or p.ebgp) else "100"
    path = " ".join(p.as_path) + "?"  # origin code glued to the last AS (samples2/bgp_vpnv4_all_routing_table)
    return f" {code:<7}{net:<19}{p.nexthop!s:<30}{0:<11}{locprf:<10}{0:<8}{path}"


def instance_rows(st: NetState, router: str, vrf: str) -> list[str]:
    """Rows of *vrf*'s best paths, by network then path order (the first one is the best)."""
    best = st.bgp.best.get((router, vrf), {})
    paths = [(p, i == 0) for prefix_paths in best.values() for i, p in enumerate(prefix_paths)]
    rows = []
    for p, first in sorted(paths, key=lambda x: (int(x[0].prefix.network_address), x[0].prefix.prefixlen)):
        code = "*>" if first else "* "
        if not p.local and not p.ebgp:
            code += "i"
        rows.append(path_row(code, p))
    return rows


def vpn_instance_routing_table(st: NetState, router: str, vrf: str) -> str:
    """The display text (the twin's info/error text without BGP or without the instance)."""
    cfg = st.configs[router]
    if cfg.bgp is None:
        return no_bgp()
    if vrf not in cfg.vpn_instances:
        return ERR_NO_VPN
    rid = router_id(st.configs[router])
    rows = instance_rows(st, router, vrf)
    lines = ["", f" BGP Local router ID is {rid}", *HEAD, "", "", f" VPN-Instance {vrf}, Router ID {rid}:", "",
             f" Total Number of Routes: {len(rows)}", COLUMNS, "", *rows]
    return "\n".join(lines) + "\n"
