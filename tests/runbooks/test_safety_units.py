"""Unit tests of the production-safety pieces, without a lab: confirm guard, journal, recovery
records, pruning, the read-back gate, signals and fault points, the new parsers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vrpbook.checks import CHECKS
from vrpbook.checks.polling import ScheduledCheck
from vrpbook.errors import Interrupted, TrialLost
from vrpbook.intent import load_intent
from vrpbook.parsers import ParseError, parse
from vrpbook.paths import PROJECT_ROOT
from vrpbook.runbooks import faults, journal
from vrpbook.runbooks.prune import prune_runs
from vrpbook.runbooks.signals import Interruption
from vrpbook.tasks.channel import END_PATTERN, Reply, VrpChannel
from vrpbook.tasks.collect import Observation
from vrpbook.tasks.confirm import confirm_trial

LAB = PROJECT_ROOT / "inventory" / "lab"


class FakeConn:
    """Plays back VRP8 replies: each write produces the next scripted output."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.written: list[str] = []
        self.pending = ""

    def write_channel(self, data: str) -> None:
        self.written.append(data)
        self.pending += self.replies.pop(0)

    def read_channel(self) -> str:
        assert re.search(END_PATTERN, self.pending), self.pending
        out, self.pending = self.pending, ""
        return out

    def clear_buffer(self) -> None:
        pass


def _chan(replies: list[str]) -> tuple[VrpChannel, FakeConn]:
    conn = FakeConn(replies)
    chan = VrpChannel(conn, "PE1")  # type: ignore[arg-type]
    chan.last = Reply("", "", "<PE1>")
    return chan, conn


def _trial(active: bool, left: int) -> str:
    state = " ACTIVE" if active else "INACTIVE "
    return f"display configuration trial status\r\nTrial status: {state}\r\nTrial time left (sec): {left}\r\n<PE1>"


def _commits(*entries: tuple[str, str, str, str]) -> str:
    body = "".join(
        f"{i}) CommitId: {cid}\r\n        Label: {label}\r\n        User: {user}\r\n        User-Intf: VTY 0\r\n"
        f"        Type: {kind}\r\n        TimeStamp: 2026-11-29 10:00:0{i}\r\n        Description: x\r\n"
        for i, (cid, label, user, kind) in enumerate(entries, 1)
    )
    return f"display configuration commit list verbose\r\n{body}<PE1>"


OURS = ("1000000003", "run-09", "vrpbook", "CLI")
SYSTEM = ("1000000004", "-", "SYSTEM", "ROLLBACK")
CONFIRM = ["system-view\r\nEnter system view, return user view with return command.\r\n[~PE1]", "commit\r\n[~PE1]", "return\r\n<PE1>"]


# --- confirm, never blind -----------------------------------------------------------------


def test_confirm_proves_the_trial_before_and_after():
    chan, conn = _chan([_trial(True, 42), _commits(OURS), *CONFIRM, _trial(False, 0), _commits(OURS)])
    assert confirm_trial(chan, "run-09", margin=10) == "1000000003"
    assert "commit\n" in conn.written


def test_a_trial_the_router_already_reverted_is_never_confirmed():
    chan, conn = _chan([_trial(False, 0), _commits(SYSTEM, OURS)])
    with pytest.raises(TrialLost, match="no longer pending.*SYSTEM.*ROLLBACK.*nothing confirmed"):
        confirm_trial(chan, "run-09")
    assert "commit\n" not in conn.written  # the plain commit that would "confirm nothing" is never sent


def test_a_trial_too_close_to_expiry_is_not_confirmed():
    chan, conn = _chan([_trial(True, 4), _commits(OURS)])
    with pytest.raises(TrialLost, match="only 4 s left .*margin 10 s"):
        confirm_trial(chan, "run-09", margin=10)
    assert "commit\n" not in conn.written


def test_someone_elses_trial_is_not_confirmed():
    chan, _conn = _chan([_trial(True, 50), _commits(("1000000005", "other-run", "admin", "CLI"), OURS)])
    with pytest.raises(TrialLost, match="pending trial is not run-09.*other-run"):
        confirm_trial(chan, "run-09")


def test_a_revert_racing_the_confirmation_is_caught_afterwards():
    """The trial expired between the check and the commit: the commit confirmed nothing."""
    chan, _conn = _chan([_trial(True, 11), _commits(OURS), *CONFIRM, _trial(False, 0), _commits(SYSTEM, OURS)])
    with pytest.raises(TrialLost, match="was not confirmed: the newest commit is commit 1000000004"):
        confirm_trial(chan, "run-09", margin=10)


