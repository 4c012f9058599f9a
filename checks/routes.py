"""One route, as the routing table shows it: which next hops carry it, or that it is gone.

``route-nexthops`` is the forwarding question a failover drill asks after each
fault — "PE3 reaches CE1's loopback over one path, via PE2", "CE1's default
route now leaves only towards PE2" — and asks again after the restore ("both
paths are back"). It reads the routing table the route lives in (public, or a
VPN instance's) and compares the distinct next hops of the prefix's rows
(optionally of one protocol) with the expected set, or expects no row at all.

Next hops, not rows: a BGP route whose next hop the IGP reaches over two
equal-cost links prints one row per outgoing interface and is still one path.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vrpbook.intent import NetworkIntent

from .api import Check, EveryRouter, Observations, Read, Verdict, verdict
from .reads import ROUTING_TABLE, route_rows, same, vpn_routing_table


class RouteParams(BaseModel):
    """``prefix`` in ``vpn_instance``'s table (default: the public one), optionally only the rows
    of ``protocol`` (``Static``, ``IBGP``, ``OSPF`` ...); then either ``nexthops`` (the exact set
    of next hops) or ``absent: true`` (no such row)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    prefix: IPv4Network
    vpn_instance: str | None = Field(default=None, min_length=1)
    protocol: str | None = Field(default=None, min_length=1)
    nexthops: list[IPv4Address] | None = Field(default=None, min_length=1)
    absent: bool = False

    @model_validator(mode="after")
    def _one_expectation(self) -> RouteParams:
        if self.absent == (self.nexthops is not None):
            raise ValueError("give either nexthops (the next hops the route must have) or absent: true")
        return self

    def describe(self) -> str:
        where = f"VPN {self.vpn_instance} " if self.vpn_instance else ""
        proto = f"{self.protocol} " if self.protocol else ""
        return f"{where}{proto}route {self.prefix}"


class RouteNexthops(EveryRouter, Check[RouteParams]):
    name = "route-nexthops"
    description = "a route is in the routing table with exactly the given next hops, or absent"
    requires = "nothing (every router has a routing table)"
    params_model = RouteParams

    def reads(self, router: str, net: NetworkIntent, params: RouteParams) -> list[Read[Any]]:
        return [vpn_routing_table(params.vpn_instance) if params.vpn_instance else ROUTING_TABLE]

    def judge(self, router: str, net: NetworkIntent, params: RouteParams, obs: Observations) -> Verdict:
        table = obs[self.reads(router, net, params)[0]]
        rows = [r for r in route_rows(table, str(params.prefix)) if params.protocol is None or same(r["proto"], params.protocol)]
        hops = sorted({str(r["nexthop"]) for r in rows}, key=_address_order)
        what = params.describe()
        if params.absent:
            failures = [] if not rows else [f"{what} still present via {hops}"]
            return verdict(failures, f"{what} absent", {str(params.prefix): rows}, {str(params.prefix): []})
        want = sorted((str(h) for h in params.nexthops or []), key=_address_order)
        failures = [] if hops == want else [f"{what} via {hops or 'nothing'} (expected via {want})"]
        return verdict(failures, f"{what} via {', '.join(hops)}", {str(params.prefix): rows},
                       {str(params.prefix): [{"nexthop": h} for h in want]})


def _address_order(text: str) -> tuple[int, str]:
    try:
        return int(IPv4Address(text)), text
    except ValueError:
        return -1, text
