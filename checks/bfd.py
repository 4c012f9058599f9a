"""BFD: every intended static BFD session Up; its failure-detection time within a budget; one
named session in a given state (failover drills)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vrpbook.intent import NetworkIntent
from vrpbook.parsers.bfd import BfdSessionDetail

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .reads import BFD_SESSIONS, same


class BfdSessionsUp(Check[NoParams]):
    name = "bfd-sessions-up"
    description = "every intended BFD session Up"
    requires = "bfd_sessions"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].bfd_sessions)

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [BFD_SESSIONS] if self.applies(router, net) else []

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        states = {s.name: s.state for s in obs[BFD_SESSIONS].sessions}
        failures = []
        settled = []  # a session the router does not list is not configured: waiting cannot bring it up
        for s in net[router].bfd_sessions:
            if s.name not in states:
                settled.append(f"BFD session {s.name} is absent (not configured)")
            elif not same(states[s.name], "up"):
                failures.append(f"BFD session {s.name} is {states[s.name]}")
        return verdict(failures, "every intended BFD session Up", states, {s.name: "Up" for s in net[router].bfd_sessions}, settled)


class DetectBudget(BaseModel):
    """``budget_ms``: the longest failure-detection time allowed on a session (default 1000 ms:
    sub-second detection, what BFD is configured for)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    budget_ms: int = Field(default=1000, ge=1, le=3_600_000)


class BfdDetectTime(Check[DetectBudget]):
    """The negotiated detection time (the display's ``Detect Interval (ms)``: the remote
    multiplier × the actual receive interval) of every intended BFD session, within a budget.

    A session with no negotiated detection time (Down: VRP prints ``-``) fails: the budget
    is not shown to hold. Where the display omits the line, the time is computed from the
    actual receive interval and the multiplier, and the evidence says so."""

    name = "bfd-detect-time"
    description = "every intended BFD session detects a failure within the budget (interval × multiplier)"
    requires = "bfd_sessions"
    params_model = DetectBudget

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].bfd_sessions)

    def reads(self, router: str, net: NetworkIntent, params: DetectBudget) -> list[Read[Any]]:
        return [BFD_SESSIONS] if self.applies(router, net) else []

    def judge(self, router: str, net: NetworkIntent, params: DetectBudget, obs: Observations) -> Verdict:
        by_name = {s.name: s for s in obs[BFD_SESSIONS].sessions}
        failures: list[str] = []
        limit = f"≤ {params.budget_ms}"
        # per session a mapping, never a bare value: the diagram reads {name: state} as a state.
        # The expectation is the observed time where it is within the budget, else "≤ budget",
        # so the reports' differences name exactly the sessions over it.
        observed: dict[str, dict[str, Any]] = {}
        expected: dict[str, dict[str, Any]] = {}
        evidence: dict[str, Any] = {"budget_ms": params.budget_ms, "sessions": {}}
        for want in net[router].bfd_sessions:
            s = by_name.get(want.name)
            if s is None:
                failures.append(f"BFD session {want.name} absent")
                observed[want.name], expected[want.name] = {"detect_ms": None}, {"detect_ms": limit}
                continue
            detect, how = _detect_ms(s)
            evidence["sessions"][want.name] = {"state": s.state, "detect_ms": detect, "from": how,
                                               "actual_rx_interval_ms": s.actual_rx_interval_ms,
                                               "multiplier": s.active_multi}
            ok = detect is not None and detect <= params.budget_ms
            observed[want.name] = {"detect_ms": detect}
            expected[want.name] = {"detect_ms": detect if ok else limit}
            if detect is None:
                failures.append(f"BFD session {want.name} has no negotiated detection time (state {s.state})")
            elif not ok:
                failures.append(f"BFD session {want.name} detects in {detect} ms (budget {params.budget_ms} ms)")
        return Verdict(not failures, "; ".join(failures) or f"every intended BFD session detects within {params.budget_ms} ms",
                       observed, expected, evidence)


def _detect_ms(s: BfdSessionDetail) -> tuple[int | None, str]:
    """The detection time the router shows, else actual rx × multiplier (both as printed)."""
    if s.detect_interval_ms is not None:
        return s.detect_interval_ms, "Detect Interval (ms)"
    multiplier = s.active_multi or s.local_detect_multi
    if s.actual_rx_interval_ms is not None and multiplier is not None and "detect_interval_ms" not in s.model_fields_set:
        return s.actual_rx_interval_ms * multiplier, "Actual Rx Interval (ms) × multiplier"
    return None, "not negotiated"


class SessionState(BaseModel):
    """``session``: the BFD session's name; ``state``: the state it must be in (a failover drill
    expects ``Down`` after its fault and ``Up`` after the restore)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    session: str = Field(min_length=1)
    state: Literal["Up", "Down", "AdminDown", "Init"] = "Up"


class BfdSessionState(Check[SessionState]):
    """One named BFD session in a given state, read from ``display bfd session all verbose``.

    ``bfd-sessions-up`` says every intended session is Up; a drill needs the opposite too
    (the session its fault must bring Down). Judged on the routers whose intent has the
    session: a session the router does not list is not configured, and no waiting brings it
    to any state (*settled*)."""

    name = "bfd-session-state"
    description = "a named BFD session is in the given state (Up, Down, ...)"
    requires = "the named BFD session (bfd_sessions)"
    params_model = SessionState

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].bfd_sessions)

    def targets(self, routers: Sequence[str], net: NetworkIntent, params: BaseModel | None = None) -> list[str]:
        if not isinstance(params, SessionState):
            return [r for r in routers if self.applies(r, net)]
        return [r for r in routers if any(s.name == params.session for s in net[r].bfd_sessions)]

    def reads(self, router: str, net: NetworkIntent, params: SessionState) -> list[Read[Any]]:
        return [BFD_SESSIONS]

    def judge(self, router: str, net: NetworkIntent, params: SessionState, obs: Observations) -> Verdict:
        found = next((s for s in obs[BFD_SESSIONS].sessions if s.name == params.session), None)
        expected = {params.session: params.state}
        if found is None:
            return verdict([], "", {params.session: None}, expected,
                           settled=[f"BFD session {params.session} is absent (not configured)"])
        observed = {params.session: found.state}
        failures = [] if same(found.state, params.state) else [f"BFD session {params.session} is {found.state} (expected {params.state})"]
        return verdict(failures, f"BFD session {params.session} is {found.state}", observed, expected)
