"""``get_interfaces`` from ``display interface brief`` and the interfaces' configured descriptions;
``get_interfaces_ip`` from ``display ip interface brief``.

Per interface: ``is_enabled`` = PHY is not ``*down`` (administratively down);
``is_up`` = the protocol is up (``up``, ``up(s)`` spoofing as loopbacks and
NULL0 show); ``description`` from the running configuration; ``speed`` from the
port's speed tag when the row carries one (``GigabitEthernet1/0/0(10G)``).
Not printed by any display the driver reads (VRP's ``display interface``
detail has no public sample to build a parser on): ``mtu`` (-1),
``mac_address`` (""), ``last_flapped`` (-1.0, NAPALM's documented unknown),
``speed`` without a tag (-1.0).
"""

from __future__ import annotations

from collections.abc import Mapping

from napalm.base import models

from vrpbook.parsers.interface_brief import InterfaceBrief
from vrpbook.parsers.ip_interface_brief import IpInterfaceBrief

from .values import UNKNOWN, speed_mbit


def interfaces(brief: InterfaceBrief, descriptions: Mapping[str, str]) -> dict[str, models.InterfaceDict]:
    """NAPALM's ``get_interfaces``, in the order VRP lists the interfaces."""
    out: dict[str, models.InterfaceDict] = {}
    for row in brief.interfaces:
        out[row.interface] = {
            "is_up": row.protocol.startswith("up"),
            "is_enabled": not row.phy.startswith("*"),
            "description": descriptions.get(row.interface, ""),
            "last_flapped": float(UNKNOWN),
            "mtu": UNKNOWN,
            "speed": speed_mbit(row.speed_tag),
            "mac_address": "",
        }
    return out


def interfaces_ip(brief: IpInterfaceBrief) -> dict[str, models.InterfacesIPDict]:
    """NAPALM's ``get_interfaces_ip`` from ``display ip interface brief``: each interface's
    address and prefix length (interfaces without an address are left out, as NAPALM's
    other drivers do; the brief display shows the primary address only, and no IPv6)."""
    out: dict[str, models.InterfacesIPDict] = {}
    for row in brief.interfaces:
        if row.ip_address is None:
            continue
        address, _, length = row.ip_address.partition("/")
        if not length.isdigit():
            raise ValueError(f"{row.interface}: address without a prefix length: {row.ip_address!r}")
        out.setdefault(row.interface, {"ipv4": {}})["ipv4"][address] = {"prefix_length": int(length)}
    return out
