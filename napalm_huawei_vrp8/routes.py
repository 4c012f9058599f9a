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
``inactive_reason`` (""). ``protocol_attributes`` holds ``metric`` (Cost) for every
route; a BGP route of a VPN instance also gets what ``display bgp vpnv4
vpn-instance NAME routing-table`` prints for its path (same network and next hop):
``metric`` = MED, ``local_preference`` (when printed), ``preference2`` = PrefVal,
``as_path`` (AS numbers then the origin code, ``65410 i``), ``local_as``, and
``remote_as`` (the first AS of the path; the local AS for an IBGP path). Public
BGP routes keep ``metric`` only: ``display bgp routing-table`` has no parser (no
sample of its format). Not printed anywhere: ``peer_id``, ``communities``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

from napalm.base import models

from vrpbook.parsers.bgp_routes import BgpRoute
from vrpbook.parsers.routing import Route, RoutingTable

from .values import UNKNOWN, as_number

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


_PATH = re.compile(r"^(?P<ases>.*?)(?P<origin>[ie?])$")


def bgp_attributes(row: Route, paths: Iterable[BgpRoute], local_as: int | None) -> dict[str, object]:
    """The BGP table's attributes of the RIB row's path (same network and next hop), or ``{}``.

    >>> path = BgpRoute(status="*>", network="1.1.1.1/32", nexthop="10.3.1.2", med=0, local_pref=None,
    ...                 pref_val=0, path_origin="65410i")
    >>> rib = Route(destination="1.1.1.1/32", proto="EBGP", pre=255, cost=0, flags="D", nexthop="10.3.1.2", interface=None)
    >>> bgp_attributes(rib, [path], 100)
    {'metric': 0, 'preference2': 0, 'as_path': '65410 i', 'local_as': 100, 'remote_as': 65410}
    """
    match = next((p for p in paths if p.network == row.destination and p.nexthop == row.nexthop), None)
    if match is None:
        return {}
    attributes: dict[str, object] = {}
    if match.med is not None:
        attributes["metric"] = match.med
    if match.local_pref is not None:
        attributes["local_preference"] = match.local_pref
    if match.pref_val is not None:
        attributes["preference2"] = match.pref_val
    m = _PATH.match(match.path_origin.strip())
    ases = m.group("ases").split() if m else []
    attributes["as_path"] = " ".join([*ases, m.group("origin")]) if m else match.path_origin
    if local_as is not None:
        attributes["local_as"] = local_as
        first = ases[0] if ases and ases[0].replace(".", "").isdigit() else None
        attributes["remote_as"] = as_number(first) if first and row.proto.upper() == "EBGP" else local_as
    return attributes


def route_to(
    tables: Iterable[RoutingTable],
    destination: str = "",
    protocol: str = "",
    longer: bool = False,
    bgp_paths: Mapping[str, list[BgpRoute]] | None = None,
    local_as: int | None = None,
) -> dict[str, list[models.RouteDict]]:
    """NAPALM's ``get_route_to`` from parsed routing tables (each searched on its own:
    an address is matched longest-prefix within each table); *bgp_paths* per table name
    adds BGP attributes to that table's BGP routes."""
    out: dict[str, list[models.RouteDict]] = {}
    for table in tables:
        name = table.table or "_public_"
        rows = [(ipaddress.IPv4Network(r.destination, strict=False), r) for r in table.routes]
        for net, row in _selected(rows, destination, longer):
            if not protocol_matches(row.proto, protocol):
                continue
            active = "D" in row.flags
            attributes: dict[str, object] = {"metric": row.cost}
            if bgp_paths and name in bgp_paths and _FAMILIES.get(row.proto.lower()) == "bgp":
                attributes.update(bgp_attributes(row, bgp_paths[name], local_as))
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
                    "protocol_attributes": attributes,
                }
            )
    return out
