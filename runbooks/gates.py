"""Named gates: small checks from parsed display output + intent to pass/fail with evidence.

Each gate says which display commands it needs on which router (derived from
the intent) and judges the parsed results. The engine polls a gate until it
passes or its deadline passes; the result always carries the parsed values it
judged (``evidence``), so a failure says what the router reported, not just
"failed". A gate may span routers (a BGP session needs both ends).

Fail closed: a display that could not be read or parsed makes the gate an
``error`` (never a pass), and a gate with nothing to judge fails.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict

from .intent import HostIntent

Status = Literal["pass", "fail", "error"]


@dataclass
class GateResult:
    gate: str
    status: Status
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    polls: int = 0
    elapsed: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "pass"


class ReadFailure(Exception):
    """A display needed by a gate could not be read or parsed."""


@dataclass
class GateContext:
    """What a gate judges: its routers, the whole intent, its params, and the observations."""

    hosts: list[str]
    intents: dict[str, HostIntent]
    params: Any
    observed: dict[str, dict[str, Any]]  # host -> command -> tasks.collect.Observation

    def parsed(self, host: str, command: str) -> Any:
        obs = self.observed.get(host, {}).get(command)
        if obs is None:
            raise ReadFailure(f"{host}: {command!r} was not collected")
        if obs.error:
            raise ReadFailure(f"{host}: {command!r}: {obs.error}")
        return obs.parsed


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Gate:
    name: str
    description: str
    commands: Callable[[str, HostIntent, Any], list[str]]
    judge: Callable[[GateContext], tuple[bool, str, dict[str, Any]]]
    params_model: type[BaseModel] = NoParams


GATES: dict[str, Gate] = {}


def register(gate: Gate) -> Gate:
    GATES[gate.name] = gate
    return gate


def evaluate(gate: Gate, ctx: GateContext) -> GateResult:
    """Judge once. Read failures (and nothing to judge) become ``error``. Any other
    exception is a bug in the check: it propagates, and the engine handles it as an
    internal error (aborts pending trials, rolls the run back) — never a pass."""
    try:
        ok, message, evidence = gate.judge(ctx)
    except ReadFailure as exc:
        return GateResult(gate.name, "error", str(exc))
    return GateResult(gate.name, "pass" if ok else "fail", message, evidence)


# --- helpers -------------------------------------------------------------------


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Field access on a parsed model (pydantic) or a plain dict."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _eq(a: Any, b: str) -> bool:
    return str(a or "").strip().lower() == b.lower()


def _rows(table: Any, destination: str) -> list[dict[str, Any]]:
    out = []
    for r in _get(table, "routes") or []:
        if str(_get(r, "destination")) == destination:
            out.append({k: _get(r, k) for k in ("proto", "nexthop", "interface", "flags")})
    return out


def _states(items: Any, key: str, field: str = "state") -> dict[str, str]:
    """``key`` → ``field`` of each parsed row (peer → state, session → status...)."""
    return {str(_get(x, key)): str(_get(x, field)) for x in items or []}


def _verdict(failures: list[str], evidence: dict[str, Any], what: str) -> tuple[bool, str, dict[str, Any]]:
    """A judge's result: fail with every failure named, or pass saying *what* held."""
    if failures:
        return False, "; ".join(failures), evidence
    return True, what, evidence


def _not_empty(hosts: list[str], what: str) -> None:
    if not hosts:
        raise ReadFailure(f"nothing to judge: no router in scope has {what} in its intent")


# --- 1. OSPF: routes to every other PE loopback ---------------------------------


def _ospf_loopbacks(intent: HostIntent) -> list[str]:
    """Loopback /32s the router advertises into OSPF (covered by a network statement)."""
    if not intent.ospf:
        return []
    out = []
    for addr in intent.loopbacks.values():
        for nets in intent.ospf.areas.values():
            if any(addr.ip in n.network for n in nets):
                out.append(f"{addr.ip}/{addr.network.prefixlen}")
                break
    return out


