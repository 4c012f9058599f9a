"""Poll a drill's expectations over SSH, timestamping every poll.

Each expectation is a scheduled check (:class:`vrpbook.checks.polling.ScheduledCheck`:
the check, its routers, parameters, deadline). All pending ones are read together
in each round (every display once per router, every router at once: the
``collect`` task), judged, and stop when every router passes, one errors (fail
closed), one fails in a way waiting cannot change (*settled*), or the deadline
passes. Unlike a gate, a drill also needs *when*: the poll that first saw the
expectation hold and the last one that did not (:class:`~.timing.Window`), from
which :mod:`.timing` computes the time where no event log does it exactly.
Waiting goes through the drill's :class:`~vrpbook.runbooks.signals.Interruption`,
so Ctrl+C ends a wait at once (and the fault is undone).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nornir.core import Nornir

from vrpbook.checks.api import SETTLED
from vrpbook.checks.polling import ScheduledCheck, command_plan, final_result, read_all
from vrpbook.intent import NetworkIntent
from vrpbook.results import CheckResult, Status, now

from .timing import Window


@dataclass
class Watch:
    """One expectation being polled: its check, and what the polls saw, when."""

    phase: str  # "before" | "fault" | "recovery"
    scheduled: ScheduledCheck
    within_ms: float | None = None
    gate: bool = False  # one of the runbook's gates (the network at its intent), not a drill expectation
    results: list[CheckResult] = field(default_factory=list)
    seen: Window | None = None  # the first poll where every router passed
    missed: Window | None = None  # the last poll before it (or before the end) that did not
    seen_by: dict[str, Window] = field(default_factory=dict)  # per router: its first passing poll
    missed_by: dict[str, Window] = field(default_factory=dict)
    polls: int = 0
    done: bool = False

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.status is Status.PASS for r in self.results)


def poll_watches(
    nr: Nornir,
    net: NetworkIntent,
    watches: Sequence[Watch],
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Poll every watch until it is done; fill in its results and its poll windows."""
    start = clock()
    started = now()
    while True:
        pending = [w for w in watches if not w.done]
        if not pending:
            return
        s = clock()
        observed = read_all(nr, command_plan([w.scheduled for w in pending], net))
        window = Window(s, clock())
        elapsed = window.end - start
        for w in pending:
            w.polls += 1
            results = w.scheduled.judge(net, observed, started, w.polls)
            for r in results:
                if r.status is Status.PASS:
                    w.seen_by.setdefault(r.router, window)
                elif r.router not in w.seen_by:
                    w.missed_by[r.router] = window
            statuses = {r.status for r in results}
            settled = any(SETTLED in r.tags for r in results if r.status is Status.FAIL)
            if statuses == {Status.PASS}:
                w.seen = window
            else:
                w.missed = window
            if statuses == {Status.PASS} or Status.ERROR in statuses or settled or elapsed >= w.scheduled.deadline:
                w.results = [final_result(r, elapsed, w.scheduled.deadline) for r in results]
                w.done = True
        if any(not w.done for w in watches):
            sleep(interval)

