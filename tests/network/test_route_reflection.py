"""Route reflection in the twin: who reflects what to whom, and the loop checks.

The networks are bench/topologies.py rings (a CE per PE, EBGP PE-CE, one VPN)
replayed through the CLI; PE1 (and PE half-way round) are the reflectors.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from vrpbook_tests_refnet import FakeClock
from vrpbook_tests_scalenet import build, topologies

from vrpbook.twin.network.engine import Network

A = IPv4Address


def _network(pes: int, edit: dict[str, Callable[[list[str]], list[str]]] | None = None, **kw: Any) -> tuple[Any, Any]:
    net = topologies().ScaleNetwork(pes=pes, **kw)
    topo, configs = build(net, edit)
    return net, Network(topo, lambda: configs, time_scale=0.0, clock=FakeClock()).state()


def _vpn_routes(st: Any, pe: str) -> dict[str, set[tuple[str, str]]]:
    """BGP prefixes of a PE's VPN table -> (protocol, next hop); IGP ECMP rows collapse."""
    rows: dict[str, set[tuple[str, str]]] = {}
    for r in st.tables[pe]["VPNA"].active():
        if r.proto in ("IBGP", "EBGP"):
            rows.setdefault(str(r.prefix), set()).add((r.proto, str(r.nexthop)))
    return rows


def test_two_reflectors_bring_every_ce_to_every_pe() -> None:
    net, st = _network(6)
    assert net.reflectors == [1, 4]
    for i in range(1, 7):
        routes = _vpn_routes(st, f"PE{i}")
        for j in range(1, 7):
            if j == i:
                continue
            # The far PE's loopback is the next hop: a reflector never puts itself there.
            assert routes[f"10.3.0.{j}/32"] == {("IBGP", f"10.0.0.{j}")}, (i, j)
        assert routes[f"10.3.0.{i}/32"] == {("EBGP", f"10.2.0.{4 * i + 2}")}


def test_reflected_routes_carry_originator_and_cluster_list() -> None:
    _net, st = _network(6)
    rib = st.bgp.vpnv4_rib["PE3"]
    paths = rib[("100:5", IPv4Network("10.3.0.5/32"))]
    # One copy from each reflector, both naming PE5 as originator and cluster 1 (0.0.0.1).
    assert sorted(str(p.peer) for p in paths) == ["10.0.0.1", "10.0.0.4"]
    assert {(p.originator_id, p.cluster_list) for p in paths} == {(A("10.0.0.5"), (A("0.0.0.1"),))}
    assert paths[0].peer == A("10.0.0.1")  # equal but for the peer address: the lower one is best
    # The client's own routes never come back to it (ORIGINATOR_ID check).
    for (router, _peer), received in st.bgp.vpnv4_in.items():
        if router == "PE3":
            assert all(p.originator_id != A("10.0.0.3") for p in received)


def test_reflectors_of_one_cluster_drop_each_others_reflections() -> None:
    _net, st = _network(6)
    # RR2 (PE4) hears from RR1 (PE1) only PE1's own routes: RR1's reflections carry
    # cluster 1, RR2's own cluster, and are dropped.
    from_rr1 = st.bgp.vpnv4_in[("PE4", A("10.0.0.1"))]
    assert {p.rd for p in from_rr1} == {"100:1"}
    assert all(p.originator_id is None for p in from_rr1)


def test_reflectors_of_two_clusters_accept_each_others_reflections() -> None:
    def cluster_2(lines: list[str]) -> list[str]:
        return [ln.replace("reflector cluster-id 1", "reflector cluster-id 2") for ln in lines]

    _net, st = _network(6, edit={"PE4": cluster_2})
    from_rr1 = st.bgp.vpnv4_in[("PE4", A("10.0.0.1"))]
    reflected = [p for p in from_rr1 if p.originator_id is not None]
    assert {p.cluster_list for p in reflected} == {(A("0.0.0.1"),)}
    assert {p.rd for p in reflected} == {"100:2", "100:3", "100:5", "100:6"}
    # RR2 still prefers the copy straight from the client (shorter cluster list).
    best = st.bgp.vpnv4_rib["PE4"][("100:5", IPv4Network("10.3.0.5/32"))][0]
    assert best.peer == A("10.0.0.5") and best.cluster_list == ()


def test_non_clients_get_routes_from_clients_only() -> None:
    """One reflector (PE1); PE4 and PE5 are its non-clients."""
    gone = ("peer 10.0.0.4 reflect-client", "peer 10.0.0.5 reflect-client")

    def drop_clients(lines: list[str]) -> list[str]:
        return [ln for ln in lines if ln.strip() not in gone]

    _net, st = _network(5, edit={"PE1": drop_clients}, rr_count=1)
    # From a non-client (PE4): reflected to clients only.
    assert "10.3.0.4/32" in _vpn_routes(st, "PE2")
    assert "10.3.0.4/32" in _vpn_routes(st, "PE3")
    assert "10.3.0.4/32" not in _vpn_routes(st, "PE5")
    # From a client (PE2): reflected to clients and non-clients.
    assert "10.3.0.2/32" in _vpn_routes(st, "PE4")
    assert "10.3.0.2/32" in _vpn_routes(st, "PE5")
    # The reflector itself learns everything.
    assert {f"10.3.0.{j}/32" for j in range(2, 6)} <= set(_vpn_routes(st, "PE1"))


def test_reflectors_and_full_mesh_forward_alike() -> None:
    _n1, rr = _network(6)
    _n2, mesh = _network(6, ibgp="full-mesh")
    for i in range(1, 7):
        assert rr.tables[f"PE{i}"]["VPNA"].active() == mesh.tables[f"PE{i}"]["VPNA"].active()
        assert rr.tables[f"CE{i}"]["_public_"].active() == mesh.tables[f"CE{i}"]["_public_"].active()