# --- parsers of the state displays ----------------------------------------------------------------


def test_trial_status_and_lock_holder_parse_the_documented_forms():
    inactive = parse("display configuration trial status", "Trial status: INACTIVE \nTrial time left (sec): 0\n")
    active = parse("dis configuration trial st", "Trial status:  ACTIVE\nTrial time left (sec): 51\n")
    assert (inactive.active, inactive.time_left, active.active, active.time_left) == (False, 0, True, 51)
    occupied = parse("display configuration-occupied user", textwrap.dedent("""\
        User Index: 34
        User Session Name: VTY 0
        User Name: root
        IP Address: 10.135.38.234
        Locked Time: 2013-03-06 21:09:36
        Last Configuration Time: 2013-03-06 21:09:36
        The time out value of configuration right locked is: 30 second(s)
        """))
    assert len(occupied.holders) == 1
    holder = occupied.holders[0]
    assert (holder.user_index, holder.session, holder.user, holder.locked_time, holder.timeout_s) == (
        34, "VTY 0", "root", "2013-03-06 21:09:36", 30)


@pytest.mark.parametrize(("command", "text"), [
    ("display configuration trial status", "Trial status: PAUSED\nTrial time left (sec): 3\n"),
    ("display configuration trial status", "Trial status: ACTIVE\n"),  # time left cut off
    ("display configuration-occupied user", "User Index: 34\nUser Name: root\n"),  # no session, no time
    ("display configuration-occupied user", "User Index: 34\nUser Index: 35\nUser Session Name: VTY 0\nUser Name: r\nLocked Time: t\n"),
    ("display current-configuration", "#\nsysname PE1\n#\ninterface LoopBack1\n"),  # cut before 'return'
    ("display current-configuration", "#\nsysname PE1\nreturn\n#\nsysname PE2\nreturn\n"),  # two outputs
])
def test_state_displays_fail_closed(command, text):
    with pytest.raises(ParseError):
        parse(command, text)


def test_current_configuration_keeps_lines_and_indentation():
    cfg = parse("display current-configuration", "!Software Version V800R012C10\n#\nsysname PE1\n#\nbfd\n#\n"
                "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session a\n#\nreturn\n")
    assert cfg.lines() == ["sysname PE1", "bfd", "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session a"]
    assert cfg.has_line("ip  route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session a ")
    assert not cfg.has_line("ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1")


# --- the read-back gate -----------------------------------------------------------------------------


def _readback(lines: dict[str, tuple[str, ...]], config: str) -> list:
    check = CHECKS["config-lines-present"]
    params = check.parse_params({"match": ["track bfd-session"]}).model_copy(update={"lines": lines})
    sc = ScheduledCheck("config-lines-present", check, params, ["PE1", "PE2", "PE3"], 1, 1)
    obs = {h: {"display current-configuration": Observation("display current-configuration", config,
                                                           parse("display current-configuration", config))}
           for h in ("PE1", "PE2", "PE3")}
    return sc.judge(load_intent(LAB), obs, None, 1)


TRACKED = "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session pe1_to_ce1"


def test_readback_gate_sees_a_tracking_the_routes_table_cannot():
    lines = {"PE1": (TRACKED, "bfd"), "PE3": ("bgp 100",)}
    untracked = "#\nip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1\n#\nreturn\n"
    (res,) = _readback(lines, untracked)  # PE3 renders nothing matching: not judged
    assert (res.router, res.status.value) == ("PE1", "fail") and "not in the running configuration" in res.message
    (res,) = _readback(lines, f"#\n{TRACKED}\n#\nreturn\n")
    assert res.status.value == "pass" and res.observed == {TRACKED: True}


def test_readback_gate_with_nothing_to_read_back_is_an_error_not_a_pass():
    results = _readback({"PE1": ("bgp 100",)}, "#\nreturn\n")
    assert {r.status.value for r in results} == {"error"}


def test_readback_gate_params_need_valid_patterns():
    with pytest.raises(ValueError):
        CHECKS["config-lines-present"].parse_params({"match": ["track (bfd"]})
    with pytest.raises(ValueError):
        CHECKS["config-lines-present"].parse_params({"match": []})
    # The rendered lines are the engine's, never a runbook's, and never part of the result key.
    params = CHECKS["config-lines-present"].parse_params({"match": ["x"]}).model_copy(update={"lines": {"PE1": ("x",)}})
    assert params.model_dump(mode="json") == {"match": ["x"]}


