"""The engine honours the device side's contract, and stays consistent under any failure."""

from __future__ import annotations

import inspect

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vrpbook_tests_refnet import LAB_TOPOLOGY, reference_configs, table_rows  # type: ignore[import-not-found]

from vrpbook.twin.network.api import NetworkView
from vrpbook.twin.network.engine import Network


def test_network_implements_every_view_method_with_its_signature():
    for name, member in inspect.getmembers(NetworkView, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert hasattr(Network, name), name
        want = inspect.signature(member)
        got = inspect.signature(getattr(Network, name))
        assert list(got.parameters) == list(want.parameters), name
        assert [p.default for p in got.parameters.values()] == [p.default for p in want.parameters.values()], name
    params = list(inspect.signature(Network.__init__).parameters)
    assert params == ["self", "topology", "running_configs", "time_scale", "clock"]


def test_unknown_router_is_named(ref_lab):
    with pytest.raises(KeyError, match="PE9"):
        ref_lab.net.display_interface_brief("PE9")


def test_protocol_filtered_tables(ref_lab):
    out = ref_lab.net.display_ip_routing_table("PE1", protocol="ospf").splitlines()
    assert out[2] == "_public_ Routing Table : OSPF"
    active = table_rows(out[: out.index("OSPF routing table status : <Inactive>")])
    assert {r[1] for r in active} == {"OSPF"} and len(active) == 4
    assert ref_lab.net.display_ip_routing_table("PE1", protocol="rip").startswith("Error:")


PORTS = [(d, i) for d in ("PE1", "PE2", "PE3", "CE1", "CE2") for i in
         ("GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "GigabitEthernet0/3/0")
         if not (d == "CE1" and i.endswith("3/0")) and not (d == "CE2" and not i.endswith("1/0"))]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(st.sampled_from(PORTS), max_size=5))
def test_any_set_of_failures_keeps_tables_consistent_and_heals(make_lab, shut):
    lab = make_lab(LAB_TOPOLOGY, reference_configs)
    net = lab.net
    before = {r: net.display_ip_routing_table(r, None if r.startswith("CE") else "VPNA") for r in ("PE1", "PE3", "CE2")}
    for dev, ifname in shut:
        lab.configs[dev].interfaces[ifname].shutdown = True
        lab.commit(dev)
    lab.clock.advance(1.0)
    state = net.state()
    for router, tables in state.tables.items():
        for name, table in tables.items():
            for r in table.active():
                # Every installed route leaves through an interface that is up.
                if r.interface != "InLoopBack0":
                    assert state.links.is_up(router, r.interface), (router, name, r)
            text = net.display_ip_routing_table(router, None if name == "_public_" else name)
            rows = table_rows(text.splitlines())
            assert f"Destinations : {len({x[0] for x in rows})}" in text
    for r in ("CE1", "CE2"):
        net.tracert(r, "1.1.1.1")
        net.ping(r, "10.3.1.2")
    for dev, ifname in shut:
        lab.configs[dev].interfaces[ifname].shutdown = False
        lab.commit(dev)
    lab.clock.advance(1.0)
    after = {r: net.display_ip_routing_table(r, None if r.startswith("CE") else "VPNA") for r in ("PE1", "PE3", "CE2")}
    assert after == before
