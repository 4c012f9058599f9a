"""Realistic results for tests of reporters and history, derived from an intent.

``NetworkResults(intents)`` judges every router of any intent (the reference
lab's or a generated one) the way ``vrpbook check`` will: BFD sessions Up,
VPNv4 / EBGP peers Established, LDP sessions Operational, VPN static routes
present, the VPN instance configuration section compliant. Faults are stated
as the network would suffer them — ``link_down=("CE1", "GigabitEthernet0/1/0")``
takes down the BFD sessions on that subnet at both ends and withdraws the
static routes they track; ``unreachable`` routers give ``error`` on every
check; ``changing`` routers give ``changing``; ``stray_lines`` adds
unexpected configuration lines — so nothing here is a canned answer for one
test. No reporter may special-case any of these names.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address, ip_interface
from pathlib import Path
from typing import Any

import yaml

from vrpbook.results import CheckResult, Results, Status

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "inventory" / "lab"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def load_intents(inventory: Path = LAB) -> dict[str, dict[str, Any]]:
    """The inventory's ``data`` per host, deep-merged defaults → groups → host."""
    hosts = yaml.safe_load((inventory / "hosts.yaml").read_text())
    groups = yaml.safe_load((inventory / "groups.yaml").read_text()) or {}
    defaults = yaml.safe_load((inventory / "defaults.yaml").read_text()) or {}
    out = {}
    for name, spec in hosts.items():
        data = copy.deepcopy(defaults.get("data") or {})
        for g in spec.get("groups") or []:
            data = _merge(data, (groups.get(g) or {}).get("data") or {})
        out[name] = _merge(data, spec.get("data") or {})
    return out


def load_topology(inventory: Path = LAB) -> dict[str, Any]:
    return yaml.safe_load((inventory / "topology.yaml").read_text())


class NetworkResults:
    def __init__(self, intents: dict[str, dict[str, Any]]) -> None:
        self.intents = intents

    def _subnet_of(self, router: str, ifname: str) -> Any:
        spec = (self.intents[router].get("interfaces") or {}).get(ifname) or {}
        return ip_interface(spec["address"]).network if spec.get("address") else None

    def _owner(self, address: str) -> str | None:
        ip = ip_address(address)
        for r, it in self.intents.items():
            addrs = list((it.get("loopbacks") or {}).values())
            addrs += [s.get("address") for s in (it.get("interfaces") or {}).values() if s.get("address")]
            if any(ip_interface(a).ip == ip for a in addrs):
                return r
        return None

    def judge(
        self,
        *,
        at: datetime = T0,
        link_down: tuple[str, str] | None = None,
        unreachable: tuple[str, ...] = (),
        changing: tuple[str, ...] = (),
        stray_lines: dict[str, list[str]] | None = None,
        source: str = "check",
    ) -> Results:
        down_net = self._subnet_of(*link_down) if link_down else None
        results = Results()
        for i, router in enumerate(sorted(self.intents)):
            it = self.intents[router]
            start = at + timedelta(milliseconds=40 * i)

            def add(check: str, ok: bool, message: str, observed: Any, expected: Any,
                    params: dict[str, Any] | None = None, router: str = router, start: datetime = start) -> None:
                status = Status.PASS if ok else Status.FAIL
                if router in unreachable:
                    status, message, observed = Status.ERROR, f"{router}: connection refused (127.0.0.1)", None
                elif router in changing:
                    status, message = Status.CHANGING, f"{router} is held by run 20260301T085900Z-run-1a2b"
                results.add(CheckResult(
                    router=router, check=check, params=params or {}, status=status, message=message,
                    observed=observed, expected=expected, source=source, started_at=start,
                    finished_at=start + timedelta(milliseconds=350), evidence={"command": check},
                ))

            # BFD sessions
            bfd = it.get("bfd_sessions") or []
            if bfd:
                observed, expected = {}, {}
                down_names = []
                for s in bfd:
                    ifnet = self._subnet_of(router, s["interface"]) if s.get("interface") else None
                    is_down = down_net is not None and ifnet == down_net
                    observed[s["name"]] = "Down" if is_down else "Up"
                    expected[s["name"]] = "Up"
                    if is_down:
                        down_names.append(s["name"])
                msg = "; ".join(f"{n} Down" for n in down_names) or f"{len(bfd)} BFD sessions Up"
                add("bfd-sessions-up", not down_names, msg, observed, expected)
            else:
                down_names = []

            # VPN static routes tracked by BFD
            vrf_routes: dict[str, list[str]] = {}
            for r in it.get("static_routes") or []:
                if r.get("vpn_instance"):
                    vrf_routes.setdefault(r["vpn_instance"], []).append(r["prefix"])
            if vrf_routes:
                observed_r = {v: [p for p, r in zip(ps, [x for x in it["static_routes"] if x.get("vpn_instance") == v])
                                  if r.get("track_bfd_session") not in down_names] for v, ps in vrf_routes.items()}
                missing = [p for v, ps in vrf_routes.items() for p in ps if p not in observed_r[v]]
                add("vpn-static-routes", not missing,
                    "; ".join(f"{p} withdrawn" for p in missing) or "VPN static routes present",
                    observed_r, vrf_routes)

            # BGP peers: VPNv4 (IBGP) and EBGP
            bgp = it.get("bgp") or {}
            if bgp.get("vpnv4_peers"):
                peers = {str(p): "Established" for p in bgp["vpnv4_peers"]}
                add("vpnv4-peers-established", True, "all VPNv4 peers Established", peers, dict(peers))
            ebgp: dict[str, str] = {}
            for vrf in (bgp.get("vpn_instances") or {}).values():
                for p in vrf.get("peers") or []:
                    ebgp[str(p["address"])] = "Established"
            for p in bgp.get("peers") or []:
                if str(p.get("as_number")) != str(bgp.get("as_number")):
                    ebgp[str(p["address"])] = "Established"
            if ebgp:
                add("ebgp-peers-established", True, "EBGP peers Established", ebgp, dict(ebgp))

            # LDP: one session per neighbour on an LDP interface
            ldp = {}
            for spec in (it.get("interfaces") or {}).values():
                if spec.get("mpls_ldp"):
                    net = ip_interface(spec["address"]).network
                    for other, oit in self.intents.items():
                        for ospec in (oit.get("interfaces") or {}).values():
                            if other != router and ospec.get("address") and ip_interface(ospec["address"]).network == net:
                                lsr = (oit.get("mpls") or {}).get("lsr_id") or other
                                ldp[str(lsr)] = "Operational"
            if ldp:
                add("ldp-sessions-operational", True, "LDP sessions Operational", ldp, dict(ldp))

            # configuration compliance of each VPN instance section
            for vrf, spec in (it.get("vpn_instances") or {}).items():
                section = f"ip vpn-instance {vrf}"
                lines = [f"route-distinguisher {spec.get('rd')}"]
                lines += [f"vpn-target {t} import-extcommunity" for t in spec.get("import_targets") or []]
                lines += [f"vpn-target {t} export-extcommunity" for t in spec.get("export_targets") or []]
                seen = lines + list((stray_lines or {}).get(router, []))
                extra = [ln for ln in seen if ln not in lines]
                add("config-section", not extra,
                    "; ".join(f"unexpected line: {ln}" for ln in extra) or f"{section} as intended",
                    seen, lines, params={"section": section})
        return results


