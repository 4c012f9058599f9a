"""BGP: VPNv4 peers between PEs, and EBGP peers on both ends (PE in its VPN instance, CE in public BGP)."""

from __future__ import annotations

from typing import Any

from vrpbook.intent import NetworkIntent

from .api import Check, NoParams, Observations, Read, Verdict, verdict
from .reads import BGP_PEERS, VPNV4_PEERS, same, vpn_instance_peers


class Vpnv4PeersEstablished(Check[NoParams]):
    name = "vpnv4-peers-established"
    description = "all intended VPNv4 peers Established"
    requires = "bgp.vpnv4_peers"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        bgp = net[router].bgp
        return bool(bgp and bgp.vpnv4_peers)

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [VPNV4_PEERS] if self.applies(router, net) else []

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        states = {p.peer: p.state for p in obs[VPNV4_PEERS].peers if not p.vpn_instance}
        bgp = net[router].bgp
        peers = [str(p) for p in bgp.vpnv4_peers] if bgp else []
        # a peer the router does not list is not configured: waiting cannot bring it up
        settled = [f"VPNv4 peer {p} is absent (not configured)" for p in peers if p not in states]
        failures = [f"VPNv4 peer {p} is {states[p]}" for p in peers if p in states and not same(states[p], "established")]
        return verdict(failures, "all intended VPNv4 peers Established", states, {p: "Established" for p in peers}, settled)


class EbgpPeersEstablished(Check[NoParams]):
    name = "ebgp-peers-established"
    description = "EBGP peers Established on both ends (PE in its VPN instance, CE in public BGP)"
    requires = "EBGP peers"
    params_model = NoParams

    def applies(self, router: str, net: NetworkIntent) -> bool:
        it = net[router]
        return bool(it.ebgp_vpn_peers() or it.ebgp_public_peers())

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        it = net[router]
        reads: list[Read[Any]] = [vpn_instance_peers(v) for v in it.ebgp_vpn_peers()]
        if it.ebgp_public_peers():
            reads.append(BGP_PEERS)
        return reads

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        it = net[router]
        failures: list[str] = []
        settled: list[str] = []  # peers the router does not list are not configured
        seen: dict[str, dict[str, str]] = {}
        expected: dict[str, list[str]] = {}
        for vrf, peers in it.ebgp_vpn_peers().items():
            states = {p.peer: p.state for p in obs[vpn_instance_peers(vrf)].peers}
            seen[vrf], expected[vrf] = states, peers
            for peer in peers:
                if peer not in states:
                    settled.append(f"EBGP peer {peer} in VPN instance {vrf} is absent (not configured)")
                elif not same(states[peer], "established"):
                    failures.append(f"EBGP peer {peer} in VPN instance {vrf} is {states[peer]}")
        if it.ebgp_public_peers():
            states = {p.peer: p.state for p in obs[BGP_PEERS].peers}
            seen["_public_"], expected["_public_"] = states, it.ebgp_public_peers()
            for peer in it.ebgp_public_peers():
                if peer not in states:
                    settled.append(f"EBGP peer {peer} is absent (not configured)")
                elif not same(states[peer], "established"):
                    failures.append(f"EBGP peer {peer} is {states[peer]}")
        return verdict(failures, "EBGP peers Established", seen, expected, settled)
