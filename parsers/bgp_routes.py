"""BGP VPNv4 route tables: ``display bgp vpnv4 all routing-table`` and
``display bgp vpnv4 vpn-instance NAME routing-table``.

A row is status codes, network (blank on a further path to the network above:
it inherits it), next hop, then MED, LocPrf, PrefVal and Path/Ogn.  MED and
LocPrf cells may be blank and the AS path holds numbers too, so the rest of the
row is split by the columns of the section's header line: the path is the run
of AS numbers ending in the origin code (``?``, ``65410i``, ``33 55?``) that
starts under the Path/Ogn heading, PrefVal the number before it, and one
number before that is MED or LocPrf, whichever heading it sits nearer.

Status codes are checked against the legend's (``*``, ``>``, ``d``, ``x``, ``a``,
``h``, ``i``, ``s``, ``S``; RPKI ``V``, ``I``, ``N``).  Counters are compared with
the rows (README, "Totals").
"""

from __future__ import annotations

import re

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, is_decimal, require
from vrpbook.parsers.errors import ParseErrorKind
from vrpbook.parsers.grammar import Match

_TOKEN = re.compile(r"\S+")
_AS = re.compile(r"\d+(?:\.\d+)?|[{(\[][\d ,.]*[})\]]?|[\d ,.]*[})\]]")
_ORIGIN = re.compile(r"(?:\d+(?:\.\d+)?|[})\]])?[ie?]")
_STATUS_CODES = frozenset("*>dxahisSVIN ")


class BgpRoute(Record):
    """One path; ``network`` repeated from the row above on a continuation row."""

    status: str
    network: str
    nexthop: str
    med: int | None
    local_pref: int | None
    pref_val: int | None
    path_origin: str


class RdRoutes(Record):
    """One ``Route Distinguisher:`` section."""

    rd: str
    routes: list[BgpRoute] = Field(default_factory=list)


class VpnInstanceRoutes(Record):
    """One VPN-instance section; ``router_id`` null when no ``VPN-Instance x, Router ID y:`` line."""

    name: str
    router_id: str | None = None
    total_routes: int | None = None
    routes: list[BgpRoute] = Field(default_factory=list)


class BgpVpnv4RoutingTable(ParsedOutput):
    """``display bgp vpnv4 all routing-table``.

    Shape::

        {"prompt": ..., "hostname": ..., "command": ..., "warnings": [],
         "router_id": "1.1.1.1", "total_routes_all_pe": 6,
         "route_distinguishers": [{"rd": "100:1", "routes": [
             {"status": "*>", "network": "10.1.1.0/24", "nexthop": "0.0.0.0", "med": 0,
              "local_pref": null, "pref_val": 0, "path_origin": "?"}, ...]}, ...],
         "vpn_instances": [{"name": "vpna", "router_id": "1.1.1.1", "total_routes": 6,
                            "routes": [...]}]}
    """

    router_id: str | None = None
    total_routes_all_pe: int | None = None
    route_distinguishers: list[RdRoutes] = Field(default_factory=list)
    vpn_instances: list[VpnInstanceRoutes] = Field(default_factory=list)


class BgpVpnInstanceRoutingTable(ParsedOutput):
    """``display bgp vpnv4 vpn-instance NAME routing-table``: the instance comes from the command."""

    router_id: str | None = None
    vpn_instance: str
    vpn_instance_router_id: str | None = None
    total_routes: int | None = None
    routes: list[BgpRoute] = Field(default_factory=list)


class _Columns:
    """Columns of the MED, LocPrf and Path/Ogn headings, counted from the NextHop heading
    (rows are compared from their next hop on, so a shift before it changes nothing)."""

    def __init__(self, header: Match) -> None:
        text = header.text
        nexthop = text.find("NextHop")
        self.med = text.find("MED") - nexthop
        self.locprf = text.find("LocPrf") - nexthop
        self.path = text.find("Path/Ogn") - nexthop


def _route(ctx: Context, m: Match, cols: _Columns, network: str | None) -> BgpRoute:
    v = m.values
    status = v["status"]
    if not set(status) <= _STATUS_CODES:
        raise ctx.fail(f"status codes {status!r} are not in the legend", m, ParseErrorKind.VALUE)
    if network is None:
        raise ctx.fail("route row without a network and no row above it", m)
    rest = v["rest"]
    offset = len(m.text) - len(rest)
    base = m.text.rfind(v["nexthop"], 0, offset)
    tokens = [(offset - base + t.start(), t.group()) for t in _TOKEN.finditer(rest)]
    if not tokens or not _ORIGIN.fullmatch(tokens[-1][1]):
        raise ctx.fail("route row without its Path/Ogn (origin code)", m, ParseErrorKind.VALUE)
    # The path: the origin code, glued to the last AS number when there is one; the AS
    # numbers before it are the ones printed under the Path/Ogn heading.
    first = len(tokens) - 1
    if len(tokens[-1][1]) > 1:
        while first > 0 and tokens[first - 1][0] >= cols.path - 2 and _AS.fullmatch(tokens[first - 1][1]):
            first -= 1
    numbers = tokens[:first]
    path = m.text[base + tokens[first][0]:].strip()
    if not numbers or len(numbers) > 3:
        raise ctx.fail(f"{len(numbers)} numbers before Path/Ogn, expected PrefVal and at most MED, LocPrf",
                       m, ParseErrorKind.VALUE)
    for _, raw in numbers:
        if not is_decimal(raw):
            raise ctx.fail(f"{raw!r} is not an integer (MED/LocPrf/PrefVal)", m, ParseErrorKind.VALUE)
    values = [int(raw) for _, raw in numbers]
    med = local_pref = None
    if len(values) == 3:
        med, local_pref = values[0], values[1]
    elif len(values) == 2:
        col = numbers[0][0]
        if abs(col - cols.med) <= abs(col - cols.locprf):
            med = values[0]
        else:
            local_pref = values[0]
    return BgpRoute(
        status=status, network=network, nexthop=v["nexthop"], med=med, local_pref=local_pref,
        pref_val=values[-1], path_origin=path,
    )


