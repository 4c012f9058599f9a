"""The one wall clock of vrpbook: change windows, router locks, run records and history.

Why one clock: a change window is enforced by comparing "now" with its end, a
router lock expires at a time, and the history database records when states
changed. If each asked the system for the time on its own, a test could not
move "now" past a window's end without sleeping for real, and two parts of one
run could disagree about what time it is. So every such time comes from
:func:`now`, which asks the current :class:`Clock`.

Clocks:

- :class:`SystemClock` (the default): the system's time, in UTC.
- :class:`ManualClock`: a time the caller sets and advances (in-process tests:
  ``with use(ManualClock(start)) as clock: ... clock.advance(3600)``).
- :class:`FileClock`: the system's time plus an offset read from a file at
  every call, or a frozen time. For tests that drive a ``vrpbook`` **process**:
  set ``VRPBOOK_CLOCK=/path/to/file`` in its environment, then write the file
  while it runs (``+7200`` = two hours ahead; ``2026-03-01T10:00:00+00:00`` =
  frozen at that time; empty = the system's time). A file that cannot be read
  or parsed is an error (a clock that silently fell back to real time would make
  a window test pass for the wrong reason).

Durations (a gate's deadline, a poll interval) are not wall-clock times: they
stay on :func:`time.monotonic`, as in real life a clock step (NTP) does not
stretch a timeout. An offset jump therefore models exactly a wall clock that
reached the window's end while a stage was running.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

ENV_CLOCK = "VRPBOOK_CLOCK"


class ClockError(RuntimeError):
    """The controllable clock's file cannot be read or says nothing we understand."""


class Clock(Protocol):
    """Where "now" comes from: an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The system's time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (thread-safe)."""

    def __init__(self, start: datetime | None = None) -> None:
        at = start or datetime.now(UTC)
        if at.tzinfo is None:
            raise ValueError(f"time without a time zone: {at.isoformat()}")
        self._at = at.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError(f"time without a time zone: {at.isoformat()}")
        with self._lock:
            self._at = at.astimezone(UTC)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._at += timedelta(seconds=seconds)
            return self._at


class FileClock:
    """The system's time shifted by the offset in *path* (``+SECONDS`` / ``-SECONDS``), or
    the aware ISO 8601 time written there (frozen), read at every call."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        try:
            text = self.path.read_text().strip()
        except OSError as exc:
            raise ClockError(f"{ENV_CLOCK}={self.path}: cannot read the clock file ({exc.strerror})") from exc
        real = datetime.now(UTC)
        if not text:
            return real
        if text[0] in "+-" and ":" not in text:
            try:
                return real + timedelta(seconds=float(text))
            except ValueError:
                raise ClockError(f"{ENV_CLOCK}={self.path}: {text!r} is not an offset in seconds") from None
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            raise ClockError(f"{ENV_CLOCK}={self.path}: {text!r} is neither +SECONDS nor an ISO 8601 time") from None
        if at.tzinfo is None:
            raise ClockError(f"{ENV_CLOCK}={self.path}: {text!r} has no time zone")
        return at.astimezone(UTC)


def from_env() -> Clock:
    """``$VRPBOOK_CLOCK`` names a :class:`FileClock`; else the :class:`SystemClock`."""
    path = os.environ.get(ENV_CLOCK)
    return FileClock(Path(path)) if path else SystemClock()


_current: Clock | None = None
_guard = threading.Lock()


def current() -> Clock:
    """The clock every part of vrpbook asks (chosen from the environment at first use)."""
    global _current
    with _guard:
        if _current is None:
            _current = from_env()
        return _current


def now() -> datetime:
    """Now, as an aware UTC datetime, from the current clock."""
    return current().now()


@contextlib.contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """Make *clock* the current one for the block (tests), then restore the previous one."""
    global _current
    with _guard:
        previous, _current = _current, clock
    try:
        yield clock
    finally:
        with _guard:
            _current = previous


def reset() -> None:
    """Forget the chosen clock: the next :func:`current` reads the environment again."""
    global _current
    with _guard:
        _current = None


__all__ = ["ENV_CLOCK", "Clock", "ClockError", "FileClock", "ManualClock", "SystemClock", "current", "from_env", "now", "reset", "use"]
