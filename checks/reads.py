"""The typed reads checks use: each display command paired with the parser model it yields."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from vrpbook import vrp
from vrpbook.parsers.bfd import BfdSessionsVerbose
from vrpbook.parsers.bgp import BgpPeers, BgpVpnInstancePeers, BgpVpnv4AllPeers
from vrpbook.parsers.config_session import ConfigurationOccupied
from vrpbook.parsers.interface_brief import InterfaceBrief
from vrpbook.parsers.ldp import LdpSessions
from vrpbook.parsers.routing import Route, RoutingTable, VpnRoutingTable
from vrpbook.parsers.trial_status import TrialStatus
from vrpbook.parsers.vpn_instance import VpnInstances

from .api import Read

ROUTING_TABLE = Read(vrp.ROUTING_TABLE, RoutingTable)
LDP_SESSIONS = Read(vrp.LDP_SESSIONS, LdpSessions)
VPN_INSTANCES = Read(vrp.VPN_INSTANCES_VERBOSE, VpnInstances)
VPNV4_PEERS = Read(vrp.VPNV4_PEERS, BgpVpnv4AllPeers)
BGP_PEERS = Read(vrp.BGP_PEERS, BgpPeers)
BFD_SESSIONS = Read(vrp.BFD_SESSIONS_VERBOSE, BfdSessionsVerbose)
TRIAL_STATUS = Read(vrp.TRIAL_STATUS, TrialStatus)
LOCK_HOLDERS = Read(vrp.LOCK_HOLDERS, ConfigurationOccupied)
INTERFACES = Read(vrp.INTERFACE_BRIEF, InterfaceBrief)


def vpn_routing_table(vpn_instance: str) -> Read[VpnRoutingTable]:
    return Read(vrp.vpn_routing_table(vpn_instance), VpnRoutingTable)


def vpn_instance_peers(vpn_instance: str) -> Read[BgpVpnInstancePeers]:
    return Read(vrp.vpn_instance_peers(vpn_instance), BgpVpnInstancePeers)


def igp_cost(table: RoutingTable, address: str) -> int | None:
    """The cost of *table*'s route to *address* (longest prefix match; the first row of the
    longest matching destination), None when no route covers it: what BGP compares when it
    chooses among next hops."""
    ip = int(IPv4Address(address))
    index = _index(table)
    for length in index.lengths:
        cost = index.costs.get((ip & _MASKS[length], length))
        if cost is not None:
            return cost
    return None


_MASKS = [(0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF for n in range(33)]


@dataclass(frozen=True)
class _TableIndex:
    """A routing table read once for the lookups gates repeat on it (once per router's
    loopback, once per next hop): its rows by destination as printed, and its costs by
    (network address as an int, prefix length) with the prefix lengths it holds, longest
    first, so a longest-prefix match is one dict lookup per length instead of a scan
    that parses every row."""

    rows: dict[str, list[Route]]
    costs: dict[tuple[int, int], int]
    lengths: tuple[int, ...]


# id(table) -> (a weak reference to it, its index): kept as long as the table lives (parsed
# outputs are not changed after parsing; pydantic models are not hashable, hence the id).
_INDEXES: dict[int, tuple[weakref.ref[RoutingTable], _TableIndex]] = {}


def _index(table: RoutingTable) -> _TableIndex:
    hit = _INDEXES.get(id(table))
    if hit is not None and hit[0]() is table:
        return hit[1]
    rows: dict[str, list[Route]] = {}
    costs: dict[tuple[int, int], int] = {}
    for r in table.routes:
        rows.setdefault(r.destination, []).append(r)
        try:
            net = IPv4Network(r.destination, strict=False)
        except ValueError:
            continue
        costs.setdefault((int(net.network_address), net.prefixlen), r.cost)
    index = _TableIndex(rows, costs, tuple(sorted({n for _a, n in costs}, reverse=True)))
    key = id(table)
    _INDEXES[key] = (weakref.ref(table, lambda _ref: _INDEXES.pop(key, None)), index)
    return index


def same(value: str | None, expected: str) -> bool:
    """VRP prints states in varying case (``Up``/``UP``): compare case-insensitively."""
    return (value or "").strip().lower() == expected.lower()


def route_rows(table: RoutingTable, destination: str) -> list[dict[str, str | None]]:
    """The rows of *destination* as evidence (protocol, next hop, interface, flags)."""
    return [_row(r) for r in _index(table).rows.get(destination, ())]


def _row(r: Route) -> dict[str, str | None]:
    return {"proto": r.proto, "nexthop": r.nexthop, "interface": r.interface, "flags": r.flags}
