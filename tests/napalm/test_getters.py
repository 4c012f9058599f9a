"""Every getter of the driver on every router of the converged reference lab: NAPALM's documented
structure (``napalm_huawei_vrp8.conformance``, recursively, plus NAPALM's own one-level
``test_model``), and values that follow from the reference network's intent."""

from __future__ import annotations

from typing import Any

import pytest
from napalm.base import models
from napalm.base.test import helpers

from napalm_huawei_vrp8.conformance import GETTER_SHAPES

pytestmark = pytest.mark.lab

HOSTS = ("PE1", "PE2", "PE3", "CE1", "CE2")
LOOPBACKS = {"PE1": "2.2.2.2", "PE2": "3.3.3.3", "PE3": "4.4.4.4", "CE1": "1.1.1.1"}

CALLS: dict[str, Any] = {
    "is_alive": lambda d: d.is_alive(),
    "get_facts": lambda d: d.get_facts(),
    "get_interfaces": lambda d: d.get_interfaces(),
    "get_interfaces_ip": lambda d: d.get_interfaces_ip(),
    "get_bgp_neighbors": lambda d: d.get_bgp_neighbors(),
    "get_bgp_neighbors_detail": lambda d: d.get_bgp_neighbors_detail(),
    "get_config": lambda d: d.get_config(),
    "get_route_to": lambda d: d.get_route_to("1.1.1.1"),
    "get_network_instances": lambda d: d.get_network_instances(),
    "cli": lambda d: d.cli(["display version", "display interface brief"]),
}


@pytest.fixture(scope="module")
def results(converged, make_driver) -> dict[str, dict[str, Any]]:
    """Every getter's result on every router (one session per router)."""
    out: dict[str, dict[str, Any]] = {}
    for host in HOSTS:
        driver = make_driver(converged, host)
        driver.open()
        try:
            out[host] = {name: call(driver) for name, call in CALLS.items()}
        finally:
            driver.close()
    return out


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("getter", sorted(CALLS))
def test_every_getter_has_napalms_structure_on_every_router(results, conforms, host, getter):
    assert conforms(GETTER_SHAPES[getter], results[host][getter]) == []


@pytest.mark.parametrize("host", HOSTS)
def test_napalms_own_model_helper_agrees(results, host):
    r = results[host]
    assert helpers.test_model(models.FactsDict, r["get_facts"])
    assert all(helpers.test_model(models.InterfaceDict, v) for v in r["get_interfaces"].values())
    assert all(helpers.test_model(models.InterfacesIPDictEntry, e) for v in r["get_interfaces_ip"].values() for e in v["ipv4"].values())
    for vrf in r["get_bgp_neighbors"].values():
        assert isinstance(vrf["router_id"], str)
        for peer in vrf["peers"].values():
            assert helpers.test_model(models.PeerDict, peer)
            assert all(helpers.test_model(models.AFDict, af) for af in peer["address_family"].values())
    for by_as in r["get_bgp_neighbors_detail"].values():
        assert all(helpers.test_model(models.PeerDetailsDict, p) for peers in by_as.values() for p in peers)
    assert all(helpers.test_model(models.RouteDict, route) for routes in r["get_route_to"].values() for route in routes)
    assert helpers.test_model(models.ConfigDict, r["get_config"])
    assert all(helpers.test_model(models.NetworkInstanceDict, v) for v in r["get_network_instances"].values())


@pytest.mark.parametrize("host", HOSTS)
def test_values_follow_from_the_reference_network(results, host):
    r = results[host]
    facts = r["get_facts"]
    assert facts["hostname"] == host and facts["vendor"] == "Huawei"
    assert facts["interface_list"] == list(r["get_interfaces"])
    assert facts["serial_number"] and facts["model"] and facts["os_version"]
    assert all(i["is_up"] and i["is_enabled"] for name, i in r["get_interfaces"].items() if name.startswith("GigabitEthernet"))
    if host in LOOPBACKS:
        assert r["get_interfaces_ip"]["LoopBack1"] == {"ipv4": {LOOPBACKS[host]: {"prefix_length": 32}}}
    config = r["get_config"]
    assert config["running"].rstrip().endswith("return") and f"sysname {host}" in config["running"]
    assert config["candidate"] == ""  # nothing loaded
    assert r["is_alive"] == {"is_alive": True}
    assert r["cli"]["display version"].startswith("Huawei Versatile Routing Platform Software")
    routes = r["get_route_to"]["1.1.1.1/32"]
    expected = {"PE1": {"Static"}, "PE2": {"Static"}, "PE3": {"IBGP"}, "CE1": {"Direct"}, "CE2": {"EBGP"}}[host]
    assert {route["protocol"] for route in routes} == expected
    bgp = r["get_bgp_neighbors"]
    if host == "CE1":
        assert bgp == {} and r["get_bgp_neighbors_detail"] == {}
    elif host.startswith("PE"):
        others = set(LOOPBACKS[p] for p in ("PE1", "PE2", "PE3")) - {LOOPBACKS[host]}
        assert set(bgp["global"]["peers"]) == others and bgp["global"]["router_id"] == LOOPBACKS[host]
        assert all(p["is_up"] and p["remote_as"] == 100 and "vpnv4" in p["address_family"] for p in bgp["global"]["peers"].values())
        assert r["get_network_instances"]["VPNA"]["state"]["route_distinguisher"] == {"PE1": "100:1", "PE2": "100:2", "PE3": "100:3"}[host]
    if host == "PE3":
        assert bgp["VPNA"]["peers"]["10.3.1.2"]["remote_as"] == 65410
        detail = r["get_bgp_neighbors_detail"]["VPNA"][65410][0]
        assert detail["remote_address"] == "10.3.1.2" and detail["routing_table"] == "VPNA" and detail["up"] is True
        assert detail["multipath"] is True  # maximum load-balancing 2 in VPNA
        vpn_routes = {route["next_hop"]: route["protocol_attributes"] for route in routes}
        assert vpn_routes == {
            nh: {"metric": 0, "local_preference": 100, "preference2": 0, "as_path": "?", "local_as": 100, "remote_as": 100}
            for nh in ("2.2.2.2", "3.3.3.3")
        }  # from display bgp vpnv4 vpn-instance VPNA routing-table: IBGP paths, origin incomplete
        ibgp = r["get_bgp_neighbors_detail"]["global"][100]
        assert {p["remote_address"] for p in ibgp} == {"2.2.2.2", "3.3.3.3"}
        assert all(p["local_address_configured"] and p["local_address"] == "4.4.4.4" for p in ibgp)  # connect-interface LoopBack1
    if host == "CE2":
        assert bgp["global"]["peers"]["10.3.1.1"]["local_as"] == 65410