# --- the journal ------------------------------------------------------------------------------------


def _header() -> dict:
    return {"pid": os.getpid(), "operator": "op", "started": "2026-11-29T10:00:00+00:00"}


def test_journal_is_durable_private_and_folds_to_the_routers_state(tmp_path):
    j, conflicts = journal.register(tmp_path, "20261129T100000Z-rb-abcd", {"PE1": "127.0.0.1:1", "PE2": "127.0.0.1:2"}, _header())
    assert conflicts == [] and j is not None
    assert oct(j.path.stat().st_mode & 0o777) == "0o600"
    j.append("router", name="PE1", address="127.0.0.1:1", pre_commit="1000000002", pre_config_sha256="a", pre_config="x")
    j.append("router", name="PE2", address="127.0.0.1:2", pre_commit=None, pre_config_sha256="b", pre_config="y")
    rec = journal.read_run(j.path)
    assert rec.in_progress and not rec.unfinished  # this process holds it
    j.append("trial", stage="ospf", index=1, label="L1", routers=["PE1"])
    j.close()  # the process "dies" without an end record
    rec = journal.read_run(j.path)
    assert rec.unfinished and rec.needs_recovery
    assert rec.routers["PE1"].pre_commit == "1000000002" and rec.routers["PE1"].trials == ["L1"]
    assert [r.run_id for r in journal.unfinished_runs("PE1", directory=tmp_path)] == [rec.run_id]
    assert [r.run_id for r in journal.unfinished_runs(address="127.0.0.1:2", directory=tmp_path)] == [rec.run_id]
    assert journal.unfinished_runs("PE9", directory=tmp_path) == []


def test_a_torn_last_record_is_ignored(tmp_path):
    j, _ = journal.register(tmp_path, "20261129T100000Z-rb-abcd", {"PE1": "a:1"}, _header())
    assert j is not None
    j.append("router", name="PE1", pre_commit=None, pre_config_sha256="a")
    j.close()
    with j.path.open("a") as fh:
        fh.write('{"type": "trial", "routers": ["PE1"], "lab')  # power cut mid-write
    rec = journal.read_run(j.path)
    assert rec.routers["PE1"].trials == [] and not rec.needs_recovery  # died before its first change


def test_runs_that_need_recovery_block_registration_until_recovered(tmp_path):
    routers = {"PE1": "127.0.0.1:1"}
    dead, _ = journal.register(tmp_path, "20261129T100000Z-rb-aaaa", routers, _header())
    assert dead is not None
    dead.append("trial", routers=["PE1"], label="L")
    dead.close()
    second, found = journal.register(tmp_path, "20261129T100001Z-rb-bbbb", routers, _header(), wait=5, sleep=pytest.fail)
    assert second is None and not found[0].in_progress  # never waited for: only recover ends it
    assert "did not finish on this router" in found[0].message() and "vrpbook recover 20261129T100000Z-rb-aaaa" in found[0].message()
    with journal.Journal.reopen(dead.path) as j:
        j.append("end", status="recovered", end_state={"PE1": "pre-run"})
    third, found = journal.register(tmp_path, "20261129T100002Z-rb-cccc", routers, _header())
    assert third is not None and found == []
    third.close()


