"""MPLS LDP: a session Operational to every intended LDP neighbour."""

from __future__ import annotations

from typing import Any

from vrpbook.intent import NetworkIntent

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .reads import LDP_SESSIONS, same


class LdpSessionsOperational(Check[NoParams]):
    name = "ldp-sessions-operational"
    description = "all LDP sessions to intended peers Operational"
    requires = "LDP interfaces facing another LDP router"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net.ldp_neighbours(router))

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [LDP_SESSIONS] if net[router].runs_ldp else []

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        sessions = {s.peer_id: s.status for s in obs[LDP_SESSIONS].sessions}
        expected = net.ldp_neighbours(router)
        failures = []
        for lsr, other in expected.items():
            status = sessions.get(f"{lsr}:0")
            if not same(status, "operational"):
                failures.append(f"LDP session to {other} ({lsr}:0) is {status or 'absent'}")
        return verdict(failures, "all intended LDP sessions Operational", sessions, {f"{lsr}:0": "Operational" for lsr in expected})
