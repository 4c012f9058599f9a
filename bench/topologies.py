"""Scale topologies for the twin: a ring of PEs, one CE per PE, one VPN.

Why: the benches and tests that measure the twin at 10-500 routers need the
same network every time, described both ways the project reads networks:

- a lab inventory directory (``hosts.yaml`` with intent data in the shape of
  ``inventory/lab/hosts.yaml``, ``groups.yaml``, ``defaults.yaml`` with
  ``data: {lab: true}`` and the lab credentials, ``topology.yaml`` with the
  cables), for ``Lab`` / ``vrpbook lab up`` / the runbooks; and
- each router's whole configuration as VRP text (``config_text``), for the
  twin-only benches that push it over SSH. Route-reflector lines
  (``peer X reflect-client``, ``reflector cluster-id``, ``undo policy
  vpn-target``) exist only there: the intent models have no route-reflector
  fields yet, so an RR inventory's intent describes the sessions (who peers
  with whom) but not the reflection.

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
instance with ``maximum load-balancing 2``). MP-IBGP is a
full mesh or route reflectors: PE1 and, with two RRs, the PE half-way round
the ring reflect to every other PE (their clients) and peer with each other
as non-clients, both in cluster 1 — the shape of Huawei's "two RRs"
example, so the two RRs never reflect each other's copies (cluster-list
loop check).

Addresses (``i`` = PE number, 1-based): PE loopback ``10.0.i/32``; ring
link ``k`` (PE k to PE k+1) ``10.1.4k/30`` (.1 on PE k); PE-CE link
``10.2.4i/30`` (.1 on the PE); CE loopback ``10.3.i/32`` (two octets each:
``10.0.(i>>8).(i&255)``).

    python bench/topologies.py --routers 20 --ibgp rr --out /tmp/lab20
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

RING_NEXT = "GigabitEthernet0/1/0"
RING_PREV = "GigabitEthernet0/2/0"
PE_CE = "GigabitEthernet0/3/0"
CE_PE = "GigabitEthernet0/1/0"


def _addr(second: int, n: int, host: int = 0) -> IPv4Address:
    return IPv4Address(f"10.{second}.{n >> 8}.{n & 255}") + host


@dataclass(frozen=True)
class ScaleNetwork:
    """A ring of *pes* PEs with one CE each (``2 * pes`` routers)."""

    pes: int
    ibgp: Ibgp = "rr"
    pe_ce: PeCe = "ebgp"
    rr_count: int = 2
    base_port: int = 23001

    def __post_init__(self) -> None:
        if self.pes < 3:
            raise ValueError("a ring needs at least 3 PEs")
        if self.pes > 1022:
            raise ValueError("at most 1022 PEs (CE AS numbers 64513-65534)")
        if self.ibgp == "rr" and self.rr_count not in (1, 2):
            raise ValueError("rr_count is 1 or 2")

    @classmethod
    def of_routers(cls, routers: int, **kw: Any) -> ScaleNetwork:
        """The network with *routers* routers in total (half PEs, half CEs)."""
        return cls(pes=routers // 2, **kw)

    # ------------------------------------------------------------ naming
    @property
    def routers(self) -> list[str]:
        return [f"PE{i}" for i in range(1, self.pes + 1)] + [f"CE{i}" for i in range(1, self.pes + 1)]

    @property
    def reflectors(self) -> list[int]:
        """PE numbers acting as route reflectors (empty for a full mesh)."""
        if self.ibgp != "rr":
            return []
        return [1] if self.rr_count == 1 else [1, self.pes // 2 + 1]

    def pe_loopback(self, i: int) -> IPv4Address:
        return _addr(0, i)

    def ce_loopback(self, i: int) -> IPv4Address:
        return _addr(3, i)

    def ce_as(self, i: int) -> str:
        return str(64512 + i)

    def _ring_if(self, k: int, side: int) -> IPv4Interface:
        """Address of ring link k (PE k -> PE k+1) on side 1 (PE k) or 2 (PE k+1)."""
        return IPv4Interface(f"{_addr(1, 4 * k, side)}/30")

    def _ce_if(self, i: int, side: int) -> IPv4Interface:
        return IPv4Interface(f"{_addr(2, 4 * i, side)}/30")

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
        """PE numbers PE i has an MP-IBGP session with."""
        others = [j for j in range(1, self.pes + 1) if j != i]
        if self.ibgp == "full-mesh":
            return others
        if i in self.reflectors:
            return others  # clients and the other RR
        return list(self.reflectors)

    def reflect_clients(self, i: int) -> list[int]:
        """PE numbers PE i reflects to (its clients); empty unless PE i is an RR."""
        if i not in self.reflectors:
            return []
        return [j for j in range(1, self.pes + 1) if j not in self.reflectors]

    # ------------------------------------------------------------ topology
    def topology(self) -> dict[str, Any]:
        devices: dict[str, Any] = {}
        cables: list[list[str]] = []
        for i in range(1, self.pes + 1):
            devices[f"PE{i}"] = {"interfaces": [RING_NEXT, RING_PREV, PE_CE]}
            devices[f"CE{i}"] = {"interfaces": [CE_PE]}
            cables.append([f"PE{i}:{RING_NEXT}", f"PE{self._next(i)}:{RING_PREV}"])
            cables.append([f"PE{i}:{PE_CE}", f"CE{i}:{CE_PE}"])
        return {"devices": devices, "cables": cables}

    # ------------------------------------------------------------ intent
    def pe_intent(self, i: int) -> dict[str, Any]:
        lo = self.pe_loopback(i)
        ce_addr = self._ce_if(i, 2).ip
        peers = [{"address": str(self.pe_loopback(j)), "as_number": AS_CORE, "connect_interface": "LoopBack1"}
                 for j in self.ibgp_peers(i)]
        vrf: dict[str, Any] = {"import_routes": ["direct"]}
        data: dict[str, Any] = {
            "sysname": f"PE{i}",
            "loopbacks": {"LoopBack1": f"{lo}/32"},
            "interfaces": {
                RING_NEXT: {"address": str(self._ring_if(i, 1)), "mpls_ldp": True},
                RING_PREV: {"address": str(self._ring_if(self._prev(i), 2)), "mpls_ldp": True},
                PE_CE: {"address": str(self._ce_if(i, 1)), "vpn_instance": VPN},
            },
            "ospf": {"areas": {0: ["10.0.0.0 0.0.255.255", "10.1.0.0 0.0.255.255"]}},
            "mpls": {"lsr_id": str(lo)},
            "vpn_instances": {VPN: {"rd": f"{AS_CORE}:{i}"}},
            "bgp": {"peers": peers, "vpnv4_peers": [p["address"] for p in peers], "vpn_instances": {VPN: vrf}},
        }
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

    def hosts(self, ports: dict[str, int] | None = None) -> dict[str, Any]:
        """hosts.yaml: each router on 127.0.0.1, at its port in *ports* (else ``base_port`` + its index)."""
        out: dict[str, Any] = {}
        for idx, name in enumerate(self.routers):
            i = int(name[2:])
            intent = self.pe_intent(i) if name.startswith("PE") else self.ce_intent(i)
            port = (ports or {}).get(name, self.base_port + idx)
            out[name] = {"hostname": "127.0.0.1", "port": port,
                         "groups": ["pe" if name.startswith("PE") else "ce"], "data": intent}
        return out

    @staticmethod
    def groups() -> dict[str, Any]:
        return {
            "pe": {"data": {"role": "pe", "ospf": {"process": 1},
                            "vpn_instances": {VPN: {"import_targets": [RT], "export_targets": [RT]}},
                            "bgp": {"as_number": AS_CORE}}},
            "ce": {"data": {"role": "ce"}},
        }

    @staticmethod
    def defaults() -> dict[str, Any]:
        return {"platform": "huawei_vrpv8", "username": USERNAME, "password": PASSWORD, "data": {"lab": True}}

    def write_inventory(self, directory: str | Path, ports: dict[str, int] | None = None) -> Path:
        """Write hosts/groups/defaults/topology YAML into *directory* (created); *ports* per
        router when they are known (free ports a benchmark picked), else consecutive."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        header = (f"# Generated by bench/topologies.py: {self.pes} PEs in a ring, one CE each, "
                  f"MP-IBGP {self.ibgp}, PE-CE {self.pe_ce}.\n")
        for name, content in (("hosts.yaml", self.hosts(ports)), ("groups.yaml", self.groups()),
                              ("defaults.yaml", self.defaults()), ("topology.yaml", self.topology())):
            (out / name).write_text(header + yaml.safe_dump(content, sort_keys=False, width=160))
        return out

    # ------------------------------------------------------------ configuration text
    def config_text(self, router: str) -> list[str]:
        """The router's whole configuration as indented VRP lines (a saved-config shape)."""
        i = int(router[2:])
        return self._pe_config(i) if router.startswith("PE") else self._ce_config(i)

    def _pe_config(self, i: int) -> list[str]:
        lo = self.pe_loopback(i)
        ring_next, ring_prev, ce_side = self._ring_if(i, 1), self._ring_if(self._prev(i), 2), self._ce_if(i, 1)
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
            "interface LoopBack1",
            f" ip address {lo} 255.255.255.255",
            f"bgp {AS_CORE}",
        ]
        peers = [self.pe_loopback(j) for j in self.ibgp_peers(i)]
        clients = {self.pe_loopback(j) for j in self.reflect_clients(i)}
        for p in peers:
            lines += [f" peer {p} as-number {AS_CORE}", f" peer {p} connect-interface LoopBack1"]
        lines += [" ipv4-family vpnv4"]
        if i in self.reflectors:
            lines += [f"  reflector cluster-id {CLUSTER_ID}", "  undo policy vpn-target"]
        for p in peers:
            lines.append(f"  peer {p} enable")
            if p in clients:
                lines.append(f"  peer {p} reflect-client")
        lines += [f" ipv4-family vpn-instance {VPN}"]
        if self.ebgp_ce(i):
            lines += [f"  peer {self._ce_if(i, 2).ip} as-number {self.ce_as(i)}", "  import-route direct"]
            if self.pe_ce == "mixed":
                lines.append("  maximum load-balancing 2")
        else:
            lines += ["  import-route direct", "  import-route static"]
        lines += ["ospf 1", " area 0.0.0.0", "  network 10.0.0.0 0.0.255.255", "  network 10.1.0.0 0.0.255.255"]
        if not self.ebgp_ce(i):
            track = f" track bfd-session pe{i}_to_ce{i}" if self.bfd_ce(i) else ""
            lines.append(f"ip route-static vpn-instance {VPN} {self.ce_loopback(i)} 255.255.255.255 "
                         f"{self._ce_if(i, 2).ip}{track}")
        if self.bfd_ce(i):
            lines.append(f"bfd pe{i}_to_ce{i} bind peer-ip {self._ce_if(i, 2).ip} vpn-instance {VPN} "
                         f"interface {PE_CE} source-ip {ce_side.ip} auto")
        return lines

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
    ap.add_argument("--routers", type=int, default=20, help="total routers (half PEs, half CEs)")
    ap.add_argument("--ibgp", choices=["full-mesh", "rr"], default="rr")
    ap.add_argument("--pe-ce", choices=["ebgp", "static", "mixed"], default="ebgp")
    ap.add_argument("--rrs", type=int, default=2)
    ap.add_argument("--base-port", type=int, default=23001)
    ap.add_argument("--out", required=True, help="inventory directory to write")
    ap.add_argument("--configs", action="store_true", help="also write configs/<router>.cfg (VRP text)")
    args = ap.parse_args()
    net = ScaleNetwork.of_routers(args.routers, ibgp=args.ibgp, pe_ce=args.pe_ce, rr_count=args.rrs,
                                  base_port=args.base_port)
    out = net.write_inventory(args.out)
    if args.configs:
        cfg_dir = out / "configs"
        cfg_dir.mkdir(exist_ok=True)
        for name in net.routers:
            (cfg_dir / f"{name}.cfg").write_text("\n".join(net.config_text(name)) + "\n")
    print(f"{out}: {len(net.routers)} routers ({net.pes} PEs, {net.pes} CEs), MP-IBGP {net.ibgp}")


if __name__ == "__main__":
    main()
