"""The post-change proof over SSH: what the change meant is tied, anything else is flagged."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from vrpbook.events import EventBus
from vrpbook.history import ChangeLog, HistoryDB
from vrpbook.runbooks import events as ev

RUNBOOK = """
name: loopback-description
defaults: {gate_deadline: 5, gate_interval: 0.1}
stages:
  - name: describe
    hosts: [PE1]
    templates: [describe.j2]
    gates:
      - check: config-lines-present
        params: {match: ["description"]}
"""


def _runbook(tmp: Path) -> Path:
    (tmp / "rb" / "templates").mkdir(parents=True)
    (tmp / "rb" / "templates" / "describe.j2").write_text("interface LoopBack1\n description core loopback\n quit\n")
    path = tmp / "rb" / "loopback_description.yaml"
    path.write_text(RUNBOOK)
    return path


def test_the_proof_ties_the_change_and_flags_what_else_moved(served: Any, h: Any, tmp_path: Path, private_history: Path):
    lab = served()
    assert h.run(lab.running, tmp_path / "converge")[0].status == "ok"
    bus = EventBus()
    # While the change runs, CE1's cable is pulled: PE1's link to CE1 goes down (nobody's line
    # explains it). The stage waits until PE1's BFD has detected it (its detect time on the twin's
    # clock): on a loaded machine the after-snapshot could otherwise beat the detection, and the
    # proof would rightly not show a change that had not happened yet.
    def pull_cable(_event: Any) -> None:
        lab.call(lambda net: net.set_cable("CE1", "GigabitEthernet0/1/0", False))
        deadline = time.monotonic() + 10
        while not any(e.router == "PE1" and e.kind == "bfd-down" for e in lab.call(lambda net: net.events())):
            assert time.monotonic() < deadline, "PE1's BFD never went Down"
            time.sleep(0.02)

    bus.subscribe(pull_cable, ev.StageStarted)
    report, root = h.run(lab.running, tmp_path / "art", runbook=_runbook(tmp_path), bus=bus, ticket="CHG-P")
    assert report.status == "ok" and report.exit_code == 0  # the change itself worked; the proof says what else moved
    proof = report.proof
    assert proof["verdict"] == "fail" and proof["summary"].startswith("post-change proof: fail")
    tied = {d["line"]: d["because"] for d in proof["tied"]}
    assert tied == {"PE1: config + interface LoopBack1 > description core loopback":
                    "PE1's diff: + interface LoopBack1 > description core loopback"}
    flagged = [d["line"] for d in proof["flagged"]]
    assert "PE1: interfaces GigabitEthernet0/3/0: phy up -> down, protocol up -> down" in flagged, flagged
    assert any(f.startswith("PE1: bfd sessions peer 10.1.1.1 ") and "state Up -> Down" in f for f in flagged), flagged
    assert "PE1: routes VPNA 1.1.1.1/32 via 10.1.1.1 GigabitEthernet0/3/0 removed" in flagged
    assert "PE1: routes VPNA 1.1.1.1/32 via 3.3.3.3 GigabitEthernet0/2/0 added" in flagged  # now via PE2
    assert all(f.startswith("PE1: ") for f in flagged)  # only the touched router is snapshotted
    on_disk = json.loads((root / "proof.json").read_text())
    assert on_disk["verdict"] == "fail"
    pre = json.loads((root / "hosts" / "PE1" / "snapshot" / "pre.json").read_text())
    assert pre["state"]["interfaces"]["GigabitEthernet0/3/0"] == {"phy": "up", "protocol": "up"}
    assert "bgp peers" in pre["state"] and all("since" in p for p in pre["state"]["bgp vpnv4 peers"].values())
    assert not (root / "hosts" / "PE2" / "snapshot").exists()
    with HistoryDB(private_history) as db:
        (entry,) = [e for e in ChangeLog(db).entries("CHG-P") if e.kind == "proof"]
        assert entry.detail["verdict"] == "fail" \
            and "PE1: interfaces GigabitEthernet0/3/0: phy up -> down, protocol up -> down" in entry.detail["flagged"]
