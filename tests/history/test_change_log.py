"""Schema 3: change runs, the change log under a ticket, snapshots; a version-2 file migrates."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vrpbook.history import ChangeLog, HistoryDB, HistoryError
from vrpbook.history.schema import LATEST, MIGRATIONS

T = "2026-03-01T09:00:00.000000+00:00"


def test_a_version_2_database_migrates_with_its_history_and_locks(tmp_path: Path):
    path = tmp_path / "history.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(MIGRATIONS[0] + MIGRATIONS[1])
    conn.execute(f"INSERT INTO runs (run_id, kind, started_at, finished_at, verdict) VALUES ('r1', 'check', '{T}', '{T}', 'pass')")
    conn.execute("INSERT INTO subjects (router, check_name, params_key, params, last_seen_at, last_run_id)"
                 f" VALUES ('PE1', 'bfd-sessions-up', '{{}}', '{{}}', '{T}', 'r1')")
    conn.execute("INSERT INTO transitions (subject_id, at, run_id, status, observed, expected, message)"
                 f" VALUES (1, '{T}', 'r1', 'pass', '{{}}', '{{}}', 'ok')")
    conn.execute("UPDATE subjects SET current_transition_id = 1")
    conn.execute("INSERT INTO router_locks VALUES ('PE1', 'alice', 'ref', ?, ?, 1, NULL, 'h')", (T, T))
    conn.execute("PRAGMA application_id = 1987211362")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    with HistoryDB(path) as db:
        assert db.schema_version == LATEST == 3
        assert [(r.run_id, r.kind, r.verdict, r.ticket) for r in db.runs()] == [("r1", "check", "pass", None)]
        assert [t.message for t in db.timeline()] == ["ok"]  # transitions still join their subjects and runs
        log = ChangeLog(db)
        log.begin_run("c1", ticket="CHG-1", kind="change", what="bfd-static-vpn", inventory="/inv")
        log.finish_run("c1", status="rolled-back", exit_code=6, verdict="fail")
        run = db.runs()[-1]
        assert (run.kind, run.ticket, run.status, run.exit_code, run.verdict) == ("change", "CHG-1", "rolled-back", 6, "fail")
        with db.reading() as c:
            assert c.execute("PRAGMA foreign_key_check").fetchall() == []
            assert c.execute("SELECT router FROM router_locks").fetchall() == [("PE1",)]


def test_the_change_log_and_snapshots(private_history: Path):
    with HistoryDB(private_history) as db:
        log = ChangeLog(db)
        log.note("CHG-1", "planned", message="planned by alice", detail={"routers": ["PE1"]})
        log.begin_run("c1", ticket="CHG-1", kind="change", what="rb", inventory="/inv")
        log.note("CHG-1", "stage", run_id="c1", router="PE1", message="stage 1 ospf: passed")
        log.note("CHG-2", "planned", message="another change")
        log.snapshot("c1", "PE1", "pre", config="sysname PE1\n", state={"bfd sessions": {}}, counters={}, ticket="CHG-1")
        log.snapshot("c1", "PE1", "post", config="sysname PE1\n", state={"bfd sessions": {"peer x": {"state": "Up"}}},
                     counters={}, ticket="CHG-1")
        entries = log.entries("CHG-1")
        assert [(e.kind, e.run_id, e.router) for e in entries] == [("planned", None, None), ("stage", "c1", "PE1")]
        assert entries[0].detail == {"routers": ["PE1"]} and "planned by alice" in entries[0].line()
        snaps = log.snapshots("c1")
        assert [(s.router, s.phase) for s in snaps] == [("PE1", "pre"), ("PE1", "post")]
        assert snaps[1].state["bfd sessions"]["peer x"]["state"] == "Up"
        with pytest.raises(HistoryError, match="FOREIGN KEY"):  # a snapshot belongs to a recorded run
            log.snapshot("no-such-run", "PE1", "pre", config="", state={}, counters={}, at=datetime.now(UTC))
