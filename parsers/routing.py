"""Routing tables: ``display ip routing-table`` [``vpn-instance NAME`` | ``protocol static``].

Rows are read by grammar, not by column offsets: destination, protocol,
preference, cost, flags (possibly empty), next hop (IPv4 or IPv6), interface.
Rows without a destination are ECMP continuations and inherit the destination
above; an interface name cut at the 80-column edge (``GigabitEthernet`` /
``0/0/2`` on the next line, VRP5) is joined back by the grammar.

Truncation: a row cut before its interface does not match any rule (the
parse fails on it); a wrapped interface whose tail never comes fails; a cut
inside the last row's interface name cannot be told from a shorter name and
is reported as printed.  Counters are compared with the rows (README, "Totals").
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field

from vrpbook.parsers.base import PLACEHOLDERS, Context, ParsedOutput, Record, require
from vrpbook.parsers.errors import ParseErrorKind
from vrpbook.parsers.grammar import Match
from vrpbook.parsers.vocab import DEFAULT_ROUTE_FLAGS, ROUTE_PROTOCOLS, route_flags_of

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
    routes: list[Route] = Field(default_factory=list)


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
    entries: list[Route] = Field(default_factory=list)


class StaticRoutingTable(ParsedOutput):
    """``display ip routing-table protocol static``: summary block then sections.

    A first section printed with an empty status tag (NE40E) is the Active one.
    """

    table: str | None = None
    protocol: str | None = None
    destinations: int | None = None
    routes_count: int | None = None
    configured_routes: int | None = None
    sections: list[StaticSection] = Field(default_factory=list)


# An interface type name alone is the first half of a name a terminal wrapped
# ("GigabitEthernet" / "0/0/2"); at the end of the output or not completed by the next
# line it is a cut row, never a route's interface.
_BARE_TYPE = re.compile(
    r"(?i:(?:[A-Z]*Gigabit|[0-9.]+G?|Fast)?Ethernet|\d*GE|Eth-Trunk|LoopBack|InLoopBack|NULL|Vlanif|Vbdif|Tunnel"
    r"|Serial|Pos|MEth|Virtual-Template|Virtual-Ethernet|Global-VE|Dialer|Cellular|Nve|Aux)"
)


class _RowReader:
    """Turns route / route_cont lines into row dicts and checks what protects a gate.

    Rows stay plain dicts until the whole table is validated by pydantic in one
    call (100,000-row tables: one Rust-side validation instead of 100,000 models);
    protocols and flags are checked once per distinct value, not per row.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.flags = DEFAULT_ROUTE_FLAGS
        self.last_text = ""

    def legend(self, m: Match) -> None:
        letters = route_flags_of(m.values["legend"])
        if letters:
            self.flags = letters

    def row(self, m: Match, previous: dict[str, object] | None) -> dict[str, object]:
        v = m.values
        if m.text == self.last_text:
            raise self.ctx.fail("row printed twice", m)
        self.last_text = m.text
        if m.kind == "route":
            destination = v["destination"]
        elif previous is None:
            raise self.ctx.fail("ECMP continuation row with no destination above", m)
        else:
            destination = str(previous["destination"])
        interface: str | None = v["interface"]
        if interface in PLACEHOLDERS:
            interface = None
        elif interface is not None and not interface[-1].isdigit() and _BARE_TYPE.fullmatch(interface):
            raise self.ctx.fail(f"interface {interface!r} without its number: a wrapped row cut short (truncated)", m)
        return {
            "destination": destination,
            "proto": v["proto"],
            "pre": v["pre"],
            "cost": v["cost"],
            "flags": v["flags"],
            "nexthop": v["nexthop"],
            "interface": interface,
        }

    def finish(self, rows: list[dict[str, object]], matches: list[Match]) -> None:
        """Check each distinct protocol and flag set once (a damaged ``OSPFF``, ``DX`` fails)."""
        distinct = {(str(r["proto"]), str(r["flags"])) for r in rows}
        for proto, flags in distinct:
            if ROUTE_PROTOCOLS.accepts(proto) and set(flags) <= self.flags:
                continue
            m = next(m for m in matches if m.kind in ("route", "route_cont")
                     and (m.values["proto"], m.values["flags"]) == (proto, flags))
            self.ctx.known(m, "protocol", proto, ROUTE_PROTOCOLS)
            unknown = set(flags) - self.flags
            raise self.ctx.fail(
                f"route flags {flags!r}: {''.join(sorted(unknown))} not defined by the Route Flags legend", m,
                ParseErrorKind.VALUE,
            )


def build_routing_table(matches: list[Match], ctx: Context) -> RoutingTable:
    """Assemble a public or VPN routing table from its matched lines.

    The column header is required only above rows: an empty table may end at its counters."""
    require(ctx, matches, "table")
    fields: dict[str, object] = {}
    routes: list[dict[str, object]] = []
    reader = _RowReader(ctx)
    in_rows = False
    counts: Match | None = None
    for m in matches:
        kind = m.kind
        if kind in ("route", "route_cont"):
            if not in_rows:
                raise ctx.fail("route row before the column header", m)
            routes.append(reader.row(m, routes[-1] if routes else None))
        elif kind in _PREAMBLE and not in_rows:
            if kind == "flags_legend":
                reader.legend(m)
            continue
        elif in_rows:
            raise ctx.fail(f"{kind} line inside the route rows", m)
        elif kind == "table":
            if "table" in fields:
                raise ctx.fail("second routing-table header", m)
            fields["table"] = m.values["table"]
        elif kind == "counts":
            if "routes_count" in fields:
                raise ctx.fail("second Destinations/Routes line", m)
            fields["destinations"] = ctx.req_int(m, "destinations")
            fields["routes_count"] = ctx.req_int(m, "routes")
            counts = m
        elif kind == "summary":
            fields["summary_count"] = ctx.req_int(m, "summary_count")
        elif kind == "header":
            in_rows = True
    reader.finish(routes, matches)
    _check_counts(ctx, fields.get("destinations"), fields.get("routes_count"), routes, counts)
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
        if kind in _PREAMBLE:
            if kind == "flags_legend":
                reader.legend(m)
            continue
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
    reader.finish([r for sec in sections for r in sec["entries"]], matches)  # type: ignore[attr-defined]
    for sec in sections:
        listed = sec["entries"]
        assert isinstance(listed, list)
        _check_counts(ctx, sec["destinations"], sec["routes"], listed, None,
                      label=f"{sec['status']} static routes", closed=None if sec is sections[-1] else True)
    return StaticRoutingTable.model_validate({"sections": sections, **top})


def _check_counts(ctx: Context, destinations: object, routes_count: object, routes: list[dict[str, object]],
                  where: Match | None, label: str = "routes", closed: bool | None = None) -> None:
    """Destinations/Routes against the rows (README, "Totals"); the table has no closing line."""
    if isinstance(routes_count, int):
        ctx.total(label, routes_count, len(routes), where, closed=closed)
    if isinstance(destinations, int) and isinstance(routes_count, int) and routes_count == len(routes):
        listed = len({r["destination"] for r in routes})
        if listed != destinations:
            ctx.warn(f"Destinations: {destinations} printed, {listed} listed (kept as printed)", where)
