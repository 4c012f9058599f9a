"""Routing tables: ``display ip routing-table`` [``vpn-instance NAME`` | ``protocol static``].

Rows are read by grammar, not by column offsets: destination, protocol,
preference, cost, flags (possibly empty), next hop, interface.  Rows without
a destination are ECMP continuations and inherit the destination above; an
interface name cut at the 80-column edge (``GigabitEthernet`` / ``0/0/2`` on
the next line, VRP5) is joined back.

Truncation: a row cut before its interface does not match any rule (the
parse fails on it); a wrapped interface whose tail never comes fails; a cut
inside the last row's interface name cannot be told from a shorter name and
is reported as printed.
"""

from __future__ import annotations

import re
from typing import ClassVar

from vrpbook.parsers.base import PLACEHOLDERS, Context, ParsedOutput, Record, require
from vrpbook.parsers.grammar import Match

_ENDS_WITH_NUMBER = re.compile(r".*\d\)?$")
_PREAMBLE = frozenset({"flags_legend", "proto_legend", "separator"})


class Route(Record):
    """One route row (ECMP continuation rows carry their destination)."""

    destination: str
    proto: str
    pre: int
    cost: int
    flags: str
    nexthop: str | None
    interface: str | None


class RoutingTable(ParsedOutput):
    """``display ip routing-table``: header counters as printed, rows in printed order.

    ``summary_count`` exists only when VRP5's ``Summary Count`` line was printed.
    """

    OPTIONAL_LINES: ClassVar[frozenset[str]] = frozenset({"summary_count"})
    table: str | None = None
    destinations: int | None = None
    routes_count: int | None = None
    summary_count: int | None = None
    routes: list[Route] = []


class VpnRoutingTable(RoutingTable):
    """``display ip routing-table vpn-instance NAME [PREFIX]``: also the instance (and prefix) typed."""

    OPTIONAL_LINES: ClassVar[frozenset[str]] = frozenset({"summary_count", "prefix"})
    vpn_instance: str
    prefix: str | None = None


class StaticSection(Record):
    """One ``Static routing table status : <Active|Inactive>`` section."""

    status: str
    destinations: int | None = None
    routes: int | None = None
    entries: list[Route] = []


class StaticRoutingTable(ParsedOutput):
    """``display ip routing-table protocol static``: summary block then sections.

    A first section printed with an empty status tag (NE40E) is the Active one.
    """

    table: str | None = None
    protocol: str | None = None
    destinations: int | None = None
    routes_count: int | None = None
    configured_routes: int | None = None
    sections: list[StaticSection] = []


