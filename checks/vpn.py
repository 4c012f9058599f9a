"""L3VPN: VPN instances as intended, VPN static routes present, VPN routes learnt from every originating PE."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from vrpbook.errors import ReadError
from vrpbook.intent import NetworkIntent, VpnRouteOrigin
from vrpbook.parsers.routing import RoutingTable

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .reads import ROUTING_TABLE, VPN_INSTANCES, igp_cost, route_rows, same, vpn_routing_table


class VpnInstancesUp(Check[NoParams]):
    name = "vpn-instances-up"
    description = "every intended VPN instance Up, with its RD, targets and interfaces"
    requires = "vpn_instances"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].vpn_instances)

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [VPN_INSTANCES] if self.applies(router, net) else []

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        it = net[router]
        by_name = {i.name: i for i in obs[VPN_INSTANCES].instances}
        failures: list[str] = []
        seen: dict[str, dict[str, Any]] = {}
        expected: dict[str, dict[str, Any]] = {}
        settled: list[str] = []  # configuration read back that differs: waiting cannot change it
        for name, want in it.vpn_instances.items():
            bound = [n for n, i in it.interfaces.items() if i.vpn_instance == name]
            expected[name] = {"vrf_status": "Up", "route_distinguisher": want.rd, "export_vpn_targets": want.export_targets,
                              "import_vpn_targets": want.import_targets, "interfaces": bound}
            inst = by_name.get(name)
            if inst is None:
                settled.append(f"VPN instance {name} absent (present: {sorted(by_name) or 'none'})")
                continue
            af = next((a for a in inst.address_families if same(a.afi, "ipv4")), None)
            seen[name] = {
                "interfaces": list(inst.interfaces),
                "vrf_status": af.vrf_status if af else None,
                "route_distinguisher": af.route_distinguisher if af else None,
                "export_vpn_targets": list(af.export_vpn_targets) if af else [],
                "import_vpn_targets": list(af.import_vpn_targets) if af else [],
            }
            if af is None:
                settled.append(f"VPN instance {name} has no ipv4 address family")
                continue
            if not same(af.vrf_status, "up"):
                failures.append(f"VPN instance {name} status {af.vrf_status}")
            if af.route_distinguisher != want.rd:
                settled.append(f"{name} RD {af.route_distinguisher} (intended {want.rd})")
            if set(af.export_vpn_targets) != set(want.export_targets):
                settled.append(f"{name} export targets {af.export_vpn_targets} (intended {want.export_targets})")
            if set(af.import_vpn_targets) != set(want.import_targets):
                settled.append(f"{name} import targets {af.import_vpn_targets} (intended {want.import_targets})")
            missing = [b for b in bound if b not in inst.interfaces]
            if missing:
                settled.append(f"{name} not bound to {missing} (bound: {list(inst.interfaces)})")
        return verdict(failures, "VPN instances up with intended RD/targets/interfaces", seen, expected, settled)


class VpnStaticRoutes(Check[NoParams]):
    name = "vpn-static-routes"
    description = "every intended VPN static route present in its VPN routing table"
    requires = "VPN static_routes"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].vpn_static_routes())

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [vpn_routing_table(v) for v in net[router].vpn_static_routes()]

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        failures: list[str] = []
        seen: dict[str, list[dict[str, str | None]]] = {}
        expected: dict[str, list[str]] = {}
        for vrf, routes in net[router].vpn_static_routes().items():
            table = obs[vpn_routing_table(vrf)]
            for prefix, hops in routes.items():
                rows = route_rows(table, prefix)
                seen[f"{vrf} {prefix}"], expected[f"{vrf} {prefix}"] = rows, sorted(hops)
                got = {str(r["nexthop"]) for r in rows if same(r["proto"], "static")}
                if got != hops:
                    failures.append(f"VPN {vrf} {prefix} static via {sorted(got) or 'nothing'} (intended {sorted(hops)})")
        return verdict(failures, "VPN static routes present", seen, expected)


class EcmpParams(BaseModel):
    """``prefixes``: judge only these (default: every VPN static route other PEs originate).
    ``paths``: an explicit expectation of the number of IBGP paths, instead of the one the
    BGP load-balancing rules give on this network."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    prefixes: list[IPv4Network] | None = None
    paths: Annotated[int, Field(ge=0, le=64)] | None = None


