"""Interfaces: every interface the intent addresses is up, physically and by protocol.

Reported per interface as ``{name: "PHY/Protocol"}`` against ``up/up``, the shape the
HTML diagram reads to colour each cable by its two ends (``reporters/README.md``).
VRP marks a protocol state with a suffix (``up(s)``: spoofing, on loopbacks); only the
state word counts. An interface the display does not list is ``absent``.
"""

from __future__ import annotations

from typing import Any

from vrpbook.intent import NetworkIntent
from vrpbook.vrp import canonical_interface_name

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .reads import INTERFACES

UP = "up/up"


def _state(word: str) -> str:
    """``up(s)`` -> ``up``; ``*down`` (administratively down) stays as printed."""
    return word.split("(", 1)[0].strip().lower()


class InterfacesUp(Check[NoParams]):
    name = "interfaces-up"
    description = "every interface the intent addresses is up (physical and protocol)"
    requires = "interfaces"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].interfaces)

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [INTERFACES]

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        rows = {canonical_interface_name(r.interface): r for r in obs[INTERFACES].interfaces}
        observed: dict[str, str] = {}
        failures: list[str] = []
        for name in net[router].interfaces:
            row = rows.get(name)
            state = f"{_state(row.phy)}/{_state(row.protocol)}" if row is not None else "absent"
            observed[name] = state
            if state != UP:
                failures.append(f"{name} is {state}" + (" (administratively down)" if state.startswith("*") else ""))
        return verdict(failures, "every intended interface up", observed, dict.fromkeys(net[router].interfaces, UP))