def _judge_ospf(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if ctx.intents[h].ospf]
    _not_empty(hosts, "ospf")
    failures, evidence, judged = [], {}, 0
    for h in hosts:
        table = ctx.parsed(h, "display ip routing-table")
        seen = {}
        for other, it in ctx.intents.items():
            if other == h:
                continue
            for prefix in _ospf_loopbacks(it):
                judged += 1
                rows = _rows(table, prefix)
                seen[prefix] = rows
                if not any(_eq(r["proto"], "ospf") for r in rows):
                    failures.append(f"{h}: no OSPF route to {other}'s loopback {prefix} (saw {rows or 'nothing'})")
        evidence[h] = seen
    if not judged:
        raise ReadFailure("nothing to judge: no other router advertises a loopback into OSPF")
    return _verdict(failures, evidence, f"OSPF routes to every other loopback on {', '.join(hosts)}")


register(Gate(
    "ospf-loopback-routes",
    "routes to every other router's OSPF loopback present via OSPF",
    lambda h, it, p: ["display ip routing-table"] if it.ospf else [],
    _judge_ospf,
))


# --- 2. LDP sessions --------------------------------------------------------------


def _ldp_peers(host: str, intents: dict[str, HostIntent]) -> dict[str, str]:
    """Intended LDP peers: routers with LDP on an interface in the same subnet → their LSR ID."""
    me = intents[host]
    peers: dict[str, str] = {}
    for itf in me.interfaces.values():
        if not itf.mpls_ldp:
            continue
        for other, it in intents.items():
            if other == host or not it.mpls:
                continue
            for oitf in it.interfaces.values():
                if oitf.mpls_ldp and oitf.address.network == itf.address.network:
                    peers[str(it.mpls.lsr_id)] = other
    return peers


def _judge_ldp(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if _ldp_peers(h, ctx.intents)]
    _not_empty(hosts, "LDP interfaces facing another LDP router")
    failures, evidence = [], {}
    for h in hosts:
        parsed = ctx.parsed(h, "display mpls ldp session")
        sessions = _states(_get(parsed, "sessions"), "peer_id", "status")
        evidence[h] = sessions
        for lsr, other in _ldp_peers(h, ctx.intents).items():
            status = sessions.get(f"{lsr}:0")
            if not _eq(status, "operational"):
                failures.append(f"{h}: LDP session to {other} ({lsr}:0) is {status or 'absent'}")
    return _verdict(failures, evidence, f"all intended LDP sessions Operational on {', '.join(hosts)}")


register(Gate(
    "ldp-sessions-operational",
    "all LDP sessions to intended peers Operational",
    lambda h, it, p: ["display mpls ldp session"] if it.mpls and any(i.mpls_ldp for i in it.interfaces.values()) else [],
    _judge_ldp,
))


# --- 3. VPN instances -------------------------------------------------------------