class _RowReader:
    """Turns route / route_cont / interface_tail lines into row dicts.

    Rows stay plain dicts until the whole table is validated by pydantic in one
    call (100,000-row tables: one Rust-side validation instead of 100,000 models).
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.pending_tail: tuple[dict[str, object], Match] | None = None

    def row(self, m: Match, previous: dict[str, object] | None) -> dict[str, object]:
        if self.pending_tail is not None:
            raise self.ctx.fail("wrapped interface name without its continuation", self.pending_tail[1])
        v = m.values
        if m.kind == "route":
            destination = v["destination"]
        elif previous is None:
            raise self.ctx.fail("ECMP continuation row with no destination above", m)
        else:
            destination = previous["destination"]
        interface = v["interface"]
        row: dict[str, object] = {
            "destination": destination,
            "proto": v["proto"],
            "pre": v["pre"],
            "cost": v["cost"],
            "flags": v["flags"],
            "nexthop": v["nexthop"],
            "interface": None if interface in PLACEHOLDERS else interface,
        }
        if row["interface"] is not None and not interface[-1:].isdigit() and not _ENDS_WITH_NUMBER.match(interface):
            self.pending_tail = (row, m)
        return row

    def tail(self, m: Match) -> None:
        if self.pending_tail is None:
            raise self.ctx.fail("line is not part of any row", m)
        row, _ = self.pending_tail
        row["interface"] = f"{row['interface']}{m.values['interface_tail']}"
        self.pending_tail = None

    def finish(self) -> None:
        if self.pending_tail is not None:
            raise self.ctx.fail("output ends inside a wrapped row (truncated)", self.pending_tail[1])


def build_routing_table(matches: list[Match], ctx: Context) -> RoutingTable:
    """Assemble a public or VPN routing table from its matched lines."""
    require(ctx, matches, "table", "header")
    fields: dict[str, object] = {}
    routes: list[dict[str, object]] = []
    reader = _RowReader(ctx)
    in_rows = False
    for m in matches:
        kind = m.kind
        if kind in ("route", "route_cont"):
            if not in_rows:
                raise ctx.fail("route row before the column header", m)
            routes.append(reader.row(m, routes[-1] if routes else None))
        elif kind == "interface_tail":
            reader.tail(m)
        elif kind in _PREAMBLE and not in_rows:
            continue
        elif in_rows:
            raise ctx.fail(f"{kind} line inside the route rows", m)
        elif kind == "table":
            if "table" in fields:
                raise ctx.fail("second routing-table header", m)
            fields["table"] = m.values["table"]
        elif kind == "counts":
            fields["destinations"] = ctx.req_int(m, "destinations")
            fields["routes_count"] = ctx.req_int(m, "routes")
        elif kind == "summary":
            fields["summary_count"] = ctx.req_int(m, "summary_count")
        elif kind == "header":
            in_rows = True
    reader.finish()
    if "vpn_instance" in ctx.args:
        table = fields.get("table")
        if table != ctx.args["vpn_instance"]:
            raise ctx.fail(f"output is the table of {table!r}, not of vpn-instance {ctx.args['vpn_instance']!r}")
        extra = {"vpn_instance": ctx.args["vpn_instance"]}
        if "prefix" in ctx.args:
            extra["prefix"] = ctx.args["prefix"]
        return VpnRoutingTable.model_validate({"routes": routes, **fields, **extra})
    return RoutingTable.model_validate({"routes": routes, **fields})


def build_static_table(matches: list[Match], ctx: Context) -> StaticRoutingTable:
    """Assemble ``display ip routing-table protocol static`` from its matched lines."""
    require(ctx, matches, "section")
    top: dict[str, object] = {}
    sections: list[dict[str, object]] = []
    reader = _RowReader(ctx)
    in_rows = False
    for m in matches:
        kind = m.kind
        section = sections[-1] if sections else None
        if kind in ("route", "route_cont"):
            if not in_rows or section is None:
                raise ctx.fail("route row before a section's column header", m)
            entries: list[dict[str, object]] = section["entries"]  # type: ignore[assignment]
            entries.append(reader.row(m, entries[-1] if entries else None))
            continue
        if kind == "interface_tail":
            reader.tail(m)
            continue
        if kind in _PREAMBLE:
            continue
        reader.finish()
        in_rows = False
        if kind == "table":
            if sections or "table" in top:
                raise ctx.fail("summary header out of place", m)
            top["table"], top["protocol"] = m.values["table"], m.values["protocol"]
        elif kind == "counts_configured":
            if sections:
                raise ctx.fail("summary counters inside a section", m)
            top["destinations"] = ctx.req_int(m, "destinations")
            top["routes_count"] = ctx.req_int(m, "routes")
            top["configured_routes"] = ctx.req_int(m, "configured_routes")
        elif kind == "section":
            tag = m.values["status"].strip("<>")
            # twin's choice (parser): NE40E prints the first tag empty (sample 01); it is the Active one.
            if not tag:
                if any(s["status"] == "Active" for s in sections):
                    raise ctx.fail("untagged section after the Active one", m)
                tag = "Active"
            sections.append({"status": tag, "destinations": None, "routes": None, "entries": []})
        elif kind == "counts":
            if section is None:
                top["destinations"] = ctx.req_int(m, "destinations")
                top["routes_count"] = ctx.req_int(m, "routes")
            else:
                section["destinations"] = ctx.req_int(m, "destinations")
                section["routes"] = ctx.req_int(m, "routes")
        elif kind == "header":
            if section is None:
                raise ctx.fail("column header before any section", m)
            in_rows = True
    reader.finish()
    return StaticRoutingTable.model_validate({"sections": sections, **top})
