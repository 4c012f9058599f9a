"""bench/topologies.py writes lab inventories the product reads as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from vrpbook.intent import load_intent
from vrpbook.twin.config.render import render_body
from vrpbook_tests_scalenet import build, topologies


@pytest.mark.parametrize(("ibgp", "pe_ce"), [("rr", "ebgp"), ("full-mesh", "static")])
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


def test_every_typed_line_is_in_the_running_configuration() -> None:
    """The generated text replays through the CLI without an error (build() raises
    on any) and every line typed is printed back by display current-configuration
    (nothing dropped or rewritten), route-reflector lines included."""
    net = topologies().ScaleNetwork(pes=4)
    _topo, configs = build(net)
    for name in net.routers:
        printed = {ln.strip() for ln in render_body(configs[name])}
        missing = [ln for ln in net.config_text(name) if ln.strip() not in printed]
        assert missing == [], name
    assert "peer 10.0.0.2 reflect-client" in {ln.strip() for ln in render_body(configs["PE1"])}
