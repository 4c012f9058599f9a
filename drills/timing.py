"""When did each expectation come true: from the twin's event log, or from timestamped polling.

**On a lab** the twin logs every protocol event with the instant it happened
(``vrpbook.lab.NetworkEvent``: milliseconds on the lab's one clock): the fault
itself (the committed configuration taking effect: ``config-changed``; a pulled
cable: ``link-down``), then BFD going Down after its detection time, routes
withdrawn and installed. An expectation's time is the last event *it is about*
after the fault (the BFD session's ``bfd-down``, the prefix's route events on
that router) minus the fault's instant: exact, whatever the SSH polling cost.
A check with no events of its own (a runbook gate) is timed by the last event
anywhere in the network: when the network stopped moving.

**In production** there is no event log: the drill polls the routers and
timestamps each poll. An expectation first seen true by the poll that finished
at ``U`` (from the moment the fault's commit was sent) became true at most
``U`` ms after the fault, and after the start of the last poll that still saw it
false (from the moment the commit returned): ``L``. The measurement is the
interval ``(L, U]``; its width is the resolution, and the output states it. A
budget between ``L`` and ``U`` cannot be decided: "could not check" (error),
never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Any

from vrpbook.lab import NetworkEvent
from vrpbook.results import Status

EventFilter = Callable[[NetworkEvent], bool]


@dataclass(frozen=True)
class Window:
    """One poll, in the controller's monotonic seconds: when its reads started and ended."""

    start: float
    end: float


@dataclass(frozen=True)
class Measured:
    """When an expectation came true, in ms after the fault (or the restore).

    ``ms`` is the measurement (exact from an event log; the upper bound from polling);
    ``low_ms`` the lower bound (polling; equal to ``ms`` from an event log); ``how`` says
    what it was measured from."""

    ms: float | None
    low_ms: float | None
    how: str
    exact: bool

    @property
    def resolution_ms(self) -> float | None:
        if self.ms is None or self.low_ms is None:
            return None
        return round(self.ms - self.low_ms, 1)

    def judge(self, budget_ms: float | None) -> tuple[Status, str]:
        """Whether the budget holds: pass, fail, or error when polling cannot resolve it."""
        if budget_ms is None:
            return Status.PASS, ""
        if self.ms is None:
            return Status.ERROR, f"no time measured ({self.how}); budget {budget_ms:g} ms not shown to hold"
        if self.exact:
            if self.ms <= budget_ms:
                return Status.PASS, ""
            return Status.FAIL, f"took {self.ms:g} ms (budget {budget_ms:g} ms)"
        if self.ms <= budget_ms:
            return Status.PASS, ""
        if self.low_ms is not None and self.low_ms > budget_ms:
            return Status.FAIL, f"took more than {self.low_ms:g} ms (budget {budget_ms:g} ms)"
        return Status.ERROR, (f"came true between {self.low_ms or 0:g} and {self.ms:g} ms: polls {self.resolution_ms:g} ms apart "
                              f"cannot tell whether the budget of {budget_ms:g} ms held")

    def describe(self) -> str:
        if self.ms is None:
            return "-"
        if self.exact:
            return f"{self.ms:g} ms"
        return f"{self.low_ms or 0:g}–{self.ms:g} ms"

    def to_json(self) -> dict[str, Any]:
        return {"measured_ms": self.ms, "low_ms": self.low_ms, "resolution_ms": self.resolution_ms,
                "timing": self.how, "exact": self.exact}


def event_filter(check: str, router: str, params: Mapping[str, Any]) -> EventFilter | None:
    """The events an expectation is about, or None (the check has none of its own: it is timed by
    the last event anywhere)."""
    if check == "bfd-session-state":
        kind = "bfd-up" if params.get("state", "Up") == "Up" else "bfd-down"
        session = str(params.get("session"))
        return lambda e: e.router == router and e.kind == kind and e.bfd_session() == session
    if check in ("bfd-tracked-route", "route-nexthops"):
        vpn = params.get("vpn_instance")
        prefix = str(IPv4Network(str(params.get("prefix")), strict=False))
        static_only = check == "bfd-tracked-route"

        def about(e: NetworkEvent) -> bool:
            route = e.route()
            if e.router != router or route is None:
                return False
            table, p, proto = route
            if static_only and proto.lower() != "static":
                return False
            return table == vpn and p == prefix

        return about
    return None


class EventClock:
    """Times from the twin's event log (a lab in this process, or a ``vrpbook lab up`` lab's file)."""

    exact = True

    def __init__(self, read: Callable[[], list[NetworkEvent]], source: str) -> None:
        self._read = read
        self.source = source
        self.log: list[NetworkEvent] = []

    def events(self) -> list[NetworkEvent]:
        self.log = self._read()
        return self.log

    def mark(self) -> int:
        """How many events are logged now: what happens next comes after this index."""
        return len(self.events())

    def instant(self, after: int, router: str, kinds: tuple[str, ...]) -> float | None:
        """The lab-clock time of the first event of *kinds* on *router* after index *after*."""
        return next((e.t_ms for e in self.events()[after:] if e.router == router and e.kind in kinds), None)

    def measure(self, after: int, until: int, t0_ms: float, about: EventFilter | None, what: str) -> Measured:
        """The last event *about* the expectation (or any event, when None) between the marks,
        from *t0_ms*."""
        window = self.log[after:until]
        matching = [e for e in window if about is None or about(e)]
        if not matching:
            how = f"no {what} event logged: held from the {'start' if about is None else 'fault'} on"
            return Measured(0.0, 0.0, how, True)
        last = matching[-1]
        ms = round(max(0.0, last.t_ms - t0_ms), 3)
        what_ = f"{last.kind} on {last.router}"
        how = f"last network event: {what_}" if about is None else f"{what_} ({last.readable()})"
        return Measured(ms, ms, how, True)


class PollClock:
    """Times from timestamped polls (production: no event log), with their resolution."""

    exact = False
    source = "timestamped polling (each time is an interval: its width, the resolution, is stated)"

    @staticmethod
    def measure(sent: float, done: float, seen: Window | None, missed: Window | None) -> Measured:
        """*sent*/*done*: when the fault's commit was sent / returned (monotonic s); *seen*: the
        first poll that saw the expectation hold; *missed*: the last poll before it that did not."""
        if seen is None:
            return Measured(None, None, "never seen true", False)
        high = round((seen.end - sent) * 1000.0, 1)
        low = round(max(0.0, (missed.start - done) * 1000.0), 1) if missed is not None and missed.start > done else 0.0
        return Measured(high, min(low, high), "polls", False)
