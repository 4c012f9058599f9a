"""bench/topologies.py writes lab inventories the product reads as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from vrpbook_tests_refnet import FakeClock
from vrpbook_tests_scalenet import build, topologies

from vrpbook.intent import load_intent
from vrpbook.twin.config.render import render_body
from vrpbook.twin.network.engine import Network


@pytest.mark.parametrize(("ibgp", "pe_ce"), [("rr", "ebgp"), ("full-mesh", "static"), ("full-mesh", "mixed")])
def test_inventory_is_valid_intent_and_topology(tmp_path: Path, ibgp: str, pe_ce: str) -> None:
    net = topologies().ScaleNetwork.of_routers(12, ibgp=ibgp, pe_ce=pe_ce)
    inv = net.write_inventory(tmp_path / "inv")
    intent = load_intent(inv)  # the runbooks' own validation (strict pydantic models)
    assert sorted(intent) == sorted(net.routers)
    assert intent["PE2"].bgp is not None and intent["PE2"].mpls is not None
    peers = {str(p.address) for p in intent["PE2"].bgp.peers}
    assert peers == ({"10.0.0.1", "10.0.0.4"} if ibgp == "rr" else {f"10.0.0.{j}" for j in (1, 3, 4, 5, 6)})
    defaults = yaml.safe_load((inv / "defaults.yaml").read_text())
    assert defaults["data"] == {"lab": True}
    topo = yaml.safe_load((inv / "topology.yaml").read_text())
    assert len(topo["cables"]) == 12  # six ring links, six PE-CE links
    if pe_ce == "mixed":  # the reference lab's two kinds of CE, alternating
        assert [s.name for s in intent["PE1"].bfd_sessions] == ["pe1_to_ce1"]
        assert [r.track_bfd_session for r in intent["PE1"].static_routes] == ["pe1_to_ce1"]
        assert [s.name for s in intent["CE1"].bfd_sessions] == ["ce1_to_pe1"]
        assert intent["PE2"].bfd_sessions == [] and intent["CE2"].bgp is not None
        assert intent["PE2"].bgp.vpn_instances["VPNA"].maximum_load_balancing == 2


def test_inventory_ports_as_given(tmp_path: Path) -> None:
    net = topologies().ScaleNetwork.of_routers(6)
    ports = {name: 40000 + i for i, name in enumerate(reversed(net.routers))}
    hosts = yaml.safe_load((net.write_inventory(tmp_path / "inv", ports=ports) / "hosts.yaml").read_text())
    assert {name: h["port"] for name, h in hosts.items()} == ports


@pytest.mark.parametrize("pe_ce", ["ebgp", "mixed"])
def test_every_typed_line_is_in_the_running_configuration(pe_ce: str) -> None:
    """The generated text replays through the CLI without an error (build() raises
    on any) and every line typed is printed back by display current-configuration
    (nothing dropped or rewritten), route-reflector and BFD lines included."""
    net = topologies().ScaleNetwork(pes=4, pe_ce=pe_ce)
    _topo, configs = build(net)
    for name in net.routers:
        printed = {ln.strip() for ln in render_body(configs[name])}
        missing = [ln for ln in net.config_text(name) if ln.strip() not in printed]
        assert missing == [], name
    assert "peer 10.0.0.2 reflect-client" in {ln.strip() for ln in render_body(configs["PE1"])}


def test_mixed_network_converges() -> None:
    """The mixed network (static CEs with BFD, EBGP CEs) converges: BFD sessions Up, every
    PE's VPNA table holds every CE loopback, tracked static routes included."""
    net = topologies().ScaleNetwork(pes=4, ibgp="full-mesh", pe_ce="mixed")
    topo, configs = build(net)
    st = Network(topo, lambda: configs, time_scale=0.0, clock=FakeClock()).state()
    assert all(s == "Established" for _pv, s in st.bgp_peers)
    for i in range(1, 5):
        have = {str(p) for p in st.tables[f"PE{i}"]["VPNA"].by_prefix()}
        assert {f"{net.ce_loopback(j)}/32" for j in range(1, 5)} <= have, i
    assert len(st.bfd) == 4 and all(b.up for b in st.bfd)  # PE1-CE1 and PE3-CE3, both ends
