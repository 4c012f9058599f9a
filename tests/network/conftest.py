"""Fixtures of the network-side tests: the reference lab built in Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..by_path import load

refnet = load("vrpbook_tests_refnet", Path(__file__).with_name("refnet.py"))

# Scale topologies (bench/topologies.py) replayed through the CLI.
scalenet = load("vrpbook_tests_scalenet", Path(__file__).with_name("scalenet.py"))


class Lab:
    """Network + the configs it reads + a fake clock, for direct (non-SSH) tests."""

    def __init__(self, topology_path: Path, build, time_scale: float = 0.0) -> None:
        from vrpbook.twin.network.engine import Network
        from vrpbook.twin.topology import Topology

        self.topology = Topology.load(topology_path)
        self.configs = build(self.topology)
        self.clock = refnet.FakeClock()
        self.net = Network(self.topology, lambda: self.configs, time_scale=time_scale, clock=self.clock)

    def commit(self, router: str) -> None:
        self.net.config_changed(router)


@pytest.fixture
def ref_lab() -> Lab:
    lab = Lab(refnet.LAB_TOPOLOGY, refnet.reference_configs)
    lab.net.state()
    return lab


@pytest.fixture
def make_lab():
    return Lab
