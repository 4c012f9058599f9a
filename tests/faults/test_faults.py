"""Fault injection over SSH: a real ``vrpbook run`` process against a ``vrpbook lab up`` process.

Each scenario stops the controller at a named fault point (it freezes itself
there: no sleeps-and-hope), injects the fault, lets everything settle, and
then reads every router's running AND saved configuration: each must equal,
line by line, its pre-run or its post-run configuration, and the record
(``report.json``, the journal after ``vrpbook recover``) must say which. Each
scenario adds its row to the measurements the README table is made from.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from ..by_path import load


def _harness() -> Any:
    # loaded by conftest.py first; by path otherwise
    return load("vrpbook_tests_faults_harness", Path(__file__).with_name("harness.py"))


H = _harness()

pytestmark = pytest.mark.lab

ALL_PRE = {h: "pre-run" for h in H.HOSTS}
ALL_POST = {h: "post-run" for h in H.HOSTS}


def _row(measurements: Any, fault: str, point: str, exit_code: int | None, states: dict[str, str], settle: float, by: str) -> None:
    kinds = sorted(set(states.values()))
    end = f"{kinds[0]} (all {len(states)})" if len(kinds) == 1 else ", ".join(f"{h}={s}" for h, s in states.items())
    measurements.add(fault=fault, point=point, exit_code=exit_code, end_state=end, settle_s=round(settle, 1), settled_by=by)


def _recorded(report: dict[str, Any]) -> dict[str, str]:
    return dict(report["end_state"])


def _killed_then_recovered(bench: Any, measurements: Any, point: str, *, runbook: Any = None, fault: str = "SIGKILL") -> None:
    """SIGKILL at *point*; `run` then refuses naming the dead run; `recover` puts everything back."""
    c = bench.controller(f"kill-{point.replace(':', '-')}", point=point, **({"runbook": runbook} if runbook else {}))
    assert c.reached() == point
    c.signal(signal.SIGKILL)
    assert c.wait() == -signal.SIGKILL
    run_id = c.run_id()
    journal = bench.journal / f"{run_id}.jsonl"
    changed = any(json.loads(ln)["type"] == "trial" for ln in journal.read_text().splitlines())
    if changed:
        # The next run on these routers finds the unfinished run and names it.
        rerun = H.vrpbook("run", str(bench.runbook), "--inventory", str(bench.inventory), "--yes",
                          "--artifacts", str(bench.tmp / "rerun"), journal=bench.journal)
        assert rerun.returncode == 3, rerun.stdout + rerun.stderr
        refusals = [ln for ln in rerun.stdout.splitlines() if ln.startswith("failed (stage preflight)") and f"vrpbook recover {run_id}" in ln]
        assert len(refusals) == len(H.HOSTS), rerun.stdout  # one line per router, naming the run
    t = time.monotonic()
    rec = H.vrpbook("recover", run_id, journal=bench.journal)
    settle = time.monotonic() - t
    assert rec.returncode == 0, rec.stdout + rec.stderr
    states = bench.states()
    assert states == ALL_PRE, states
    report = c.report()
    assert report["status"] == "recovered" and _recorded(report) == states, report.get("recovery")
    assert report["recovery"]["end_state"] == states
    last = json.loads(journal.read_text().splitlines()[-1])
    assert last["type"] == "end" and last["end_state"] == states
    # Recovered: the routers are free again for the next run.
    assert H.vrpbook("recover", journal=bench.journal).stdout.strip() == "no run needs recovery"
    _row(measurements, fault, point, -signal.SIGKILL, states, settle, "vrpbook recover")


# --- the controller dies: SIGKILL, then `vrpbook recover` ------------------------------------


@pytest.mark.parametrize("point", ["preflight", "stage:2:push", "stage:2:gates", "stage:2:confirmed", "save"])
def test_sigkill_then_recover(bench, measurements, point):
    _killed_then_recovered(bench, measurements, point)


def test_sigkill_during_rollback_then_recover(bench, measurements):
    """A run whose step-8 commit the router refuses rolls back; the controller dies mid-rollback."""
    rejected = H.fault_runbook(bench.tmp, swap_last_two=True)
    _killed_then_recovered(bench, measurements, "rollback", runbook=rejected)


# --- signals: the run undoes itself ---------------------------------------------------------------


@pytest.mark.parametrize(("sig", "point", "code"), [
    (signal.SIGINT, "stage:2:gates", 130),   # Ctrl+C during stage 2 (the Done-when)
    (signal.SIGTERM, "stage:5:gates", 143),
    (signal.SIGHUP, "stage:7:gates", 129),
])
def test_signal_undoes_the_run(bench, measurements, sig, point, code):
    c = bench.controller(f"sig-{sig.name}", point=point)
    assert c.reached() == point
    t = time.monotonic()
    c.signal(sig)
    c.resume()
    assert c.wait() == code, c.output()
    settle = time.monotonic() - t
    states = bench.states()
    assert states == ALL_PRE, states
    report = c.report()
    assert report["status"] == "interrupted" and report["exit_code"] == code
    assert _recorded(report) == states
    stderr = c.err.read_text()
    assert all(f"{h}: pre-run" in stderr for h in H.HOSTS) and "Traceback" not in stderr, stderr
    _row(measurements, sig.name, point, code, states, settle, "controller exit")


def test_second_sigint_stops_waiting_and_names_what_is_left(bench, measurements):
    """Ctrl+C, then Ctrl+C again while the run is rolling back: it stops waiting at once, says
    which routers are not back, and `recover` finishes the job."""
    c = bench.controller("sigint-twice", point="stage:2:gates,rollback")
    assert c.reached() == "stage:2:gates"
    c.signal(signal.SIGINT)
    c.resume()
    assert c.reached(2) == "rollback"  # undoing: a first router rolled back, not yet verified
    t = time.monotonic()
    c.signal(signal.SIGINT)
    c.resume()
    assert c.wait() == 130, c.output()
    stderr = c.err.read_text()
    assert "interrupted twice: stopped waiting" in stderr and "vrpbook recover" in stderr, stderr
    report = c.report()
    assert report["status"] == "interrupted" and "unknown" in report["end_state"].values()
    rec = H.vrpbook("recover", c.run_id(), journal=bench.journal)
    assert rec.returncode == 0, rec.stdout + rec.stderr
    settle = time.monotonic() - t
    states = bench.states()
    assert states == ALL_PRE, states
    assert _recorded(c.report()) == states
    _row(measurements, "SIGINT, then SIGINT again", "rollback", 130, states, settle, "controller exit + vrpbook recover")


# --- time, the lab, the sessions, the routers -------------------------------------------------------


def test_paused_controller_never_confirms_a_reverted_trial(bench, measurements):
    """SIGSTOP past the trial time (VM pause, laptop sleep): the router reverts the trial by itself;
    on resume the run refuses to confirm (the trial is no longer pending), rolls back, exits non-zero."""
    c = bench.controller("paused", point="stage:9:confirm")
    assert c.reached() == "stage:9:confirm"
    H.wait_for(lambda: not H.trial_active(bench.inventory, "PE1"), "PE1 to revert the unconfirmed trial", every=0.2)
    t = time.monotonic()
    c.resume()
    code = c.wait()
    settle = time.monotonic() - t
    assert code == 3, c.output()
    report = c.report()
    assert report["failure"]["kind"] == "confirm" and "no longer pending" in report["failure"]["message"]
    states = bench.states()
    assert states == ALL_PRE, states
    assert report["status"] == "rolled-back" and _recorded(report) == states
    _row(measurements, "controller paused (SIGSTOP) past the trial, resumed", "stage:9:confirm", code, states, settle, "controller exit")


def test_lab_killed_mid_stage_and_restarted(bench, measurements):
    c = bench.controller("lab-killed", point="stage:3:gates")
    assert c.reached() == "stage:3:gates"
    bench.lab.kill()
    bench.lab.start()  # from its state dir: the saved configuration (here: none, factory)
    t = time.monotonic()
    c.resume()
    code = c.wait()
    settle = time.monotonic() - t
    assert code == 3, c.output()
    states = bench.states()
    assert states == ALL_PRE, states
    report = c.report()
    assert report["status"] == "rolled-back" and _recorded(report) == states
    assert "Traceback" not in c.err.read_text()
    _row(measurements, "lab SIGKILLed, restarted from its state dir", "stage:3:gates", code, states, settle, "controller exit")


def _since_marker(c: Any) -> float:
    """Seconds from the fault point's marker (written as the fault happened) to now."""
    return time.time() - c.marker.stat().st_mtime