def reference_intents() -> dict[str, dict[str, Any]]:
    return load_intents(LAB)


def ring_intents(n: int, prefix: str = "R") -> dict[str, dict[str, Any]]:
    """Another network: *n* routers in a ring with BFD on every link and IBGP to a hub."""
    intents: dict[str, dict[str, Any]] = {}
    names = [f"{prefix}{i:02d}" for i in range(n)]

    def link(i: int, host: int) -> str:  # the /30 of ring link i (any size of ring)
        return str(ip_address("172.16.0.0") + 4 * i + host)

    def loop(i: int) -> str:
        return str(ip_address("10.255.0.0") + i + 1)

    for i, name in enumerate(names):
        nxt = (i + 1) % n
        prv = (i - 1) % n
        interfaces = {
            "GigabitEthernet0/1/0": {"address": f"{link(i, 1)}/30"},
            "GigabitEthernet0/2/0": {"address": f"{link(prv, 2)}/30"},
        }
        intents[name] = {
            "role": "pe", "sysname": name,
            "loopbacks": {"LoopBack1": f"{loop(i)}/32"},
            "interfaces": interfaces,
            "bfd_sessions": [
                {"name": f"to_{names[nxt].lower()}", "peer_ip": link(i, 2),
                 "interface": "GigabitEthernet0/1/0", "source_ip": link(i, 1)},
                {"name": f"to_{names[prv].lower()}", "peer_ip": link(prv, 1),
                 "interface": "GigabitEthernet0/2/0", "source_ip": link(prv, 2)},
            ],
            "bgp": {"as_number": 64512,
                    "peers": [] if i == 0 else [{"address": loop(0), "as_number": 64512,
                                                  "connect_interface": "LoopBack1"}],
                    "vpnv4_peers": [] if i == 0 else [loop(0)]},
        }
    intents[names[0]]["bgp"]["peers"] = [
        {"address": loop(i), "as_number": 64512, "connect_interface": "LoopBack1"} for i in range(1, n)
    ]
    intents[names[0]]["bgp"]["vpnv4_peers"] = [loop(i) for i in range(1, n)]
    return intents