def test_a_live_run_is_seen_from_another_process(tmp_path):
    """Liveness is the kernel's flock, held by the run's process: a child that holds its journal is
    in progress; once it is killed (no end record) its run is unfinished."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from vrpbook.runbooks import journal
        j, _ = journal.register(Path({str(tmp_path)!r}), "20261129T100000Z-rb-aaaa", {{"PE1": "a:1"}}, {{"pid": 1}})
        j.append("trial", routers=["PE1"], label="L")
        print("ready", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        (rec,) = journal.runs(tmp_path)
        assert rec.in_progress and not rec.needs_recovery
        j, found = journal.register(tmp_path, "20261129T100001Z-rb-bbbb", {"PE1": "a:1"}, _header())
        assert j is None and found[0].in_progress and "is in progress on this router" in found[0].message()
    finally:
        child.kill()
        child.wait()
    (rec,) = journal.runs(tmp_path)
    assert rec.unfinished and rec.needs_recovery


# --- artifacts pruning ---------------------------------------------------------------------------------


def test_keep_artifacts_prunes_old_runs_only(tmp_path):
    names = [f"2026112{i}T100000Z-bfd-static-vpn-000{i}" for i in range(5)]
    for n in names:
        (tmp_path / n).mkdir()
        (tmp_path / n / "report.json").write_text("{}")
    (tmp_path / "notes").mkdir()  # not a run directory: never touched
    (tmp_path / "20261120T100000Z-x-ffff").mkdir()  # no report.json: not a finished run directory
    removed = prune_runs(tmp_path, 2, current=names[0], journal_dir=tmp_path / "journal")
    assert sorted(p.name for p in removed) == names[1:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([names[0], *names[3:], "notes", "20261120T100000Z-x-ffff"])


# --- signals and fault points -------------------------------------------------------------------------


def test_a_stop_request_is_raised_only_at_safe_points():
    cancel = Interruption()
    cancel.check()  # nothing requested
    cancel.request(signal.SIGTERM)
    with pytest.raises(Interrupted) as exc:
        cancel.sleep(30)  # returns at once: the wait is cut short by the request
    assert exc.value.status == 143
    abandoned: list[int] = []
    cancel.on_abandon = abandoned.append
    cancel.request(signal.SIGINT)  # the second one: stop waiting
    assert abandoned == [signal.SIGINT] and cancel.signum == signal.SIGTERM


def test_fault_points_are_inert_unless_armed(monkeypatch, tmp_path):
    monkeypatch.delenv(faults.ENV_POINT, raising=False)
    faults.reached("stage:1:gates")  # nothing happens
    monkeypatch.setenv(faults.ENV_POINT, "preflight,stage:2:gates")
    assert faults.armed("stage:2:gates") and not faults.armed("stage:2")
    dropped: list[list[str]] = []
    monkeypatch.setenv(faults.ENV_ACTION, "drop:PE1,PE2")
    monkeypatch.setenv(faults.ENV_FILE, str(tmp_path / "marker"))
    faults.reached("preflight", lambda names: dropped.append(list(names)))
    faults.reached("preflight", lambda names: dropped.append(list(names)))  # once per point
    assert dropped == [["PE1", "PE2"]]
    assert (tmp_path / "marker").read_text() == f"preflight {os.getpid()}\n"
    faults._fired.clear()


def test_report_json_is_written_atomically(tmp_path):
    from vrpbook.runbooks.artifacts import Artifacts
    from vrpbook.runbooks.redact import Redactor

    art = Artifacts(tmp_path, Redactor(["s3cret"]))
    art.replace_json(("report.json",), {"status": "running", "note": "s3cret"})
    assert json.loads((tmp_path / "report.json").read_text()) == {"status": "running", "note": "<redacted>"}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


def test_journal_dir_defaults_to_the_users_state_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("VRPBOOK_JOURNAL", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert journal.default_journal_dir() == Path(tmp_path) / "vrpbook" / "journal"


def test_recover_cli_lists_nothing_and_refuses_an_unknown_run(tmp_path):
    from typer.testing import CliRunner

    from vrpbook.cli import app

    listed = CliRunner().invoke(app, ["recover", "--journal", str(tmp_path)])
    assert listed.exit_code == 0 and "no run needs recovery" in listed.output
    unknown = CliRunner().invoke(app, ["recover", "20261129T100000Z-nope-0000", "--journal", str(tmp_path)])
    assert unknown.exit_code == 2 and "no run '20261129T100000Z-nope-0000' in the journal" in unknown.output


def test_a_run_in_progress_is_not_recovered_under_it(tmp_path):
    from vrpbook.errors import RouterBusy
    from vrpbook.runbooks.recover import recover

    j, _ = journal.register(tmp_path, "20261129T100000Z-rb-aaaa", {"PE1": "a:1"}, _header())
    assert j is not None
    try:
        with pytest.raises(RouterBusy, match="still in progress"):
            recover("20261129T100000Z-rb-aaaa", journal_dir=tmp_path)
    finally:
        j.close()


def test_no_change_without_a_journal(tmp_path):
    """A journal directory that cannot be written stops the run before it connects (exit 2)."""
    from typer.testing import CliRunner

    from vrpbook.cli import app

    blocked = tmp_path / "journal"
    blocked.write_text("a file, not a directory")
    res = CliRunner().invoke(app, ["run", "bfd-static-vpn", "--inventory", str(LAB), "--yes", "--journal", str(blocked),
                                   "--artifacts", str(tmp_path / "art")])
    assert res.exit_code == 2, res.output
    assert "cannot write the run journal" in res.output and "Traceback" not in res.output
