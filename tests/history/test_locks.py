"""Per-router locks (schema v2): all-or-nothing take, release by ref, holders, and stale locks —
expired, or held by a process that is gone (a real process killed with SIGKILL)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from vrpbook.history import HistoryDB, HistoryLocked, RouterLocked, RouterLocks
from vrpbook.history.locks import process_start
from vrpbook.history.schema import LATEST, MIGRATIONS

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def locks(tmp_path):
    with HistoryDB(tmp_path / "history.db") as db:
        yield RouterLocks(db)


def test_take_is_all_or_nothing_and_names_every_live_holder(locks):
    took = locks.take(["PE1", "PE2"], holder="run bfd-static-vpn", ref="run-1", ttl=600, now=T0)
    assert [lk.router for lk in took.locks] == ["PE1", "PE2"] and took.broken == []
    mine = took.locks[0]
    assert (mine.pid, mine.hostname, mine.ref) == (os.getpid(), os.uname().nodename, "run-1")
    assert mine.expires_at == T0 + timedelta(seconds=600)
    with pytest.raises(RouterLocked) as err:
        locks.take(["PE2", "PE3"], holder="window CHG-7", ref="chg-7", ttl=600, now=T0 + timedelta(seconds=1))
    assert set(err.value.held) == {"PE2"}
    assert "PE2 held by run bfd-static-vpn (ref run-1)" in str(err.value) and "\n" not in str(err.value)
    assert "PE3" not in locks.holders()  # nothing taken: PE3 stays free
    # the same ref takes again: a renewal that keeps its start
    again = locks.take(["PE1"], holder="run bfd-static-vpn", ref="run-1", ttl=900, now=T0 + timedelta(seconds=5))
    assert again.locks[0].since == T0 and again.locks[0].expires_at == T0 + timedelta(seconds=905)


def test_release_touches_only_its_own_ref_and_renew_extends(locks):
    locks.take(["PE1", "PE2"], holder="run", ref="run-1", ttl=60, now=T0)
    locks.take(["PE3"], holder="window", ref="chg-7", ttl=60, now=T0)
    assert locks.release("chg-7", ["PE1"]) == []  # not chg-7's
    assert locks.renew("run-1", ttl=3600, now=T0 + timedelta(seconds=30)) == 2
    assert locks.holders()["PE1"].expires_at == T0 + timedelta(seconds=3630)
    assert locks.release("run-1", ["PE1"]) == ["PE1"]
    assert sorted(locks.holders()) == ["PE2", "PE3"]
    assert locks.release("run-1") == ["PE2"]
    assert sorted(locks.holders(["PE1", "PE2", "PE3"])) == ["PE3"]


def test_an_expired_lock_is_stale_and_is_taken_over(locks):
    locks.take(["PE1"], holder="window CHG-1", ref="chg-1", ttl=60, now=T0)
    later = T0 + timedelta(seconds=61)
    assert locks.holders()["PE1"].stale(later).startswith("expired at 2026-03-01T09:01:00")
    assert locks.live_holders(now=later) == {}
    took = locks.take(["PE1"], holder="run", ref="run-2", ttl=60, now=later)
    assert [b.ref for b in took.broken] == ["chg-1"]
    assert locks.holders()["PE1"].ref == "run-2"


def test_a_killed_holder_leaves_a_lock_detectably_stale(tmp_path):
    db_path = tmp_path / "history.db"
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from vrpbook.history import HistoryDB, RouterLocks\n"
         "with HistoryDB(sys.argv[1]) as db:\n"
         "    RouterLocks(db).take(['PE1', 'PE2'], holder='run x', ref='run-x', ttl=3600)\n"
         "print('held', flush=True)\n"
         "time.sleep(60)\n", str(db_path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with HistoryDB(db_path) as db:
            locks = RouterLocks(db)
            assert set(locks.live_holders()) == {"PE1", "PE2"}  # alive: live, not stale
            with pytest.raises(RouterLocked):
                locks.take(["PE1"], holder="run y", ref="run-y", ttl=60)
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            held = locks.holders()
            assert held["PE1"].stale() == f"process {child.pid} on {os.uname().nodename} is gone"
            assert locks.live_holders() == {}
            gone = locks.break_stale(["PE1"])
            assert [lk.router for lk in gone] == ["PE1"] and sorted(locks.holders()) == ["PE2"]
            took = locks.take(["PE2"], holder="run y", ref="run-y", ttl=60)
            assert [b.ref for b in took.broken] == ["run-x"]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_reused_pid_does_not_keep_a_lock_alive(locks):
    locks.take(["PE1"], holder="run", ref="run-1", ttl=600)
    lock = locks.holders()["PE1"]
    assert lock.pid_start == process_start(os.getpid()) and lock.stale() is None
    with locks.db.transaction() as conn:  # the same pid, started at another time: another process
        conn.execute("UPDATE router_locks SET pid_start = 'other-boot:1' WHERE router = 'PE1'")
    assert locks.holders()["PE1"].stale() == f"process {os.getpid()} on {os.uname().nodename} is gone (pid reused)"


def test_a_lock_from_another_machine_goes_stale_only_by_expiring(locks):
    locks.take(["PE1"], holder="run", ref="run-1", ttl=600, now=T0)
    with locks.db.transaction() as conn:
        conn.execute("UPDATE router_locks SET hostname = 'controller-2', pid = 999999999")
    lock = locks.holders()["PE1"]
    assert lock.stale(T0 + timedelta(seconds=599)) is None
    assert lock.stale(T0 + timedelta(seconds=600)) is not None


def test_a_version_1_database_migrates_and_keeps_its_history(tmp_path):
    path = tmp_path / "history.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO runs (run_id, kind, started_at) VALUES ('r1', 'check', '2026-03-01T09:00:00.000000+00:00')")
    conn.execute("PRAGMA application_id = 1987211362")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with HistoryDB(path, readonly=True) as db:  # a reader never migrates: no lock table, so no locks
        assert db.schema_version == 1 and RouterLocks(db).holders() == {}
    with HistoryDB(path) as db:
        assert db.schema_version == LATEST
        assert [r.run_id for r in db.runs()] == ["r1"]
        RouterLocks(db).take(["PE1"], holder="run", ref="run-1", ttl=60)
        assert list(RouterLocks(db).holders()) == ["PE1"]


def test_a_second_writer_waits_then_gets_a_clear_error(tmp_path):
    path = tmp_path / "history.db"
    with HistoryDB(path, timeout=0.2) as db:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            with pytest.raises(HistoryLocked) as err:
                RouterLocks(db).take(["PE1"], holder="run", ref="r", ttl=60)
            assert time.monotonic() - started >= 0.15
            assert "locked by another writer" in str(err.value)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert RouterLocks(db).take(["PE1"], holder="run", ref="r", ttl=60).locks  # free again: it works
