"""The router's configuration state: trial status, configuration lock holder, running configuration.

These are what a change must look at before it touches a router and before
it confirms: a pending trial commit (``display configuration trial status``),
another session's ``configuration exclusive`` (``display
configuration-occupied user``), and the running configuration itself
(``display current-configuration``, read back by the ``config-lines-present``
gate). Each is read fail-closed like every other display: a line the grammar
does not know, a missing line or a truncated configuration is a
:class:`ParseError`, never a default.
"""

from __future__ import annotations

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, require
from vrpbook.parsers.grammar import Match


class TrialStatus(ParsedOutput):
    """``display configuration trial status``: ``active`` and ``seconds_left`` (0 when inactive)."""

    status: str
    active: bool
    seconds_left: int


def build_trial_status(matches: list[Match], ctx: Context) -> TrialStatus:
    """Exactly one status line and one time-left line."""
    require(ctx, matches, "status", "left")
    kinds = [m.kind for m in matches]
    if kinds.count("status") != 1 or kinds.count("left") != 1:
        raise ctx.fail("trial status printed more than once")
    status = next(m for m in matches if m.kind == "status")
    left = next(m for m in matches if m.kind == "left")
    word = status.values["status"].strip()
    return TrialStatus(status=word, active=word == "ACTIVE", seconds_left=ctx.req_int(left, "seconds"))


class ConfigurationLock(ParsedOutput):
    """``display configuration-occupied user`` when someone holds the lock (VRP8.md 3.8).

    Times are as printed (router-local, no zone). An empty output means nobody
    holds the lock; the parser refuses empty output, so the caller handles it.
    """

    user_index: int
    session_name: str
    user_name: str
    ip_address: str | None
    locked_time: str
    last_configuration_time: str | None = None
    timeout_seconds: int | None = None


_LOCK_KEYS = {
    "user index": "user_index",
    "user session name": "session_name",
    "user name": "user_name",
    "ip address": "ip_address",
    "locked time": "locked_time",
    "last configuration time": "last_configuration_time",
}
_LOCK_REQUIRED = ("user_index", "session_name", "user_name", "locked_time")


def build_configuration_lock(matches: list[Match], ctx: Context) -> ConfigurationLock:
    """One holder's block: every key at most once; index, session, user and time required."""
    values: dict[str, object] = {}
    for m in matches:
        if m.kind == "timeout":
            if "timeout_seconds" in values:
                raise ctx.fail("lock timeout printed twice", m)
            values["timeout_seconds"] = ctx.req_int(m, "seconds")
            continue
        field = _LOCK_KEYS[m.values["key"].lower()]
        if field in values:
            raise ctx.fail(f"{field} printed twice (one lock holder only)", m)
        raw = m.values["value"].strip()
        values[field] = ctx.decimal(m, field, raw) if field == "user_index" else (raw or None)
    missing = [k for k in _LOCK_REQUIRED if values.get(k) is None]
    if missing:
        raise ctx.fail(f"lock holder without {', '.join(missing)} (truncated)")
    return ConfigurationLock(**values)  # type: ignore[arg-type]  # keys checked against the model above


class CurrentConfiguration(ParsedOutput):
    """``display current-configuration``: its configuration lines, indentation kept, in order
    (no ``!`` header, no ``#`` separators, no final ``return``)."""

    lines: list[str] = Field(default_factory=list)

    def has_line(self, line: str) -> bool:
        """True when *line* (compared without surrounding blanks) is one of the configuration's lines."""
        wanted = " ".join(line.split())
        return any(" ".join(ln.split()) == wanted for ln in self.lines)


def build_current_configuration(matches: list[Match], ctx: Context) -> CurrentConfiguration:
    """Configuration lines up to exactly one final ``return`` (a cut configuration fails)."""
    require(ctx, matches, "end")
    if matches[-1].kind != "end" or sum(1 for m in matches if m.kind == "end") != 1:
        raise ctx.fail("configuration does not end with one final 'return' (truncated or two outputs)")
    seen_body = False
    lines: list[str] = []
    for m in matches:
        if m.kind == "header":
            if seen_body:
                raise ctx.fail("'!' header line inside the configuration", m)
        elif m.kind == "line":
            seen_body = True
            lines.append(m.values["line"].rstrip())
        elif m.kind == "separator":
            seen_body = True
    return CurrentConfiguration(lines=lines)