def _judge_vpn_instances(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if ctx.intents[h].vpn_instances]
    _not_empty(hosts, "vpn_instances")
    failures, evidence = [], {}
    for h in hosts:
        it = ctx.intents[h]
        parsed = ctx.parsed(h, "display ip vpn-instance verbose")
        by_name = {str(_get(i, "name")): i for i in _get(parsed, "instances") or []}
        evidence[h] = {}
        for name, want in it.vpn_instances.items():
            inst = by_name.get(name)
            if inst is None:
                failures.append(f"{h}: VPN instance {name} absent (present: {sorted(by_name) or 'none'})")
                continue
            af = next((a for a in _get(inst, "address_families") or [] if _eq(_get(a, "afi"), "ipv4")), None)
            seen = {
                "interfaces": list(_get(inst, "interfaces") or []),
                "vrf_status": _get(af, "vrf_status") if af else None,
                "route_distinguisher": _get(af, "route_distinguisher") if af else None,
                "export_vpn_targets": list(_get(af, "export_vpn_targets") or []) if af else [],
                "import_vpn_targets": list(_get(af, "import_vpn_targets") or []) if af else [],
            }
            evidence[h][name] = seen
            bound = [n for n, i in it.interfaces.items() if i.vpn_instance == name]
            if af is None:
                failures.append(f"{h}: VPN instance {name} has no ipv4 address family")
                continue
            if not _eq(seen["vrf_status"], "up"):
                failures.append(f"{h}: VPN instance {name} status {seen['vrf_status']}")
            if seen["route_distinguisher"] != want.rd:
                failures.append(f"{h}: {name} RD {seen['route_distinguisher']} (intended {want.rd})")
            if set(seen["export_vpn_targets"]) != set(want.export_targets):
                failures.append(f"{h}: {name} export targets {seen['export_vpn_targets']} (intended {want.export_targets})")
            if set(seen["import_vpn_targets"]) != set(want.import_targets):
                failures.append(f"{h}: {name} import targets {seen['import_vpn_targets']} (intended {want.import_targets})")
            missing = [b for b in bound if b not in seen["interfaces"]]
            if missing:
                failures.append(f"{h}: {name} not bound to {missing} (bound: {seen['interfaces']})")
    return _verdict(failures, evidence, f"VPN instances up with intended RD/targets/interfaces on {', '.join(hosts)}")


register(Gate(
    "vpn-instances-up",
    "every intended VPN instance Up, with its RD, targets and interfaces",
    lambda h, it, p: ["display ip vpn-instance verbose"] if it.vpn_instances else [],
    _judge_vpn_instances,
))


# --- 4. VPNv4 peers ---------------------------------------------------------------


def _judge_vpnv4(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if ctx.intents[h].bgp and ctx.intents[h].bgp.vpnv4_peers]
    _not_empty(hosts, "bgp.vpnv4_peers")
    failures, evidence = [], {}
    for h in hosts:
        parsed = ctx.parsed(h, "display bgp vpnv4 all peer")
        states = _states([p for p in _get(parsed, "peers") or [] if not _get(p, "vpn_instance")], "peer")
        evidence[h] = states
        for peer in ctx.intents[h].bgp.vpnv4_peers:
            st = states.get(str(peer))
            if not _eq(st, "established"):
                failures.append(f"{h}: VPNv4 peer {peer} is {st or 'absent'}")
    return _verdict(failures, evidence, f"all intended VPNv4 peers Established on {', '.join(hosts)}")


register(Gate(
    "vpnv4-peers-established",
    "all intended VPNv4 peers Established",
    lambda h, it, p: ["display bgp vpnv4 all peer"] if it.bgp and it.bgp.vpnv4_peers else [],
    _judge_vpnv4,
))


# --- 5. CE default routes (ECMP) ---------------------------------------------------


def _public_static(it: HostIntent) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in it.static_routes:
        if r.vpn_instance is None:
            out[str(r.prefix)].add(str(r.nexthop))
    return out


def _judge_public_static(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if _public_static(ctx.intents[h])]
    _not_empty(hosts, "public static_routes")
    failures, evidence = [], {}
    for h in hosts:
        table = ctx.parsed(h, "display ip routing-table")
        evidence[h] = {}
        for prefix, hops in _public_static(ctx.intents[h]).items():
            rows = [r for r in _rows(table, prefix) if _eq(r["proto"], "static")]
            evidence[h][prefix] = rows
            got = {str(r["nexthop"]) for r in rows}
            if got != hops:
                failures.append(f"{h}: {prefix} static next hops {sorted(got) or 'none'} (intended {sorted(hops)}, {len(hops)} ECMP)")
    return _verdict(failures, evidence, f"static routes installed with all intended next hops on {', '.join(hosts)}")


register(Gate(
    "static-routes-installed",
    "public static routes (CE default routes) installed with every intended next hop (ECMP)",
    lambda h, it, p: ["display ip routing-table"] if _public_static(it) else [],
    _judge_public_static,
))


# --- 6. VPN static routes ----------------------------------------------------------


