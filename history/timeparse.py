"""Times on the command line: ISO 8601 with a time zone (or ``now``), always to UTC.

A time without a zone is refused rather than guessed: a scheduler's host, the
operator's laptop and the routers rarely agree on local time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from vrpbook import clock


class TimeError(ValueError):
    """A time the user typed that we cannot read; the message says what to type."""


def parse_time(text: str) -> datetime:
    """``2026-03-01T09:05:00+01:00``, ``2026-03-01T08:05Z`` or ``now`` → aware UTC datetime.

    >>> parse_time("2026-03-01T09:05:00+01:00").isoformat()
    '2026-03-01T08:05:00+00:00'
    """
    value = text.strip()
    if value.lower() == "now":
        return clock.now()
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise TimeError(f"not an ISO 8601 time: {text!r} (e.g. 2026-03-01T09:05:00Z)") from None
    if at.tzinfo is None:
        raise TimeError(f"time needs a time zone: {text!r} (add Z or +01:00)")
    return at.astimezone(UTC)
