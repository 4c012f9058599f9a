"""The history lock table as every entry point takes it (runbooks/locking.py), and `vrpbook lock`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vrpbook.cli import app
from vrpbook.errors import RouterBusy
from vrpbook.history import HistoryDB, RouterLocks
from vrpbook.runbooks.locking import LockTableError, RouterHold, router_locks


def test_a_second_taker_is_refused_naming_the_holder_and_since(private_history: Path):
    with router_locks(["PE1", "CE1"], "alice: change CHG-1 (bfd-static-vpn)", "run-1") as held:
        since = held.locks[0].since.isoformat(timespec="microseconds")
        with pytest.raises(RouterBusy) as err:
            with router_locks(["CE1", "PE2"], "bob: run bfd-static-vpn", "run-2"):
                pass
        assert err.value.exit_code == 3
        assert err.value.lines() == [f"CE1: held by alice: change CHG-1 (bfd-static-vpn) since {since} (ref run-1, pid "
                                     f"{os.getpid()} on {os.uname().nodename}, until {held.locks[0].expires_at.isoformat(timespec='microseconds')})"]
        with HistoryDB(private_history) as db:  # all or nothing: PE2 was not taken either
            assert sorted(RouterLocks(db).holders()) == ["CE1", "PE1"]
    with HistoryDB(private_history) as db:
        assert RouterLocks(db).holders() == {}


def test_a_waiter_gets_the_routers_once_the_holder_releases(private_history: Path):
    first = RouterHold(private_history, ["PE1"], holder="alice: run", ref="run-1").take()
    waiting = threading.Event()
    got: list[str] = []

    def second() -> None:
        with router_locks(["PE1"], "bob: run", "run-2", wait=30, on_wait=lambda held: waiting.set()) as hold:
            got.extend(lk.holder for lk in hold.locks)

    t = threading.Thread(target=second)
    t.start()
    assert waiting.wait(10), "the second taker never started waiting"
    assert not got  # still waiting: the routers are alice's
    first.release()
    t.join(10)
    assert got == ["bob: run"]


def test_a_wait_that_runs_out_names_the_holder_and_the_wait(private_history: Path):
    with router_locks(["PE1"], "alice: run", "run-1"):
        with pytest.raises(RouterBusy, match=r"PE1: held by alice: run since .* \(waited 0\.\d s\)"):
            RouterHold(private_history, ["PE1"], holder="bob", ref="run-2").take(wait=0.3)


def test_a_dead_holder_frees_its_routers_for_the_next_taker(private_history: Path):
    code = ("import sys, time; from pathlib import Path; from vrpbook.runbooks.locking import RouterHold;"
            f"RouterHold(Path({str(private_history)!r}), ['PE1'], holder='carol: run', ref='run-dead').take();"
            "print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(RouterBusy, match="carol: run"):
            RouterHold(private_history, ["PE1"], holder="bob", ref="run-2").take()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with router_locks(["PE1"], "bob: run", "run-2") as hold:
        assert [lk.holder for lk in hold.broken] == ["carol: run"]


def test_the_holder_renews_its_locks_while_it_works(private_history: Path):
    with router_locks(["PE1"], "alice: run", "run-1", ttl=0.6) as hold:
        first = hold.locks[0].expires_at
        deadline = time.monotonic() + 10
        while True:  # poll until the renewer has pushed the expiry (every ttl/3)
            with HistoryDB(private_history) as db:
                now = RouterLocks(db).holders()["PE1"]
            if now.expires_at > first:
                break
            assert time.monotonic() < deadline, "the lock was never renewed"
            time.sleep(0.05)
        assert now.stale() is None and now.since == hold.locks[0].since


def test_a_lock_table_that_cannot_be_written_stops_the_taker(tmp_path: Path):
    with pytest.raises(LockTableError, match="router locks not taken: history database .* is a directory") as err:
        RouterHold(tmp_path, ["PE1"], holder="alice", ref="r").take()
    assert err.value.exit_code == 2


def test_lock_list_and_break(private_history: Path):
    runner = CliRunner()
    assert "no router is locked" in runner.invoke(app, ["lock", "list"]).output
    hold = RouterHold(private_history, ["PE1"], holder="alice: change CHG-7 (x)", ref="run-7").take()
    try:
        listed = runner.invoke(app, ["lock", "list"], terminal_width=200)
        assert listed.exit_code == 0 and "PE1" in listed.output and "alice: change CHG-7" in listed.output and "live" in listed.output
        refused = runner.invoke(app, ["lock", "break", "PE1"])
        assert refused.exit_code == 3 and "live lock not broken" in refused.output
        with HistoryDB(private_history) as db:  # the holder "dies": a pid that does not exist
            with db.transaction() as conn:
                conn.execute("UPDATE router_locks SET pid = 999999999")
        stale = runner.invoke(app, ["lock", "list", "--json"])
        assert '"stale": "process 999999999' in stale.output
        broke = runner.invoke(app, ["lock", "break", "PE1", "CE9"])
        assert broke.exit_code == 0 and "PE1: broke the lock of alice: change CHG-7 (x)" in broke.output
        assert "CE9: not locked" in broke.output
        assert "no router is locked" in runner.invoke(app, ["lock", "list"]).output
    finally:
        hold.release()