def _vpn_static(it: HostIntent) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in it.static_routes:
        if r.vpn_instance:
            out[r.vpn_instance][str(r.prefix)].add(str(r.nexthop))
    return out


def _vpn_table_cmd(vrf: str) -> str:
    return f"display ip routing-table vpn-instance {vrf}"


def _judge_vpn_static(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if _vpn_static(ctx.intents[h])]
    _not_empty(hosts, "VPN static_routes")
    failures, evidence = [], {}
    for h in hosts:
        evidence[h] = {}
        for vrf, routes in _vpn_static(ctx.intents[h]).items():
            table = ctx.parsed(h, _vpn_table_cmd(vrf))
            for prefix, hops in routes.items():
                all_rows = _rows(table, prefix)
                evidence[h][f"{vrf} {prefix}"] = all_rows
                rows = [r for r in all_rows if _eq(r["proto"], "static")]
                got = {str(r["nexthop"]) for r in rows}
                if got != hops:
                    failures.append(f"{h}: VPN {vrf} {prefix} static via {sorted(got) or 'nothing'} (intended {sorted(hops)})")
    return _verdict(failures, evidence, f"VPN static routes present on {', '.join(hosts)}")


register(Gate(
    "vpn-static-routes",
    "every intended VPN static route present in its VPN routing table",
    lambda h, it, p: [_vpn_table_cmd(v) for v in _vpn_static(it)],
    _judge_vpn_static,
))


# --- 7. EBGP peers (PE in VPN instance, CE in public BGP) --------------------------


def _ebgp_public(it: HostIntent) -> list[str]:
    if not it.bgp:
        return []
    return [str(p.address) for p in it.bgp.peers if p.as_number != it.bgp.as_number]


def _ebgp_vrfs(it: HostIntent) -> dict[str, list[str]]:
    if not it.bgp:
        return {}
    return {v: [str(p.address) for p in f.peers] for v, f in it.bgp.vpn_instances.items() if f.peers}


def _vrf_peer_cmd(vrf: str) -> str:
    return f"display bgp vpnv4 vpn-instance {vrf} peer"


def _ebgp_cmds(h: str, it: HostIntent, p: Any) -> list[str]:
    cmds = [_vrf_peer_cmd(v) for v in _ebgp_vrfs(it)]
    if _ebgp_public(it):
        cmds.append("display bgp peer")
    return cmds


def _judge_ebgp(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if _ebgp_vrfs(ctx.intents[h]) or _ebgp_public(ctx.intents[h])]
    _not_empty(hosts, "EBGP peers")
    failures, evidence = [], {}
    for h in hosts:
        it = ctx.intents[h]
        evidence[h] = {}
        for vrf, peers in _ebgp_vrfs(it).items():
            parsed = ctx.parsed(h, _vrf_peer_cmd(vrf))
            states = _states(_get(parsed, "peers"), "peer")
            evidence[h][vrf] = states
            for peer in peers:
                if not _eq(states.get(peer), "established"):
                    failures.append(f"{h}: EBGP peer {peer} in VPN instance {vrf} is {states.get(peer) or 'absent'}")
        if _ebgp_public(it):
            parsed = ctx.parsed(h, "display bgp peer")
            states = _states(_get(parsed, "peers"), "peer")
            evidence[h]["_public_"] = states
            for peer in _ebgp_public(it):
                if not _eq(states.get(peer), "established"):
                    failures.append(f"{h}: EBGP peer {peer} is {states.get(peer) or 'absent'}")
    return _verdict(failures, evidence, f"EBGP peers Established on {', '.join(hosts)}")


register(Gate(
    "ebgp-peers-established",
    "EBGP peers Established on both ends (PE in its VPN instance, CE in public BGP)",
    _ebgp_cmds,
    _judge_ebgp,
))


# --- 8. VPN route learnt from every originating PE (ECMP) --------------------------


