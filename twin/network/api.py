"""The contract between the twin's device side and its network side.

The device side (``twin.cli`` and ``twin.lab``) owns configurations, sessions
and SSH. The network side (``twin.network``) owns everything that follows from
*all* routers' running configurations together with the cables: link state,
OSPF, LDP, BGP, BFD, RIBs, ping/tracert and the event log.

The device side calls :meth:`NetworkView.config_changed` after every commit,
rollback or trial revert, and asks the network for every protocol display.
Each display method returns the text exactly as the router prints it (no
trailing prompt), computed from the network state at the moment of the call.
A method given a VPN instance that does not exist on the router returns the
VRP error text (a line starting ``Error:``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Literal, Protocol

from ..config.model import RouterConfig

# How the network reads the routers' running configurations, keyed by the
# topology device name (e.g. "PE1"), never by sysname.
RunningConfigs = Callable[[], dict[str, RouterConfig]]

BgpPeerScope = Literal["ipv4", "vpnv4_all", "vpn_instance"]

# ("bgp", router, table, peer address): one configured BGP peer of one router.
PeerKey = tuple[str, str, str, IPv4Address]


@dataclass(frozen=True)
class LabEvent:
    """One entry of the lab's event log (read by failover drills)."""

    t_ms: float  # milliseconds since the lab started
    router: str  # topology device name
    kind: str  # e.g. "link-down", "bfd-down", "route-withdrawn", "bgp-up"
    detail: str  # human-readable, e.g. "pe1_to_ce1 Down (detect time 30 ms)"


class NetworkView(Protocol):
    """What the device CLI needs from the simulated network."""

    def config_changed(self, router: str) -> None: ...

    def display_ip_routing_table(
        self, router: str, vpn_instance: str | None = None, protocol: str | None = None
    ) -> str: ...

    def display_ip_vpn_instance_verbose(self, router: str) -> str: ...

    def display_interface_brief(self, router: str) -> str: ...

    def display_ospf_peer_brief(self, router: str) -> str: ...

    def display_mpls_ldp_session(self, router: str) -> str: ...

    def display_bgp_peer(
        self, router: str, scope: BgpPeerScope, vpn_instance: str | None = None
    ) -> str: ...

    def display_bgp_vpnv4_routing_table(self, router: str) -> str: ...

    def display_bfd_session(self, router: str, verbose: bool) -> str: ...

    def ping(
        self,
        router: str,
        destination: str,
        vpn_instance: str | None = None,
        count: int = 5,
        size: int = 56,
        source: str | None = None,
    ) -> str: ...

    def tracert(self, router: str, destination: str, vpn_instance: str | None = None) -> str: ...
