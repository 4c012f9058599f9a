"""The reference's five routers, built as RouterConfig objects from the values
of its configuration files (no text parsing), plus a fake clock.

Shared by the tests in this folder and by bench/network_recompute.py.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path

from vrpbook.twin.config.model import (
    BfdSession,
    Bgp,
    BgpPeer,
    BgpVpnv4Family,
    BgpVrfFamily,
    Interface,
    Ospf,
    OspfArea,
    OspfNetwork,
    RouterConfig,
    StaticRoute,
    VpnInstance,
)
from vrpbook.twin.topology import Topology

ROOT = Path(__file__).resolve().parents[2]
LAB_TOPOLOGY = ROOT / "inventory/lab/topology.yaml"
QUAD_TOPOLOGY = ROOT / "tests/fixtures/topologies/quad/topology.yaml"
A = IPv4Address


class FakeClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def factory(topology: Topology, name: str, sysname: str) -> RouterConfig:
    cfg = RouterConfig.factory(topology.devices[name].interfaces)
    cfg.sysname = sysname
    return cfg


def addr(cfg: RouterConfig, ifname: str, address: str, *, vpn: str | None = None, mpls: bool = False) -> None:
    iface = cfg.interfaces.get(ifname) or Interface(ifname, physical=False)
    iface.address = IPv4Interface(address)
    iface.vpn_instance = vpn
    iface.mpls = iface.mpls_ldp = mpls
    cfg.interfaces[ifname] = iface


def ospf(cfg: RouterConfig, *networks: tuple[str, str], area: str = "0.0.0.0") -> None:
    cfg.ospf[1] = Ospf(1, areas={A(area): OspfArea(A(area), [OspfNetwork(A(n), A(w)) for n, w in networks])})


def mpls(cfg: RouterConfig, lsr_id: str) -> None:
    cfg.mpls_lsr_id = A(lsr_id)
    cfg.mpls_enabled = cfg.mpls_ldp_enabled = True


def vrf(cfg: RouterConfig, name: str, rd: str, export: list[str], imp: list[str]) -> None:
    cfg.vpn_instances[name] = VpnInstance(name, ipv4_family=True, route_distinguisher=rd,
                                          export_targets=list(export), import_targets=list(imp))


def ibgp(cfg: RouterConfig, asn: str, peers: list[str], loopback: str = "LoopBack1") -> None:
    bgp = cfg.bgp or Bgp(asn)
    for p in peers:
        bgp.peers[A(p)] = BgpPeer(A(p), asn, connect_interface=loopback)
        bgp.unicast.enabled_peers.append(A(p))
    bgp.vpnv4 = BgpVpnv4Family(enabled_peers=[A(p) for p in peers])
    cfg.bgp = bgp


def reference_configs(topology: Topology) -> dict[str, RouterConfig]:
    """Final configuration of PE1, PE2, PE3, CE1, CE2 (reference configuration files)."""
    G1, G2, G3 = "GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "GigabitEthernet0/3/0"
    pe1, pe2, pe3 = (factory(topology, n, n) for n in ("PE1", "PE2", "PE3"))
    ce1, ce2 = factory(topology, "CE1", "CE1"), factory(topology, "CE2", "CE2")
    for cfg, lo, a1, a2, a3, rd in (
        (pe1, "2.2.2.2", "11.11.11.1/24", "33.33.33.1/24", "10.1.1.2/24", "100:1"),
        (pe2, "3.3.3.3", "22.22.22.1/24", "33.33.33.2/24", "10.2.1.2/24", "100:2"),
        (pe3, "4.4.4.4", "11.11.11.2/24", "22.22.22.2/24", "10.3.1.1/24", "100:3"),
    ):
        vrf(cfg, "VPNA", rd, ["111:1"], ["111:1"])
        mpls(cfg, lo)
        addr(cfg, G1, a1, mpls=True)
        addr(cfg, G2, a2, mpls=True)
        addr(cfg, G3, a3, vpn="VPNA")
        addr(cfg, "LoopBack1", f"{lo}/32")
        ospf(cfg, (str(IPv4Interface(a1).network.network_address), "0.0.0.255"),
             (str(IPv4Interface(a2).network.network_address), "0.0.0.255"), (lo, "0.0.0.0"))
        others = [x for x in ("2.2.2.2", "3.3.3.3", "4.4.4.4") if x != lo]
        ibgp(cfg, "100", others)
    pe1.bfd_enabled = pe2.bfd_enabled = ce1.bfd_enabled = True
    for pe, nh, name in ((pe1, "10.1.1.1", "pe1_to_ce1"), (pe2, "10.2.1.1", "pe2_to_ce1")):
        assert pe.bgp is not None
        pe.bgp.vrfs["VPNA"] = BgpVrfFamily("VPNA", import_routes=["direct", "static"])
        pe.static_routes.append(StaticRoute(IPv4Network("1.1.1.1/32"), "VPNA", A(nh), track_bfd_session=name))
        src = str(pe.interfaces[G3].address.ip)  # type: ignore[union-attr]
        pe.bfd_sessions[name] = BfdSession(name, A(nh), "VPNA", G3, A(src), auto=True)
    assert pe3.bgp is not None
    pe3.bgp.vrfs["VPNA"] = BgpVrfFamily("VPNA", {A("10.3.1.2"): BgpPeer(A("10.3.1.2"), "65410")},
                                        ["direct"], maximum_load_balancing=2)
    addr(ce1, G1, "10.1.1.1/24")
    addr(ce1, G2, "10.2.1.1/24")
    addr(ce1, "LoopBack1", "1.1.1.1/32")
    ce1.load_balance_packet_all = True
    ce1.static_routes += [StaticRoute(IPv4Network("0.0.0.0/0"), None, A("10.1.1.2")),
                          StaticRoute(IPv4Network("0.0.0.0/0"), None, A("10.2.1.2"))]
    ce1.bfd_sessions["ce1_to_pe1"] = BfdSession("ce1_to_pe1", A("10.1.1.2"), None, G1, A("10.1.1.1"), auto=True)
    ce1.bfd_sessions["ce1_to_pe2"] = BfdSession("ce1_to_pe2", A("10.2.1.2"), None, G2, A("10.2.1.1"), auto=True)
    addr(ce2, G1, "10.3.1.2/24")
    ce2.bgp = Bgp("65410")
    ce2.bgp.peers[A("10.3.1.1")] = BgpPeer(A("10.3.1.1"), "100")
    ce2.bgp.unicast.enabled_peers.append(A("10.3.1.1"))
    ce2.bgp.unicast.import_routes.append("direct")
    return {"PE1": pe1, "PE2": pe2, "PE3": pe3, "CE1": ce1, "CE2": ce2}


def reference_block(marker: str, occurrence: int = 1) -> list[str]:
    """Output lines of the reference's code block that follows the line containing *marker*.

    Lines are returned without the 3-space Markdown indentation of the document.
    """
    lines = (ROOT / "tests/fixtures/reference/000_ec677ba149024c37.txt").read_text().splitlines()
    seen = 0
    for i, line in enumerate(lines):
        if marker in line:
            seen += 1
            if seen == occurrence:
                break
    else:
        raise LookupError(f"reference: no occurrence {occurrence} of {marker!r}")
    j = i + 1
    out: list[str] = []
    # Skip to the opening fence of the output block (may be the command's own block).
    while "```" not in lines[j]:
        out.append(lines[j])
        j += 1
    if not [x for x in out if x.strip()]:
        # The command sat alone in its block: the output is the next block.
        j += 1
        while "```" not in lines[j]:
            j += 1
        j += 1
        out = []
        while "```" not in lines[j]:
            out.append(lines[j])
            j += 1
    return [x[3:] if x.startswith("   ") else x.lstrip() for x in out]


def table_rows(lines: list[str]) -> list[tuple[str, ...]]:
    """(destination, proto, pre, cost, flags, nexthop, interface) rows; continuation rows inherit."""
    rows, dest = [], None
    started = False
    for line in lines:
        if line.startswith("Destination/Mask"):
            started = True
            continue
        tok = line.split()
        if not started or not tok:
            continue
        if "/" in tok[0]:
            dest, tok = tok[0], tok[1:]
        rows.append((dest,) + tuple(tok))
    return rows


def counts(lines: list[str]) -> tuple[int, int]:
    for line in lines:
        m = re.search(r"Destinations : (\d+)\s+Routes : (\d+)", line)
        if m:
            return int(m.group(1)), int(m.group(2))
    raise AssertionError("no counters line")


def quad_configs(topology: Topology) -> dict[str, RouterConfig]:
    """Four PEs in a ring (AS 65000), VPN CUST: SITEA static on ALPHA, SITEB EBGP (AS 64512) on CHARLIE."""
    g1, g2, g3 = "GigabitEthernet0/0/1", "GigabitEthernet0/0/2", "GigabitEthernet0/0/3"
    pes = {"ALPHA": ("192.0.2.1", "172.16.0.1/30", "172.16.0.14/30"),
           "BRAVO": ("192.0.2.2", "172.16.0.5/30", "172.16.0.2/30"),
           "CHARLIE": ("192.0.2.3", "172.16.0.9/30", "172.16.0.6/30"),
           "DELTA": ("192.0.2.4", "172.16.0.13/30", "172.16.0.10/30")}
    out: dict[str, RouterConfig] = {}
    for i, (name, (lo, a1, a2)) in enumerate(pes.items(), start=1):
        cfg = factory(topology, name, name)
        mpls(cfg, lo)
        addr(cfg, g1, a1, mpls=True)
        addr(cfg, g2, a2, mpls=True)
        addr(cfg, "LoopBack0", f"{lo}/32")
        ospf(cfg, ("172.16.0.0", "0.0.0.15"), (lo, "0.0.0.0"))
        ibgp(cfg, "65000", [x[0] for n, x in pes.items() if n != name], loopback="LoopBack0")
        out[name] = cfg
    alpha, charlie = out["ALPHA"], out["CHARLIE"]
    for cfg, rd, a3 in ((alpha, "65000:11", "172.16.10.1/30"), (charlie, "65000:33", "172.16.30.1/30")):
        vrf(cfg, "CUST", rd, ["65000:100"], ["65000:100"])
        addr(cfg, g3, a3, vpn="CUST")
        assert cfg.bgp is not None
        cfg.bgp.vrfs["CUST"] = BgpVrfFamily("CUST", import_routes=["direct", "static"])
    alpha.static_routes.append(StaticRoute(IPv4Network("198.51.100.1/32"), "CUST", A("172.16.10.2")))
    assert charlie.bgp is not None
    charlie.bgp.vrfs["CUST"].peers[A("172.16.30.2")] = BgpPeer(A("172.16.30.2"), "64512")
    sitea = factory(topology, "SITEA", "SITEA")
    addr(sitea, g1, "172.16.10.2/30")
    addr(sitea, "LoopBack0", "198.51.100.1/32")
    sitea.static_routes.append(StaticRoute(IPv4Network("0.0.0.0/0"), None, A("172.16.10.1")))
    siteb = factory(topology, "SITEB", "SITEB")
    addr(siteb, g1, "172.16.30.2/30")
    addr(siteb, "LoopBack0", "198.51.100.2/32")
    siteb.bgp = Bgp("64512")
    siteb.bgp.peers[A("172.16.30.1")] = BgpPeer(A("172.16.30.1"), "65000")
    siteb.bgp.unicast.enabled_peers.append(A("172.16.30.1"))
    siteb.bgp.unicast.import_routes.append("direct")
    out["SITEA"], out["SITEB"] = sitea, siteb
    return out
