"""``display interface brief`` (VRP8.md section 6): one row per interface.

``interface`` is the name without a glued speed tag (``GigabitEthernet1/0/0(10G)``
-> ``GigabitEthernet1/0/0``, tag in ``speed_tag``), so gates can match names.
``phy``/``protocol`` are kept as printed (``*down``, ``up(s)``); utilisations
as printed strings (``0.01%``), ``--`` as null; error counters are ints.
"""

from __future__ import annotations

import re

from vrpbook.parsers.base import Context, ParsedOutput, Record, table_rows
from vrpbook.parsers.grammar import Match

# twin's choice (parser): the samples have no interface-brief JSON; the glued "(10G)" is split
# off into speed_tag so that interface names compare with the rest of the models.
_TAG = re.compile(r"^(?P<name>.+?)\((?P<tag>[^()]+)\)$")


class InterfaceRow(Record):
    """One interface row."""

    interface: str
    speed_tag: str | None = None
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

    interfaces: list[InterfaceRow] = []


def build(matches: list[Match], ctx: Context) -> InterfaceBrief:
    """Assemble interface rows (after the column header only)."""
    rows: list[InterfaceRow] = []
    for m in table_rows(ctx, matches, "interface"):
        name, tag = m.values["interface"], None
        tagged = _TAG.match(name)
        if tagged:
            name, tag = tagged.group("name"), tagged.group("tag")
        rows.append(
            InterfaceRow(
                interface=name,
                speed_tag=tag,
                phy=m.values["phy"],
                protocol=m.values["protocol"],
                in_uti=ctx.text(m, "in_uti"),
                out_uti=ctx.text(m, "out_uti"),
                in_errors=ctx.req_int(m, "in_errors"),
                out_errors=ctx.req_int(m, "out_errors"),
            )
        )
    return InterfaceBrief(interfaces=rows)
