"""The code folders install under one namespace (no bare `tasks`, `lab`, ... modules)."""

import importlib


def test_namespaces_import():
    for name in ("vrpbook", "vrpbook.tasks", "vrpbook.parsers", "vrpbook.runbooks", "vrpbook.twin"):
        importlib.import_module(name)


def test_interface_names_canonical():
    from vrpbook.vrp import canonical_interface_name

    assert canonical_interface_name("gigabitethernet 0/1/0") == "GigabitEthernet0/1/0"
    assert canonical_interface_name("gigabitethernet0/2/0") == "GigabitEthernet0/2/0"
    assert canonical_interface_name("g 0/1/0") == "GigabitEthernet0/1/0"
    assert canonical_interface_name("loopback 1") == "LoopBack1"
    assert canonical_interface_name("GE0/3/0") == "GigabitEthernet0/3/0"


def test_lab_topology_loads():
    from vrpbook.paths import PROJECT_ROOT
    from vrpbook.twin.topology import Topology

    topo = Topology.load(PROJECT_ROOT / "inventory/lab/topology.yaml")
    assert sorted(topo.devices) == ["CE1", "CE2", "PE1", "PE2", "PE3"]
    assert len(topo.cables) == 6
    assert str(topo.peer_of("PE1", "GigabitEthernet0/3/0")) == "CE1:GigabitEthernet0/1/0"
