"""The typed reads checks use: each display command paired with the parser model it yields."""

from __future__ import annotations

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
    """The cost of *table*'s route to *address* (longest prefix match), None when no route
    covers it: what BGP compares when it chooses among next hops."""
    ip = IPv4Address(address)
    best: tuple[int, int] | None = None
    for r in table.routes:
        try:
            net = IPv4Network(r.destination, strict=False)
        except ValueError:
            continue
        if ip in net and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, r.cost)
    return best[1] if best else None


def same(value: str | None, expected: str) -> bool:
    """VRP prints states in varying case (``Up``/``UP``): compare case-insensitively."""
    return (value or "").strip().lower() == expected.lower()


def route_rows(table: RoutingTable, destination: str) -> list[dict[str, str | None]]:
    """The rows of *destination* as evidence (protocol, next hop, interface, flags)."""
    return [_row(r) for r in table.routes if r.destination == destination]


def _row(r: Route) -> dict[str, str | None]:
    return {"proto": r.proto, "nexthop": r.nexthop, "interface": r.interface, "flags": r.flags}
