"""``vrpbook history`` through typer's CliRunner and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner
from vrpbook.history import HistoryDB
from vrpbook.history.command import standalone_app
from vrpbook.reporters.header import RunHeader
from vrpbook_tests_results import T0, NetworkResults, reference_intents  # type: ignore[import-not-found]

LINK = ("CE1", "GigabitEthernet0/1/0")
DOWN_AT = T0 + timedelta(minutes=15)


@pytest.fixture
def db_path(tmp_path):
    """Two checks around a link shut: 09:00 all Up, 09:15 pe1_to_ce1 Down."""
    path = tmp_path / "history.db"
    nr = NetworkResults(reference_intents())
    with HistoryDB(path) as db:
        for at, faults in ((T0, {}), (DOWN_AT, {"link_down": LINK})):
            results = nr.judge(at=at, **faults)
            db.record(RunHeader.describe(results, what="default catalog", inventory="inventory/lab",
                                         started_at=at, finished_at=at + timedelta(seconds=3)), results)
    return path


def invoke(*args):
    result = CliRunner(env={"COLUMNS": "220"}).invoke(standalone_app(), ["history", *args], catch_exceptions=False)
    return result


def test_timeline_shows_when_the_session_went_down(db_path):
    r = invoke("--db", str(db_path), "--check", "bfd-sessions-up", "--host", "PE1")
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())
    assert "pe1_to_ce1: Up → Down" in out and "pass → fail" in out
    assert "2026-03-01T09:15:00Z" in out and "2026-03-01T09:00:00Z" in out  # when, and last seen Up


def test_state_at_an_earlier_time_is_up(db_path):
    r = invoke("--db", str(db_path), "--check", "bfd-sessions-up", "--host", "PE1", "--at", "2026-03-01T10:10:00+01:00",
               "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [(x["status"], x["observed"]) for x in rows] == [("pass", {"pe1_to_ce1": "Up"})]
    later = json.loads(invoke("--db", str(db_path), "--host", "PE1", "--check", "bfd-sessions-up",
                              "--at", "2026-03-01T09:20Z", "--json").stdout)
    assert later[0]["status"] == "fail" and later[0]["since"].startswith("2026-03-01T09:15:00")


def test_changes_between_two_times_and_json_times_have_a_zone(db_path):
    r = invoke("--db", str(db_path), "--since", "2026-03-01T09:10:00Z", "--until", "2026-03-01T09:30:00Z", "--json")
    rows = json.loads(r.stdout)
    assert sorted((x["router"], x["check"]) for x in rows) == [
        ("CE1", "bfd-sessions-up"), ("PE1", "bfd-sessions-up"), ("PE1", "vpn-static-routes")]
    assert all(datetime.fromisoformat(x["at"]).utcoffset() == timedelta(0) for x in rows)
    assert all(x["previous_status"] == "pass" for x in rows)
    empty = invoke("--db", str(db_path), "--since", "2026-03-02T00:00:00Z")
    assert empty.exit_code == 0 and "nothing recorded for that filter" in empty.stdout


def test_runs(db_path):
    rows = json.loads(invoke("--db", str(db_path), "--runs", "--json").stdout)
    assert [(x["verdict"], x["failed"], x["errors"]) for x in rows] == [("pass", 0, 0), ("fail", 3, 0)]


@pytest.mark.parametrize(("args", "message"), [
    (["--at", "2026-03-01T09:00:00"], "time needs a time zone"),
    (["--since", "yesterday"], "not an ISO 8601 time"),
    (["--since", "2026-03-01T10:00Z", "--until", "2026-03-01T09:00Z"], "is before --since"),
    (["--at", "now", "--since", "2026-03-01T09:00Z"], "does not combine"),
])
def test_usage_errors_are_one_line_exit_2(db_path, args, message):
    r = invoke("--db", str(db_path), *args)
    assert r.exit_code == 2 and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_database_errors_are_one_line_exit_3(tmp_path):
    missing = invoke("--db", str(tmp_path / "none.db"))
    assert missing.exit_code == 3 and "no such file" in missing.stderr
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite" * 500)
    r = invoke("--db", str(bad))
    assert r.exit_code == 3 and r.stderr.strip() == f"vrpbook history: history database {bad}: corrupt or not a database (file is not a database)"


def test_default_path_from_the_environment(db_path, monkeypatch):
    monkeypatch.setenv("VRPBOOK_HISTORY", str(db_path))
    assert json.loads(invoke("--runs", "--json").stdout)[0]["kind"] == "check"


def test_as_a_real_process(db_path):
    proc = subprocess.run(
        [sys.executable, "-m", "vrpbook.history.command", "history", "--db", str(db_path), "--check",
         "bfd-sessions-up", "--host", "PE1"],
        check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, env={"COLUMNS": "200", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "pe1_to_ce1: Up → Down" in " ".join(proc.stdout.split())
    bad = subprocess.run(
        [sys.executable, "-m", "vrpbook.history.command", "history", "--db", str(db_path), "--at", "noon"],
        check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(bad.stderr.splitlines()) == 1
