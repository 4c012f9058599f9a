"""``display interface brief`` (VRP8.md section 6): one row per interface.

``interface`` is the name without a glued speed tag (``GigabitEthernet1/0/0(10G)``
-> ``GigabitEthernet1/0/0``, tag in ``speed_tag``), so gates can match names.
``phy``/``protocol`` are kept as printed (``*down``, ``up(s)``); utilisations
as printed strings (``0.01%``), ``--`` as null; error counters are ints.
"""

from __future__ import annotations

import re

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, no_doubled_rows, table_rows
from vrpbook.parsers.grammar import Match

# A glued "(10G)"/"(100GE)" is the port's speed (samples2/interface_brief/01, 03); any other glued
# "(x)" is a legend flag such as "(v)" VirtualPort (samples2/interface_brief/02).  Both are split
# off so that interface names compare with the rest of the models.
_TAG = re.compile(r"^(?P<name>.+?)\((?P<tag>[^()]+)\)$")
_SPEED = re.compile(r"\d+(?:\.\d+)?[KMGT](?:E|bps)?", re.IGNORECASE)


def split_name(raw: str) -> tuple[str, str | None, str | None]:
    """``GigabitEthernet1/0/0(10G)`` -> (name, speed tag, port flag)."""
    tagged = _TAG.match(raw)
    if tagged is None:
        return raw, None, None
    name, tag = tagged.group("name"), tagged.group("tag")
    return (name, tag, None) if _SPEED.fullmatch(tag) else (name, None, tag)


class InterfaceRow(Record):
    """One interface row."""

    interface: str
    speed_tag: str | None = None
    port_flag: str | None = None
    member_of: str | None = None
    phy: str
    protocol: str
    in_uti: str | None
    out_uti: str | None
    in_errors: int
    out_errors: int


class InterfaceBrief(ParsedOutput):
    """``display interface brief``: ``interfaces[]`` in printed order.

    Shape (samples' conventions)::

        {"prompt": ..., "hostname": ..., "command": ..., "warnings": [],
         "interfaces": [{"interface": "GigabitEthernet1/0/0", "speed_tag": "10G",
                         "phy": "up", "protocol": "up(s)", "in_uti": "0.01%",
                         "out_uti": "0.01%", "in_errors": 0, "out_errors": 0}, ...]}
    """

    interfaces: list[InterfaceRow] = Field(default_factory=list)


def build(matches: list[Match], ctx: Context) -> InterfaceBrief:
    """Assemble interface rows (after the column header only).

    A row indented deeper than the column header is a member port of the last
    row printed at the header's indentation (an Eth-Trunk): ``member_of``.
    """
    rows: list[InterfaceRow] = []
    matched = table_rows(ctx, matches, "interface")
    no_doubled_rows(ctx, matches, "interface")
    header = next(m for m in matches if m.kind == "header")
    base = len(header.text) - len(header.text.lstrip())
    parent: str | None = None
    for m in matched:
        name, tag, flag = split_name(m.values["interface"])
        member = len(m.values["indent"]) > base
        if not member:
            parent = name
        rows.append(
            InterfaceRow(
                interface=name,
                speed_tag=tag,
                port_flag=flag,
                member_of=parent if member else None,
                phy=m.values["phy"],
                protocol=m.values["protocol"],
                in_uti=ctx.text(m, "in_uti"),
                out_uti=ctx.text(m, "out_uti"),
                in_errors=ctx.req_int(m, "in_errors"),
                out_errors=ctx.req_int(m, "out_errors"),
            )
        )
    return InterfaceBrief(interfaces=rows)
