"""Public static routes (CE default routes): installed with every intended next hop (ECMP)."""

from __future__ import annotations

from typing import Any

from vrpbook.intent import NetworkIntent

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .reads import ROUTING_TABLE, route_rows, same


class StaticRoutesInstalled(Check[NoParams]):
    name = "static-routes-installed"
    description = "public static routes (CE default routes) installed with every intended next hop (ECMP)"
    requires = "public static_routes"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].public_static_routes())

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [ROUTING_TABLE] if self.applies(router, net) else []

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        table = obs[ROUTING_TABLE]
        failures, seen = [], {}
        expected = net[router].public_static_routes()
        for prefix, hops in expected.items():
            rows = [r for r in route_rows(table, prefix) if same(r["proto"], "static")]
            seen[prefix] = rows
            got = {str(r["nexthop"]) for r in rows}
            if got != hops:
                failures.append(f"{prefix} static next hops {sorted(got) or 'none'} (intended {sorted(hops)}, {len(hops)} ECMP)")
        return verdict(failures, "static routes installed with all intended next hops", seen,
                       {p: sorted(h) for p, h in expected.items()})
