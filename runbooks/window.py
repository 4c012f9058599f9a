"""A change window, and its enforcement while a run goes on.

A window is two aware times (ISO 8601 with a zone; a naive time is refused:
"09:00" means nothing to a team spread over time zones). A change may only
*change* routers inside it, and must be back in a known state when it closes.
So the engine asks :class:`WindowGuard`:

- before each stage (:meth:`WindowGuard.before`): could this stage end, in the
  worst case, before the window closes? Its worst case is its gates' longest
  deadline (a stage's gates are polled together, so they end with the longest
  one; a canary stage runs its batches one after the other, so one deadline per
  batch) plus the runbook's ``rollback_seconds`` (the time a rollback and its
  verification need). If not, the stage does not start.
- at every safe point of a stage (between push and gates, at every gate poll,
  before confirming; :meth:`WindowGuard.check`): has the window closed? Then
  the stage is aborted and the run undone per its policy.

Both raise :class:`~vrpbook.errors.WindowClosed` (exit 6), whose message
says what, when, and by how much. Times come from :mod:`vrpbook.clock`, the one
clock tests can move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from vrpbook import clock
from vrpbook.errors import UsageError, WindowClosed

from .schema import Runbook, Stage


def _text(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def parse_time(text: str, what: str = "time") -> datetime:
    """An ISO 8601 time with a zone offset (``Z`` or ``+01:00``); a naive time is refused."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what} {text!r} is not an ISO 8601 time (e.g. 2026-03-01T22:00:00+01:00)") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise UsageError(f"{what} {text!r} has no time zone: write it with Z or an offset (e.g. {text.strip()}+01:00)")
    return at


@dataclass(frozen=True)
class Window:
    """When a change may run: ``start <= now < end``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise UsageError("a window's times need a time zone")
        if self.end <= self.start:
            raise UsageError(f"window ends ({_text(self.end)}) before it starts ({_text(self.start)})")

    @classmethod
    def parse(cls, text: str) -> Window:
        """``START/END``, each ISO 8601 with a zone (the ISO 8601 interval form)."""
        parts = text.split("/")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise UsageError(f"window {text!r} is not START/END (e.g. 2026-03-01T22:00:00+01:00/2026-03-02T02:00:00+01:00)")
        return cls(parse_time(parts[0], "window start"), parse_time(parts[1], "window end"))

    def __str__(self) -> str:
        return f"{_text(self.start)}/{_text(self.end)}"

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def refusal(self, at: datetime) -> str | None:
        """Why *at* is outside the window (one line), or None."""
        if at < self.start:
            return f"the window {self} opens in {_duration(self.start - at)} (now {_text(at)})"
        if at >= self.end:
            return f"the window {self} closed {_duration(at - self.end)} ago (now {_text(at)})"
        return None


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def stage_budget(rb: Runbook, stage: Stage, batches: int = 1) -> float:
    """Seconds a stage may take in the worst case, its rollback included (module docstring)."""
    longest = max((g.deadline or rb.defaults.gate_deadline for g in stage.gates), default=0.0)
    return batches * longest + rb.defaults.rollback_seconds


class WindowGuard:
    """The window, asked by the engine at its safe points."""

    def __init__(self, window: Window, source: clock.Clock | None = None) -> None:
        self.window = window
        self._clock = source

    def now(self) -> datetime:
        return (self._clock or clock.current()).now()

    def check(self, where: str) -> None:
        """Raise :class:`WindowClosed` if the window has closed."""
        at = self.now()
        if at >= self.window.end:
            raise WindowClosed(f"the change window closed at {_text(self.window.end)} ({_duration(at - self.window.end)} "
                               f"ago) {where}")

    def before(self, what: str, seconds: float) -> None:
        """Raise :class:`WindowClosed` unless *seconds* of work starting now end inside the window."""
        self.check(f"before {what}")
        at = self.now()
        ends = at + timedelta(seconds=seconds)
        if ends > self.window.end:
            raise WindowClosed(f"{what} not started: it may take {seconds:g} s (gate deadlines plus rollback) and would end "
                               f"at {_text(ends)}, after the window closes at {_text(self.window.end)} "
                               f"({_duration(self.window.end - at)} left)")


__all__ = ["Window", "WindowGuard", "parse_time", "stage_budget"]
