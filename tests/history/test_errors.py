"""A locked, corrupt, foreign or newer database is one typed line; reports do not depend on it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from vrpbook.history import (
    HistoryCorrupt,
    HistoryDB,
    HistoryError,
    HistoryLocked,
    HistorySchemaTooNew,
    HistoryUnavailable,
)
from vrpbook.reporters import ReportTargets, write_reports
from vrpbook.reporters.header import RunHeader
from vrpbook_tests_results import T0, NetworkResults, reference_intents  # type: ignore[import-not-found]

HOLD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO runs (run_id, kind, started_at) VALUES ('held', 'check', '2026-03-01T00:00:00.000000+00:00')")
print("held", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def _run():
    results = NetworkResults(reference_intents()).judge()
    return RunHeader.describe(results, what="w", inventory="inventory/lab", started_at=T0,
                              finished_at=T0 + timedelta(seconds=1)), results


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_another_writer_holding_the_lock(tmp_path):
    path = tmp_path / "history.db"
    header, results = _run()
    with HistoryDB(path) as db:
        db.record(header, results)
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            db.timeout = 0.3
            db._conn.execute("PRAGMA busy_timeout = 300")
            started = time.monotonic()
            with pytest.raises(HistoryLocked) as info:
                db.record(*_run())
            assert 0.25 <= time.monotonic() - started < 5
            assert _one_line(info.value) == f"history database {path}: locked by another writer (waited 0.3 s)"
            with pytest.raises(HistoryLocked):  # opening for writing needs the lock too
                HistoryDB(path, timeout=0.2)
            with HistoryDB(path, readonly=True) as reader:  # WAL: readers are never blocked
                assert len(reader.runs()) == 1
        finally:
            holder.communicate("\n", timeout=10)
        assert holder.returncode == 0
        db.timeout = 5
        db._conn.execute("PRAGMA busy_timeout = 5000")
        db.record(*_run())  # once released, writing works again
        assert len(db.runs()) == 3


def test_corrupt_file(tmp_path):
    path = tmp_path / "history.db"
    path.write_bytes(b"this is not a database at all, it is a text file\n" * 200)
    for readonly in (False, True):
        with pytest.raises(HistoryCorrupt) as info:
            HistoryDB(path, readonly=readonly)
        assert _one_line(info.value).startswith(f"history database {path}: corrupt or not a database")


def test_damaged_database(tmp_path):
    path = tmp_path / "history.db"
    header, results = _run()
    with HistoryDB(path) as db:
        db.record(header, results)
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * 4096
    data[4096:] = b"\xff" * (len(data) - 4096)  # keep the header page, destroy every table page
    path.write_bytes(bytes(data))
    with pytest.raises(HistoryCorrupt) as info, HistoryDB(path, readonly=True) as db:
        db.timeline()
    _one_line(info.value)


def test_a_foreign_sqlite_file_is_not_written_into(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryCorrupt, match="not a vrpbook history database"):
        HistoryDB(path)
    assert sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall() == [("customers",)]


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "history.db"
    HistoryDB(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    for readonly in (False, True):
        with pytest.raises(HistorySchemaTooNew, match="schema version 99 is newer"):
            HistoryDB(path, readonly=readonly)


def test_missing_and_unopenable(tmp_path):
    with pytest.raises(HistoryUnavailable, match="no such file"):
        HistoryDB(tmp_path / "nothing.db", readonly=True)
    with pytest.raises(HistoryUnavailable, match="is a directory"):
        HistoryDB(tmp_path)
    assert not (tmp_path / "nothing.db").exists()  # reading never creates the file
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryUnavailable, match="cannot create its directory"):
        HistoryDB(blocker / "sub" / "history.db")


def test_reports_are_written_before_and_whatever_the_history(tmp_path):
    """The order the check command follows: reports first, then history; a history error
    costs nothing already written."""
    header, results = _run()
    bad = tmp_path / "history.db"
    bad.write_bytes(b"garbage" * 1000)
    written, errors = write_reports(header, results, ReportTargets(json=tmp_path / "r.json", junit=tmp_path / "j.xml"))
    with pytest.raises(HistoryError), HistoryDB(bad) as db:
        db.record(header, results)
    assert not errors and all(p.stat().st_size > 0 for p in written)
