"""OSPF: every other router's OSPF loopback is reachable via OSPF."""

from __future__ import annotations

from typing import Any

from vrpbook.errors import ReadError
from vrpbook.intent import NetworkIntent

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .reads import ROUTING_TABLE, route_rows, same


class OspfLoopbackRoutes(Check[NoParams]):
    name = "ospf-loopback-routes"
    description = "routes to every other router's OSPF loopback present via OSPF"
    requires = "ospf"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return net[router].ospf is not None

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [ROUTING_TABLE]

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        expected = {other: it.ospf_loopbacks() for other, it in net.items() if other != router and it.ospf_loopbacks()}
        if not expected:
            raise ReadError("nothing to judge: no other router advertises a loopback into OSPF", router=router)
        table = obs[ROUTING_TABLE]
        failures, seen = [], {}
        for other, prefixes in expected.items():
            for prefix in prefixes:
                rows = route_rows(table, prefix)
                seen[prefix] = rows
                if not any(same(r["proto"], "ospf") for r in rows):
                    failures.append(f"no OSPF route to {other}'s loopback {prefix} (saw {rows or 'nothing'})")
        return verdict(failures, "OSPF routes to every other loopback", seen, expected)
