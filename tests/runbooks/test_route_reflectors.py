"""Route reflectors through the product: a ring of four PEs with a CE each and two dedicated
reflectors (role ``rr``: no VPN, no CE), written by ``bench/topologies.py`` as an intent,
converged by the ``bfd-static-vpn`` runbook over SSH with every gate passing; then ``plan``
finds nothing to change, ``vrpbook check`` passes (configuration compliance of the
reflectors' lines included), and drift of those lines is found and removed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import netmiko
import pytest
from typer.testing import CliRunner

from vrpbook.cli import app
from vrpbook.lab import boot_lab
from vrpbook.tasks.channel import VrpChannel

from ..bench_scripts import topologies

pytestmark = pytest.mark.lab

RRS = ("10.0.255.1", "10.0.255.2")  # RR1, RR2 loopbacks (bench/topologies.py)
PES = tuple(f"10.0.0.{i}" for i in range(1, 5))


@pytest.fixture(scope="module")
def rr(h: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The network converged by one run; ``inventory`` points at the running lab's ports."""
    tmp = tmp_path_factory.mktemp("rr")
    net = topologies().ScaleNetwork(pes=4, pe_ce="mixed", rr_placement="dedicated", rr_count=2)
    lab = boot_lab(net.write_inventory(tmp / "boot"), state_dir=None, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        inv = net.write_inventory(tmp / "inv", ports={n: a[1] for n, a in running.hosts.items()},
                                  known_hosts=running.known_hosts_path)
        report, root = h.run(running, tmp / "art", inventory=inv)
        yield {"net": net, "running": running, "inventory": inv, "report": report, "root": root, "tmp": tmp}


def _results(report: Any, stage: str, gate: str) -> dict[str, Any]:
    outcome = next(g for s in report.stages if s.name == stage for g in s.gates if g.gate == gate)
    return {r.router: r for r in outcome.results}


def test_the_runbook_converges_the_reflector_network_with_every_gate_passing(rr: dict[str, Any]) -> None:
    report = rr["report"]
    assert report.exit_code == 0, report.failure
    assert all(s.status == "passed" for s in report.stages)
    assert all(g.status == "pass" for s in report.stages for g in s.gates)
    # The reflectors are judged where they take part: OSPF, LDP, MP-IBGP.
    for stage, gate in (("ospf", "ospf-loopback-routes"), ("mpls-ldp", "ldp-sessions-operational"),
                        ("mp-ibgp", "vpnv4-peers-established")):
        assert {"RR1", "RR2"} <= set(_results(report, stage, gate)), gate
    # A reflector expects every client and the other reflector; a client only the reflectors.
    peers = _results(report, "mp-ibgp", "vpnv4-peers-established")
    assert set(peers["RR1"].expected) == {*PES, RRS[1]}
    assert set(peers["PE3"].expected) == set(RRS)
    # Reflection keeps the next hop: PE2 learns CE1's and CE3's loopbacks from PE1 and PE3
    # themselves (their loopbacks), through the reflectors it peers with.
    ecmp = _results(report, "bfd-static-routes", "vpn-route-ecmp")
    assert set(ecmp) == {"PE2", "PE4"}
    for prefix, origin in (("10.3.0.1/32", "10.0.0.1"), ("10.3.0.3/32", "10.0.0.3")):
        rows = ecmp["PE2"].observed[f"VPNA {prefix}"]
        assert {r["nexthop"] for r in rows} == {origin} and {r["proto"] for r in rows} == {"IBGP"}
        assert ecmp["PE2"].expected[f"VPNA {prefix}"]["via"] == [origin]


def test_the_reflectors_configuration_is_the_intents_in_vrps_order(h: ModuleType, rr: dict[str, Any]) -> None:
    configs = h.device_configs(rr["running"], inventory=rr["inventory"])
    rr1 = configs["RR1"]
    vpnv4 = rr1[rr1.index(" ipv4-family vpnv4\n"):].split("#")[0].splitlines()
    assert vpnv4[:4] == [" ipv4-family vpnv4", "  reflector cluster-id 1", "  undo policy vpn-target",
                         "  peer 10.0.0.1 enable"]
    assert vpnv4[4] == "  peer 10.0.0.1 reflect-client"
    assert "  peer 10.0.255.2 enable" in vpnv4 and "  peer 10.0.255.2 reflect-client" not in vpnv4
    assert "ip vpn-instance" not in rr1 and "interface GigabitEthernet0/1/0\n undo shutdown\n ip address 10.1.255.6" in rr1
    assert " ipv4-family vpnv4\n  policy vpn-target\n  peer 10.0.255.1 enable\n" in configs["PE3"]


def test_plan_afterwards_changes_nothing(h: ModuleType, rr: dict[str, Any]) -> None:
    plans = h.plan_lab(rr["running"], inventory=rr["inventory"])
    assert set(plans) == set(rr["net"].routers)
    for host, p in plans.items():
        assert p.error is None, p.error
        assert p.changed is False and p.scope_lines == [], (host, p.diff, p.scope_lines)


def _check(rr: dict[str, Any], name: str, *args: str) -> tuple[int, dict[str, Any], str]:
    out = rr["tmp"] / f"{name}.json"
    res = CliRunner().invoke(app, ["check", "--inventory", str(rr["inventory"]), "--no-history", "--json", str(out),
                                   *args], env={"COLUMNS": "250"})
    return res.exit_code, json.loads(out.read_text()), res.output


def _type(rr: dict[str, Any], router: str, lines: list[str]) -> None:
    conn = netmiko.ConnectHandler(**rr["running"].netmiko_params(router))
    chan = VrpChannel(conn, router)
    chan.sync()
    try:
        chan.system_view()
        for line in lines:
            reply = chan.run(line)
            assert "Error" not in reply.output, (line, reply.output)
        chan.user_view()
    finally:
        chan.logout()
        conn.paramiko_cleanup()


def test_check_passes_and_reflector_drift_is_found_then_removed_by_the_runbook(h: ModuleType, rr: dict[str, Any]) -> None:
    code, doc, output = _check(rr, "converged")
    assert code == 0, output
    results = {(r["router"], r["check"]): r for r in doc["results"]}
    assert results[("RR1", "config-compliance")]["status"] == "pass"
    assert results[("RR2", "vpnv4-peers-established")]["status"] == "pass"

    # Somebody turns a client into a non-client, restores VRP's default target policy
    # and renumbers the cluster on RR1.
    _type(rr, "RR1", ["bgp 100", "ipv4-family vpnv4", "undo peer 10.0.0.2 reflect-client", "policy vpn-target",
                      "reflector cluster-id 9", "quit", "quit", "commit"])
    code, doc, output = _check(rr, "drift", "--hosts", "RR1")
    assert code == 1, output
    compliance = {(r["router"], r["check"]): r for r in doc["results"]}[("RR1", "config-compliance")]
    assert compliance["status"] == "fail"
    assert set(compliance["differences"]) == {
        "bgp 100: missing: ipv4-family vpnv4 > peer 10.0.0.2 reflect-client",
        "bgp 100: missing: ipv4-family vpnv4 > reflector cluster-id 1",
        "bgp 100: missing: ipv4-family vpnv4 > undo policy vpn-target",
        "bgp 100: unexpected: ipv4-family vpnv4 > policy vpn-target",
        "bgp 100: unexpected: ipv4-family vpnv4 > reflector cluster-id 9",
    }

    # The runbook puts it back (the MP-IBGP stage pushes the fix), and nothing is left to do.
    report, root = h.run(rr["running"], rr["tmp"] / "art2", inventory=rr["inventory"])
    assert report.exit_code == 0, report.failure
    assert report.changed_hosts == ["RR1"]
    pushed = (Path(root) / "stages" / "04-mp-ibgp" / "RR1" / "push.txt").read_text()
    assert "peer 10.0.0.2 reflect-client" in pushed and "undo policy vpn-target" in pushed
    plans = h.plan_lab(rr["running"], inventory=rr["inventory"])
    assert all(p.changed is False and p.scope_lines == [] for p in plans.values())
    code, _doc, output = _check(rr, "fixed", "--hosts", "RR1", "--catalog", str(_catalog(rr["tmp"])))
    assert code == 0, output


def _catalog(tmp: Path) -> Path:
    path = tmp / "catalog.yaml"
    path.write_text("default: false\nchecks:\n  - check: config-compliance\n")
    return path