def test_one_session_dropped_mid_stage(bench, measurements):
    c = bench.controller("dropped", point="stage:4:gates", action="drop:PE1")
    code = c.wait()
    settle = _since_marker(c)
    assert code == 3, c.output()
    report = c.report()
    assert report["failure"]["kind"] == "confirm" and report["failure"]["host"] == "PE1"
    assert "session" in report["failure"]["message"]
    states = bench.states()
    assert states == ALL_PRE, states
    assert report["status"] == "rolled-back" and _recorded(report) == states
    transcript = (next(c.artifacts.iterdir()) / "hosts" / "PE1" / "transcript.txt").read_text()
    assert "--- session lost; new session #2 ---" in transcript
    assert "Traceback" not in c.output()  # one line per router on the console; tracebacks only in run.log
    _row(measurements, "PE1's session dropped", "stage:4:gates", code, states, settle, "controller exit")


def test_commit_rejected(bench, measurements):
    rejected = H.fault_runbook(bench.tmp, swap_last_two=True)
    c = bench.controller("rejected", runbook=rejected, point="stage:8:push", action="mark")
    code = c.wait()
    settle = _since_marker(c)  # from the refused stage's push
    assert code == 3, c.output()
    report = c.report()
    assert report["failure"]["kind"] == "commit" and "does not exist" in report["failure"]["message"]
    states = bench.states()
    assert states == ALL_PRE, states
    assert report["status"] == "rolled-back" and _recorded(report) == states
    _row(measurements, "commit rejected by the router (BFD tracking before its session)", "stage:8:push", code, states, settle,
         "controller exit")