def _originators(host: str, vrf: str, intents: dict[str, HostIntent]) -> dict[str, dict[str, str]]:
    """prefix -> {originating router: the address *host* peers with it on} for VPN static
    routes that other PEs import into BGP in a VPN instance of the same name."""
    me = intents[host]
    my_peers = {str(p.address) for p in (me.bgp.peers if me.bgp else [])}
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for other, it in intents.items():
        if other == host or not it.bgp or vrf not in it.bgp.vpn_instances:
            continue
        if "static" not in it.bgp.vpn_instances[vrf].import_routes:
            continue
        addrs = {str(a.ip) for a in it.all_addresses().values()}
        peer_addr = next(iter(sorted(addrs & my_peers)), None)
        if peer_addr is None:
            continue
        for r in it.static_routes:
            if r.vpn_instance == vrf:
                out[str(r.prefix)][other] = peer_addr
    return out


class EcmpParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefixes: list[IPv4Network] | None = None  # default: every VPN static route of the other PEs


def _ecmp_vrfs(it: HostIntent) -> dict[str, int]:
    if not it.bgp:
        return {}
    return {v: f.maximum_load_balancing for v, f in it.bgp.vpn_instances.items() if f.maximum_load_balancing}


def _judge_ecmp(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if _ecmp_vrfs(ctx.intents[h])]
    _not_empty(hosts, "bgp.vpn_instances.*.maximum_load_balancing")
    wanted = {str(p) for p in ctx.params.prefixes} if ctx.params.prefixes else None
    failures, evidence, judged = [], {}, 0
    for h in hosts:
        evidence[h] = {}
        for vrf, max_lb in _ecmp_vrfs(ctx.intents[h]).items():
            table = ctx.parsed(h, _vpn_table_cmd(vrf))
            for prefix, origins in _originators(h, vrf, ctx.intents).items():
                if wanted is not None and prefix not in wanted:
                    continue
                judged += 1
                all_rows = _rows(table, prefix)
                evidence[h][f"{vrf} {prefix}"] = all_rows
                rows = [r for r in all_rows if _eq(r["proto"], "ibgp")]
                expected = min(max_lb, len(origins))
                hops = {str(r["nexthop"]) for r in rows}
                allowed = set(origins.values())
                if len(rows) != expected or not hops <= allowed or len(hops) != expected:
                    failures.append(
                        f"{h}: VPN {vrf} {prefix}: {len(rows)} IBGP path(s) via {sorted(hops) or 'nothing'} "
                        f"(intended {expected} via {sorted(allowed)} from {', '.join(sorted(origins))})"
                    )
    if not judged:
        raise ReadFailure("nothing to judge: no VPN static route of another PE is imported into BGP in these VPN instances")
    return _verdict(failures, evidence, f"VPN routes present with the intended number of paths on {', '.join(hosts)}")


register(Gate(
    "vpn-route-ecmp",
    "VPN routes of other PEs present with min(maximum load-balancing, originators) IBGP paths",
    lambda h, it, p: [_vpn_table_cmd(v) for v in _ecmp_vrfs(it)],
    _judge_ecmp,
    EcmpParams,
))


# --- 9. BFD sessions -----------------------------------------------------------------


def _judge_bfd(ctx: GateContext) -> tuple[bool, str, dict[str, Any]]:
    hosts = [h for h in ctx.hosts if ctx.intents[h].bfd_sessions]
    _not_empty(hosts, "bfd_sessions")
    failures, evidence = [], {}
    for h in hosts:
        parsed = ctx.parsed(h, "display bfd session all verbose")
        states = _states(_get(parsed, "sessions"), "name")
        evidence[h] = states
        for s in ctx.intents[h].bfd_sessions:
            if not _eq(states.get(s.name), "up"):
                failures.append(f"{h}: BFD session {s.name} is {states.get(s.name) or 'absent'}")
    return _verdict(failures, evidence, f"every intended BFD session Up on {', '.join(hosts)}")


register(Gate(
    "bfd-sessions-up",
    "every intended BFD session Up",
    lambda h, it, p: ["display bfd session all verbose"] if it.bfd_sessions else [],
    _judge_bfd,
))
