"""Route reflectors in the intent (no lab): validation errors naming file, host and field;
who learns whose VPN routes through reflectors; the stage template and the intended
configuration; ``rr`` as a role stages select."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from vrpbook.cli import app
from vrpbook.errors import IntentError
from vrpbook.intended import intended_config
from vrpbook.intent import NetworkIntent, load_intent
from vrpbook.inventory import load_inventory, select_hosts
from vrpbook.paths import PROJECT_ROOT
from vrpbook.runbooks.render import render_commands
from vrpbook.runbooks.schema import load_runbook

from ..bench_scripts import topologies

LAB = PROJECT_ROOT / "inventory" / "lab"


def _rr_inventory(tmp: Path, edit: dict[str, Any] | None = None, **kw: Any) -> Path:
    """A ring of four PEs with two dedicated reflectors; *edit*: host data replaced by path."""
    net = topologies().ScaleNetwork(pes=4, pe_ce="mixed", rr_placement="dedicated", **kw)
    inv = net.write_inventory(tmp / "inv")
    if edit:
        hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
        for path, value in edit.items():
            node = hosts
            *parents, last = path.split(".")
            for key in parents:
                node = node.setdefault(key, {})
            node[last] = value
        (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return inv


# --- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(("edit", "field", "says"), [
    ({"RR1.data.bgp.reflect_clients.vpnv4": ["10.0.0.1", "10.0.0.9"]}, "bgp.reflect_clients",
     "vpnv4: 10.0.0.9 is not an IBGP peer (no bgp.peers entry 10.0.0.9 in AS 100)"),
    ({"RR1.data.bgp.vpnv4_peers": ["10.0.0.1", "10.0.0.2", "10.0.0.3"]}, "bgp.reflect_clients",
     "vpnv4: 10.0.0.4 is not in bgp.vpnv4_peers"),
    ({"RR1.data.bgp.reflect_clients.unicast": ["10.0.0.7"]}, "bgp.reflect_clients",
     "unicast: 10.0.0.7 is not an IBGP peer"),
    ({"RR1.data.bgp.cluster_id": "1.2.3"}, "bgp.cluster_id", "not a cluster ID"),
    ({"RR1.data.bgp.cluster_id": 0}, "bgp.cluster_id", "cluster ID out of range"),
    ({"PE1.data.bgp.cluster_id": "1"}, "bgp", "cluster_id: only a route reflector has a cluster ID"),
    ({"CE1.data.bgp": {"as_number": 64513, "policy_vpn_target": False}}, "bgp",
     "policy_vpn_target: false is 'undo policy vpn-target' in the VPNv4 family; this router has no vpnv4_peers"),
    ({"RR1.data.bgp.policy_vpn_target": True}, "(host data)",
     "bgp.policy_vpn_target: a VPNv4 route reflector without VPN instances must set it false"),
    ({"RR1.data.vpn_instances": {"VPNA": {"rd": "100:99", "import_targets": ["111:1"], "export_targets": ["111:1"]}}},
     "(host data)", "role: rr is a route reflector that is not a PE"),
    ({"RR2.data.bgp.reflect_clients": {}, "RR2.data.bgp.cluster_id": None}, "(host data)",
     "role: rr is a route reflector: bgp.reflect_clients lists no client"),
])
def test_reflector_intent_errors_name_file_host_and_field(tmp_path: Path, edit: dict[str, Any], field: str, says: str) -> None:
    inv = _rr_inventory(tmp_path, edit)
    host = next(iter(edit)).split(".")[0]
    with pytest.raises(IntentError) as err:
        load_intent(inv)
    message = str(err.value)
    assert f"{inv / 'hosts.yaml'}: host {host}: field {field}: " in message, message
    assert says in message, message


def test_a_client_that_is_not_a_peer_stops_a_run_before_anything_connects(tmp_path: Path) -> None:
    inv = _rr_inventory(tmp_path, {"RR2.data.bgp.reflect_clients.vpnv4": ["10.0.0.1", "10.0.0.3", "10.0.0.99"]})
    result = CliRunner().invoke(app, ["run", "bfd-static-vpn", "--inventory", str(inv), "--yes",
                                      "--artifacts", str(tmp_path / "a")])
    assert result.exit_code == 2
    assert "host RR2: field bgp.reflect_clients: " in result.output and "10.0.0.99 is not an IBGP peer" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "a").exists()


def test_an_ebgp_peer_cannot_be_a_client(tmp_path: Path) -> None:
    inv = _rr_inventory(tmp_path, {"PE2.data.bgp.reflect_clients": {"vpnv4": []},
                                   "CE2.data.bgp.reflect_clients": {"unicast": ["10.2.0.9"]}})
    with pytest.raises(IntentError, match=r"host CE2: field bgp.reflect_clients: .*unicast: 10.2.0.9 is not an IBGP peer"):
        load_intent(inv)


# --- who learns whose routes --------------------------------------------------------


def test_vpn_routes_reach_every_pe_through_the_reflectors_with_the_originators_next_hop(tmp_path: Path) -> None:
    net = load_intent(_rr_inventory(tmp_path))
    # PE1's routes reach every router of the VPNv4 mesh (each PE through a reflector),
    # always with PE1's own loopback as next hop.
    assert net.vpnv4_learners("PE1") == {"RR1": "10.0.0.1", "RR2": "10.0.0.1", "PE2": "10.0.0.1",
                                         "PE3": "10.0.0.1", "PE4": "10.0.0.1"}
    origins = net.vpn_route_origins("PE2", "VPNA")
    assert {p: [(o.router, o.nexthop) for o in os] for p, os in origins.items()} == {
        "10.3.0.1/32": [("PE1", "10.0.0.1")], "10.3.0.3/32": [("PE3", "10.0.0.3")]}


def _learners(tmp: Path, edit: dict[str, Any]) -> NetworkIntent:
    return load_intent(_rr_inventory(tmp, edit, rr_count=1))


def test_a_non_clients_routes_go_to_clients_only(tmp_path: Path) -> None:
    net = _learners(tmp_path, {"RR1.data.bgp.reflect_clients.vpnv4": ["10.0.0.1", "10.0.0.2"]})
    assert set(net.vpnv4_learners("PE3")) == {"RR1", "PE1", "PE2"}  # not the other non-client PE4
    assert set(net.vpnv4_learners("PE1")) == {"RR1", "PE2", "PE3", "PE4"}  # a client's go to everyone


def test_without_reflection_ibgp_routes_go_one_hop(tmp_path: Path) -> None:
    net = _learners(tmp_path, {"RR1.data.bgp.reflect_clients": {}, "RR1.data.bgp.cluster_id": None,
                               "RR1.data.role": "pe"})
    assert net.vpnv4_learners("PE3") == {"RR1": "10.0.0.3"}


def test_reflectors_of_one_cluster_do_not_pass_on_each_others_reflections(tmp_path: Path) -> None:
    """Two reflectors of one cluster, each with half the PEs as clients (PE1 peers with RR1
    only, PE3 with RR2 only): RR1 reflects a route of its client PE1 to every peer — PE2, PE4
    and RR2 — but RR2 drops it for its own cluster ID, so PE3 (RR2's alone) never learns it;
    in two clusters RR2 takes it and reflects it to its clients."""
    split = {"RR1.data.bgp.reflect_clients.vpnv4": ["10.0.0.1", "10.0.0.2"],
             "RR2.data.bgp.reflect_clients.vpnv4": ["10.0.0.3", "10.0.0.4"],
             "PE1.data.bgp.peers": [{"address": "10.0.255.1", "as_number": 100, "connect_interface": "LoopBack1"}],
             "PE1.data.bgp.vpnv4_peers": ["10.0.255.1"],
             "PE3.data.bgp.peers": [{"address": "10.0.255.2", "as_number": 100, "connect_interface": "LoopBack1"}],
             "PE3.data.bgp.vpnv4_peers": ["10.0.255.2"]}
    one = load_intent(_rr_inventory(tmp_path / "one", split))
    assert set(one.vpnv4_learners("PE1")) == {"RR1", "PE2", "PE4"}
    two = load_intent(_rr_inventory(tmp_path / "two", {**split, "RR2.data.bgp.cluster_id": "2"}))
    assert set(two.vpnv4_learners("PE1")) == {"RR1", "PE2", "RR2", "PE3", "PE4"}


def test_the_reference_full_mesh_is_unchanged() -> None:
    net = load_intent(LAB)
    assert net.vpnv4_learners("PE1") == {"PE2": "2.2.2.2", "PE3": "2.2.2.2"}
    assert sorted(o.router for o in net.vpn_route_origins("PE3", "VPNA")["1.1.1.1/32"]) == ["PE1", "PE2"]


# --- templates, intended configuration, roles ----------------------------------------


def test_stage_four_renders_the_reflector_lines_in_vrps_order(tmp_path: Path) -> None:
    net = load_intent(_rr_inventory(tmp_path, {"RR1.data.bgp.reflect_clients.unicast": ["10.0.0.2"]}))
    rb = load_runbook("bfd-static-vpn")
    cmds = render_commands(rb.stage("mp-ibgp").templates, net["RR1"], "RR1", net)
    family = cmds[cmds.index("ipv4-family vpnv4"):]
    assert family[:5] == ["ipv4-family vpnv4", "reflector cluster-id 1", "undo policy vpn-target",
                          "peer 10.0.0.1 enable", "peer 10.0.0.1 reflect-client"]
    assert "peer 10.0.255.2 enable" in family and "peer 10.0.255.2 reflect-client" not in family
    unicast = cmds[cmds.index("ipv4-family unicast"):cmds.index("ipv4-family vpnv4")]
    assert unicast == ["ipv4-family unicast", "reflector cluster-id 1", "peer 10.0.0.2 reflect-client", "quit"]
    client = render_commands(rb.stage("mp-ibgp").templates, net["PE2"], "PE2", net)
    assert client == ["bgp 100", "peer 10.0.255.1 as-number 100", "peer 10.0.255.1 connect-interface LoopBack1",
                      "peer 10.0.255.2 as-number 100", "peer 10.0.255.2 connect-interface LoopBack1",
                      "ipv4-family vpnv4", "peer 10.0.255.1 enable", "peer 10.0.255.2 enable", "quit", "quit"]
    ospf = render_commands(rb.stage("ospf").templates, net["RR1"], "RR1", net)
    assert "interface GigabitEthernet0/1/0" in ospf and "ip address 10.1.255.6 30" in ospf


def test_the_intended_configuration_holds_the_reflector_lines(tmp_path: Path) -> None:
    net = load_intent(_rr_inventory(tmp_path, {"RR1.data.bgp.reflect_clients.unicast": ["10.0.0.2"]}))
    text = intended_config("RR1", net).text
    assert (" ipv4-family unicast\n  undo synchronization\n  reflector cluster-id 1\n  peer 10.0.0.1 enable\n"
            "  peer 10.0.0.2 enable\n  peer 10.0.0.2 reflect-client\n") in text
    assert " ipv4-family vpnv4\n  reflector cluster-id 1\n  undo policy vpn-target\n  peer 10.0.0.1 enable\n" in text
    assert "ip vpn-instance" not in text and "ipv4-family vpn-instance" not in text
    scope = "\n".join(intended_config("RR1", net).scope.describe())
    assert "peer \\S+ reflect-client" in scope and "(?:undo )?policy vpn-target" in scope


def test_rr_selects_the_reflectors_and_selects_nobody_where_there_is_none(tmp_path: Path) -> None:
    nr = load_inventory(_rr_inventory(tmp_path)).nr
    assert select_hosts(["pe", "rr"], nr)[-2:] == ["RR1", "RR2"]
    assert select_hosts(["rr"], load_inventory(LAB).nr) == []
    with pytest.raises(Exception, match="neither a group nor a host"):
        select_hosts(["pr"], nr)
