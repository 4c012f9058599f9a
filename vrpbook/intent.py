"""The network's intent: what each router should be, validated before anything connects.

Intent lives in the Nornir SimpleInventory as ``data`` and is built from the
Nornir objects the one inventory read produced (:mod:`vrpbook.inventory`).
Nornir's own lookup (``host["key"]``) returns the first mapping that has a key
and does not merge nested mappings, so vrpbook merges ``data`` deeply itself,
in Nornir's resolution order, lowest priority first:

1. ``defaults.data``;
2. each group of ``host.extended_groups()`` (the host's groups and their
   parents, nearest first) in reverse, so a host's first group wins over its
   later groups and over their parents;
3. the host's own ``data``.

Mappings merge key by key; anything else (lists, scalars) replaces. The result
is validated with strict pydantic models, so a typo or a missing field is
reported with the file, the host and the field, before a single SSH session
opens.

One intent, several inventories: an inventory whose defaults data says
``intent_from: ../lab`` takes its intent from that inventory's host and group
data and keeps only its own connection details (see
``inventory/production-example``).

The facts both templates and checks derive from the intent (IBGP/EBGP peers,
LDP neighbours, the routers a VPN route is learnt from...) are methods here,
written once.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from nornir.core.inventory import Host
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from vrpbook.errors import IntentError
from vrpbook.inventory import ROLES, Inventory, InventoryFiles, read_nornir
from vrpbook.vrp import canonical_interface_name

__all__ = ["HostIntent", "IntentError", "NetworkIntent", "VpnRouteOrigin", "load_intent"]


# --- constrained types -----------------------------------------------------

_AS_RE = re.compile(r"^(?:\d{1,10}|\d{1,5}\.\d{1,5})$")
# VRP RD / RT: "AS:nn" (2-byte AS:4-byte or 4-byte AS:2-byte), "IPv4:nn", or asdot "x.y:nn".
_RD_RE = re.compile(r"^(?:\d{1,10}|\d{1,3}(?:\.\d{1,3}){3}|\d{1,5}\.\d{1,5}):\d{1,10}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,31}$")


def _as_number(v: str) -> str:
    if not _AS_RE.match(v):
        raise ValueError(f"not an AS number (N or asdot X.Y): {v!r}")
    if "." in v:
        hi, lo = (int(p) for p in v.split("."))
        if hi > 65535 or lo > 65535:
            raise ValueError(f"asdot AS out of range: {v!r}")
    elif not 1 <= int(v) <= 4294967295:
        raise ValueError(f"AS number out of range 1-4294967295: {v!r}")
    return v


def _rd_rt(v: str) -> str:
    if not _RD_RE.match(v):
        raise ValueError(f"not a route distinguisher / VPN target (ASN:nn or IP:nn): {v!r}")
    left, right = v.rsplit(":", 1)
    if "." in left and left.count(".") == 3:
        IPv4Address(left)
        if int(right) > 65535:
            raise ValueError(f"IP:nn form allows nn up to 65535: {v!r}")
    elif "." not in left and int(left) > 65535 and int(right) > 65535:
        raise ValueError(f"4-byte AS:nn form allows nn up to 65535: {v!r}")
    return v


def _ifname(v: str) -> str:
    return canonical_interface_name(v)


def _name(v: str) -> str:
    if not _NAME_RE.match(v):
        raise ValueError(f"names are 1-31 characters of letters, digits, '_', '-', '.': {v!r}")
    return v


def _int_to_str(v: object) -> object:
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _cluster_id(v: str) -> str:
    """``reflector cluster-id``: a number 1-4294967295 or a dotted quad, kept as written
    (VRP prints it as typed; a number N stands for the dotted quad of N)."""
    if v.isdigit():
        if not 1 <= int(v) <= 4294967295:
            raise ValueError(f"cluster ID out of range 1-4294967295: {v!r}")
        return v
    try:
        IPv4Address(v)
    except ValueError:
        raise ValueError(f"not a cluster ID (a number 1-4294967295 or a dotted quad): {v!r}") from None
    return v


AsNumber = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_as_number)]
ClusterId = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_cluster_id)]
RouteTarget = Annotated[str, AfterValidator(_rd_rt)]
InterfaceName = Annotated[str, AfterValidator(_ifname)]
ObjectName = Annotated[str, AfterValidator(_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- per-feature models ----------------------------------------------------


class InterfaceIntent(_Strict):
    """A routed interface: its address, whether it carries MPLS/LDP or a VPN, and its
    OSPF cost (``ospf cost N`` inside the interface; None = VRP's default cost)."""

    address: IPv4Interface
    mpls_ldp: bool = False
    vpn_instance: ObjectName | None = None
    ospf_cost: Annotated[int, Field(ge=1, le=65535)] | None = None


class OspfIntent(_Strict):
    """``ospf PROCESS`` with ``network ADDRESS WILDCARD`` per area, in configured order."""

    process: Annotated[int, Field(ge=1, le=4294967295)] = 1
    areas: dict[IPv4Address, list[IPv4Interface]]

    @model_validator(mode="before")
    @classmethod
    def _areas(cls, data: Any) -> Any:
        # Area "0" or 0 means 0.0.0.0, as VRP reads it; networks are "ADDR WILDCARD".
        if isinstance(data, dict) and isinstance(data.get("areas"), dict):
            areas = {}
            for area, nets in data["areas"].items():
                key = str(IPv4Address(int(area))) if str(area).isdigit() else str(area)
                areas[key] = [_network_statement(n) for n in (nets or [])]
            data = {**data, "areas": areas}
        return data


def _network_statement(text: Any) -> Any:
    """``"11.11.11.0 0.0.0.255"`` → an IPv4Interface carrying address and wildcard."""
    if isinstance(text, str) and " " in text.strip():
        addr, wildcard = text.split()
        mask = IPv4Address(~int(IPv4Address(wildcard)) & 0xFFFFFFFF)
        return f"{addr}/{mask}"
    return text


class MplsIntent(_Strict):
    lsr_id: IPv4Address


class VpnInstanceIntent(_Strict):
    """``ip vpn-instance NAME`` / ``ipv4-family``: RD and targets."""

    rd: RouteTarget
    import_targets: list[RouteTarget] = Field(min_length=1)
    export_targets: list[RouteTarget] = Field(min_length=1)


class BgpPeerIntent(_Strict):
    address: IPv4Address
    as_number: AsNumber
    connect_interface: InterfaceName | None = None


class BgpVrfIntent(_Strict):
    """``ipv4-family vpn-instance NAME`` inside ``bgp``.

    ``load_balancing_igp_metric_ignore``: ``load-balancing igp-metric-ignore``, so
    paths to next hops at different IGP costs may still share the load (without it,
    BGP load-balances only over paths of equal IGP cost)."""

    import_routes: list[Literal["direct", "static"]] = Field(default_factory=list)
    peers: list[BgpPeerIntent] = Field(default_factory=list)
    maximum_load_balancing: Annotated[int, Field(ge=1, le=64)] | None = None
    load_balancing_igp_metric_ignore: bool = False


class ReflectClientsIntent(_Strict):
    """``peer X reflect-client`` per address family: the IBGP peers this router reflects to.

    ``vpnv4``: in ``ipv4-family vpnv4`` (each must also be in ``vpnv4_peers``);
    ``unicast``: in ``ipv4-family unicast`` (public IPv4 routes)."""

    vpnv4: list[IPv4Address] = Field(default_factory=list)
    unicast: list[IPv4Address] = Field(default_factory=list)

    def families(self) -> dict[str, list[IPv4Address]]:
        """Family -> its clients, for the families that have any."""
        return {f: c for f, c in (("vpnv4", self.vpnv4), ("unicast", self.unicast)) if c}


class BgpIntent(_Strict):
    """``bgp AS``: IBGP/EBGP peers, VPNv4 peers, unicast imports, VPN instances, and
    route reflection.

    Route reflection: ``reflect_clients`` makes the router a reflector for each family
    that lists clients (``peer X reflect-client``); ``cluster_id`` is its ``reflector
    cluster-id`` (in every family it reflects; None: VRP's default, the router ID);
    ``policy_vpn_target: false`` is ``undo policy vpn-target`` in the VPNv4 family, so
    a reflector holding no VPN instance keeps (and reflects) every VPNv4 route instead
    of dropping those its instances do not import."""

    as_number: AsNumber
    peers: list[BgpPeerIntent] = Field(default_factory=list)
    vpnv4_peers: list[IPv4Address] = Field(default_factory=list)
    import_routes: list[Literal["direct", "static"]] = Field(default_factory=list)
    vpn_instances: dict[ObjectName, BgpVrfIntent] = Field(default_factory=dict)
    reflect_clients: ReflectClientsIntent = Field(default_factory=ReflectClientsIntent)
    cluster_id: ClusterId | None = None
    policy_vpn_target: bool = True

    @field_validator("reflect_clients")
    @classmethod
    def _clients_are_ibgp_peers(cls, v: ReflectClientsIntent, info: ValidationInfo) -> ReflectClientsIntent:
        """A client is an IBGP peer of this router (VRP refuses ``reflect-client`` on any
        other), and a VPNv4 client is a VPNv4 peer. Skipped when the fields it relies on
        failed their own validation (their errors are reported)."""
        asn, peers, vpnv4 = info.data.get("as_number"), info.data.get("peers"), info.data.get("vpnv4_peers")
        if asn is None or peers is None:
            return v
        ibgp = {p.address for p in peers if p.as_number == asn}
        for family, clients in v.families().items():
            for addr in clients:
                if addr not in ibgp:
                    raise ValueError(f"{family}: {addr} is not an IBGP peer (no bgp.peers entry {addr} in AS {asn})")
                if family == "vpnv4" and vpnv4 is not None and addr not in vpnv4:
                    raise ValueError(f"vpnv4: {addr} is not in bgp.vpnv4_peers")
            if len(set(clients)) != len(clients):
                raise ValueError(f"{family}: a client is listed twice")
        return v

    @model_validator(mode="after")
    def _reflector(self) -> BgpIntent:
        if self.cluster_id is not None and not self.reflect_clients.families():
            raise ValueError("cluster_id: only a route reflector has a cluster ID (reflect_clients lists no client)")
        if not self.policy_vpn_target and not self.vpnv4_peers:
            raise ValueError("policy_vpn_target: false is 'undo policy vpn-target' in the VPNv4 family; "
                             "this router has no vpnv4_peers")
        return self

    @property
    def reflects(self) -> bool:
        """A route reflector for at least one family."""
        return bool(self.reflect_clients.families())

    @property
    def ibgp_peers(self) -> list[BgpPeerIntent]:
        """Peers in this router's own AS."""
        return [p for p in self.peers if p.as_number == self.as_number]

    @property
    def ebgp_peers(self) -> list[BgpPeerIntent]:
        """Public peers in another AS (the CE side of a PE-CE EBGP session)."""
        return [p for p in self.peers if p.as_number != self.as_number]

    @property
    def ebgp_vpn_instances(self) -> dict[str, BgpVrfIntent]:
        """VPN instances with peers (the PE side of a PE-CE EBGP session)."""
        return {name: vrf for name, vrf in self.vpn_instances.items() if vrf.peers}


class BfdSessionIntent(_Strict):
    """``bfd NAME bind peer-ip P [vpn-instance V] interface I source-ip S auto``."""

    name: ObjectName
    peer_ip: IPv4Address
    interface: InterfaceName
    source_ip: IPv4Address
    vpn_instance: ObjectName | None = None


class StaticRouteIntent(_Strict):
    """``ip route-static [vpn-instance V] PREFIX NEXTHOP [track bfd-session NAME]``."""

    prefix: IPv4Network
    nexthop: IPv4Address
    vpn_instance: ObjectName | None = None
    track_bfd_session: ObjectName | None = None


#: What a router is in the network; runbook stages and gates select routers by it (a
#: group of that name, :func:`vrpbook.inventory.select_hosts`). ``pe``: provider edge
#: (VPN instances, CEs attached; a PE may also reflect routes); ``ce``: customer edge;
#: ``rr``: a route reflector that is not a PE (IGP, MPLS and MP-IBGP, no VPN instance).
Role = Literal["pe", "ce", "rr"]
assert get_args(Role) == ROLES


class HostIntent(_Strict):
    """Everything one router should be configured with."""

    role: Role
    sysname: Annotated[str, Field(min_length=1, max_length=246, pattern=r"^\S+$")]
    loopbacks: dict[InterfaceName, IPv4Interface] = Field(default_factory=dict)
    interfaces: dict[InterfaceName, InterfaceIntent] = Field(default_factory=dict)
    ospf: OspfIntent | None = None
    mpls: MplsIntent | None = None
    vpn_instances: dict[ObjectName, VpnInstanceIntent] = Field(default_factory=dict)
    bgp: BgpIntent | None = None
    bfd_sessions: list[BfdSessionIntent] = Field(default_factory=list)
    static_routes: list[StaticRouteIntent] = Field(default_factory=list)
    load_balance: Literal["packet all", "flow"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HostIntent:
        """Cross-references inside one host: the kind of slip a reviewer misses."""
        for ifname, itf in self.interfaces.items():
            if itf.vpn_instance and itf.vpn_instance not in self.vpn_instances:
                raise ValueError(f"interfaces.{ifname}.vpn_instance: no vpn_instances.{itf.vpn_instance}")
            if itf.mpls_ldp and self.mpls is None:
                raise ValueError(f"interfaces.{ifname}.mpls_ldp needs mpls.lsr_id")
        names = {s.name for s in self.bfd_sessions}
        for i, route in enumerate(self.static_routes):
            if route.track_bfd_session and route.track_bfd_session not in names:
                raise ValueError(f"static_routes[{i}].track_bfd_session: no bfd_sessions entry {route.track_bfd_session!r}")
            if route.vpn_instance and route.vpn_instance not in self.vpn_instances:
                raise ValueError(f"static_routes[{i}].vpn_instance: no vpn_instances.{route.vpn_instance}")
        for s in self.bfd_sessions:
            if s.vpn_instance and s.vpn_instance not in self.vpn_instances:
                raise ValueError(f"bfd_sessions[{s.name}].vpn_instance: no vpn_instances.{s.vpn_instance}")
        if self.bgp:
            for vrf in self.bgp.vpn_instances:
                if vrf not in self.vpn_instances:
                    raise ValueError(f"bgp.vpn_instances.{vrf}: no vpn_instances.{vrf}")
            if self.bgp.reflect_clients.vpnv4 and self.bgp.policy_vpn_target and not self.vpn_instances:
                raise ValueError("bgp.policy_vpn_target: a VPNv4 route reflector without VPN instances must set it "
                                 "false ('undo policy vpn-target'): with VRP's default it keeps no VPNv4 route to reflect")
        if self.role == "rr":
            if self.bgp is None or not self.bgp.reflects:
                raise ValueError("role: rr is a route reflector: bgp.reflect_clients lists no client")
            if self.vpn_instances or self.static_routes or self.bfd_sessions:
                raise ValueError("role: rr is a route reflector that is not a PE: no vpn_instances, static_routes or "
                                 "bfd_sessions (a PE that reflects routes is role pe)")
        return self

    # Facts used by templates and checks ---------------------------------------

    def all_addresses(self) -> dict[str, IPv4Interface]:
        """Every configured interface address by interface name."""
        out = {name: addr for name, addr in self.loopbacks.items()}
        out.update({name: itf.address for name, itf in self.interfaces.items()})
        return out

    def ospf_loopbacks(self) -> list[str]:
        """Loopback /32s the router advertises into OSPF (covered by a network statement)."""
        if not self.ospf:
            return []
        out = []
        for addr in self.loopbacks.values():
            for nets in self.ospf.areas.values():
                if any(addr.ip in n.network for n in nets):
                    out.append(f"{addr.ip}/{addr.network.prefixlen}")
                    break
        return out

    @property
    def runs_ldp(self) -> bool:
        """MPLS with LDP enabled on at least one interface."""
        return self.mpls is not None and any(i.mpls_ldp for i in self.interfaces.values())

    def public_static_routes(self) -> dict[str, set[str]]:
        """Public static routes: prefix -> every intended next hop (ECMP)."""
        out: dict[str, set[str]] = {}
        for r in self.static_routes:
            if r.vpn_instance is None:
                out.setdefault(str(r.prefix), set()).add(str(r.nexthop))
        return out

    def vpn_static_routes(self) -> dict[str, dict[str, set[str]]]:
        """VPN static routes: VPN instance -> prefix -> next hops."""
        out: dict[str, dict[str, set[str]]] = {}
        for r in self.static_routes:
            if r.vpn_instance:
                out.setdefault(r.vpn_instance, {}).setdefault(str(r.prefix), set()).add(str(r.nexthop))
        return out

    def ebgp_public_peers(self) -> list[str]:
        """Addresses of public EBGP peers."""
        return [str(p.address) for p in self.bgp.ebgp_peers] if self.bgp else []

    def ebgp_vpn_peers(self) -> dict[str, list[str]]:
        """VPN instance -> addresses of its EBGP peers."""
        if not self.bgp:
            return {}
        return {v: [str(p.address) for p in f.peers] for v, f in self.bgp.ebgp_vpn_instances.items()}

    def ecmp_vpn_instances(self) -> dict[str, int]:
        """VPN instance -> its ``maximum load-balancing`` (where set)."""
        if not self.bgp:
            return {}
        return {v: f.maximum_load_balancing for v, f in self.bgp.vpn_instances.items() if f.maximum_load_balancing}


@dataclass(frozen=True)
class VpnRouteOrigin:
    """A VPN static route another router originates into BGP, as a given router would learn it."""

    router: str  # the originating router
    vpn_instance: str  # its VPN instance the route is in
    nexthop: str  # the BGP next hop: the originator's address the learning router peers with
    export_targets: tuple[str, ...]  # the targets the route is exported with


class NetworkIntent(Mapping[str, HostIntent]):
    """Every router's intent (in inventory order), and the facts that span routers."""

    def __init__(self, hosts: Mapping[str, HostIntent]) -> None:
        self._hosts = dict(hosts)
        self._vpnv4_graph: dict[str, dict[str, str]] | None = None
        self._clients: dict[str, set[str]] | None = None
        self._learners: dict[str, dict[str, str]] = {}

    def __getitem__(self, name: str) -> HostIntent:
        return self._hosts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._hosts)

    def __len__(self) -> int:
        return len(self._hosts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NetworkIntent):
            return self._hosts == other._hosts
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking mapping: not hashable

    def subset(self, names: list[str]) -> NetworkIntent:
        return NetworkIntent({n: self._hosts[n] for n in names})

    def ldp_neighbours(self, host: str) -> dict[str, str]:
        """Intended LDP peers of *host*: routers with LDP on an interface in the same
        subnet as one of *host*'s LDP interfaces → their LSR ID → router name."""
        me = self._hosts[host]
        peers: dict[str, str] = {}
        for itf in me.interfaces.values():
            if not itf.mpls_ldp:
                continue
            for other, it in self._hosts.items():
                if other == host or not it.mpls:
                    continue
                for oitf in it.interfaces.values():
                    if oitf.mpls_ldp and oitf.address.network == itf.address.network:
                        peers[str(it.mpls.lsr_id)] = other
        return peers

    def _vpnv4_sessions(self) -> dict[str, dict[str, str]]:
        """router -> {IBGP VPNv4 neighbour: the address the router peers with it on}: a
        session where both ends list each other in ``vpnv4_peers`` within one AS."""
        if self._vpnv4_graph is not None:
            return self._vpnv4_graph
        owner: dict[IPv4Address, str] = {}
        for name, it in self._hosts.items():
            for ifname, addr in it.all_addresses().items():
                if ifname not in it.interfaces or it.interfaces[ifname].vpn_instance is None:
                    owner.setdefault(addr.ip, name)
        lists: dict[str, dict[str, str]] = {}
        for name, it in self._hosts.items():
            if not it.bgp:
                continue
            for peer_addr in it.bgp.vpnv4_peers:
                other = owner.get(peer_addr)
                peer = self._hosts[other].bgp if other else None
                if other and other != name and peer and peer.as_number == it.bgp.as_number:
                    lists.setdefault(name, {}).setdefault(other, str(peer_addr))
        self._vpnv4_graph = {
            name: {other: addr for other, addr in nbrs.items() if name in lists.get(other, {})}
            for name, nbrs in lists.items()
        }
        return self._vpnv4_graph

    def _vpnv4_clients(self) -> dict[str, set[str]]:
        """VPNv4 reflector -> the routers among its VPNv4 neighbours that are its clients."""
        if self._clients is None:
            graph = self._vpnv4_sessions()
            self._clients = {}
            for name, it in self._hosts.items():
                if it.bgp and it.bgp.reflect_clients.vpnv4:
                    mine = {str(a) for a in it.bgp.reflect_clients.vpnv4}
                    self._clients[name] = {o for o, addr in graph.get(name, {}).items() if addr in mine}
        return self._clients

    def vpnv4_learners(self, origin: str) -> dict[str, str]:
        """Every router that learns *origin*'s own VPNv4 routes over IBGP -> the BGP next hop
        it learns them with (*origin*'s address its first-hop peer peers with: reflection
        keeps the next hop).

        Follows BGP route reflection as the intent configures it: *origin* advertises to
        its VPNv4 peers; a router re-advertises an IBGP-learned route only when it is a
        VPNv4 reflector (``reflect_clients.vpnv4``): from a client to every other peer,
        from a non-client to its clients only, never back to the peer it came from; a
        route never returns to *origin* (ORIGINATOR_ID), and a reflector drops a route
        whose CLUSTER_LIST holds its own cluster ID (``cluster_id``; default: a cluster
        of its own, as VRP's default is the router ID)."""
        if origin in self._learners:
            return self._learners[origin]
        graph = self._vpnv4_sessions()

        def cluster(name: str) -> str:
            bgp = self._hosts[name].bgp
            cid = bgp.cluster_id if bgp else None
            if cid is None:
                return f"router {name}"
            return str(IPv4Address(int(cid))) if cid.isdigit() else cid

        clients = self._vpnv4_clients()
        learned: dict[str, set[str]] = {}
        todo = [(peer, origin, frozenset[str](), graph[peer][origin]) for peer in graph.get(origin, {})]
        seen: set[tuple[str, str, frozenset[str], str]] = set()
        while todo:
            item = todo.pop()
            if item in seen:
                continue
            seen.add(item)
            router, sender, clusters, nexthop = item
            if router == origin or (router in clients and cluster(router) in clusters):
                continue
            learned.setdefault(router, set()).add(nexthop)
            mine = clients.get(router)
            if mine is None:
                continue  # not a reflector: IBGP-learned routes stay off IBGP sessions
            onward = clusters | {cluster(router)}
            for peer in graph.get(router, {}):
                if peer != sender and (sender in mine or peer in mine):
                    todo.append((peer, router, onward, nexthop))
        self._learners[origin] = {r: sorted(hops)[0] for r, hops in learned.items()}
        return self._learners[origin]

    def vpn_route_originators(self, host: str, vrf: str) -> dict[str, dict[str, str]]:
        """prefix -> {originating router: the address *host* peers with it on} for VPN
        static routes that other routers import into BGP in a VPN instance named *vrf*
        (by name only; :meth:`vpn_route_origins` also follows the route targets)."""
        out: dict[str, dict[str, str]] = {}
        for prefix, origins in self.vpn_route_origins(host, vrf).items():
            same_name = {o.router: o.nexthop for o in origins if o.vpn_instance == vrf}
            if same_name:
                out[prefix] = same_name
        return out

    def vpn_route_origins(self, host: str, vrf: str) -> dict[str, list[VpnRouteOrigin]]:
        """prefix -> the other routers that originate it into BGP (VPN static routes with
        ``import-route static``) from a VPN instance named *vrf* or one exporting a target
        that *host*'s *vrf* imports, and that *host* peers with. Whether the targets let a
        route arrive is the caller's to judge (a check reads the import targets back).
        "Peers with" follows route reflection (:meth:`vpnv4_learners`)."""
        me = self._hosts[host]
        mine = me.vpn_instances.get(vrf)
        imports = set(mine.import_targets) if mine else set()
        out: dict[str, list[VpnRouteOrigin]] = {}
        for other, it in self._hosts.items():
            if other == host or not it.bgp:
                continue
            peer_addr = self.vpnv4_learners(other).get(host)
            if peer_addr is None:
                continue
            for name, family in it.bgp.vpn_instances.items():
                exports = it.vpn_instances[name].export_targets
                if "static" not in family.import_routes or (name != vrf and not imports & set(exports)):
                    continue
                for r in it.static_routes:
                    if r.vpn_instance == name:
                        out.setdefault(str(r.prefix), []).append(VpnRouteOrigin(other, name, peer_addr, tuple(exports)))
        return out


# --- loading ---------------------------------------------------------------

# Keys of inventory data that are connection details or policy, never intent.
_NON_INTENT_DATA = {"lab", "intent_from", "known_hosts", "queue"}


def _deep_merge(base: dict[str, Any], over: dict[str, Any], origin: dict[str, str], src: str, prefix: str = "") -> dict[str, Any]:
    """Merge *over* into a copy of *base*; dicts merge key by key, anything else replaces.
    *origin* records, for every key path, the file that set it last (for error messages)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        path = f"{prefix}{key}"
        origin[path] = src
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value, origin, src, path + ".")
        else:
            out[key] = copy.deepcopy(value)
            _mark(value, origin, src, path)
    return out


def _mark(value: Any, origin: dict[str, str], src: str, path: str) -> None:
    """Record *src* as the origin of every key path under *value*."""
    origin[path] = src
    if isinstance(value, dict):
        for sub, v in value.items():
            _mark(v, origin, src, f"{path}.{sub}")


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def _origin_of(path: str, origin: dict[str, str], default: str) -> str:
    parts = re.split(r"\.|\[", path)
    while parts:
        key = ".".join(p for p in parts if not p.endswith("]"))
        if key in origin:
            return origin[key]
        parts.pop()
    return default


def _merged_data(host: Host, files: InventoryFiles, origin: dict[str, str]) -> dict[str, Any]:
    """*host*'s data deep-merged in Nornir's resolution order (see the module doc)."""
    merged = _deep_merge({}, dict(host.defaults.data), origin, str(files.defaults))
    for group in reversed(host.extended_groups()):
        merged = _deep_merge(merged, dict(group.data), origin, str(files.groups))
    merged = _deep_merge(merged, dict(host.data), origin, str(files.hosts))
    for key in _NON_INTENT_DATA:
        merged.pop(key, None)
    return merged


def intent_of(inv: Inventory) -> NetworkIntent:
    """Merge and validate every host's intent from the inventory's Nornir objects.

    Raises :class:`IntentError` naming the file, host and field at fault.
    """
    source_files = inv.files
    source_hosts = inv.nr.inventory.hosts
    redirect = inv.data.get("intent_from")
    if redirect:
        source_dir = (inv.path / str(redirect)).resolve()
        if not (source_dir / "hosts.yaml").exists():
            raise IntentError(f"{inv.files.defaults}: data.intent_from: no inventory at {source_dir}")
        source_files = InventoryFiles.of(source_dir)
        source_hosts = read_nornir(source_dir).inventory.hosts
        missing = sorted(set(inv.nr.inventory.hosts) - set(source_hosts))
        if missing:
            raise IntentError(f"{inv.files.hosts}: hosts {missing} have no intent in {source_files.hosts}")
    if not inv.nr.inventory.hosts:
        raise IntentError(f"{inv.files.hosts}: no hosts")

    result: dict[str, HostIntent] = {}
    for name in inv.nr.inventory.hosts:
        origin: dict[str, str] = {}
        merged = _merged_data(source_hosts[name], source_files, origin)
        try:
            result[str(name)] = HostIntent.model_validate(merged)
        except ValidationError as exc:
            lines = []
            for err in exc.errors():
                field = _loc_to_path(tuple(err["loc"]))
                where = _origin_of(field, origin, str(source_files.hosts)) if field else str(source_files.hosts)
                if err["type"] == "missing":
                    where = str(source_files.hosts)
                lines.append(f"{where}: host {name}: field {field or '(host data)'}: {err['msg']}")
            raise IntentError("invalid intent:\n  " + "\n  ".join(lines)) from None
    _check_network(result, str(source_files.hosts))
    return NetworkIntent(result)


def load_intent(inventory_dir: str | Path) -> NetworkIntent:
    """Read an inventory (through Nornir) and return its validated intent."""
    from vrpbook.inventory import load_inventory

    return intent_of(load_inventory(inventory_dir))


def _check_network(intents: dict[str, HostIntent], where: str) -> None:
    """Cross-host checks: duplicate addresses, sysnames, BFD names per router."""
    seen_addr: dict[IPv4Address, str] = {}
    seen_sys: dict[str, str] = {}
    for host, it in intents.items():
        if it.sysname in seen_sys:
            raise IntentError(f"{where}: host {host}: field sysname: {it.sysname!r} is also {seen_sys[it.sysname]}'s")
        seen_sys[it.sysname] = host
        for ifname, addr in it.all_addresses().items():
            vrf = it.interfaces[ifname].vpn_instance if ifname in it.interfaces else None
            if vrf is None and addr.ip in seen_addr:
                raise IntentError(f"{where}: host {host}: field interfaces.{ifname}: address {addr.ip} is also on {seen_addr[addr.ip]}")
            if vrf is None:
                seen_addr[addr.ip] = f"{host}:{ifname}"
