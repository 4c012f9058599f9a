"""``display ip interface brief``: the four UP/DOWN counters, then one row per interface.

Counters are reported as printed (a CloudEngine capture counts an admin-down
port as UP); their sum is compared with the rows (README, "Totals").  The VPN
column exists on some releases only: ``vpn`` is null without it or when it
shows ``--``.  Rows with a VPN value need the header that names the column.
"""

from __future__ import annotations

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, no_doubled_rows, table_rows
from vrpbook.parsers.grammar import Match
from vrpbook.parsers.interface_brief import split_name


class IpInterfaceRow(Record):
    """One row; ``ip_address`` is ``a.b.c.d/len`` (``unassigned`` -> null)."""

    interface: str
    speed_tag: str | None = None
    port_flag: str | None = None
    ip_address: str | None
    physical: str
    protocol: str
    vpn: str | None = None


class IpInterfaceBrief(ParsedOutput):
    """``display ip interface brief``.

    Shape::

        {"prompt": ..., "hostname": ..., "command": ..., "warnings": [],
         "up_physical": 7, "down_physical": 41, "up_protocol": 7, "down_protocol": 41,
         "interfaces": [{"interface": "Eth-Trunk1", "speed_tag": null, "port_flag": null,
                         "ip_address": "192.168.1.9/24", "physical": "up", "protocol": "up",
                         "vpn": null}, ...]}
    """

    up_physical: int | None = None
    down_physical: int | None = None
    up_protocol: int | None = None
    down_protocol: int | None = None
    interfaces: list[IpInterfaceRow] = Field(default_factory=list)


_COUNTERS = {
    ("UP", "Physical"): "up_physical",
    ("DOWN", "Physical"): "down_physical",
    ("UP", "Protocol"): "up_protocol",
    ("DOWN", "Protocol"): "down_protocol",
}


def build(matches: list[Match], ctx: Context) -> IpInterfaceBrief:
    """Counters before the header, rows after it; a VPN cell needs the VPN column."""
    counters: dict[str, int] = {}
    where: Match | None = None
    for m in matches:
        if m.kind == "counter":
            key = _COUNTERS[(m.values["state"], m.values["layer"])]
            if key in counters:
                raise ctx.fail(f"{key} printed twice", m)
            counters[key] = ctx.req_int(m, "count")
            where = where or m
    header = next((m for m in matches if m.kind == "header"), None)
    with_vpn = header is not None and header.values["columns"].rstrip().endswith("VPN")
    rows = table_rows(ctx, matches, "row_vpn" if with_vpn else "row")
    no_doubled_rows(ctx, matches, "row", "row_vpn")
    out: list[IpInterfaceRow] = []
    for m in rows:
        name, tag, flag = split_name(m.values["interface"])
        address = m.values["ip_address"]
        out.append(
            IpInterfaceRow(
                interface=name,
                speed_tag=tag,
                port_flag=flag,
                ip_address=None if address == "unassigned" else address,
                physical=m.values["physical"],
                protocol=m.values["protocol"],
                vpn=ctx.text(m, "vpn"),
            )
        )
    up, down = counters.get("up_physical"), counters.get("down_physical")
    if up is not None and down is not None:
        ctx.total("interfaces", up + down, len(out), where, closed=None)
    return IpInterfaceBrief(
        interfaces=out,
        up_physical=counters.get("up_physical"),
        down_physical=counters.get("down_physical"),
        up_protocol=counters.get("up_protocol"),
        down_protocol=counters.get("down_protocol"),
    )
