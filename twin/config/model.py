"""Typed configuration of one twin router.

This is the contract between the device side of the twin (the CLI, which
mutates a candidate copy of it and commits it) and the network side (which
reads every router's *running* copy to compute the control plane). It holds
configuration only: no session state, no protocol state.

Values are stored in canonical form (interface names as VRP prints them,
addresses as :mod:`ipaddress` objects) so the renderer and the network never
re-parse strings. Ordered collections keep the order in which the operator
configured things, because VRP prints most repeated lines in that order
(``network`` statements, peers, static routes).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

FACTORY_SYSNAME = "HUAWEI"


@dataclass
class Interface:
    """One interface. Physical ones exist from the factory (they come from the
    topology file); logical ones (LoopBack) exist once configured."""

    name: str  # canonical VRP spelling, e.g. "GigabitEthernet0/1/0", "LoopBack1"
    physical: bool
    shutdown: bool = False
    description: str | None = None
    vpn_instance: str | None = None
    address: IPv4Interface | None = None
    mpls: bool = False
    mpls_ldp: bool = False
    ospf_cost: int | None = None


@dataclass
class VpnInstance:
    """``ip vpn-instance NAME`` with its ``ipv4-family`` sub-view."""

    name: str
    description: str | None = None
    ipv4_family: bool = False
    route_distinguisher: str | None = None
    export_targets: list[str] = field(default_factory=list)
    import_targets: list[str] = field(default_factory=list)
    apply_label: str = "per-instance"  # VRP8 NE default, printed in the config


@dataclass
class BgpPeer:
    """``peer X as-number N`` and the per-peer lines that hang off it."""

    address: IPv4Address
    as_number: str  # strings: asdot ("635.66") exists
    connect_interface: str | None = None
    description: str | None = None
    ebgp_max_hop: int | None = None


@dataclass
class BgpUnicastFamily:
    """``ipv4-family unicast`` (the BGP view itself is this family)."""

    synchronization: bool = False  # printed as "undo synchronization"
    enabled_peers: list[IPv4Address] = field(default_factory=list)
    import_routes: list[str] = field(default_factory=list)  # "direct", "static", "ospf 1"
    reflect_clients: list[IPv4Address] = field(default_factory=list)  # "peer X reflect-client"
    cluster_id: str | None = None  # "reflector cluster-id N|A.B.C.D" as typed


@dataclass
class BgpVpnv4Family:
    """``ipv4-family vpnv4``."""

    policy_vpn_target: bool = True  # VRP default, printed in the config
    enabled_peers: list[IPv4Address] = field(default_factory=list)
    reflect_clients: list[IPv4Address] = field(default_factory=list)  # "peer X reflect-client"
    cluster_id: str | None = None  # "reflector cluster-id N|A.B.C.D" as typed


@dataclass
class BgpVrfFamily:
    """``ipv4-family vpn-instance NAME`` inside ``bgp``."""

    vpn_instance: str
    peers: dict[IPv4Address, BgpPeer] = field(default_factory=dict)
    import_routes: list[str] = field(default_factory=list)
    maximum_load_balancing: int | None = None
    # "load-balancing igp-metric-ignore": paths whose next hops are at different IGP
    # costs may still share the load (otherwise only equal-cost paths do)
    load_balancing_igp_metric_ignore: bool = False


@dataclass
class Bgp:
    """``bgp AS`` and its address families."""

    as_number: str
    router_id: IPv4Address | None = None
    peers: dict[IPv4Address, BgpPeer] = field(default_factory=dict)
    unicast: BgpUnicastFamily = field(default_factory=BgpUnicastFamily)
    vpnv4: BgpVpnv4Family | None = None
    vrfs: dict[str, BgpVrfFamily] = field(default_factory=dict)


@dataclass
class OspfNetwork:
    """``network ADDRESS WILDCARD`` inside an OSPF area."""

    address: IPv4Address
    wildcard: IPv4Address

    def covers(self, ip: IPv4Address) -> bool:
        """True when *ip* matches this statement (wildcard bits are "don't care")."""
        mask = ~int(self.wildcard) & 0xFFFFFFFF
        return (int(ip) & mask) == (int(self.address) & mask)


@dataclass
class OspfArea:
    area_id: IPv4Address  # "area 0" is stored as 0.0.0.0
    networks: list[OspfNetwork] = field(default_factory=list)


@dataclass
class Ospf:
    process_id: int
    router_id: IPv4Address | None = None
    areas: dict[IPv4Address, OspfArea] = field(default_factory=dict)


@dataclass
class StaticRoute:
    """``ip route-static [vpn-instance V] DEST MASK {NEXTHOP | IF [NEXTHOP]} ...``."""

    prefix: IPv4Network
    vpn_instance: str | None = None
    nexthop: IPv4Address | None = None
    interface: str | None = None
    preference: int | None = None  # None = default 60
    track_bfd_session: str | None = None
    description: str | None = None

    def key(self) -> tuple[str | None, IPv4Network, IPv4Address | None, str | None]:
        """Identity of the route: a second command with the same key replaces it
        (e.g. adding ``track bfd-session`` to an existing route)."""
        return (self.vpn_instance, self.prefix, self.nexthop, self.interface)


@dataclass
class BfdSession:
    """``bfd NAME bind peer-ip ... [auto]`` and its sub-view settings."""

    name: str
    peer_ip: IPv4Address
    vpn_instance: str | None = None
    interface: str | None = None
    source_ip: IPv4Address | None = None
    auto: bool = False  # "auto": discriminators negotiated (allocated from 8192)
    local_discriminator: int | None = None  # static sessions without auto
    remote_discriminator: int | None = None
    min_tx_interval: int = 10  # ms (NE40E default shown in the reference)
    min_rx_interval: int = 10  # ms
    detect_multiplier: int = 3
    description: str | None = None


@dataclass
class RouterConfig:
    """Everything one router is configured to do. Deep-copyable, comparable."""

    sysname: str = FACTORY_SYSNAME
    interfaces: dict[str, Interface] = field(default_factory=dict)
    vpn_instances: dict[str, VpnInstance] = field(default_factory=dict)
    bfd_enabled: bool = False
    mpls_lsr_id: IPv4Address | None = None
    mpls_enabled: bool = False
    mpls_ldp_enabled: bool = False
    bgp: Bgp | None = None
    ospf: dict[int, Ospf] = field(default_factory=dict)
    load_balance_packet_all: bool = False
    static_routes: list[StaticRoute] = field(default_factory=list)
    bfd_sessions: dict[str, BfdSession] = field(default_factory=dict)

    def clone(self) -> RouterConfig:
        return copy.deepcopy(self)

    @classmethod
    def factory(cls, physical_interfaces: list[str]) -> RouterConfig:
        """A factory-fresh router: default sysname, physical ports present and up."""
        cfg = cls()
        for name in physical_interfaces:
            cfg.interfaces[name] = Interface(name=name, physical=True)
        return cfg
