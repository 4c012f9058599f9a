"""L3VPN: VPN instances as intended, VPN static routes present, VPN routes learnt from every originating PE."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

from pydantic import BaseModel, ConfigDict

from vrpbook.errors import ReadError
from vrpbook.intent import NetworkIntent

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .reads import VPN_INSTANCES, route_rows, same, vpn_routing_table


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
        for name, want in it.vpn_instances.items():
            bound = [n for n, i in it.interfaces.items() if i.vpn_instance == name]
            expected[name] = {"vrf_status": "Up", "route_distinguisher": want.rd, "export_vpn_targets": want.export_targets,
                              "import_vpn_targets": want.import_targets, "interfaces": bound}
            inst = by_name.get(name)
            if inst is None:
                failures.append(f"VPN instance {name} absent (present: {sorted(by_name) or 'none'})")
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
                failures.append(f"VPN instance {name} has no ipv4 address family")
                continue
            if not same(af.vrf_status, "up"):
                failures.append(f"VPN instance {name} status {af.vrf_status}")
            if af.route_distinguisher != want.rd:
                failures.append(f"{name} RD {af.route_distinguisher} (intended {want.rd})")
            if set(af.export_vpn_targets) != set(want.export_targets):
                failures.append(f"{name} export targets {af.export_vpn_targets} (intended {want.export_targets})")
            if set(af.import_vpn_targets) != set(want.import_targets):
                failures.append(f"{name} import targets {af.import_vpn_targets} (intended {want.import_targets})")
            missing = [b for b in bound if b not in inst.interfaces]
            if missing:
                failures.append(f"{name} not bound to {missing} (bound: {list(inst.interfaces)})")
        return verdict(failures, "VPN instances up with intended RD/targets/interfaces", seen, expected)


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
    """``prefixes``: judge only these (default: every VPN static route of the other PEs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    prefixes: list[IPv4Network] | None = None


class VpnRouteEcmp(Check[EcmpParams]):
    name = "vpn-route-ecmp"
    description = "VPN routes of other PEs present with min(maximum load-balancing, originators) IBGP paths"
    requires = "bgp.vpn_instances.*.maximum_load_balancing"
    params_model = EcmpParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return bool(net[router].ecmp_vpn_instances())

    def reads(self, router: str, net: NetworkIntent, params: EcmpParams) -> list[Read[Any]]:
        return [vpn_routing_table(v) for v in net[router].ecmp_vpn_instances()]

    def judge(self, router: str, net: NetworkIntent, params: EcmpParams, obs: Observations) -> Verdict:
        wanted = {str(p) for p in params.prefixes} if params.prefixes else None
        failures: list[str] = []
        seen: dict[str, list[dict[str, str | None]]] = {}
        expected: dict[str, dict[str, Any]] = {}
        for vrf, max_lb in net[router].ecmp_vpn_instances().items():
            table = obs[vpn_routing_table(vrf)]
            for prefix, origins in net.vpn_route_originators(router, vrf).items():
                if wanted is not None and prefix not in wanted:
                    continue
                rows = route_rows(table, prefix)
                ibgp = [r for r in rows if same(r["proto"], "ibgp")]
                count = min(max_lb, len(origins))
                allowed = set(origins.values())
                key = f"{vrf} {prefix}"
                seen[key] = rows
                expected[key] = {"ibgp_paths": count, "via": sorted(allowed), "originators": sorted(origins)}
                hops = {str(r["nexthop"]) for r in ibgp}
                if len(ibgp) != count or not hops <= allowed or len(hops) != count:
                    failures.append(
                        f"VPN {vrf} {prefix}: {len(ibgp)} IBGP path(s) via {sorted(hops) or 'nothing'} "
                        f"(intended {count} via {sorted(allowed)} from {', '.join(sorted(origins))})"
                    )
        if not seen:
            why = "nothing to judge: no VPN static route of another PE is imported into BGP in these VPN instances"
            raise ReadError(why, router=router)
        return verdict(failures, "VPN routes present with the intended number of paths", seen, expected)
