"""Canary rollout over SSH, on four CEs that change independently (tests/fixtures/topologies/canary).

The network is converged first (``canary_base.yaml``); then the intent gains the
same new static route on every CE (192.0.2.0/24 via its PE, a service prefix),
and ``canary_ce_routes.yaml`` rolls it out batch by batch (``[1, "50%", rest]``
= CE1, then CE2 and CE3, then CE4). CE1's link to its PE is pulled, so CE1's
routes can never be installed: the first batch fails its gate.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from vrpbook.errors import RunbookError
from vrpbook.paths import PROJECT_ROOT
from vrpbook.runbooks.rollout import plan_batches
from vrpbook.runbooks.schema import Rollout, load_runbook

CANARY = PROJECT_ROOT / "tests" / "fixtures" / "topologies" / "canary"
RUNBOOKS = PROJECT_ROOT / "tests" / "fixtures" / "runbooks"
CES = ["CE1", "CE2", "CE3", "CE4"]


def test_batches_are_cut_as_declared():
    ces = [f"CE{i}" for i in range(1, 11)]
    assert plan_batches(Rollout(batches=[1, "25%", "rest"]), ces) == [ces[:1], ces[1:4], ces[4:]]
    assert plan_batches(Rollout(batches=[2]), ces[:5]) == [ces[:2], ces[2:4], ces[4:5]]  # the last size repeats
    assert plan_batches(Rollout(batches=["50%"]), ces[:3]) == [ces[:2], ces[2:3]]
    assert plan_batches(Rollout(batches=[1, "rest"]), []) == []


@pytest.mark.parametrize(("rollout", "field", "error"), [
    ({"batches": [0, "rest"]}, "batches", r"Value error, batch 1: a batch holds at least 1 router, not 0"),
    ({"batches": ["rest", 1]}, "batches", r"Value error, batch 1: 'rest' \(every router left\) can only be the last batch"),
    ({"batches": [1, "150%"]}, "batches", r"Value error, batch 2: '150%' is not a count, a share such as '25%'"),
    ({"batches": []}, "batches", r"List should have at least 1 item"),
    ({"batches": [1], "max_failures": -1}, "max_failures", r"Input should be greater than or equal to 0"),
    ({"batches": [1], "canary": True}, "canary", r"Extra inputs are not permitted"),
])
def test_a_bad_rollout_is_refused_naming_the_stage_and_field(tmp_path: Path, rollout: dict[str, Any], field: str, error: str):
    raw = yaml.safe_load((RUNBOOKS / "canary_ce_routes.yaml").read_text())
    raw["stages"][0]["rollout"] = rollout
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(RunbookError, match=rf"bad.yaml: stages\.0\.rollout\.{field} \(stage 'ce-default-routes'\): {error}"):
        load_runbook(str(path))


def test_a_canary_stage_judges_its_batches_with_its_own_gates(tmp_path: Path):
    raw = yaml.safe_load((RUNBOOKS / "canary_ce_routes.yaml").read_text())
    raw["stages"][0]["gates"][0]["hosts"] = ["pe"]
    path = tmp_path / "scoped.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(RunbookError, match="judge each batch's routers; remove 'hosts' from gate\\(s\\) static-routes-installed"):
        load_runbook(str(path))


def _commit_lists(h: Any, lab: Any) -> dict[str, list[str]]:
    def read(chan: Any) -> list[str]:
        chan.user_view()
        return re.findall(r"CommitId:\s*(\d+)", chan.run("display configuration commit list verbose").output)

    return h.read_all(lab.running, read, inventory=CANARY)


@pytest.fixture
def canary(served: Any, h: Any, tmp_path: Path) -> Any:
    """The canary network converged, CE1's link pulled, and ``lab.new_intent``: the inventory
    whose CEs each gain a static route to 192.0.2.0/24 via their PE (the change to roll out)."""
    lab = served(CANARY)
    report, _root = h.run(lab.running, tmp_path / "base", runbook=RUNBOOKS / "canary_base.yaml", inventory=CANARY)
    assert report.status == "ok", report.failure
    lab.call(lambda net: net.set_cable("CE1", "GigabitEthernet0/1/0", False))
    new = tmp_path / "canary-new-route"
    shutil.copytree(CANARY, new)
    hosts = yaml.safe_load((new / "hosts.yaml").read_text())
    for ce in CES:
        routes = hosts[ce]["data"]["static_routes"]
        routes.append({"prefix": "192.0.2.0/24", "nexthop": routes[0]["nexthop"]})
    (new / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    lab.new_intent = new
    return lab


def test_a_canary_stops_after_a_failing_first_batch_and_leaves_the_other_ces_untouched(canary: Any, h: Any, tmp_path: Path):
    before = h.device_configs(canary.running, inventory=CANARY)
    commits = _commit_lists(h, canary)
    report, _root = h.run(canary.running, tmp_path / "canary", runbook=RUNBOOKS / "canary_ce_routes.yaml",
                          inventory=canary.new_intent)
    assert report.exit_code == 4 and report.status == "rolled-back"
    assert report.failure.kind == "gate" and report.failure.gate == "static-routes-installed"
    assert report.failure.message.startswith("batch 1 of 3: 1 router(s) failed (CE1); budget max_failures=0 exceeded: ")
    assert list(report.failure.routers) == ["CE1"]
    (stage,) = report.stages
    assert stage.hosts["CE1"].status == "aborted"  # its trial was pushed, gated, aborted
    assert {h_: stage.hosts[h_].status for h_ in CES[1:]} == {"CE2": "pending", "CE3": "pending", "CE4": "pending"}
    assert [r.router for g in stage.gates for r in g.results] == ["CE1"]  # gated on the batch's routers only
    after = h.device_configs(canary.running, inventory=CANARY)
    assert after == before  # CE1 back where it was; the others never touched
    now = _commit_lists(h, canary)
    assert {r: now[r] for r in now if r != "CE1"} == {r: commits[r] for r in commits if r != "CE1"}
    assert report.end_state == {r: "pre-run" for r in report.end_state}


def test_a_failure_within_the_budget_is_aborted_and_the_rollout_goes_on(canary: Any, h: Any, tmp_path: Path):
    raw = yaml.safe_load((RUNBOOKS / "canary_ce_routes.yaml").read_text())
    raw["stages"][0]["rollout"]["max_failures"] = 1
    runbook = tmp_path / "tolerant.yaml"
    runbook.write_text(yaml.safe_dump(raw))
    before = h.device_configs(canary.running, inventory=CANARY)
    report, _root = h.run(canary.running, tmp_path / "canary", runbook=runbook, inventory=canary.new_intent)
    assert report.exit_code == 0 and report.status == "ok", report.failure
    assert report.tolerated == {"ce-default-routes": ["CE1"]}
    (stage,) = report.stages
    assert {h_: stage.hosts[h_].status for h_ in CES} == {"CE1": "aborted", "CE2": "confirmed", "CE3": "confirmed",
                                                        "CE4": "confirmed"}
    after = h.device_configs(canary.running, inventory=CANARY)
    assert after["CE1"] == before["CE1"]
    for ce in CES[1:]:
        assert "ip route-static 192.0.2.0 255.255.255.0" in after[ce] and after[ce] != before[ce]
