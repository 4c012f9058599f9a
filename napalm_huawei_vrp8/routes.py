"""``get_route_to``: the routing tables (public and every VPN instance) as NAPALM routes.

VRP's ``display ip routing-table`` lists the active routes of one table, one row
per next hop (ECMP rows repeat the destination). The driver reads the public
table and each VPN instance's, then selects:

- ``destination`` an address (``10.1.1.9``): the longest prefix containing it;
  a prefix (``10.1.1.0/24``): exactly that prefix, or with ``longer=True`` it and
  every more specific one; empty: every route.
- ``protocol``: VRP's protocol name (``static``, ``ospf``, ``direct``, ``ibgp``)
  or its family (``bgp`` = IBGP + EBGP, ``ospf`` = OSPF + O_ASE + O_NSSA,
  ``connected`` = Direct), case-insensitive.

Per route: ``protocol`` as VRP prints it, ``preference`` = Pre,
``current_active``/``last_active``/``selected_next_hop`` = the row's ``D``
(downloaded to the FIB) flag, ``routing_table`` = the table's name (``_public_``
or the VPN instance). Not printed by the brief table: ``age`` (-1),
``inactive_reason`` (""); ``protocol_attributes`` holds the ``metric`` (Cost) for
every route (VRP's table prints no BGP attributes).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from napalm.base import models

from vrpbook.parsers.routing import Route, RoutingTable

from .values import UNKNOWN

_FAMILIES = {"ibgp": "bgp", "ebgp": "bgp", "o_ase": "ospf", "o_nssa": "ospf", "direct": "connected"}

Network = ipaddress.IPv4Network


def protocol_matches(proto: str, wanted: str) -> bool:
    """Does VRP's *proto* answer a NAPALM ``protocol`` filter?

    >>> protocol_matches("IBGP", "bgp"), protocol_matches("Direct", "connected"), protocol_matches("OSPF", "static")
    (True, True, False)
    """
    if not wanted:
        return True
    low, want = proto.lower(), wanted.lower()
    return want in (low, _FAMILIES.get(low, low))


def _selected(routes: list[tuple[Network, Route]], destination: str, longer: bool) -> list[tuple[Network, Route]]:
    if not destination:
        return routes
    if "/" not in destination:
        address = ipaddress.IPv4Address(destination)
        covering = [(net, r) for net, r in routes if address in net]
        if not covering:
            return []
        best = max(net.prefixlen for net, _ in covering)
        return [(net, r) for net, r in covering if net.prefixlen == best]
    wanted = ipaddress.IPv4Network(destination, strict=False)
    if longer:
        return [(net, r) for net, r in routes if net.subnet_of(wanted)]
    return [(net, r) for net, r in routes if net == wanted]


def route_to(
    tables: Iterable[RoutingTable], destination: str = "", protocol: str = "", longer: bool = False
) -> dict[str, list[models.RouteDict]]:
    """NAPALM's ``get_route_to`` from parsed routing tables (each searched on its own:
    an address is matched longest-prefix within each table)."""
    out: dict[str, list[models.RouteDict]] = {}
    for table in tables:
        name = table.table or "_public_"
        rows = [(ipaddress.IPv4Network(r.destination, strict=False), r) for r in table.routes]
        for net, row in _selected(rows, destination, longer):
            if not protocol_matches(row.proto, protocol):
                continue
            active = "D" in row.flags
            out.setdefault(str(net), []).append(
                {
                    "protocol": row.proto,
                    "current_active": active,
                    "last_active": active,
                    "age": UNKNOWN,
                    "next_hop": row.nexthop or "",
                    "outgoing_interface": row.interface or "",
                    "selected_next_hop": active,
                    "preference": row.pre,
                    "inactive_reason": "",
                    "routing_table": name,
                    "protocol_attributes": {"metric": row.cost},
                }
            )
    return out