# --- two controllers -----------------------------------------------------------------------------------


def test_two_runs_at_once(bench, measurements):
    """The first run holds stage 1 in trial (stopped there, so the overlap is certain) when the
    second starts: the second refuses at once, naming the first; the first finishes."""
    held = H.fault_runbook(bench.tmp, trial_seconds=600)
    a = bench.controller("first", point="stage:1:gates", runbook=held)
    assert a.reached() == "stage:1:gates"
    t = time.monotonic()
    b = bench.controller("second", runbook=held)
    assert b.wait() == 3, b.output()
    refused = b.report()
    assert refused["failure"]["kind"] == "busy" and refused["stages"] == []
    # refused by the history lock table (taken before the journal), naming the first run's holder and ref
    assert f"(ref {a.run_id()}" in refused["failure"]["message"] and "held by" in refused["failure"]["message"]
    assert set(refused["failure"]["routers"]) == set(H.HOSTS)
    a.resume()
    assert a.wait() == 0, a.output()
    settle = time.monotonic() - t
    states = bench.states()
    assert states == ALL_POST, states
    assert _recorded(a.report()) == states
    _row(measurements, "two runs at once", "stage:1:gates (first)", 0, states, settle, "second refused; first's exit")


def _run_log(c: Any) -> str:
    dirs = [p for p in c.artifacts.iterdir() if p.is_dir()] if c.artifacts.exists() else []
    return (dirs[0] / "run.log").read_text() if dirs and (dirs[0] / "run.log").exists() else ""


