"""The README's main command, in-process: `vrpbook run bfd-static-vpn --lab`, and `plan --lab`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from vrpbook.cli import app

pytestmark = pytest.mark.lab


def test_vrpbook_run_lab_exits_0_and_writes_a_report(tmp_path):
    result = CliRunner().invoke(app, ["run", "bfd-static-vpn", "--lab", "--artifacts", str(tmp_path), "--ticket", "CHG-42 reference lab"])
    assert result.exit_code == 0, result.output
    (run_dir,) = list(tmp_path.iterdir())
    report = json.loads((run_dir / "report.json").read_text())
    assert report["status"] == "ok" and report["exit_code"] == 0
    assert [s["status"] for s in report["stages"]] == ["passed"] * 10
    commit = json.loads((run_dir / "stages" / "09-bfd-static-routes" / "PE1" / "commit.json").read_text())
    assert commit["description"] == "CHG-42 reference lab"
    assert "ok (exit 0)" in result.output


def test_vrpbook_plan_lab_shows_every_router_changing_and_commits_nothing():
    result = CliRunner().invoke(app, ["plan", "bfd-static-vpn", "--lab"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "plan: 5 router(s) would change: PE1, CE1, PE2, PE3, CE2" in result.output
    assert "+ sysname PE1" in result.output  # the router's own diff, not our rendering


def test_lab_state_keeps_the_saved_configuration_between_runs(tmp_path):
    state = tmp_path / "state"
    runner = CliRunner()
    first = runner.invoke(app, ["run", "bfd-static-vpn", "--lab", "--lab-state", str(state), "--artifacts", str(tmp_path / "a1")])
    assert first.exit_code == 0, first.output
    # A new in-process lab booted from the same state directory starts converged (the last
    # stage saved), so the second run changes nothing.
    second = runner.invoke(app, ["run", "bfd-static-vpn", "--lab", "--lab-state", str(state), "--artifacts", str(tmp_path / "a2")])
    assert second.exit_code == 0, second.output
    (run_dir,) = list((tmp_path / "a2").iterdir())
    report = json.loads((run_dir / "report.json").read_text())
    assert report["changed_hosts"] == [] and len(report["converged_before"]) == 5
