"""Scale topologies for the twin: a ring of PEs, one CE per PE, one VPN, route reflectors.

Why: the benches and tests that measure the twin and the product at 10-500
routers need the same network every time, described both ways the project
reads networks:

- a lab inventory directory (``hosts.yaml`` with intent data in the shape of
  ``inventory/lab/hosts.yaml``, route reflection included —
  ``bgp.reflect_clients``, ``cluster_id``, ``policy_vpn_target`` —,
  ``groups.yaml`` (``pe``, ``ce``, ``rr``), ``defaults.yaml`` with ``data:
  {lab: true}`` and the lab credentials, ``topology.yaml`` with the cables),
  for ``Lab`` / ``vrpbook lab up`` / the runbooks, which configure the network
  from that intent (``vrpbook run bfd-static-vpn``); and
- each router's whole configuration as VRP text (``config_text``, the lines
  the intent renders to), for the twin-only benches that push it over SSH.

The network: PE1..PEn in a ring (``GE0/1/0`` to the next PE, ``GE0/2/0`` to
the previous one), OSPF area 0 and LDP on the ring, ``LoopBack1`` as router
ID / LSR ID / BGP source; ``GE0/3/0`` of PE i bound to VPN instance VPNA
(RD ``100:i``, RT ``111:1``) and cabled to CEi. PE-CE is EBGP (CE AS
``64512+i`` announcing its LoopBack1) or static (the PE routes the CE
loopback and imports it into BGP; the CE has a default route), or ``mixed``:
the reference lab's two kinds of CE alternating, so that every stage and
gate of the ``bfd-static-vpn`` runbook has something to do — odd PEs like
PE1/CE1 (static both ways, a static BFD session on each side, the PE's VPN
static route tracked by its session), even PEs like PE3/CE2 (EBGP, the PE's
instance with ``maximum load-balancing 2``).

MP-IBGP is a full mesh or route reflectors, one or two, all in cluster 1 and
peering with each other as non-clients — the shape of Huawei's "two RRs"
example, so the two RRs never reflect each other's copies (cluster-list loop
check). The reflectors (``rr_placement``) are either PEs — PE1 and the PE
half-way round the ring, reflecting to every other PE — or **dedicated**
(``RR1``, ``RR2``: role ``rr``, no VPN, no CE), each hanging off the PE the
other placement would use (``GE0/4/0`` of that PE to the RR's ``GE0/1/0``,
OSPF and LDP on the link, so the reflector resolves VPNv4 next hops over
LSPs) and reflecting to every PE. A reflector holding no VPN instance keeps
every VPNv4 route with ``undo policy vpn-target``; so does a PE reflector
here, as it must reflect every route, whatever it imports.

Addresses (``i`` = PE number, 1-based; ``j`` = RR number): PE loopback
``10.0.i/32``; ring link ``k`` (PE k to PE k+1) ``10.1.4k/30`` (.1 on PE k);
PE-CE link ``10.2.4i/30`` (.1 on the PE); CE loopback ``10.3.i/32`` (two
octets each: ``10.0.(i>>8).(i&255)``); dedicated RR loopback ``10.0.255.j/32``,
its link ``10.1.255.4j/30`` (.1 on the PE) — inside the PEs' two OSPF
``network`` statements.

    python bench/topologies.py --routers 20 --ibgp rr --rr-placement dedicated --pe-ce mixed --out /tmp/lab20
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path
from typing import Any, Literal

import yaml

AS_CORE = "100"
VPN = "VPNA"
RT = "111:1"
CLUSTER_ID = "1"
USERNAME = "vrpbook"
PASSWORD = "Lab@123"  # lab-only credentials, like inventory/lab/defaults.yaml

Ibgp = Literal["full-mesh", "rr"]
PeCe = Literal["ebgp", "static", "mixed"]
RrPlacement = Literal["pe", "dedicated"]

RING_NEXT = "GigabitEthernet0/1/0"
RING_PREV = "GigabitEthernet0/2/0"
PE_CE = "GigabitEthernet0/3/0"
PE_RR = "GigabitEthernet0/4/0"
CE_PE = "GigabitEthernet0/1/0"
RR_PE = "GigabitEthernet0/1/0"
OSPF_NETWORKS = ["10.0.0.0 0.0.255.255", "10.1.0.0 0.0.255.255"]


def _addr(second: int, n: int, host: int = 0) -> IPv4Address:
    return IPv4Address(f"10.{second}.{n >> 8}.{n & 255}") + host


@dataclass(frozen=True)
class ScaleNetwork:
    """A ring of *pes* PEs with one CE each (``2 * pes`` routers), plus ``rr_count``
    routers when the route reflectors are dedicated."""

    pes: int
    ibgp: Ibgp = "rr"
    pe_ce: PeCe = "ebgp"
    rr_count: int = 2
    base_port: int = 23001
    rr_placement: RrPlacement = "pe"

    def __post_init__(self) -> None:
        if self.pes < 3:
            raise ValueError("a ring needs at least 3 PEs")
        if self.pes > 1022:
            raise ValueError("at most 1022 PEs (CE AS numbers 64513-65534)")
        if self.ibgp == "rr" and self.rr_count not in (1, 2):
            raise ValueError("rr_count is 1 or 2")

    @classmethod
    def of_routers(cls, routers: int, **kw: Any) -> ScaleNetwork:
        """The network with *routers* routers in total (half PEs, half CEs; dedicated
        reflectors first taken out, so an odd count may be one router short)."""
        extra = kw.get("rr_count", 2) if kw.get("ibgp", "rr") == "rr" and kw.get("rr_placement") == "dedicated" else 0
        return cls(pes=(routers - extra) // 2, **kw)

    # ------------------------------------------------------------ naming
    @property
    def routers(self) -> list[str]:
        return ([f"PE{i}" for i in range(1, self.pes + 1)] + [f"CE{i}" for i in range(1, self.pes + 1)]
                + [f"RR{j}" for j in self.dedicated_rrs])

    def role(self, router: str) -> str:
        """``pe``, ``ce`` or ``rr`` (the router's group and intent role)."""
        return router[:2].lower()

    @property
    def _rr_sites(self) -> list[int]:
        """The PEs where the reflectors are: PE1, and the PE half-way round for a second."""
        if self.ibgp != "rr":
            return []
        return [1] if self.rr_count == 1 else [1, self.pes // 2 + 1]

    @property
    def reflectors(self) -> list[int]:
        """PE numbers acting as route reflectors (empty for a full mesh or dedicated RRs)."""
        return self._rr_sites if self.rr_placement == "pe" else []

    @property
    def dedicated_rrs(self) -> list[int]:
        """Numbers of the dedicated route reflectors (RR1, RR2), empty unless dedicated."""
        return list(range(1, len(self._rr_sites) + 1)) if self.rr_placement == "dedicated" else []

    def rr_site(self, j: int) -> int:
        """The PE dedicated reflector RRj hangs off."""
        return self._rr_sites[j - 1]

    def pe_loopback(self, i: int) -> IPv4Address:
        return _addr(0, i)

    def ce_loopback(self, i: int) -> IPv4Address:
        return _addr(3, i)

    def rr_loopback(self, j: int) -> IPv4Address:
        return IPv4Address(f"10.0.255.{j}")

    def loopback(self, router: str) -> IPv4Address:
        n = int(router[2:])
        return {"pe": self.pe_loopback, "ce": self.ce_loopback, "rr": self.rr_loopback}[self.role(router)](n)

    def ce_as(self, i: int) -> str:
        return str(64512 + i)

    def _ring_if(self, k: int, side: int) -> IPv4Interface:
        """Address of ring link k (PE k -> PE k+1) on side 1 (PE k) or 2 (PE k+1)."""
        return IPv4Interface(f"{_addr(1, 4 * k, side)}/30")

    def _ce_if(self, i: int, side: int) -> IPv4Interface:
        return IPv4Interface(f"{_addr(2, 4 * i, side)}/30")

    def _rr_if(self, j: int, side: int) -> IPv4Interface:
        """Address of RRj's link on side 1 (the PE) or 2 (the reflector)."""
        return IPv4Interface(f"10.1.255.{4 * j + side}/30")

    def _rr_of_site(self, i: int) -> int | None:
        """The dedicated reflector hanging off PE i, if any."""
        return next((j for j in self.dedicated_rrs if self.rr_site(j) == i), None)

    def _next(self, i: int) -> int:
        return i % self.pes + 1

    def _prev(self, i: int) -> int:
        return (i - 2) % self.pes + 1

    def ebgp_ce(self, i: int) -> bool:
        """Whether CE i peers with its PE over EBGP (else: static routes, with BFD when ``mixed``)."""
        return self.pe_ce == "ebgp" or (self.pe_ce == "mixed" and i % 2 == 0)

    def bfd_ce(self, i: int) -> bool:
        """Whether PE i and CE i run a static BFD session (the static CEs of ``mixed``)."""
        return self.pe_ce == "mixed" and i % 2 == 1

    def ibgp_peers(self, i: int) -> list[int]:
        """PE numbers PE i has an MP-IBGP session with (dedicated reflectors: none)."""
        others = [j for j in range(1, self.pes + 1) if j != i]
        if self.ibgp == "full-mesh" or i in self.reflectors:
            return others  # a full mesh; a PE reflector: its clients and the other reflector
        return list(self.reflectors)

    def reflect_clients(self, i: int) -> list[int]:
        """PE numbers PE i reflects to (its clients); empty unless PE i is an RR."""
        if i not in self.reflectors:
            return []
        return [j for j in range(1, self.pes + 1) if j not in self.reflectors]

    def ibgp_peer_addresses(self, router: str) -> list[IPv4Address]:
        """The loopbacks *router* has an MP-IBGP session with."""
        others = [self.rr_loopback(j) for j in self.dedicated_rrs if f"RR{j}" != router]
        if self.role(router) == "rr":
            return [self.pe_loopback(i) for i in range(1, self.pes + 1)] + others
        if self.role(router) == "ce":
            return []
        return [self.pe_loopback(j) for j in self.ibgp_peers(int(router[2:]))] + others

    def reflect_client_addresses(self, router: str) -> list[IPv4Address]:
        """The loopbacks of *router*'s route-reflector clients (empty: not a reflector)."""
        if self.role(router) == "rr":
            return [self.pe_loopback(i) for i in range(1, self.pes + 1)]
        if self.role(router) == "ce":
            return []
        return [self.pe_loopback(j) for j in self.reflect_clients(int(router[2:]))]

    # ------------------------------------------------------------ topology
    def topology(self) -> dict[str, Any]:
        devices: dict[str, Any] = {}
        cables: list[list[str]] = []
        for i in range(1, self.pes + 1):
            rr = self._rr_of_site(i)
            devices[f"PE{i}"] = {"interfaces": [RING_NEXT, RING_PREV, PE_CE, *([PE_RR] if rr else [])]}
            devices[f"CE{i}"] = {"interfaces": [CE_PE]}
            cables.append([f"PE{i}:{RING_NEXT}", f"PE{self._next(i)}:{RING_PREV}"])
            cables.append([f"PE{i}:{PE_CE}", f"CE{i}:{CE_PE}"])
        for j in self.dedicated_rrs:
            devices[f"RR{j}"] = {"interfaces": [RR_PE]}
            cables.append([f"PE{self.rr_site(j)}:{PE_RR}", f"RR{j}:{RR_PE}"])
        return {"devices": devices, "cables": cables}

    # ------------------------------------------------------------ intent
    def _bgp_core(self, router: str) -> dict[str, Any]:
        """The MP-IBGP part of *router*'s ``bgp`` intent, route reflection included."""
        peers = [{"address": str(a), "as_number": AS_CORE, "connect_interface": "LoopBack1"}
                 for a in self.ibgp_peer_addresses(router)]
        bgp: dict[str, Any] = {"peers": peers, "vpnv4_peers": [p["address"] for p in peers]}
        clients = self.reflect_client_addresses(router)
        if clients:
            bgp.update(reflect_clients={"vpnv4": [str(a) for a in clients]}, cluster_id=CLUSTER_ID,
                       policy_vpn_target=False)
        return bgp

    def pe_intent(self, i: int) -> dict[str, Any]:
        lo = self.pe_loopback(i)
        ce_addr = self._ce_if(i, 2).ip
        vrf: dict[str, Any] = {"import_routes": ["direct"]}
        data: dict[str, Any] = {
            "sysname": f"PE{i}",
            "loopbacks": {"LoopBack1": f"{lo}/32"},
            "interfaces": {
                RING_NEXT: {"address": str(self._ring_if(i, 1)), "mpls_ldp": True},
                RING_PREV: {"address": str(self._ring_if(self._prev(i), 2)), "mpls_ldp": True},
                PE_CE: {"address": str(self._ce_if(i, 1)), "vpn_instance": VPN},
            },
            "ospf": {"areas": {0: list(OSPF_NETWORKS)}},
            "mpls": {"lsr_id": str(lo)},
            "vpn_instances": {VPN: {"rd": f"{AS_CORE}:{i}"}},
            "bgp": {**self._bgp_core(f"PE{i}"), "vpn_instances": {VPN: vrf}},
        }
        rr = self._rr_of_site(i)
        if rr:
            data["interfaces"][PE_RR] = {"address": str(self._rr_if(rr, 1)), "mpls_ldp": True}
        if self.ebgp_ce(i):
            vrf["peers"] = [{"address": str(ce_addr), "as_number": self.ce_as(i)}]
            if self.pe_ce == "mixed":
                vrf["maximum_load_balancing"] = 2
        else:
            vrf["import_routes"] = ["direct", "static"]
            route: dict[str, Any] = {"vpn_instance": VPN, "prefix": f"{self.ce_loopback(i)}/32",
                                     "nexthop": str(ce_addr)}
            if self.bfd_ce(i):
                data["bfd_sessions"] = [{"name": f"pe{i}_to_ce{i}", "peer_ip": str(ce_addr), "vpn_instance": VPN,
                                         "interface": PE_CE, "source_ip": str(self._ce_if(i, 1).ip)}]
                route["track_bfd_session"] = f"pe{i}_to_ce{i}"
            data["static_routes"] = [route]
        return data

    def ce_intent(self, i: int) -> dict[str, Any]:
        pe_addr = self._ce_if(i, 1).ip
        data: dict[str, Any] = {
            "sysname": f"CE{i}",
            "loopbacks": {"LoopBack1": f"{self.ce_loopback(i)}/32"},
            "interfaces": {CE_PE: {"address": str(self._ce_if(i, 2))}},
        }
        if self.ebgp_ce(i):
            data["bgp"] = {"as_number": self.ce_as(i), "peers": [{"address": str(pe_addr), "as_number": AS_CORE}],
                           "import_routes": ["direct"]}
        else:
            data["static_routes"] = [{"prefix": "0.0.0.0/0", "nexthop": str(pe_addr)}]
            if self.bfd_ce(i):
                data["bfd_sessions"] = [{"name": f"ce{i}_to_pe{i}", "peer_ip": str(pe_addr), "interface": CE_PE,
                                         "source_ip": str(self._ce_if(i, 2).ip)}]
        return data

    def rr_intent(self, j: int) -> dict[str, Any]:
        """A dedicated reflector: IGP and LDP on its one link, MP-IBGP with every PE."""
        lo = self.rr_loopback(j)
        return {
            "sysname": f"RR{j}",
            "loopbacks": {"LoopBack1": f"{lo}/32"},
            "interfaces": {RR_PE: {"address": str(self._rr_if(j, 2)), "mpls_ldp": True}},
            "ospf": {"areas": {0: list(OSPF_NETWORKS)}},
            "mpls": {"lsr_id": str(lo)},
            "bgp": self._bgp_core(f"RR{j}"),
        }

    def intent(self, router: str) -> dict[str, Any]:
        n = int(router[2:])
        return {"pe": self.pe_intent, "ce": self.ce_intent, "rr": self.rr_intent}[self.role(router)](n)

    def hosts(self, ports: dict[str, int] | None = None) -> dict[str, Any]:
        """hosts.yaml: each router on 127.0.0.1, at its port in *ports* (else ``base_port`` + its index)."""
        out: dict[str, Any] = {}
        for idx, name in enumerate(self.routers):
            port = (ports or {}).get(name, self.base_port + idx)
            out[name] = {"hostname": "127.0.0.1", "port": port, "groups": [self.role(name)], "data": self.intent(name)}
        return out

    def groups(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "pe": {"data": {"role": "pe", "ospf": {"process": 1},
                            "vpn_instances": {VPN: {"import_targets": [RT], "export_targets": [RT]}},
                            "bgp": {"as_number": AS_CORE}}},
            "ce": {"data": {"role": "ce"}},
        }
        if self.dedicated_rrs:
            out["rr"] = {"data": {"role": "rr", "ospf": {"process": 1}, "bgp": {"as_number": AS_CORE}}}
        return out

    @staticmethod
    def defaults(known_hosts: str | Path | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"lab": True}
        if known_hosts is not None:
            data["known_hosts"] = str(known_hosts)
        return {"platform": "huawei_vrpv8", "username": USERNAME, "password": PASSWORD, "data": data}

    def write_inventory(self, directory: str | Path, ports: dict[str, int] | None = None,
                        known_hosts: str | Path | None = None) -> Path:
        """Write hosts/groups/defaults/topology YAML into *directory* (created); *ports* per
        router when they are known (free ports a benchmark picked), else consecutive;
        *known_hosts*: the running lab's host keys, verified on every connection."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        rrs = f"{len(self._rr_sites)} {self.rr_placement} reflector(s)" if self.ibgp == "rr" else "full mesh"
        header = (f"# Generated by bench/topologies.py: {self.pes} PEs in a ring, one CE each, "
                  f"MP-IBGP {rrs}, PE-CE {self.pe_ce}.\n")
        for name, content in (("hosts.yaml", self.hosts(ports)), ("groups.yaml", self.groups()),
                              ("defaults.yaml", self.defaults(known_hosts)), ("topology.yaml", self.topology())):
            (out / name).write_text(header + yaml.safe_dump(content, sort_keys=False, width=160))
        return out

    # ------------------------------------------------------------ configuration text
    def config_text(self, router: str) -> list[str]:
        """The router's whole configuration as indented VRP lines (a saved-config shape)."""
        n = int(router[2:])
        return {"pe": self._pe_config, "ce": self._ce_config, "rr": self._rr_config}[self.role(router)](n)

    def _bgp_core_lines(self, router: str) -> list[str]:
        """``bgp 100``: IBGP peers and the VPNv4 family, route reflection included."""
        peers = self.ibgp_peer_addresses(router)
        clients = set(self.reflect_client_addresses(router))
        lines = [f"bgp {AS_CORE}"]
        for p in peers:
            lines += [f" peer {p} as-number {AS_CORE}", f" peer {p} connect-interface LoopBack1"]
        lines += [" ipv4-family vpnv4"]
        if clients:
            lines += [f"  reflector cluster-id {CLUSTER_ID}", "  undo policy vpn-target"]
        for p in peers:
            lines.append(f"  peer {p} enable")
            if p in clients:
                lines.append(f"  peer {p} reflect-client")
        return lines

    def _pe_config(self, i: int) -> list[str]:
        lo = self.pe_loopback(i)
        ring_next, ring_prev, ce_side = self._ring_if(i, 1), self._ring_if(self._prev(i), 2), self._ce_if(i, 1)
        rr = self._rr_of_site(i)
        lines = [
            f"sysname PE{i}",
            f"ip vpn-instance {VPN}",
            " ipv4-family",
            f"  route-distinguisher {AS_CORE}:{i}",
            f"  vpn-target {RT} export-extcommunity",
            f"  vpn-target {RT} import-extcommunity",
            *(["bfd"] if self.bfd_ce(i) else []),
            f"mpls lsr-id {lo}",
            "mpls",
            "mpls ldp",
            f"interface {RING_NEXT}",
            " undo shutdown",
            f" ip address {ring_next.ip} {ring_next.netmask}",
            " mpls",
            " mpls ldp",
            f"interface {RING_PREV}",
            " undo shutdown",
            f" ip address {ring_prev.ip} {ring_prev.netmask}",
            " mpls",
            " mpls ldp",
            f"interface {PE_CE}",
            " undo shutdown",
            f" ip binding vpn-instance {VPN}",
            f" ip address {ce_side.ip} {ce_side.netmask}",
        ]
        if rr:
            link = self._rr_if(rr, 1)
            lines += [f"interface {PE_RR}", " undo shutdown", f" ip address {link.ip} {link.netmask}", " mpls",
                      " mpls ldp"]
        lines += ["interface LoopBack1", f" ip address {lo} 255.255.255.255", *self._bgp_core_lines(f"PE{i}")]
        lines += [f" ipv4-family vpn-instance {VPN}"]
        if self.ebgp_ce(i):
            lines += [f"  peer {self._ce_if(i, 2).ip} as-number {self.ce_as(i)}", "  import-route direct"]
            if self.pe_ce == "mixed":
                lines.append("  maximum load-balancing 2")
        else:
            lines += ["  import-route direct", "  import-route static"]
        lines += ["ospf 1", " area 0.0.0.0", *(f"  network {n}" for n in OSPF_NETWORKS)]
        if not self.ebgp_ce(i):
            track = f" track bfd-session pe{i}_to_ce{i}" if self.bfd_ce(i) else ""
            lines.append(f"ip route-static vpn-instance {VPN} {self.ce_loopback(i)} 255.255.255.255 "
                         f"{self._ce_if(i, 2).ip}{track}")
        if self.bfd_ce(i):
            lines.append(f"bfd pe{i}_to_ce{i} bind peer-ip {self._ce_if(i, 2).ip} vpn-instance {VPN} "
                         f"interface {PE_CE} source-ip {ce_side.ip} auto")
        return lines

    def _rr_config(self, j: int) -> list[str]:
        lo, link = self.rr_loopback(j), self._rr_if(j, 2)
        return [
            f"sysname RR{j}",
            f"mpls lsr-id {lo}",
            "mpls",
            "mpls ldp",
            f"interface {RR_PE}",
            " undo shutdown",
            f" ip address {link.ip} {link.netmask}",
            " mpls",
            " mpls ldp",
            "interface LoopBack1",
            f" ip address {lo} 255.255.255.255",
            *self._bgp_core_lines(f"RR{j}"),
            "ospf 1",
            " area 0.0.0.0",
            *(f"  network {n}" for n in OSPF_NETWORKS),
        ]

    def _ce_config(self, i: int) -> list[str]:
        side = self._ce_if(i, 2)
        lines = [
            f"sysname CE{i}",
            *(["bfd"] if self.bfd_ce(i) else []),
            f"interface {CE_PE}",
            " undo shutdown",
            f" ip address {side.ip} {side.netmask}",
            "interface LoopBack1",
            f" ip address {self.ce_loopback(i)} 255.255.255.255",
        ]
        pe_addr = self._ce_if(i, 1).ip
        if self.ebgp_ce(i):
            lines += [f"bgp {self.ce_as(i)}", f" peer {pe_addr} as-number {AS_CORE}", " ipv4-family unicast",
                      "  import-route direct"]
        else:
            lines.append(f"ip route-static 0.0.0.0 0.0.0.0 {pe_addr}")
        if self.bfd_ce(i):
            lines.append(f"bfd ce{i}_to_pe{i} bind peer-ip {pe_addr} interface {CE_PE} source-ip {side.ip} auto")
        return lines


def to_commands(lines: list[str]) -> list[str]:
    """Indented configuration lines -> the lines an operator types in system view.

    A deeper line means the line before it opened a view; coming back out is
    one ``quit`` per level (the rule the twin's boot replay uses), so nothing
    relies on parent-view fall-through.
    """
    out: list[str] = []
    stack: list[int] = []  # indentation of each open view
    prev_indent = -1
    for raw in lines:
        indent = len(raw) - len(raw.lstrip(" "))
        if indent > prev_indent and prev_indent >= 0:
            stack.append(prev_indent)
        while stack and stack[-1] >= indent:
            out.append("quit")
            stack.pop()
        out.append(raw.strip())
        prev_indent = indent
    out += ["quit"] * len(stack)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--routers", type=int, default=20, help="total routers (half PEs, half CEs; dedicated RRs first)")
    ap.add_argument("--ibgp", choices=["full-mesh", "rr"], default="rr")
    ap.add_argument("--pe-ce", choices=["ebgp", "static", "mixed"], default="ebgp")
    ap.add_argument("--rrs", type=int, default=2)
    ap.add_argument("--rr-placement", choices=["pe", "dedicated"], default="pe")
    ap.add_argument("--base-port", type=int, default=23001)
    ap.add_argument("--out", required=True, help="inventory directory to write")
    ap.add_argument("--configs", action="store_true", help="also write configs/<router>.cfg (VRP text)")
    args = ap.parse_args()
    net = ScaleNetwork.of_routers(args.routers, ibgp=args.ibgp, pe_ce=args.pe_ce, rr_count=args.rrs,
                                  base_port=args.base_port, rr_placement=args.rr_placement)
    out = net.write_inventory(args.out)
    if args.configs:
        cfg_dir = out / "configs"
        cfg_dir.mkdir(exist_ok=True)
        for name in net.routers:
            (cfg_dir / f"{name}.cfg").write_text("\n".join(net.config_text(name)) + "\n")
    print(f"{out}: {len(net.routers)} routers ({net.pes} PEs, {net.pes} CEs, {len(net.dedicated_rrs)} dedicated RRs), "
          f"MP-IBGP {net.ibgp}")


if __name__ == "__main__":
    main()
