"""The typed reads checks use: each display command paired with the parser model it yields."""

from __future__ import annotations

from vrpbook import vrp
from vrpbook.parsers.bfd import BfdSessionsVerbose
from vrpbook.parsers.bgp import BgpPeers, BgpVpnInstancePeers, BgpVpnv4AllPeers
from vrpbook.parsers.config_state import CurrentConfiguration
from vrpbook.parsers.ldp import LdpSessions
from vrpbook.parsers.routing import Route, RoutingTable, VpnRoutingTable
from vrpbook.parsers.vpn_instance import VpnInstances

from .api import Read

ROUTING_TABLE = Read(vrp.ROUTING_TABLE, RoutingTable)
LDP_SESSIONS = Read(vrp.LDP_SESSIONS, LdpSessions)
VPN_INSTANCES = Read(vrp.VPN_INSTANCES_VERBOSE, VpnInstances)
VPNV4_PEERS = Read(vrp.VPNV4_PEERS, BgpVpnv4AllPeers)
BGP_PEERS = Read(vrp.BGP_PEERS, BgpPeers)
BFD_SESSIONS = Read(vrp.BFD_SESSIONS_VERBOSE, BfdSessionsVerbose)
CURRENT_CONFIGURATION = Read(vrp.CURRENT_CONFIGURATION, CurrentConfiguration)


def vpn_routing_table(vpn_instance: str) -> Read[VpnRoutingTable]:
    return Read(vrp.vpn_routing_table(vpn_instance), VpnRoutingTable)


def vpn_instance_peers(vpn_instance: str) -> Read[BgpVpnInstancePeers]:
    return Read(vrp.vpn_instance_peers(vpn_instance), BgpVpnInstancePeers)


def same(value: str | None, expected: str) -> bool:
    """VRP prints states in varying case (``Up``/``UP``): compare case-insensitively."""
    return (value or "").strip().lower() == expected.lower()


def route_rows(table: RoutingTable, destination: str) -> list[dict[str, str | None]]:
    """The rows of *destination* as evidence (protocol, next hop, interface, flags)."""
    return [_row(r) for r in table.routes if r.destination == destination]


def _row(r: Route) -> dict[str, str | None]:
    return {"proto": r.proto, "nexthop": r.nexthop, "interface": r.interface, "flags": r.flags}
