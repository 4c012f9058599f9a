"""A lab inventory of N routers for benchmarks: a ring of PEs, one CE per PE, the reference's services.

A minimal generator for ``bench/check_sweep.py`` (the twin's scale generator,
``bench/topologies.py``, is being built on another branch; switch to it once it
is on main). It writes what ``inventory/lab`` holds — ``hosts.yaml`` with each
router's intent, ``groups.yaml``, ``defaults.yaml`` (``lab: true``, the lab
credentials), ``topology.yaml`` (devices and cables) — so ``boot_lab`` and
``vrpbook run bfd-static-vpn`` take it to a converged network like the
reference lab, whatever N:

- PE1..PEp in a ring (``GE0/1/0`` to the next PE, ``GE0/2/0`` to the previous),
  OSPF area 0 and LDP on the ring, ``LoopBack1`` as router ID / LSR ID / BGP
  source, full-mesh MP-IBGP;
- one CE per PE on ``GE0/3/0`` (VPN instance VPNA, RD ``100:i``, RT ``111:1``),
  alternately like the reference's CE1 (a default route to its PE, a static BFD
  session both ways, the PE's BFD-tracked VPN static route to the CE loopback
  imported into BGP) and like its CE2 (EBGP, the PE with ``maximum
  load-balancing 2``), so every stage of the runbook and every gate has
  something to do.

Sizes: ``routers // 2`` PEs (at least three), each with its CE: 6, 8, 10 … 20 … 500.

Addresses (``i`` = PE number): PE loopback ``10.0.x.y/32``; ring link ``i``
(PE i to PE i+1) ``10.1.x.y/30``; PE-CE link ``10.2.x.y/30``; CE loopback
``10.3.x.y/32`` (``x.y`` spells ``i``, or ``4i`` for /30s).

    python bench/ring_lab.py 40 /tmp/ring40
"""

from __future__ import annotations

import argparse
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import yaml

RING_NEXT, RING_PREV, PE_CE, CE_PE = ("GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "GigabitEthernet0/3/0",
                                      "GigabitEthernet0/1/0")


def _ip(second: int, n: int, host: int = 0) -> str:
    return str(IPv4Address(f"10.{second}.{n >> 8}.{n & 255}") + host)


