"""SIGINT, SIGTERM and SIGHUP during a run: stop at the next safe point, then undo.

A signal must never tear a step apart: Nornir's worker threads would keep
talking to the routers while the main thread rolled back on the same
sessions. So the handler only records the signal; the engine checks it
between steps and while a gate waits (:meth:`Interruption.sleep`), where no
worker thread is busy, raises :class:`~vrpbook.errors.Interrupted`, aborts the
pending trials, rolls back per the runbook's policy, verifies, records
``interrupted`` and exits 128 + the signal (130, 143, 129).

A second signal means "stop waiting": the handler then calls the run's
``on_abandon`` callback, which writes the record (report, journal), prints
one line per router left in trial (it reverts by itself when the trial timer
expires) or with confirmed changes (``vrpbook recover RUN_ID``), and leaves
at once with ``os._exit`` (worker threads may be blocked on a router).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from vrpbook.errors import Interrupted, exit_code_for_signal, signal_name

log = logging.getLogger(__name__)

#: The signals a run handles: Ctrl+C, ``kill``/systemd stop, terminal closed.
HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interruption:
    """The run's record of a stop request, checked at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signum: int | None = None
        self.count = 0
        self.on_abandon: Callable[[int], None] | None = None

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self, signum: int) -> None:
        """Record a stop request (what the handler does; tests call it directly)."""
        self.count += 1
        if self.count == 1:
            self.signum = signum
            log.warning("%s received: stopping at the next safe point, then undoing the run", signal_name(signum))
            self._event.set()
            return
        log.warning("%s received again: no more waiting", signal_name(signum))
        if self.on_abandon is not None:
            self.on_abandon(signum)

    def check(self) -> None:
        """Raise :class:`Interrupted` if a stop was requested (call between steps)."""
        if self._event.is_set() and self.signum is not None:
            raise Interrupted(self.signum)

    def sleep(self, seconds: float) -> None:
        """Wait *seconds* unless a stop is requested meanwhile (then raise at once)."""
        if self._event.wait(max(0.0, seconds)):
            self.check()

    @contextlib.contextmanager
    def installed(self) -> Iterator[Interruption]:
        """Handle the signals for the duration of the block (main thread only; elsewhere,
        e.g. a test runner's worker thread, the block runs without handlers)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        old = {s: signal.getsignal(s) for s in HANDLED}

        def handler(signum: int, frame: FrameType | None) -> None:
            self.request(signum)

        for s in HANDLED:
            signal.signal(s, handler)
        try:
            yield self
        finally:
            for s, h in old.items():
                signal.signal(s, h)


def leave(signum: int) -> None:
    """Exit the process at once with 128 + *signum* (the second-signal path)."""
    os._exit(int(exit_code_for_signal(signum)))


__all__ = ["HANDLED", "Interrupted", "Interruption", "leave"]
