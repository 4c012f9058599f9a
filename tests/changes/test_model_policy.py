"""The change file and its rules, without a router: window, integrity, approvals, drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from vrpbook.changes import model
from vrpbook.changes.model import ChangeFile, ChangeFileError, InventoryRef, Policy, RouterPlan, RunbookRef, WindowSpec
from vrpbook.changes.policy import approve, drift_check, refusals
from vrpbook.errors import ChangeRefused, UsageError
from vrpbook.runbooks.window import Window, WindowGuard
from vrpbook.clock import ManualClock

T0 = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
DIFF = "Building configuration\n  #\n  interface LoopBack9\n+  description canary\n"


def change(policy: Policy | None = None, start: datetime = T0, hours: float = 4) -> ChangeFile:
    return ChangeFile(
        ticket="CHG-1", requester="alice", planned_at=T0 - timedelta(hours=1),
        window=WindowSpec(start=start, end=start + timedelta(hours=hours)), policy=policy or Policy(),
        runbook=RunbookRef(name="rb", source="rb", sha256="r" * 64),
        inventory=InventoryRef(path="/inv", intent_sha256="i" * 64),
        routers={"PE1": RouterPlan(changes=True, diff=DIFF, diff_sha256=model.diff_sha256(DIFF)),
                 "CE1": RouterPlan(changes=False, diff="", diff_sha256=model.diff_sha256(""))},
    ).sealed()


def test_a_window_needs_zones_and_order():
    w = Window.parse("2026-03-01T22:00:00+01:00/2026-03-02T02:00:00+01:00")
    assert w.end - w.start == timedelta(hours=4)
    with pytest.raises(UsageError, match="has no time zone"):
        Window.parse("2026-03-01T22:00:00/2026-03-02T02:00:00+01:00")
    with pytest.raises(UsageError, match="ends .* before it starts"):
        Window.parse("2026-03-02T02:00:00+01:00/2026-03-01T22:00:00+01:00")
    with pytest.raises(UsageError, match="not START/END"):
        Window.parse("2026-03-01T22:00:00+01:00")


def test_the_guard_refuses_a_stage_that_would_outlast_the_window():
    clock = ManualClock(T0)
    guard = WindowGuard(Window(T0, T0 + timedelta(minutes=10)), clock)
    guard.before("stage ospf", 300)  # 5 of 10 minutes: fine
    clock.advance(400)
    with pytest.raises(Exception, match=r"stage ospf not started: it may take 300 s .*\(3m20s left\)"):
        guard.before("stage ospf", 300)
    clock.advance(200)
    with pytest.raises(Exception, match="the change window closed at .* ago"):
        guard.check("while the gates polled")


def test_the_file_round_trips_and_keeps_diffs_readable(tmp_path: Path):
    c = change()
    path = tmp_path / "change.yaml"
    model.save(c, path)
    text = path.read_text()
    assert "diff: |" in text and "+  description canary" in text  # a literal block, as the router printed it
    again = model.load(path)
    assert again == c and again.edited() is None


def test_an_edited_plan_voids_its_approvals_and_is_refused(tmp_path: Path):
    c = approve(change(), by="bob", operator="bob", now=T0)
    assert c.missing_approvals() == 0 and refusals(c, T0 + timedelta(minutes=1)) == []
    path = tmp_path / "change.yaml"
    model.save(c, path)
    raw = yaml.safe_load(path.read_text())
    raw["window"]["end"] = (T0 + timedelta(hours=12)).isoformat()  # someone stretches the window
    path.write_text(yaml.safe_dump(raw))
    edited = model.load(path)
    why = refusals(edited, T0 + timedelta(minutes=1))
    assert len(why) == 1 and "edited after it was planned" in why[0] and "approvals are void" in why[0]
    with pytest.raises(ChangeRefused, match="edited after it was planned"):
        approve(edited, by="carol", operator="carol", now=T0)
    # planned again (sealed), the old approval no longer counts: it approved other content
    resealed = edited.sealed()
    assert resealed.valid_approvals() == [] and "given to other content" in resealed.void_approvals()[0][1]


def test_self_approval_is_refused_by_default_under_any_name():
    with pytest.raises(ChangeRefused, match="Alice requested this change .* does not allow self-approval"):
        approve(change(), by="Alice", operator="ops", now=T0)
    with pytest.raises(ChangeRefused, match="recorded from alice's account"):
        approve(change(), by="bob", operator="alice", now=T0)
    allowed = approve(change(Policy(self_approval=True)), by="alice", operator="alice", now=T0)
    assert [a.by for a in allowed.valid_approvals()] == ["alice"]


def test_approvals_after_the_window_closed_are_refused_and_duplicates_counted_once():
    with pytest.raises(ChangeRefused, match="closed .* ago"):
        approve(change(), by="bob", operator="bob", now=T0 + timedelta(hours=5))
    c = approve(change(Policy(approvals_required=2)), by="bob", operator="bob", now=T0)
    with pytest.raises(ChangeRefused, match="BOB has already approved"):
        approve(c, by="BOB", operator="bob", now=T0)
    why = refusals(c, T0 + timedelta(minutes=5))
    assert why == ["1 approval(s) missing: 2 required, 1 valid (bob)"]


def test_a_run_outside_the_window_is_refused_with_the_time_left_or_gone():
    c = approve(change(), by="bob", operator="bob", now=T0 - timedelta(hours=1))
    early = refusals(c, T0 - timedelta(minutes=30))
    assert early == [f"outside its window: the window {c.window.window()} opens in 30m00s (now 2026-03-01T20:30:00+00:00)"]
    late = refusals(c, T0 + timedelta(hours=4, seconds=1))
    assert len(late) == 1 and "closed 1s ago" in late[0]
    assert refusals(c, T0) == []


def test_a_different_runbook_or_intent_is_refused():
    c = approve(change(), by="bob", operator="bob", now=T0)
    why = refusals(c, T0, runbook_sha256="x" * 64, intent_sha256="y" * 64)
    assert [w.split(" (")[0] for w in why] == ["the runbook rb", "the intent of /inv changed since the change was planned"]


def test_drift_names_the_router_and_shows_the_difference():
    check = drift_check(change())
    assert check({"PE1": DIFF, "CE1": ""}) == {}
    assert check({"PE1": DIFF.replace("\n", "   \n"), "CE1": ""}) == {}  # trailing blanks are not a change
    live = DIFF.replace("canary", "changed by hand")
    found = check({"PE1": live, "CE1": "Building configuration\n+ sysname X\n"})
    assert set(found) == {"PE1", "CE1"}
    assert "drifted since approval: this router would now change differently" in found["PE1"]
    assert "-+  description canary | ++  description changed by hand" in found["PE1"]
    assert "would now change (" in found["CE1"] and "++ sysname X" in found["CE1"]
    assert check({"PE1": DIFF, "CE1": "", "PE9": ""})["PE9"].startswith("not in the approved change")


def test_a_malformed_file_names_the_file_and_field(tmp_path: Path):
    path = tmp_path / "change.yaml"
    data = change().model_dump(mode="json")
    data["window"]["start"] = "2026-03-01T22:00:00"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ChangeFileError, match=r"change.yaml: window.start: Input should have timezone info"):
        model.load(path)
    path.write_text("- not a mapping\n")
    with pytest.raises(ChangeFileError, match="a change file is a mapping"):
        model.load(path)
