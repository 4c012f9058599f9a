"""BFD: every intended static BFD session Up."""

from __future__ import annotations

from typing import Any

from vrpbook.intent import NetworkIntent

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
