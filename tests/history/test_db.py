"""The history database on a real SQLite file: state changes, not snapshots; the queries."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from vrpbook.history import HistoryDB
from vrpbook.history.schema import APPLICATION_ID, LATEST
from vrpbook.reporters.header import RunHeader
from vrpbook_tests_results import T0, NetworkResults, reference_intents  # type: ignore[import-not-found]

from vrpbook.results import Status

LINK = ("CE1", "GigabitEthernet0/1/0")


def _header(results, at, kind="check"):
    return RunHeader.describe(results, what="default catalog", inventory="inventory/lab", started_at=at,
                              finished_at=at + timedelta(seconds=4), kind=kind)


def _record(db, at, **faults):
    results = NetworkResults(reference_intents()).judge(at=at, **faults)
    return db.record(_header(results, at), results), results


@pytest.fixture
def three_runs(tmp_path):
    """09:00 converged, 09:15 link down, 09:30 link down still (nothing new)."""
    path = tmp_path / "history.db"
    with HistoryDB(path) as db:
        s1, r1 = _record(db, T0)
        s2, _ = _record(db, T0 + timedelta(minutes=15), link_down=LINK)
        s3, _ = _record(db, T0 + timedelta(minutes=30), link_down=LINK)
    return path, (s1, s2, s3), r1


def test_only_changes_are_stored(three_runs):
    path, (s1, s2, s3), first = three_runs
    assert (s1.judged, s1.changed, s1.new) == (len(first), len(first), len(first))
    assert (s2.changed, s2.new) == (3, 0)  # two BFD sessions and one withdrawn route
    assert s3.changed == 0
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM transitions").fetchone()[0] == len(first) + 3
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 3
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_timeline_of_one_check_on_one_router(three_runs):
    path, _, _ = three_runs
    with HistoryDB(path, readonly=True) as db:
        rows = db.timeline(router="PE1", check="bfd-sessions-up")
    assert [(r.status, r.previous_status) for r in rows] == [(Status.PASS, None), (Status.FAIL, Status.PASS)]
    went_down = rows[1]
    assert went_down.observed == {"pe1_to_ce1": "Down"} and went_down.previous_observed == {"pe1_to_ce1": "Up"}
    assert T0 + timedelta(minutes=15) <= went_down.at < T0 + timedelta(minutes=16)
    assert T0 <= went_down.previous_seen_at < T0 + timedelta(minutes=1)  # last seen Up in the 09:00 run
    assert went_down.at.utcoffset() == timedelta(0)


def test_timeline_of_a_router_and_changes_between_two_times(three_runs):
    path, _, _ = three_runs
    with HistoryDB(path, readonly=True) as db:
        pe1 = db.timeline(router="PE1")
        window = db.timeline(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=40))
        before = db.timeline(until=T0 + timedelta(minutes=10))
    assert {r.check for r in pe1} >= {"bfd-sessions-up", "vpn-static-routes"}
    assert sorted((r.router, r.check) for r in window) == [
        ("CE1", "bfd-sessions-up"), ("PE1", "bfd-sessions-up"), ("PE1", "vpn-static-routes"),
    ]
    assert all(r.previous_status is Status.PASS for r in window)  # the previous state reaches back
    assert all(r.status is Status.PASS for r in before)


def test_state_at_a_time(three_runs):
    path, _, first = three_runs
    with HistoryDB(path, readonly=True) as db:
        early = db.state_at(T0 + timedelta(minutes=5))
        late = db.state_at(T0 + timedelta(minutes=20), router="PE1", check="bfd-sessions-up")
        before_anything = db.state_at(T0 - timedelta(days=1))
    assert len(early) == len(first) and all(s.status is Status.PASS for s in early)
    pe1 = next(s for s in early if s.router == "PE1" and s.check == "bfd-sessions-up")
    assert pe1.observed == {"pe1_to_ce1": "Up"}
    assert [(s.status, s.observed) for s in late] == [(Status.FAIL, {"pe1_to_ce1": "Down"})]
    assert late[0].last_seen_at >= T0 + timedelta(minutes=30)  # still judged by the last run
    assert before_anything == []


def test_observed_change_with_same_status_is_a_change(tmp_path):
    with HistoryDB(tmp_path / "h.db") as db:
        _record(db, T0, stray_lines={"PE1": ["vpn-target 999:1 both"]})
        s, _ = _record(db, T0 + timedelta(minutes=5), stray_lines={"PE1": ["vpn-target 998:1 both"]})
        rows = db.timeline(router="PE1", check="config-section")
    assert s.changed == 1
    assert [r.status for r in rows] == [Status.FAIL, Status.FAIL]
    assert rows[1].params == {"section": "ip vpn-instance VPNA"}


def test_runs_are_recorded_with_counts_and_kinds(tmp_path):
    with HistoryDB(tmp_path / "h.db") as db:
        results = NetworkResults(reference_intents()).judge(at=T0, link_down=LINK)
        running = _header(results, T0, kind="drill")
        db.begin_run(running)
        assert db.runs()[0].finished_at is None and db.runs()[0].verdict is None
        db.record(running, results)
        _record(db, T0 + timedelta(hours=1))
        runs = db.runs()
        later = db.runs(since=T0 + timedelta(minutes=30))
    assert [(r.kind, r.verdict, r.failed, r.errors) for r in runs] == [("drill", "fail", 3, 0), ("check", "pass", 0, 0)]
    assert [r.run_id for r in later] == [runs[1].run_id]
    assert runs[0].started_at == T0 and runs[0].finished_at == T0 + timedelta(seconds=4)


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    import vrpbook.history.db as dbmod

    path = tmp_path / "h.db"
    with HistoryDB(path) as db:
        _record(db, T0)
        calls = {"n": 0}
        real = dbmod._canon

        def flaky(value):
            calls["n"] += 1
            if calls["n"] > 5:
                raise RuntimeError("disk pulled")
            return real(value)

        monkeypatch.setattr(dbmod, "_canon", flaky)
        with pytest.raises(RuntimeError):
            _record(db, T0 + timedelta(minutes=5), link_down=LINK)
        monkeypatch.setattr(dbmod, "_canon", real)
        assert len(db.runs()) == 1
        assert all(r.status is Status.PASS for r in db.state_at(T0 + timedelta(hours=1)))
