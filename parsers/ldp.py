"""``display mpls ldp session``: one row per session, closed by ``TOTAL: n session(s) Found.``.

The TOTAL line is required: without it the table may have been cut after a
complete row, which must not read as "fewer sessions".  A leading ``*``
(session being deleted) is reported in ``deleting``.
"""

from __future__ import annotations

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, no_doubled_rows, require
from vrpbook.parsers.grammar import Match
from vrpbook.parsers.vocab import LDP_LAM, LDP_ROLES, LDP_STATES


class LdpSession(Record):
    """One LDP session row; ``ssn_age`` as printed (DDDD:HH:MM)."""

    peer_id: str
    status: str
    lam: str
    ssn_role: str
    ssn_age: str
    ka_sent: int
    ka_rcv: int
    deleting: bool = False


class LdpSessions(ParsedOutput):
    """``display mpls ldp session``; ``total_sessions`` as printed."""

    sessions: list[LdpSession] = Field(default_factory=list)
    total_sessions: int | None = None


_LEGENDS = frozenset({"title", "codes", "lam_legend", "asterisk"})


def build(matches: list[Match], ctx: Context) -> LdpSessions:
    """Assemble the session table; refuse a table without its TOTAL line.

    Legends and the title may sit anywhere (NE40E V800R012C10 prints the LAM legend
    after the TOTAL line); anything else after TOTAL but a dashed line is refused.
    """
    require(ctx, matches, "header", "total")
    sessions: list[LdpSession] = []
    header = done = False
    total: int | None = None
    total_line: Match | None = None
    for m in matches:
        if m.kind == "session":
            if not header or done:
                raise ctx.fail("session row outside the table", m)
            raw = m.values["peer_id"]
            sessions.append(
                LdpSession(
                    peer_id=raw.lstrip("*"),
                    deleting=raw.startswith("*"),
                    status=ctx.known(m, "status", m.values["status"], LDP_STATES),
                    lam=ctx.known(m, "LAM", m.values["lam"], LDP_LAM),
                    ssn_role=ctx.known(m, "session role", m.values["ssn_role"], LDP_ROLES),
                    ssn_age=m.values["ssn_age"],
                    ka_sent=ctx.req_int(m, "ka_sent"),
                    ka_rcv=ctx.req_int(m, "ka_rcv"),
                )
            )
        elif m.kind == "header":
            if header:
                raise ctx.fail("second column header", m)
            header = True
        elif m.kind == "total":
            if done:
                raise ctx.fail("second TOTAL line", m)
            total, done, total_line = ctx.req_int(m, "total"), True, m
        elif done and m.kind not in _LEGENDS and m.kind != "separator":
            raise ctx.fail("line after the TOTAL line", m)
    no_doubled_rows(ctx, matches, "session")
    ctx.total("LDP sessions", total, len(sessions), total_line, closed=True)  # TOTAL comes after the rows
    return LdpSessions(sessions=sessions, total_sessions=total)
