"""One typed event stream that every command publishes and every observer reads.

The engine (run, plan, check, drill, change) never draws a table, writes a
file or touches the history database itself: it publishes typed events on an
:class:`EventBus`, and the live progress display, the artifacts writer, the
history recorder and the metrics exporter subscribe. A subscriber that raises
is logged and dropped from that event only — an observer can never break a
change in flight.

Events are frozen dataclasses; each carries the time it happened. Commands add
their own event classes (subclasses of :class:`Event`) next to the code that
publishes them; the ones every command shares live here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from .results import CheckResult, now

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event: when it happened."""

    at: datetime = field(default_factory=now)


@dataclass(frozen=True, kw_only=True)
class ResultRecorded(Event):
    """A check, gate or drill expectation reached its final verdict on one router."""

    result: CheckResult


E = TypeVar("E", bound=Event)
Subscriber = Callable[[Event], None]


class EventBus:
    """Fan events out to subscribers, in subscription order, from any thread.

    Nornir runs tasks in worker threads, so ``publish`` may be called
    concurrently; delivery is serialised by a lock so subscribers need no
    locking of their own and see events in one total order.
    """

    def __init__(self) -> None:
        self._subscribers: list[tuple[type[Event], Callable[[Any], None]]] = []
        self._lock = threading.RLock()

    def subscribe(self, fn: Callable[[E], None], kind: type[E] | None = None) -> None:
        """Call *fn* for every event of type *kind* (default: every event)."""
        self._subscribers.append((kind or Event, fn))

    def publish(self, event: Event) -> None:
        with self._lock:
            for kind, fn in list(self._subscribers):
                if not isinstance(event, kind):
                    continue
                try:
                    fn(event)
                except Exception:  # an observer must never break the work it observes
                    log.exception("event subscriber %r failed on %s", fn, type(event).__name__)