class _Sections:
    """Walks the lines; each section (RD or VPN instance) owns the rows after its header."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cols: _Columns | None = None
        self.network: str | None = None
        self.last: Match | None = None

    def header(self, m: Match) -> None:
        if self.cols is not None:
            raise self.ctx.fail("second column header in one section", m)
        self.cols = _Columns(m)

    def new_section(self) -> None:
        self.cols, self.network, self.last = None, None, None

    def row(self, m: Match, into: list[BgpRoute]) -> None:
        if self.cols is None:
            raise self.ctx.fail("route row before its section's column header", m)
        if self.last is not None and self.last.text == m.text:
            raise self.ctx.fail("row printed twice", m)
        self.last = m
        if m.kind == "route":
            self.network = m.values["network"]
        into.append(_route(self.ctx, m, self.cols, self.network))


def build_all(matches: list[Match], ctx: Context) -> BgpVpnv4RoutingTable:
    """``display bgp vpnv4 all routing-table``: RD sections, then VPN-instance sections."""
    require(ctx, matches, "router_id")
    walker = _Sections(ctx)
    result = BgpVpnv4RoutingTable()
    total_line: Match | None = None
    current: list[BgpRoute] | None = None
    vpn: VpnInstanceRoutes | None = None
    vpn_lines: list[Match | None] = []
    for m in matches:
        kind = m.kind
        if kind in ("route", "route_cont"):
            if current is None:
                raise ctx.fail("route row outside a Route Distinguisher or VPN-instance section", m)
            walker.row(m, current)
        elif kind == "header":
            walker.header(m)
        elif kind == "router_id":
            if result.router_id is not None:
                raise ctx.fail("second router ID line", m)
            result.router_id = m.values["router_id"]
        elif kind == "total_all":
            if result.total_routes_all_pe is not None or result.route_distinguishers:
                raise ctx.fail("'Total number of routes from all PE' out of place", m)
            result.total_routes_all_pe, total_line = ctx.req_int(m, "total"), m
        elif kind == "rd":
            if result.vpn_instances:
                raise ctx.fail("Route Distinguisher section after the VPN-instance sections", m)
            walker.new_section()
            section = RdRoutes(rd=m.values["rd"])
            result.route_distinguishers.append(section)
            current = section.routes
        elif kind == "vpn_instance":
            walker.new_section()
            vpn = VpnInstanceRoutes(name=m.values["name"], router_id=m.values["router_id"])
            result.vpn_instances.append(vpn)
            vpn_lines.append(None)
            current = None  # rows wait for the section's total line
        elif kind in ("vpn_total", "vpn_total_named"):
            if kind == "vpn_total_named":
                walker.new_section()
                vpn = VpnInstanceRoutes(name=m.values["name"])
                result.vpn_instances.append(vpn)
                vpn_lines.append(None)
            elif vpn is None or vpn.total_routes is not None or vpn.routes:
                raise ctx.fail("'Total Number of Routes' outside a VPN-Instance section", m)
            vpn.total_routes = ctx.req_int(m, "total")
            vpn_lines[-1] = m
            current = vpn.routes
    rd_rows = sum(len(s.routes) for s in result.route_distinguishers)
    ctx.total("routes from all PE", result.total_routes_all_pe, rd_rows, total_line,
              closed=True if result.vpn_instances else None)
    for i, (inst, line) in enumerate(zip(result.vpn_instances, vpn_lines, strict=True)):
        last = i == len(result.vpn_instances) - 1
        ctx.total(f"routes of vpn-instance {inst.name}", inst.total_routes, len(inst.routes), line,
                  closed=None if last else True)
    return result


def build_vpn_instance(matches: list[Match], ctx: Context) -> BgpVpnInstanceRoutingTable:
    """``display bgp vpnv4 vpn-instance NAME routing-table``: one VPN-instance section."""
    require(ctx, matches, "router_id")
    walker = _Sections(ctx)
    name = ctx.args["vpn_instance"]
    result = BgpVpnInstanceRoutingTable(vpn_instance=name)
    total_line: Match | None = None
    for m in matches:
        kind = m.kind
        if kind in ("route", "route_cont"):
            if total_line is None and result.vpn_instance_router_id is None:
                raise ctx.fail("route row before the VPN-Instance section", m)
            walker.row(m, result.routes)
        elif kind == "header":
            walker.header(m)
        elif kind == "router_id":
            if result.router_id is not None:
                raise ctx.fail("second router ID line", m)
            result.router_id = m.values["router_id"]
        elif kind == "vpn_instance":
            if m.values["name"] != name:
                raise ctx.fail(f"output is of vpn-instance {m.values['name']!r}, not {name!r}", m)
            if result.vpn_instance_router_id is not None:
                raise ctx.fail("second VPN-Instance line", m)
            result.vpn_instance_router_id = m.values["router_id"]
        elif kind == "vpn_total":
            if total_line is not None or result.routes:
                raise ctx.fail("'Total Number of Routes' out of place", m)
            result.total_routes, total_line = ctx.req_int(m, "total"), m
    ctx.total(f"routes of vpn-instance {name}", result.total_routes, len(result.routes), total_line, closed=None)
    return result
