"""The network's intent: what each router should be, validated before anything connects.

Intent lives in the Nornir SimpleInventory as ``data`` (defaults, then groups in
the host's order, then the host itself, deep-merged: a host only states what
differs from its groups). It is validated with strict pydantic models so that a
typo or a missing field is reported with the file, the host and the field,
before a single SSH session opens.

One intent, several inventories: an inventory whose ``defaults.yaml`` data says
``intent_from: ../lab`` takes its intent from that inventory's host and group
data and keeps only its own connection details (see
``inventory/production-example``).
"""

from __future__ import annotations

import copy
import re
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BeforeValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from vrpbook.twin.interfaces import canonical_interface_name


class IntentError(ValueError):
    """Intent that cannot describe a network; the message names file, host and field."""


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


AsNumber = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v), AfterValidator(_as_number)]
RouteTarget = Annotated[str, AfterValidator(_rd_rt)]
InterfaceName = Annotated[str, AfterValidator(_ifname)]
ObjectName = Annotated[str, AfterValidator(_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- per-feature models ----------------------------------------------------


class InterfaceIntent(_Strict):
    """A routed interface: its address, and whether it carries MPLS/LDP or a VPN."""

    address: IPv4Interface
    mpls_ldp: bool = False
    vpn_instance: ObjectName | None = None


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
    """``ipv4-family vpn-instance NAME`` inside ``bgp``."""

    import_routes: list[Literal["direct", "static"]] = Field(default_factory=list)
    peers: list[BgpPeerIntent] = Field(default_factory=list)
    maximum_load_balancing: Annotated[int, Field(ge=1, le=64)] | None = None


class BgpIntent(_Strict):
    """``bgp AS``: IBGP/EBGP peers, VPNv4 peers, unicast imports, VPN instances."""

    as_number: AsNumber
    peers: list[BgpPeerIntent] = Field(default_factory=list)
    vpnv4_peers: list[IPv4Address] = Field(default_factory=list)
    import_routes: list[Literal["direct", "static"]] = Field(default_factory=list)
    vpn_instances: dict[ObjectName, BgpVrfIntent] = Field(default_factory=dict)


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


class HostIntent(_Strict):
    """Everything one router should be configured with."""

    role: Literal["pe", "ce"]
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
    def _consistent(self) -> "HostIntent":
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
        return self

    # Convenience views used by templates and gates ---------------------------

    def all_addresses(self) -> dict[str, IPv4Interface]:
        """Every configured interface address by interface name."""
        out = {name: addr for name, addr in self.loopbacks.items()}
        out.update({name: itf.address for name, itf in self.interfaces.items()})
        return out


# --- loading ---------------------------------------------------------------

# Keys of a Nornir host/group that are connection details, never intent.
_NON_INTENT_DATA = {"lab", "intent_from"}


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise IntentError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise IntentError(f"{path}: expected a mapping at the top level")
    return raw


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


def load_intent(inventory_dir: str | Path) -> dict[str, HostIntent]:
    """Read, merge and validate every host's intent in *inventory_dir*.

    Raises :class:`IntentError` naming the file, host and field at fault.
    """
    inv = Path(inventory_dir)
    defaults_path = inv / "defaults.yaml"
    defaults = _read_yaml(defaults_path)
    source_dir = inv
    redirect = (defaults.get("data") or {}).get("intent_from")
    if redirect:
        source_dir = (inv / str(redirect)).resolve()
        if not (source_dir / "hosts.yaml").exists():
            raise IntentError(f"{defaults_path}: data.intent_from: no inventory at {source_dir}")
        defaults = _read_yaml(source_dir / "defaults.yaml")
        local_hosts = set(_read_yaml(inv / "hosts.yaml"))
    hosts_path = source_dir / "hosts.yaml"
    groups_path = source_dir / "groups.yaml"
    hosts = _read_yaml(hosts_path)
    groups = _read_yaml(groups_path)
    if redirect:
        missing = local_hosts - set(hosts)
        if missing:
            raise IntentError(f"{inv / 'hosts.yaml'}: hosts {sorted(missing)} have no intent in {hosts_path}")
        hosts = {name: spec for name, spec in hosts.items() if name in local_hosts}
    if not hosts:
        raise IntentError(f"{hosts_path}: no hosts")

    result: dict[str, HostIntent] = {}
    for name, spec in hosts.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise IntentError(f"{hosts_path}: host {name}: expected a mapping")
        origin: dict[str, str] = {}
        merged = _deep_merge({}, (defaults.get("data") or {}), origin, str(defaults_path))
        for group in spec.get("groups") or []:
            if group not in groups:
                raise IntentError(f"{hosts_path}: host {name}: groups: unknown group {group!r} (not in {groups_path})")
            merged = _deep_merge(merged, (groups[group] or {}).get("data") or {}, origin, str(groups_path))
        host_data = spec.get("data") or {}
        if not isinstance(host_data, dict):
            raise IntentError(f"{hosts_path}: host {name}: data: expected a mapping")
        merged = _deep_merge(merged, host_data, origin, str(hosts_path))
        for key in _NON_INTENT_DATA:
            merged.pop(key, None)
        try:
            result[str(name)] = HostIntent.model_validate(merged)
        except ValidationError as exc:
            lines = []
            for err in exc.errors():
                field = _loc_to_path(tuple(err["loc"]))
                where = _origin_of(field, origin, str(hosts_path)) if field else str(hosts_path)
                msg = err["msg"]
                if err["type"] == "missing":
                    where = str(hosts_path)
                lines.append(f"{where}: host {name}: field {field or '(host data)'}: {msg}")
            raise IntentError("invalid intent:\n  " + "\n  ".join(lines)) from None
    _check_network(result, str(hosts_path))
    return result


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
