"""``display mpls ldp session``: one row per session, closed by ``TOTAL: n session(s) Found.``.

The TOTAL line is required: without it the table may have been cut after a
complete row, which must not read as "fewer sessions".  A leading ``*``
(session being deleted) is reported in ``deleting``.
"""

from __future__ import annotations

from vrpbook.parsers.base import Context, ParsedOutput, Record, require
from vrpbook.parsers.grammar import Match


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

    sessions: list[LdpSession] = []
    total_sessions: int | None = None


def build(matches: list[Match], ctx: Context) -> LdpSessions:
    """Assemble the session table; refuse a table without its TOTAL line."""
    require(ctx, matches, "header", "total")
    sessions: list[LdpSession] = []
    header = done = False
    total: int | None = None
    for m in matches:
        if m.kind == "session":
            if not header or done:
                raise ctx.fail("session row outside the table", m)
            raw = m.values["peer_id"]
            sessions.append(
                LdpSession(
                    peer_id=raw.lstrip("*"),
                    deleting=raw.startswith("*"),
                    status=m.values["status"],
                    lam=m.values["lam"],
                    ssn_role=m.values["ssn_role"],
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
            total, done = ctx.req_int(m, "total"), True
        elif done:
            raise ctx.fail("line after the TOTAL line", m)
    return LdpSessions(sessions=sessions, total_sessions=total)
