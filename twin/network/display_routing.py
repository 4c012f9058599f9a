"""``display ip routing-table [vpn-instance NAME] [protocol static]``.

Layout from the reference's PE1 public table (its Direct rows are the
consistent ones): Destination/Mask right-aligned to column 18, Proto at 20,
Pre at 27, Cost at 32, Flags right-aligned to column 45, NextHop at 47,
Interface at 63. ECMP continuation rows leave the destination blank.
"""

from __future__ import annotations

from .links import PUBLIC
from .rib import Route, StaticResult, Table

FLAGS_LEGEND = "Route Flags: R - relay, D - download to fib, T - to vpn-instance, B - black hole route"
RULE = "-" * 78
HEADER = "Destination/Mask    Proto  Pre  Cost     Flags NextHop         Interface"


def route_row(r: Route, show_dest: bool = True) -> str:
    dest = f"{r.prefix.network_address}/{r.prefix.prefixlen}" if show_dest else ""
    return (
        f"{dest:>18}  {r.proto:<7}{r.pre:<5}{r.cost:<11}{r.flags:>2}  {r.nexthop!s:<16}{r.interface}"
    ).rstrip()


def rows_block(rows: list[Route]) -> list[str]:
    out: list[str] = []
    prev = None
    for r in rows:
        out.append(route_row(r, r.prefix != prev))
        prev = r.prefix
    return out


def routing_table(table: Table) -> str:
    rows = table.active()
    dests = len({r.prefix for r in rows})
    lines = [
        FLAGS_LEGEND,
        RULE,
        f"Routing Table: {table.name}",
        f"         Destinations : {dests:<9}Routes : {len(rows)}",
        "",
        HEADER,
        "",
        *rows_block(rows),
    ]
    return "\n".join(lines) + "\n"


def static_table(table_name: str, table: Table, statics: list[StaticResult]) -> str:
    """``protocol static``: active rows from the table, then configured-but-inactive ones.

    Layout from ``samples/ip_routing_table_protocol_static/03`` (Active and
    Inactive sections). twin's choice: an inactive row prints its configured
    next hop, no flags, and interface ``-`` when it does not resolve.
    """
    mine = [s for s in statics if (s.config.vpn_instance or PUBLIC) == table_name]
    active = [r for r in table.active() if r.proto == "Static"]
    active_keys = {(r.prefix, r.nexthop) for r in active}
    inactive = [s for s in mine if s.route is None or (s.route.prefix, s.route.nexthop) not in active_keys]
    act_dests = len({r.prefix for r in active})
    in_dests = len({s.config.prefix for s in inactive})
    lines = [
        FLAGS_LEGEND,
        RULE,
        f"{table_name} Routing Table : Static",
        f"         Destinations : {act_dests:<9}Routes : {len(active):<9}Configured Routes : {len(mine)}",
        "",
        "Static routing table status : <Active>",
        f"         Destinations : {act_dests:<9}Routes : {len(active)}",
        "",
        HEADER,
        "",
        *rows_block(active),
        "",
        "Static routing table status : <Inactive>",
        f"         Destinations : {in_dests:<9}Routes : {len(inactive)}",
    ]
    if inactive:
        lines += ["", HEADER, ""]
        for s in inactive:
            pre = s.config.preference if s.config.preference is not None else 60
            nh = str(s.config.nexthop) if s.config.nexthop else "0.0.0.0"
            ifname = s.config.interface or (s.route.interface if s.route else "-")
            dest = f"{s.config.prefix.network_address}/{s.config.prefix.prefixlen}"
            lines.append(f"{dest:>18}  {'Static':<7}{pre:<5}{0:<11}{'':>2}  {nh:<16}{ifname}".rstrip())
    return "\n".join(lines) + "\n"


PROTOCOLS = {"direct": ("Direct",), "static": ("Static",), "ospf": ("OSPF",), "bgp": ("IBGP", "EBGP")}


def protocol_table(table_name: str, table: Table, protocol: str) -> str:
    """``protocol direct|ospf|bgp``: the static layout without configured routes.

    twin's choice (no sample shows these): same sections as ``protocol
    static``; the Inactive section lists candidates of that protocol that
    lost to another protocol's route.
    """
    procs = PROTOCOLS[protocol]
    active = [r for r in table.active() if r.proto in procs]
    shown = set(active)
    inactive = [r for r in table.candidates if r.proto in procs and r not in shown]
    title = procs[0] if len(procs) == 1 else "BGP"
    lines = [
        FLAGS_LEGEND,
        RULE,
        f"{table_name} Routing Table : {title}",
        f"         Destinations : {len({r.prefix for r in active}):<9}Routes : {len(active)}",
        "",
        f"{title} routing table status : <Active>",
        f"         Destinations : {len({r.prefix for r in active}):<9}Routes : {len(active)}",
        "",
        HEADER,
        "",
        *rows_block(active),
        "",
        f"{title} routing table status : <Inactive>",
        f"         Destinations : {len({r.prefix for r in inactive}):<9}Routes : {len(inactive)}",
    ]
    if inactive:
        lines += ["", HEADER, "", *rows_block(sorted(inactive, key=Route.sort_key))]
    return "\n".join(lines) + "\n"