class VpnRouteEcmp(Check[EcmpParams]):
    """What BGP will install for each VPN route other PEs originate, as the protocols decide it.

    The route arrives from the originating PEs whose export targets the router's VPN
    instance imports — the import targets are read back from the router; none matching is
    a failure waiting cannot change (*settled*: the route can never arrive). Among the
    originators whose BGP next hop the router reaches, BGP load-balances over those at the
    lowest IGP cost — the cost read from the router's own routing table — unless the
    instance has ``load-balancing igp-metric-ignore``, and over at most ``maximum
    load-balancing`` of them. The route must have exactly that many IBGP paths, via those
    next hops (or ``paths`` of them, when the runbook says so)."""

    name = "vpn-route-ecmp"
    description = "VPN routes of other PEs present with the IBGP paths BGP's load-balancing rules give on this network"
    requires = "bgp.vpn_instances.*.maximum_load_balancing"
    params_model = EcmpParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].ecmp_vpn_instances())

    def reads(self, router: str, net: NetworkIntent, params: EcmpParams) -> list[Read[Any]]:
        return [*(vpn_routing_table(v) for v in net[router].ecmp_vpn_instances()), VPN_INSTANCES, ROUTING_TABLE]

    def judge(self, router: str, net: NetworkIntent, params: EcmpParams, obs: Observations) -> Verdict:
        wanted = {str(p) for p in params.prefixes} if params.prefixes else None
        it = net[router]
        instances = {i.name: i for i in obs[VPN_INSTANCES].instances}
        public = obs[ROUTING_TABLE]
        failures: list[str] = []
        settled: list[str] = []
        seen: dict[str, list[dict[str, str | None]]] = {}
        expected: dict[str, dict[str, Any]] = {}
        for vrf, max_lb in it.ecmp_vpn_instances().items():
            table = obs[vpn_routing_table(vrf)]
            inst = instances.get(vrf)
            af = next((a for a in inst.address_families if same(a.afi, "ipv4")), None) if inst else None
            imports = set(af.import_vpn_targets) if af else set()
            ignore = bool(it.bgp and it.bgp.vpn_instances[vrf].load_balancing_igp_metric_ignore)
            for prefix, origins in net.vpn_route_origins(router, vrf).items():
                if wanted is not None and prefix not in wanted:
                    continue
                key = f"{vrf} {prefix}"
                seen[key] = route_rows(table, prefix)
                arriving = [o for o in origins if imports & set(o.export_targets)]
                if not arriving:
                    exporters = ", ".join(f"{o.router} exports {list(o.export_targets)}" for o in origins)
                    held = f"imports {sorted(imports)}" if af else "has no ipv4 VPN instance " + vrf
                    expected[key] = {"ibgp_paths": 0 if params.paths is None else params.paths, "originators": exporters}
                    settled.append(f"VPN {vrf} {prefix} can never arrive: {router} {held} (read back), "
                                   f"no originator's export targets match ({exporters})")
                    continue
                failure, expected[key] = self._paths(vrf, prefix, arriving, seen[key], public, max_lb, ignore, params.paths)
                if failure:
                    failures.append(failure)
        if not seen:
            why = "nothing to judge: no VPN static route of another PE is imported into BGP in these VPN instances"
            raise ReadError(why, router=router)
        return verdict(failures, "VPN routes present with the IBGP paths BGP's load-balancing rules give", seen, expected, settled)

    @staticmethod
    def _paths(
        vrf: str, prefix: str, arriving: list[VpnRouteOrigin], rows: list[dict[str, str | None]],
        public: RoutingTable, max_lb: int, ignore: bool, paths: int | None,
    ) -> tuple[str | None, dict[str, Any]]:
        """(failure or None, expectation) for one prefix, from the IGP costs the router reports."""
        costs = {o.nexthop: igp_cost(public, o.nexthop) for o in arriving}
        reachable = {nh: c for nh, c in costs.items() if c is not None}
        best = min(reachable.values()) if reachable else None
        eligible = sorted(nh for nh, c in reachable.items() if paths is not None or ignore or c == best)
        count = paths if paths is not None else min(max_lb, len(eligible))
        rule = ("explicit expectation" if paths is not None else
                f"maximum load-balancing {max_lb}, " + ("IGP cost ignored" if ignore else f"lowest IGP cost {best}"))
        expectation: dict[str, Any] = {"ibgp_paths": count, "via": eligible, "igp_cost": costs, "rule": rule,
                       "originators": sorted(o.router for o in arriving)}
        ibgp = [r for r in rows if same(r["proto"], "ibgp")]
        hops = {str(r["nexthop"]) for r in ibgp}
        unreachable = sorted(nh for nh, c in costs.items() if c is None)
        if unreachable:
            return f"VPN {vrf} {prefix}: no IGP route yet to next hop(s) {unreachable} of {expectation['originators']}", expectation
        # A BGP path is a next hop: when the IGP reaches one next hop over several equal-cost
        # links the table prints one row per outgoing interface, still one BGP path.
        if not hops <= set(eligible) or len(hops) != count:
            priced = ", ".join(f"{nh} cost {c}" for nh, c in sorted(costs.items()))
            return (f"VPN {vrf} {prefix}: {len(hops)} IBGP path(s) via {sorted(hops) or 'nothing'} "
                    f"(intended {count} via {eligible} from {', '.join(expectation['originators'])}: {rule}; {priced})"), expectation
        return None, expectation
