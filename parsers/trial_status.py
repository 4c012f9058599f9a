"""``display configuration trial status``: is a trial commit waiting for its confirmation?

Both lines must be printed once (a cut output fails); ``active`` is the
``ACTIVE`` state, ``time_left`` the seconds VRP reports before it reverts.
The NAPALM driver's ``has_pending_commit`` is read from here.
"""

from __future__ import annotations

from vrpbook.parsers.base import Context, ParsedOutput, require
from vrpbook.parsers.grammar import Match


class TrialStatus(ParsedOutput):
    """``display configuration trial status``.

    Shape::

        {"prompt": ..., "hostname": ..., "command": ..., "warnings": [],
         "status": "ACTIVE", "active": true, "time_left": 51}
    """

    status: str
    active: bool
    time_left: int


def build(matches: list[Match], ctx: Context) -> TrialStatus:
    """One status line and one time-left line, each exactly once."""
    require(ctx, matches, "status", "time_left")
    found: dict[str, Match] = {}
    for m in matches:
        if m.kind in found:
            raise ctx.fail(f"{m.kind} printed twice", m)
        found[m.kind] = m
    status = found["status"].values["status"]
    return TrialStatus(status=status, active=status == "ACTIVE", time_left=ctx.req_int(found["time_left"], "seconds"))