def test_second_run_waits_with_wait_lock(bench, measurements):
    held = H.fault_runbook(bench.tmp, trial_seconds=600)
    a = bench.controller("holder", point="stage:2:gates", runbook=held)
    assert a.reached() == "stage:2:gates"
    b = bench.controller("waiter", extra=("--wait-lock", "60"), runbook=held)
    H.wait_for(lambda: f"waiting up to 60 s for run {a.run_id()}" in _run_log(b), "the second run to be waiting")
    t = time.monotonic()
    a.resume()
    assert a.wait() == 0, a.output()
    assert b.wait() == 0, b.output()
    settle = time.monotonic() - t
    waiter = b.report()
    assert sorted(waiter["converged_before"]) == sorted(H.HOSTS)  # it ran after the first, on its result
    states = bench.states()
    assert states == ALL_POST, states
    assert _recorded(waiter) == states
    _row(measurements, "second run with --wait-lock while the first runs", "stage:2:gates (first)", 0, states, settle,
         "both exits")


def test_rerun_during_a_pending_trial(bench, measurements):
    """A controller dies with stage 3 in trial. A re-run on the same machine refuses naming the dead
    run; one from another machine (its own journal) refuses naming router, trial and time left.
    `recover` aborts the dead run's own trial and rolls back."""
    held = H.fault_runbook(bench.tmp, trial_seconds=600)  # the dead run's trial outlives the re-runs
    c = bench.controller("dead", point="stage:3:gates", runbook=held)
    assert c.reached() == "stage:3:gates"
    c.signal(signal.SIGKILL)
    c.wait()
    run_id = c.run_id()
    same = H.vrpbook("run", str(held), "--inventory", str(bench.inventory), "--yes",
                     "--artifacts", str(bench.tmp / "same"), journal=bench.journal)
    assert same.returncode == 3 and f"vrpbook recover {run_id}" in same.stdout, same.stdout
    other = H.vrpbook("run", str(held), "--inventory", str(bench.inventory), "--yes",
                      "--artifacts", str(bench.tmp / "other"), journal=bench.tmp / "other-journal")
    assert other.returncode == 3, other.stdout + other.stderr
    for host in H.HOSTS:
        line = next(ln for ln in other.stdout.splitlines() if f"{host}: a trial commit" in ln)
        assert "trial commit is pending" in line and f"vrpbook-{run_id}-03-vpn-instances" in line, line
        assert "s left before the router reverts it" in line, line
    t = time.monotonic()
    rec = H.vrpbook("recover", run_id, journal=bench.journal)
    settle = time.monotonic() - t
    assert rec.returncode == 0, rec.stdout + rec.stderr
    states = bench.states()
    assert states == ALL_PRE, states
    assert _recorded(c.report()) == states
    _row(measurements, "re-run during a pending trial (controller SIGKILLed)", "stage:3:gates", 3, states, settle,
         "vrpbook recover")


# --- the README table is this suite's own measurement ------------------------------------------------


def test_readme_fault_table_is_what_the_suite_measured(measurements):
    """Runs last (file order): every scenario that ran this session is in the README's table with
    the fault, point, exit code and end state it just produced (the seconds are the figures of the
    run that wrote the table: ``python tests/faults/table.py build/fault-table.json --write README.md``)."""
    table = _table()
    readme = table.readme_rows((H.PROJECT_ROOT / "README.md").read_text())
    assert readme, "README.md has no fault table between the <!-- fault-table --> markers"
    printed = {r[:4] for r in readme}
    for row in measurements.rows:
        assert table.row_cells(row)[:4] in printed, f"not in the README's fault table: {table.row_cells(row)}"
    if len(measurements.rows) == len(readme):  # the whole suite ran: nothing stale in the README either
        assert {table.row_cells(r)[:4] for r in measurements.rows} == printed


def _table() -> Any:
    return load("vrpbook_tests_faults_table", Path(__file__).with_name("table.py"))
