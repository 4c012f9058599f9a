"""BFD sessions: ``display bfd session all`` and ``... all verbose``.

Brief table: one row per session; a row wrapped because of a long IPv6 peer
(row_head + row_tail) is one session.  The output is complete only with a
``Total UP/DOWN`` line or a dashed line closing the rows; a cut row is an
unknown line.  Verbose: one block per session, framed by dashed lines; a
block must be closed by a dashed line and the output must carry the Total
line (before or after the blocks), else it is truncated.

Remote discriminator printed as a name (the reference's doc slip
``Remote Discriminator : ce1_to_pe1``): kept as null with a warning naming
the line, so a gate comparing discriminators cannot pass on it.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, is_decimal, no_doubled_rows, require
from vrpbook.parsers.grammar import Match


class BfdSession(Record):
    """A row of the brief table."""

    local_discriminator: int
    remote_discriminator: int | None
    peer_ip: str | None
    state: str
    type: str
    interface: str | None


class BfdSessions(ParsedOutput):
    """``display bfd session all``: totals as printed (null without a Total line) and rows."""

    total_up: int | None = None
    total_down: int | None = None
    sessions: list[BfdSession] = Field(default_factory=list)


_INT_KEYS = {
    "local discriminator": "local_discriminator",
    "remote discriminator": "remote_discriminator",
    "tos-exp": "tos_exp",
    "min tx interval (ms)": "min_tx_interval_ms",
    "min rx interval (ms)": "min_rx_interval_ms",
    "actual tx interval (ms)": "actual_tx_interval_ms",
    "actual rx interval (ms)": "actual_rx_interval_ms",
    "local detect multi": "local_detect_multi",
    "detect interval (ms)": "detect_interval_ms",
    "destination port": "destination_port",
    "ttl": "ttl",
    "wtr interval (ms)": "wtr_interval_ms",
    "active multi": "active_multi",
}
_TEXT_KEYS = {
    "session detect mode": "session_detect_mode",
    "bfd bind type": "bind_type",
    "bind session type": "session_type",
    "bind peer ip address": "peer_ip",
    "bind interface": "interface",
    "nexthop ip address": "nexthop_ip",
    "tunnel id": "tunnel_id",
    "track interface": "track_interface",
    "bind source ip address": "source_ip",
    "vpn instance name": "vpn_instance",
    "fsm board id": "fsm_board_id",
    "echo passive": "echo_passive",
    "acl number": "acl_number",
    "proc interface status": "proc_interface_status",
    "process pst": "process_pst",
    "config pst": "config_pst",
    "last local diagnostic": "last_local_diagnostic",
    "bind application": "bind_application",
    "session tx tmrid": "session_tx_tmrid",
    "session detect tmrid": "session_detect_tmrid",
    "session init tmrid": "session_init_tmrid",
    "session wtr tmrid": "session_wtr_tmrid",
    "session echo tx tmrid": "session_echo_tx_tmrid",
    "session not up reason": "session_not_up_reason",
    "session description": "session_description",
    "track group name": "track_group_name",
    "pdt index": "pdt_index",
    "local demand mode": "local_demand_mode",
}
# Lines every block of every platform in the evidence prints (NE40E, CE6800, VRP5): a block
# without one of them was cut or damaged, and a gate must not read it as a complete session.
_REQUIRED = (
    "local_discriminator", "remote_discriminator", "session_detect_mode", "bind_type", "session_type",
    "min_tx_interval_ms", "min_rx_interval_ms", "actual_tx_interval_ms", "actual_rx_interval_ms",
    "local_detect_multi", "detect_interval_ms", "destination_port", "ttl", "last_local_diagnostic",
    "bind_application",
)


class BfdSessionDetail(Record):
    """One verbose block.  Every key but name/state/hop_type exists only if its line was printed."""

    OPTIONAL_LINES: ClassVar[frozenset[str]] = (
        frozenset(_INT_KEYS.values()) | frozenset(_TEXT_KEYS.values()) | {"mindex"}
    )
    name: str
    state: str
    hop_type: str | None
    mindex: int | None = None
    local_discriminator: int | None = None
    remote_discriminator: int | None = None
    session_detect_mode: str | None = None
    bind_type: str | None = None
    session_type: str | None = None
    peer_ip: str | None = None
    interface: str | None = None
    nexthop_ip: str | None = None
    tunnel_id: str | None = None
    track_interface: str | None = None
    source_ip: str | None = None
    vpn_instance: str | None = None
    fsm_board_id: str | None = None
    tos_exp: int | None = None
    min_tx_interval_ms: int | None = None
    min_rx_interval_ms: int | None = None
    actual_tx_interval_ms: int | None = None
    actual_rx_interval_ms: int | None = None
    local_detect_multi: int | None = None
    detect_interval_ms: int | None = None
    echo_passive: str | None = None
    acl_number: str | None = None
    destination_port: int | None = None
    ttl: int | None = None
    proc_interface_status: str | None = None
    process_pst: str | None = None
    wtr_interval_ms: int | None = None
    config_pst: str | None = None
    active_multi: int | None = None
    last_local_diagnostic: str | None = None
    bind_application: str | None = None
    session_tx_tmrid: str | None = None
    session_detect_tmrid: str | None = None
    session_init_tmrid: str | None = None
    session_wtr_tmrid: str | None = None
    session_echo_tx_tmrid: str | None = None
    session_not_up_reason: str | None = None
    session_description: str | None = None
    track_group_name: str | None = None
    pdt_index: str | None = None
    local_demand_mode: str | None = None
    extra: dict[str, str | None] = Field(default_factory=dict)


class BfdSessionsVerbose(ParsedOutput):
    """``display bfd session all verbose``: totals as printed and one entry per block."""

    total_up: int | None = None
    total_down: int | None = None
    sessions: list[BfdSessionDetail] = Field(default_factory=list)


def _totals(ctx: Context, m: Match, fields: dict[str, int | None]) -> None:
    if "total_up" in fields:
        raise ctx.fail("second Total line", m)
    fields["total_up"] = ctx.req_int(m, "up")
    fields["total_down"] = ctx.req_int(m, "down")


def build_brief(matches: list[Match], ctx: Context) -> BfdSessions:
    """Assemble the brief table; wrapped rows become one session."""
    require(ctx, matches, "header")
    totals: dict[str, int | None] = {}
    total_line: Match | None = None
    sessions: list[BfdSession] = []
    in_rows = closed = False
    head: Match | None = None
    for m in matches:
        kind = m.kind
        if head is not None and kind != "row_tail":
            raise ctx.fail("wrapped session row without its second line", head)
        if kind in ("row", "row_head", "row_tail"):
            if not in_rows or closed:
                raise ctx.fail("session row outside the table", m)
            if kind == "row_head":
                head = m
                continue
            if kind == "row_tail" and head is None:
                raise ctx.fail("second line of a wrapped session row without its first line", m)
            first = head or m
            head = None
            sessions.append(
                BfdSession(
                    local_discriminator=ctx.req_int(first, "local"),
                    remote_discriminator=ctx.int(first, "remote"),
                    peer_ip=ctx.text(first, "peer"),
                    state=m.values["state"],
                    type=m.values["type"],
                    interface=ctx.text(m, "interface"),
                )
            )
        elif kind == "header":
            if in_rows:
                raise ctx.fail("second column header", m)
            in_rows = True
        elif kind == "separator":
            if in_rows and (sessions or closed):
                closed = True
        elif kind == "total":
            _totals(ctx, m, totals)
            total_line = m
            if in_rows:
                closed = True
        elif in_rows:
            raise ctx.fail(f"{kind} line inside the table", m)
    if head is not None:
        raise ctx.fail("output ends inside a wrapped session row (truncated)", head)
    if "total_up" not in totals and not closed:
        raise ctx.fail("table neither closed by a dashed line nor followed by a Total line (truncated)")
    no_doubled_rows(ctx, matches, "row")
    _check_totals(ctx, totals, [s.state for s in sessions], total_line, closed)
    return BfdSessions(sessions=sessions, **totals)  # type: ignore[arg-type]


def _check_totals(ctx: Context, totals: dict[str, int | None], states: list[str], where: Match | None,
                  closed: bool) -> None:
    """The Total line against the sessions listed (README, "Totals")."""
    up, down = totals.get("total_up"), totals.get("total_down")
    if up is None or down is None:
        return
    ctx.total("BFD sessions", up + down, len(states), where, closed=closed)
    listed_up = sum(1 for s in states if s.lower().startswith("up"))
    if up + down == len(states) and up != listed_up:
        ctx.warn(f"Total UP/DOWN says {up}/{down}, the sessions listed are {listed_up}/{len(states) - listed_up} "
                 "(kept as printed)", where)


_HOP = re.compile(r"\(\s*(?P<hop>[^)]*?)\s*\)")
_MINDEX = re.compile(r"Session MIndex\s*:\s*(?P<n>\d+)")


def build_verbose(matches: list[Match], ctx: Context) -> BfdSessionsVerbose:
    """Assemble verbose blocks; every block must be closed and complete, the Total line present."""
    totals: dict[str, int | None] = {}
    total_line: Match | None = None
    total_after = False
    sessions: list[BfdSessionDetail] = []
    block: dict[str, object] | None = None
    extra: dict[str, str | None] = {}
    raw_seen: dict[str, str] = {}
    block_match: Match | None = None
    keys_seen = 0

    def close() -> None:
        nonlocal block, block_match
        if block is None:
            return
        missing = [key for key in _REQUIRED if key not in block]
        if missing:
            raise ctx.fail(f"session block without {', '.join(missing)} (truncated or damaged)", block_match)
        sessions.append(BfdSessionDetail(**block, extra=dict(extra)))  # type: ignore[arg-type]
        block, block_match = None, None

    def put(m: Match, key: str, raw: str) -> None:
        assert block is not None
        shown = " ".join(key.split())
        norm = shown.lower()
        stripped = raw.strip()
        if norm in raw_seen:
            # CE6800 documentation prints "BFD Bind Type :" a second time with nothing after it:
            # an empty repeat adds nothing; any other repeat is a doubled or contradictory line.
            if not stripped:
                ctx.warn(f"{shown!r} printed again without a value (ignored)", m)
                return
            if raw_seen[norm]:
                raise ctx.fail(f"{shown!r} printed twice in one session block", m)
        raw_seen[norm] = stripped
        if norm in _INT_KEYS:
            field = _INT_KEYS[norm]
            value: object = _discriminator(ctx, m, raw) if field == "remote_discriminator" else _int(ctx, m, key, raw)
        elif norm in _TEXT_KEYS:
            field = _TEXT_KEYS[norm]
            value = None if stripped in ("-", "--") else stripped
        else:
            ctx.warn(f"field {shown!r} is not one vrpbook knows; kept under extra", m)
            extra[shown] = None if stripped in ("-", "--") else stripped
            return
        block[field] = value

    for m in matches:
        kind = m.kind
        if kind in ("session_ne", "session_ce"):
            if block is not None:
                raise ctx.fail("new session block before the previous one was closed", m)
            hop = _HOP.search(m.values["hop"] or "")
            block = {"name": m.values["name"], "state": m.values["state"], "hop_type": hop.group("hop") if hop else None}
            mindex = _MINDEX.search(m.values.get("mindex") or "")
            if mindex:
                block["mindex"] = int(mindex.group("n"))
            extra, raw_seen = {}, {}
            block_match, keys_seen = m, 0
        elif kind in ("pair", "pair2"):
            if block is None:
                raise ctx.fail("key/value line outside a session block", m)
            keys_seen += 1
            if kind == "pair":
                put(m, m.values["key"], m.values["value"])
            else:
                put(m, m.values["key1"], m.values["value1"])
                put(m, m.values["key2"], m.values["value2"])
        elif kind == "separator":
            if block is not None and keys_seen:
                close()
        elif kind == "total":
            if block is not None:
                raise ctx.fail("Total line inside a session block", m)
            _totals(ctx, m, totals)
            total_line, total_after = m, bool(sessions)
        elif block is not None:
            raise ctx.fail(f"{kind} line inside a session block", m)
    if block is not None:
        raise ctx.fail("output ends inside a session block (truncated)", block_match)
    if "total_up" not in totals:
        raise ctx.fail("no Total UP/DOWN line (truncated or not this command)")
    # A Total printed after the blocks shows the listing ended; one printed before them
    # (CloudEngine) is followed by nothing that would.
    _check_totals(ctx, totals, [s.state for s in sessions], total_line, True if total_after else None)  # type: ignore[arg-type]
    return BfdSessionsVerbose(sessions=sessions, **totals)  # type: ignore[arg-type]


def _int(ctx: Context, m: Match, key: str, raw: str) -> int | None:
    raw = raw.strip()
    return None if raw in ("-", "--") else ctx.decimal(m, key, raw)


def _discriminator(ctx: Context, m: Match, raw: str) -> int | None:
    # twin's choice (parser): the reference prints "Remote Discriminator : ce1_to_pe1" (a doc
    # slip); a non-integer here is kept as null with a warning, any other int field raises.
    raw = raw.strip()
    if is_decimal(raw):
        return int(raw)
    if raw not in ("-", "--"):
        ctx.warnings.append(f"line {m.no}: Remote Discriminator printed as {raw!r}, not an integer; kept as null")
    return None
