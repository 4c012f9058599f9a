"""``display ip vpn-instance verbose``: totals, then instances and their address families.

Keys vrpbook knows are typed; any other ``Key : value`` is kept under the
family's (or the instance's) ``extra`` with a warning.  Values are stripped,
``NULL``/``-`` become null, VPN targets are split on blanks.
The format has no closing line, so a cut after a complete line cannot be
detected; a cut inside an instance header or a pair line fails the parse.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, require
from vrpbook.parsers.errors import ParseErrorKind
from vrpbook.parsers.grammar import Match


class AddressFamily(Record):
    """One ``Address family ipv4|ipv6`` block; policy/limit keys only when printed."""

    OPTIONAL_LINES: ClassVar[frozenset[str]] = frozenset(
        {
            "per_instance_label",
            "import_route_policy",
            "export_route_policy",
            "tunnel_policy",
            "maximum_routes_limit",
            "threshold_routes_limit",
            "create_date",
            "up_time",
            "diffserv_mode",
            "ttl_mode",
            "log_interval",
        }
    )
    afi: str
    vrf_status: str | None = None
    route_distinguisher: str | None = None
    export_vpn_targets: list[str] = Field(default_factory=list)
    import_vpn_targets: list[str] = Field(default_factory=list)
    label_policy: str | None = None
    per_instance_label: int | None = None
    import_route_policy: str | None = None
    export_route_policy: str | None = None
    tunnel_policy: str | None = None
    maximum_routes_limit: int | None = None
    threshold_routes_limit: str | None = None
    create_date: str | None = None
    up_time: str | None = None
    diffserv_mode: str | None = None
    ttl_mode: str | None = None
    log_interval: int | None = None
    extra: dict[str, str | None] = Field(default_factory=dict)


class VpnInstance(Record):
    """One instance: ``description`` null without its line, ``""`` when printed empty."""

    name: str
    id: int
    description: str | None = None
    interfaces: list[str] = Field(default_factory=list)
    address_families: list[AddressFamily] = Field(default_factory=list)
    extra: dict[str, str | None] = Field(default_factory=dict)


class VpnInstances(ParsedOutput):
    """``display ip vpn-instance verbose``."""

    total_vpn_instances: int | None = None
    total_ipv4_vpn_instances: int | None = None
    total_ipv6_vpn_instances: int | None = None
    instances: list[VpnInstance] = Field(default_factory=list)


_FIELDS = {
    "vrf status": "vrf_status",
    "route distinguisher": "route_distinguisher",
    "export vpn targets": "export_vpn_targets",
    "import vpn targets": "import_vpn_targets",
    "label policy": "label_policy",
    "per-instance label": "per_instance_label",
    "import route policy": "import_route_policy",
    "export route policy": "export_route_policy",
    "tunnel policy": "tunnel_policy",
    "maximum routes limit": "maximum_routes_limit",
    "threshold routes limit": "threshold_routes_limit",
    "create date": "create_date",
    "up time": "up_time",
    "the diffserv-mode information is": "diffserv_mode",
    "the ttl-mode information is": "ttl_mode",
    "log interval": "log_interval",
}
_INTS = frozenset({"per_instance_label", "maximum_routes_limit", "log_interval"})
_LISTS = frozenset({"export_vpn_targets", "import_vpn_targets"})
_NULLS = frozenset({"-", "--", "NULL"})


def build(matches: list[Match], ctx: Context) -> VpnInstances:
    """Assemble instances; every line must sit where the format puts it."""
    require(ctx, matches, "total")
    top: dict[str, int | None] = {}
    total_line: Match | None = None
    instances: list[VpnInstance] = []
    af: AddressFamily | None = None
    implicit = False  # af was opened by keys printed without an "Address family" line (older VRP5)
    interfaces_open = False
    for m in matches:
        inst = instances[-1] if instances else None
        kind = m.kind
        if kind != "interfaces_cont" and kind != "interfaces":
            interfaces_open = False
        if kind in ("total", "total_afi"):
            if instances:
                raise ctx.fail("totals after the first instance", m)
            key = {"total": "total_vpn_instances", "IPv4": "total_ipv4_vpn_instances", "IPv6": "total_ipv6_vpn_instances"}[
                "total" if kind == "total" else m.values["afi"]
            ]
            if key in top:
                raise ctx.fail(f"{key} printed twice", m)
            top[key] = ctx.req_int(m, "total")
            if kind == "total":
                total_line = m
        elif kind == "instance":
            instances.append(VpnInstance(name=m.values["name"], id=ctx.req_int(m, "id")))
            af, implicit = None, False
        elif kind == "description":
            if inst is None or (af is not None and not implicit) or "description" in inst.model_fields_set:
                raise ctx.fail("Description line out of place", m)
            inst.description = m.values["description"].strip()
        elif kind == "interfaces":
            if inst is None or (af is not None and not implicit) or inst.interfaces:
                raise ctx.fail("Interfaces line out of place", m)
            inst.interfaces.extend(_split_interfaces(m.values["interfaces"]))
            interfaces_open = True
        elif kind == "interfaces_cont":
            # twin's choice (parser): no sample shows a wrapped Interfaces list; a line of only
            # interface names right after "Interfaces :" is read as its continuation.
            if not interfaces_open or inst is None:
                raise ctx.fail("line not understood here (not an Interfaces continuation)", m, ParseErrorKind.UNKNOWN_LINE)
            inst.interfaces.extend(_split_interfaces(m.values["interfaces"]))
        elif kind == "address_family":
            if inst is None:
                raise ctx.fail("address family outside an instance", m)
            af, implicit = AddressFamily(afi=m.values["afi"]), False
            inst.address_families.append(af)
        elif kind == "pair":
            if inst is None:
                raise ctx.fail("key/value line outside an instance", m)
            if af is None:
                field = _FIELDS.get(" ".join(m.values["key"].lower().split()))
                if field is None:
                    _extra(ctx, m, inst.extra)
                    continue
                # twin's choice (parser): older VRP5 releases print the family's keys with no
                # "Address family" line (command reference only); they are the IPv4 family.
                ctx.warn("instance keys without an 'Address family' line: read as address family ipv4", m)
                af, implicit = AddressFamily(afi="ipv4"), True
                inst.address_families.append(af)
            _put(ctx, m, af)
    ctx.total("VPN instances", top.get("total_vpn_instances"), len(instances), total_line, closed=None)
    return VpnInstances(instances=instances, **top)  # type: ignore[arg-type]


def _extra(ctx: Context, m: Match, extra: dict[str, str | None]) -> None:
    shown = " ".join(m.values["key"].split())
    if shown in extra:
        raise ctx.fail(f"{shown!r} printed twice", m)
    ctx.warn(f"field {shown!r} is not one vrpbook knows; kept under extra", m)
    raw = m.values["value"].strip()
    extra[shown] = None if raw in _NULLS else raw


def _split_interfaces(raw: str) -> list[str]:
    return [name for name in re.split(r"[\s,]+", raw) if name]


def _put(ctx: Context, m: Match, af: AddressFamily) -> None:
    field = _FIELDS.get(" ".join(m.values["key"].lower().split()))
    if field is None:
        _extra(ctx, m, af.extra)
        return
    if field in af.model_fields_set:
        raise ctx.fail(f"{m.values['key'].strip()!r} printed twice in one address family", m)
    raw = m.values["value"].strip()
    value: object
    if field in _LISTS:
        value = raw.split()
    elif raw in _NULLS:
        value = None
    elif field in _INTS:
        value = ctx.decimal(m, field, raw)
    else:
        value = raw
    setattr(af, field, value)
