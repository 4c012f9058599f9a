"""Gates from protocol truth, over SSH: on a four-PE ring where the two PEs serving the
dual-homed CE1 are at different IGP costs from the far PE (PE3), BGP installs one path
(the cheaper one) despite ``maximum load-balancing 2``; with ``load-balancing
igp-metric-ignore`` it installs both. The reference runbook converges either network with
every gate passing, and the ECMP gate says which costs it read."""

from __future__ import annotations

import shutil

import pytest
import yaml

from vrpbook.intended import compare, intended_config
from vrpbook.intent import load_intent
from vrpbook.paths import PROJECT_ROOT

pytestmark = pytest.mark.lab

FOURPE = PROJECT_ROOT / "tests" / "fixtures" / "topologies" / "fourpe"


def _converge(h, lab_factory, tmp_path, inventory):
    running = lab_factory(inventory=inventory)
    report, _root = h.run(running, tmp_path / "art", inventory=inventory)
    assert report.exit_code == 0, report.failure
    assert all(s.status == "passed" for s in report.stages)
    assert all(g.status == "pass" for s in report.stages for g in s.gates)
    net = load_intent(inventory)
    configs = h.device_configs(running, inventory=inventory)
    assert {r: compare(configs[r], intended_config(r, net)) for r in net} == {r: [] for r in net}
    return report, configs


def _ecmp(report):
    final = report.stages[8]
    ecmp = next(g for g in final.gates if g.gate == "vpn-route-ecmp")
    return ecmp.evidence["PE3"]["VPNA 1.1.1.1/32"], ecmp.results[0].expected["VPNA 1.1.1.1/32"]


def test_unequal_igp_cost_gives_one_path_and_the_runbook_converges(h, lab_factory, tmp_path):
    report, configs = _converge(h, lab_factory, tmp_path, FOURPE)
    rows, expected = _ecmp(report)
    assert [(r["proto"], r["nexthop"]) for r in rows] == [("IBGP", "2.2.2.2")]
    # read from PE3's own routing table: 3, not 2, because SPF counts "ospf cost 5" on PE3's
    # link to PE2 and goes through PE1 instead
    assert expected["igp_cost"] == {"2.2.2.2": 2, "3.3.3.3": 3}
    assert expected["via"] == ["2.2.2.2"] and expected["ibgp_paths"] == 1
    assert "interface GigabitEthernet0/2/0\n undo shutdown\n ip address 22.22.22.2 255.255.255.0\n ospf cost 5\n" in configs["PE3"]


def test_igp_metric_ignore_gives_both_paths(h, lab_factory, tmp_path):
    inv = tmp_path / "inventory"
    shutil.copytree(FOURPE, inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    hosts["PE3"]["data"]["bgp"]["vpn_instances"]["VPNA"]["load_balancing_igp_metric_ignore"] = True
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    report, configs = _converge(h, lab_factory, tmp_path, inv)
    rows, expected = _ecmp(report)
    assert sorted(r["nexthop"] for r in rows) == ["2.2.2.2", "3.3.3.3"]
    assert expected["ibgp_paths"] == 2 and expected["rule"] == "maximum load-balancing 2, IGP cost ignored"
    assert "  maximum load-balancing 2\n  load-balancing igp-metric-ignore\n" in configs["PE3"]
