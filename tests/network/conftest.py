"""Fixtures of the network-side tests: the reference lab built in Python."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("vrpbook_tests_refnet", Path(__file__).with_name("refnet.py"))
assert _spec is not None and _spec.loader is not None
refnet = importlib.util.module_from_spec(_spec)
sys.modules["vrpbook_tests_refnet"] = refnet
_spec.loader.exec_module(refnet)

# Scale topologies (bench/topologies.py) replayed through the CLI.
_spec2 = importlib.util.spec_from_file_location("vrpbook_tests_scalenet", Path(__file__).with_name("scalenet.py"))
assert _spec2 is not None and _spec2.loader is not None
scalenet = importlib.util.module_from_spec(_spec2)
sys.modules["vrpbook_tests_scalenet"] = scalenet
_spec2.loader.exec_module(scalenet)


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
