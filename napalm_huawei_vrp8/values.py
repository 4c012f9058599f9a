"""VRP's printed values as NAPALM's typed ones: uptimes, AS numbers, speeds.

NAPALM's models have no "unknown": where VRP's displays do not print a value
the driver reports ``-1`` (integers, floats) or ``""`` (strings), never ``None``
(see the README's table of what VRP8 cannot supply). An uptime or an AS number in
a form not listed here is an error, not a guess.
"""

from __future__ import annotations

import re

#: NAPALM's "not known" for numbers (``last_flapped`` documents -1.0).
UNKNOWN = -1

_UNITS = {"week": 604800, "day": 86400, "hour": 3600, "minute": 60, "second": 1}
_UPTIME_PART = re.compile(r"(\d+)\s+(week|day|hour|minute|second)s?\b")
_CLOCK = re.compile(r"^(\d+):(\d{2}):(\d{2})$")
_HOURS_MINUTES = re.compile(r"^(\d+)h(\d{2})m$")
_OVERFLOW = re.compile(r"^\*+h\d{2}m$")
_ASDOT = re.compile(r"^(\d+)\.(\d+)$")
_SPEED = re.compile(r"^(\d+(?:\.\d+)?)([GM])$")


def uptime_seconds(text: str) -> float:
    """``display version``'s ``405 days, 12 hours, 9 minutes`` in seconds.

    >>> uptime_seconds("7 days, 1 hour, 18 minutes")
    609480.0
    """
    parts = _UPTIME_PART.findall(text)
    rest = _UPTIME_PART.sub("", text).replace(",", "").strip()
    if not parts or rest:
        raise ValueError(f"uptime not understood: {text!r}")
    return float(sum(int(n) * _UNITS[unit] for n, unit in parts))


def bgp_updown_seconds(text: str) -> int:
    """A BGP peer table's ``Up/Down``: ``00:05:15``, ``2559h30m``; ``****h17m`` (hours that
    overflowed the column) is :data:`UNKNOWN`.

    >>> bgp_updown_seconds("01:06:34"), bgp_updown_seconds("626h43m"), bgp_updown_seconds("****h25m")
    (3994, 2256180, -1)
    """
    clock = _CLOCK.match(text)
    if clock:
        h, m, s = (int(g) for g in clock.groups())
        return h * 3600 + m * 60 + s
    hours = _HOURS_MINUTES.match(text)
    if hours:
        return int(hours.group(1)) * 3600 + int(hours.group(2)) * 60
    if _OVERFLOW.match(text):
        return UNKNOWN
    raise ValueError(f"BGP Up/Down time not understood: {text!r}")


def as_number(text: str) -> int:
    """An AS number as VRP prints it (asplain ``65410`` or asdot ``635.66``) as an integer.

    >>> as_number("65410"), as_number("1.10")
    (65410, 65546)
    """
    if text.isdigit():
        return int(text)
    dot = _ASDOT.match(text)
    if dot:
        return int(dot.group(1)) * 65536 + int(dot.group(2))
    raise ValueError(f"AS number not understood: {text!r}")


def speed_mbit(tag: str | None) -> float:
    """A port's speed tag (``10G`` from ``GigabitEthernet1/0/0(10G)``) in Mbit/s; no tag: unknown.

    >>> speed_mbit("10G"), speed_mbit(None)
    (10000.0, -1.0)
    """
    if tag is None:
        return float(UNKNOWN)
    m = _SPEED.match(tag)
    if not m:
        return float(UNKNOWN)
    return float(m.group(1)) * (1000.0 if m.group(2) == "G" else 1.0)