def ring_inventory(routers: int) -> dict[str, Any]:
    """hosts, groups, defaults and topology of a ring of ``routers // 2`` PEs and as many CEs."""
    pes = routers // 2
    if pes < 3:
        raise ValueError("at least 6 routers: a ring needs three PEs")
    # (An even ring ties the two ways round to the PE opposite; the VPN route then has two rows,
    # one per link, for one BGP path — vpn-route-ecmp counts BGP paths, so any size works.)
    hosts: dict[str, Any] = {}
    devices: dict[str, Any] = {}
    cables: list[list[str]] = []
    loop = {i: _ip(0, i) for i in range(1, pes + 1)}
    for i in range(1, pes + 1):
        nxt, prev = i % pes + 1, (i - 2) % pes + 1
        link_next, link_prev = 4 * i, 4 * prev  # ring link k joins PE k (.1) and PE k+1 (.2)
        pe_ce = 4 * i
        static_ce = i % 2 == 1
        pe, ce = f"PE{i}", f"CE{i}"
        peers = [{"address": loop[j], "as_number": 100, "connect_interface": "LoopBack1"}
                 for j in range(1, pes + 1) if j != i]
        vrf: dict[str, Any] = {"import_routes": ["direct", "static"] if static_ce else ["direct"]}
        pe_data: dict[str, Any] = {
            "sysname": pe,
            "loopbacks": {"LoopBack1": f"{loop[i]}/32"},
            "interfaces": {
                RING_NEXT: {"address": f"{_ip(1, link_next, 1)}/30", "mpls_ldp": True},
                RING_PREV: {"address": f"{_ip(1, link_prev, 2)}/30", "mpls_ldp": True},
                PE_CE: {"address": f"{_ip(2, pe_ce, 1)}/30", "vpn_instance": "VPNA"},
            },
            "ospf": {"areas": {0: [f"{_ip(1, link_next)} 0.0.0.3", f"{_ip(1, link_prev)} 0.0.0.3", f"{loop[i]} 0.0.0.0"]}},
            "mpls": {"lsr_id": loop[i]},
            "vpn_instances": {"VPNA": {"rd": f"100:{i}"}},
            "bgp": {"peers": peers, "vpnv4_peers": [p["address"] for p in peers], "vpn_instances": {"VPNA": vrf}},
        }
        ce_data: dict[str, Any] = {"sysname": ce, "interfaces": {CE_PE: {"address": f"{_ip(2, pe_ce, 2)}/30"}}}
        if static_ce:
            ce_loop = _ip(3, i)
            ce_data["loopbacks"] = {"LoopBack1": f"{ce_loop}/32"}
            ce_data["static_routes"] = [{"prefix": "0.0.0.0/0", "nexthop": _ip(2, pe_ce, 1)}]
            ce_data["bfd_sessions"] = [{"name": f"ce{i}_to_pe{i}", "peer_ip": _ip(2, pe_ce, 1), "interface": CE_PE,
                                        "source_ip": _ip(2, pe_ce, 2)}]
            pe_data["bfd_sessions"] = [{"name": f"pe{i}_to_ce{i}", "peer_ip": _ip(2, pe_ce, 2), "vpn_instance": "VPNA",
                                        "interface": PE_CE, "source_ip": _ip(2, pe_ce, 1)}]
            pe_data["static_routes"] = [{"vpn_instance": "VPNA", "prefix": f"{ce_loop}/32", "nexthop": _ip(2, pe_ce, 2),
                                         "track_bfd_session": f"pe{i}_to_ce{i}"}]
        else:
            vrf["peers"] = [{"address": _ip(2, pe_ce, 2), "as_number": 64512 + i}]
            vrf["maximum_load_balancing"] = 2
            ce_data["bgp"] = {"as_number": 64512 + i, "peers": [{"address": _ip(2, pe_ce, 1), "as_number": 100}],
                              "import_routes": ["direct"]}
        hosts[pe] = {"hostname": "127.0.0.1", "port": 0, "groups": ["pe"], "data": pe_data}
        hosts[ce] = {"hostname": "127.0.0.1", "port": 0, "groups": ["ce"], "data": ce_data}
        devices[pe] = {"interfaces": [RING_NEXT, RING_PREV, PE_CE]}
        devices[ce] = {"interfaces": [CE_PE]}
        cables.append([f"{pe}:{RING_NEXT}", f"PE{nxt}:{RING_PREV}"])
        cables.append([f"{pe}:{PE_CE}", f"{ce}:{CE_PE}"])
    groups = {
        "pe": {"data": {"role": "pe", "ospf": {"process": 1}, "bgp": {"as_number": 100},
                        "vpn_instances": {"VPNA": {"import_targets": ["111:1"], "export_targets": ["111:1"]}}}},
        "ce": {"data": {"role": "ce"}},
    }
    defaults = {"platform": "huawei_vrpv8", "username": "vrpbook", "password": "Lab@123", "data": {"lab": True}}
    return {"hosts": hosts, "groups": groups, "defaults": defaults,
            "topology": {"devices": devices, "cables": cables}}


def write_ring_inventory(routers: int, dest: Path, ports: dict[str, int] | None = None) -> Path:
    """Write the inventory directory (and ``topology.yaml``); *ports* per host when known."""
    inv = ring_inventory(routers)
    dest.mkdir(parents=True, exist_ok=True)
    for name, spec in inv["hosts"].items():
        spec["port"] = (ports or {}).get(name, 0)
    for key, file in (("hosts", "hosts.yaml"), ("groups", "groups.yaml"), ("defaults", "defaults.yaml"),
                      ("topology", "topology.yaml")):
        (dest / file).write_text(yaml.safe_dump(inv[key], sort_keys=False))
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("routers", type=int)
    ap.add_argument("dest", type=Path)
    args = ap.parse_args()
    print(write_ring_inventory(args.routers, args.dest))


if __name__ == "__main__":
    main()
