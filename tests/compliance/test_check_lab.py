"""``vrpbook check`` over SSH against a converged twin: read-only as the twin sees it, one session
per router within the session cap, routers held by a run / window / lock / trial reported as
``changing``, stale locks and orphaned trials as findings, settling, a budget."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from vrpbook.history import HistoryDB, RouterLocks
from vrpbook.runbooks import journal
from vrpbook.twin.cli import views
from vrpbook.twin.cli.session import CliSession
from vrpbook.twin.state import Router

pytestmark = pytest.mark.lab

ROUTERS = ("PE1", "PE2", "PE3", "CE1", "CE2")


class TwinLog:
    """Every line the twin's routers received, with the session's view and the lock after it,
    and the number of SSH sessions open across the lab at any moment (all on the lab's loop)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lines: list[dict[str, Any]] = []
        self.sessions: dict[str, set[int]] = {}
        self.open_now = 0
        self.peak = 0
        handle, opened, closed = CliSession.handle_line, Router.open_session, Router.close_session
        log = self

        def handle_line(session: CliSession, line: str) -> str:
            out = handle(session, line)
            log.lines.append({"router": session.router.name, "sid": session.sid, "line": line,
                              "view": session.view.kind, "dirty": session.dirty, "lock": session.router.lock_holder})
            return out

        def open_session(router: Router) -> tuple[int, int]:
            sid, vty = opened(router)
            log.sessions.setdefault(router.name, set()).add(sid)
            log.open_now += 1
            log.peak = max(log.peak, log.open_now)
            return sid, vty

        def close_session(router: Router, sid: int) -> None:
            if sid in router.vty_in_use:
                log.open_now -= 1
            closed(router, sid)

        monkeypatch.setattr(CliSession, "handle_line", handle_line)
        monkeypatch.setattr(Router, "open_session", open_session)
        monkeypatch.setattr(Router, "close_session", close_session)


def _commits(check_lab: Any) -> dict[str, list[int]]:
    lab = check_lab.running.lab
    return {r: lab.call(lambda r=r: [p.commit_id for p in lab.routers[r].history]) for r in ROUTERS}


def test_a_converged_network_passes_and_the_check_is_read_only_on_the_twin(check_lab, monkeypatch):
    before = _commits(check_lab)
    twin = TwinLog(monkeypatch)
    res, doc = check_lab.check_json("--max-sessions", "2", "--login-rate", "50")
    assert res.exit_code == 0, res.output
    assert doc["counts"]["fail"] == 0 and doc["counts"]["error"] == 0 and doc["counts"]["pass"] == doc["counts"]["total"] > 30
    assert {r["router"] for r in doc["results"]} == set(ROUTERS)
    # from the twin's side: only display commands (and netmiko's terminal setup), always in user
    # view, never a lock, never a candidate; nothing committed
    assert twin.lines, "the twin saw nothing"
    for entry in twin.lines:
        assert entry["view"] == views.USER and not entry["dirty"] and entry["lock"] is None, entry
        words = entry["line"].split()
        assert not words or words[0] in ("display", "screen-length", "screen-width", "return", "quit", "y"), entry
    assert not any(e["line"].startswith(("system-view", "configuration exclusive", "commit")) for e in twin.lines)
    assert _commits(check_lab) == before
    # one session per router, never more than --max-sessions at once, all closed afterwards
    assert {r: len(s) for r, s in twin.sessions.items()} == dict.fromkeys(ROUTERS, 1)
    assert twin.peak <= 2 and twin.open_now == 0
    lab = check_lab.running.lab
    assert all(lab.call(lambda r=r: lab.routers[r].users_online) == 0 for r in ROUTERS)


def test_routers_held_in_the_lock_table_are_changing_not_failing(check_lab):
    with HistoryDB(check_lab.history) as db:
        RouterLocks(db).take(["PE2"], holder="window CHG-42", ref="chg-42", ttl=600)
    res, doc = check_lab.check_json()
    assert res.exit_code == 0, res.output  # changing does not spoil the verdict
    pe2 = [r for r in doc["results"] if r["router"] == "PE2"]
    assert pe2 and {r["status"] for r in pe2} == {"changing"}
    assert all("window CHG-42 (ref chg-42)" in r["message"] and "history lock table" in r["message"] for r in pe2)
    assert {r["evidence"]["judged"] for r in pe2} == {"pass"}  # what the check saw is kept
    assert doc["counts"]["changing"] == len(pe2) and doc["counts"]["pass"] == doc["counts"]["total"] - len(pe2)
    with HistoryDB(check_lab.history) as db:
        assert RouterLocks(db).release("chg-42") == ["PE2"]
    res, doc = check_lab.check_json()
    assert res.exit_code == 0 and doc["counts"]["changing"] == 0


def test_a_session_holding_configuration_exclusive_makes_its_router_changing(check_lab):
    with check_lab.session("PE3") as chan:
        chan.run("configuration exclusive")
        res, doc = check_lab.check_json()
        assert res.exit_code == 0, res.output
        pe3 = [r for r in doc["results"] if r["router"] == "PE3"]
        assert {r["status"] for r in pe3} == {"changing"}
        assert all("configuration exclusive held by vrpbook (VTY" in r["message"] for r in pe3)
        assert {r["status"] for r in doc["results"] if r["router"] != "PE3"} == {"pass"}

        # the same lock, held for two hours: a stale lock is a finding, not a change in progress
        lab = check_lab.running.lab

        def age_lock() -> None:
            router = lab.routers["PE3"]
            session = router.sessions[router.lock_holder]
            session.lock_time -= 7200

        lab.call(age_lock)
        res, doc = check_lab.check_json()
        assert res.exit_code == 1, res.output
        stale = check_lab.by_key(doc)[("PE3", "no-stale-config-lock")]
        assert stale["status"] == "fail" and "stale lock: configuration exclusive held by vrpbook" in stale["message"]
        assert stale["observed"]["holders"][0]["held_s"] >= 7200
        assert check_lab.by_key(doc)[("PE3", "ebgp-peers-established")]["status"] == "pass"  # judged, not held


def test_a_trial_nobody_holds_fails_and_a_held_one_is_changing(check_lab):
    with check_lab.session("CE2") as chan:
        chan.system_view()
        chan.run("interface LoopBack7")
        assert "trial configuration mode" in chan.run("commit trial 600").output
        chan.user_view()
    # the committing session is gone; its trial stays pending
    res, doc = check_lab.check_json()
    assert res.exit_code == 1, res.output
    trial = check_lab.by_key(doc)[("CE2", "no-pending-trial")]
    assert trial["status"] == "fail" and "reverts in" in trial["message"]
    assert trial["observed"]["trial_status"] == "ACTIVE"
    # with the router held (a lock-table holder), the same trial is a change in progress
    with HistoryDB(check_lab.history) as db:
        RouterLocks(db).take(["CE2"], holder="run bfd-static-vpn", ref="run-9", ttl=600)
    res, doc = check_lab.check_json()
    assert res.exit_code == 0, res.output
    trial = check_lab.by_key(doc)[("CE2", "no-pending-trial")]
    assert trial["status"] == "changing" and "a commit trial is pending" in trial["message"]


def test_settle_repolls_failing_state_checks_until_they_pass(check_lab):
    net = check_lab.running.network
    lab = check_lab.running.lab
    lab.call(lambda: net.set_cable("CE1", "GigabitEthernet0/1/0", False))
    timer = threading.Timer(1.0, lambda: lab.call(lambda: net.set_cable("CE1", "GigabitEthernet0/1/0", True)))
    timer.start()
    try:
        started = time.monotonic()
        res, doc = check_lab.check_json("--settle", "20")
    finally:
        timer.cancel()
    assert res.exit_code == 0, res.output
    assert time.monotonic() - started < 15
    pe1_bfd = check_lab.by_key(doc)[("PE1", "bfd-sessions-up")]
    assert pe1_bfd["status"] == "pass" and pe1_bfd["polls"] > 1
    assert check_lab.by_key(doc)[("PE1", "no-pending-trial")]["polls"] == 1  # configuration is judged once
    # and without settle, the same fault fails at once, naming the session
    lab.call(lambda: net.set_cable("CE1", "GigabitEthernet0/1/0", False))
    res, doc = check_lab.check_json("--settle", "0.5")
    assert res.exit_code == 1
    pe1_bfd = check_lab.by_key(doc)[("PE1", "bfd-sessions-up")]
    assert pe1_bfd["message"].startswith("still failing after 0.5 s") and "pe1_to_ce1 is Down" in pe1_bfd["message"]


def test_bfd_detect_time_is_judged_against_the_budget(check_lab):
    catalog = check_lab.tmp / "catalog.yaml"
    catalog.write_text("checks:\n  - check: bfd-detect-time\n    params: {budget_ms: 20}\n    hosts: [PE1]\n")
    res, doc = check_lab.check_json("--catalog", str(catalog))
    assert res.exit_code == 1
    detect = check_lab.by_key(doc)[("PE1", "bfd-detect-time")]
    assert detect["status"] == "fail" and detect["params"] == {"budget_ms": 20}
    assert "BFD session pe1_to_ce1 detects in 30 ms (budget 20 ms)" in detect["message"]
    assert detect["observed"]["pe1_to_ce1"]["detect_ms"] == 30  # 10 ms × 3, as the router negotiated
    assert detect["differences"] == ["pe1_to_ce1.detect_ms: 30 (expected ≤ 20)"]
    assert detect["evidence"]["sessions"]["pe1_to_ce1"]["from"] == "Detect Interval (ms)"
    assert ("PE2", "bfd-detect-time") not in check_lab.by_key(doc)  # narrowed to PE1
    assert doc["run"]["what"] == f"catalog {catalog}"


def test_configuration_compliance_and_saved_configuration(check_lab):
    with check_lab.session("PE2") as chan:
        chan.system_view()
        chan.run("interface GigabitEthernet0/1/0")
        chan.run("undo mpls ldp")
        chan.run("quit")
        chan.run("ip vpn-instance VPNA")
        chan.run("ipv4-family")
        chan.run("vpn-target 999:1 both")
        chan.run("commit")
        chan.user_view()
    res, doc = check_lab.check_json("--hosts", "PE2")
    assert res.exit_code == 1, res.output
    results = check_lab.by_key(doc)
    compliance = results[("PE2", "config-compliance")]
    assert compliance["status"] == "fail"
    assert "interface GigabitEthernet0/1/0: missing 'mpls ldp'" in compliance["message"]
    assert "ip vpn-instance VPNA: unexpected 'ipv4-family > vpn-target 999:1 both'" in compliance["message"]
    assert set(compliance["differences"]) == {"interface GigabitEthernet0/1/0: missing: mpls ldp",
                                              "ip vpn-instance VPNA: unexpected: ipv4-family > vpn-target 999:1 both"}
    saved = results[("PE2", "saved-equals-running")]
    assert saved["status"] == "fail" and saved["message"].startswith("running but not saved: ")
    assert "ip vpn-instance VPNA > ipv4-family > vpn-target 999:1 export-extcommunity" in saved["message"]
    assert "saved but no longer running: interface GigabitEthernet0/1/0 > mpls ldp" in saved["message"]
    assert {r["router"] for r in doc["results"]} == {"PE2"}  # --hosts narrows the sweep

    # put the intent back and save: both pass again
    with check_lab.session("PE2") as chan:
        chan.system_view()
        chan.run("interface GigabitEthernet0/1/0")
        chan.run("mpls ldp")
        chan.run("quit")
        chan.run("ip vpn-instance VPNA")
        chan.run("ipv4-family")
        chan.run("undo vpn-target 999:1 both")
        chan.run("commit")
        chan.user_view()
        chan.confirm("save")
    res, doc = check_lab.check_json("--hosts", "PE2", "--catalog", str(_only(check_lab, "config-compliance",
                                                                                "saved-equals-running")))
    assert res.exit_code == 0, res.output
    assert sorted(r["check"] for r in doc["results"]) == ["config-compliance", "saved-equals-running"]


def test_a_router_that_never_saved_fails_saved_equals_running(lab, tmp_path, monkeypatch):
    """A factory-fresh router: nothing saved; and nothing of the intent configured either."""
    import shutil

    import yaml
    from typer.testing import CliRunner

    from vrpbook.cli import app
    from vrpbook.paths import PROJECT_ROOT

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    inv = tmp_path / "inv"
    shutil.copytree(PROJECT_ROOT / "inventory" / "lab", inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    for h in hosts:
        hosts[h]["port"] = lab.address(h)[1]
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    catalog = tmp_path / "c.yaml"
    catalog.write_text("default: false\nchecks:\n  - check: saved-equals-running\n  - check: config-compliance\n"
                       "    hosts: [CE2]\n")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["check", "--inventory", str(inv), "--no-history", "--catalog", str(catalog),
                                   "--json", str(out), "--hosts", "CE2"])
    assert res.exit_code == 1, res.output
    import json

    results = {r["check"]: r for r in json.loads(out.read_text())["results"]}
    assert results["saved-equals-running"]["message"].startswith("nothing saved")
    compliance = results["config-compliance"]["message"]
    assert "missing 'sysname CE2'" in compliance and "bgp 65410" in compliance


def _only(check_lab, *checks):
    path = check_lab.tmp / "only.yaml"
    path.write_text("default: false\nchecks:\n" + "".join(f"  - check: {c}\n" for c in checks))
    return path


def test_reports_come_first_history_failures_and_overlap_are_one_line(check_lab):
    """JSON to stdout with the summary on stderr; per-router metrics; a corrupt history database
    costs no report (one line, exit 2); a second check of the inventory waits, then exits 2."""
    import json

    from prometheus_client.parser import text_string_to_metric_families

    from vrpbook.compliance.command import lock_file
    from vrpbook.history.overlap import exclusive
    from vrpbook.inventory import load_inventory

    metrics = check_lab.tmp / "vrpbook.prom"
    res = check_lab.check("--json", "-", "--metrics", str(metrics), "--per-router-metrics", "--no-history")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["run"]["verdict"] == "pass" and "PASS" in res.stderr and "PASS" not in res.stdout
    families = {f.name: f for f in text_string_to_metric_families(metrics.read_text())}
    per_router = {(s.labels["router"], s.labels["status"]): s.value for s in families["vrpbook_check_router_results"].samples}
    assert per_router[("PE1", "pass")] == sum(1 for r in doc["results"] if r["router"] == "PE1") > 5

    check_lab.history.write_bytes(b"this is not a database, just bytes" * 100)
    report = check_lab.tmp / "after-corrupt.json"
    res = check_lab.check("--json", str(report))
    assert res.exit_code == 2, res.output
    assert json.loads(report.read_text())["run"]["verdict"] == "pass"  # the report was written first
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "history database" in errors[0] and "(the reports were written)" in errors[0]
    check_lab.history.unlink()

    with exclusive(lock_file(load_inventory(check_lab.inventory)), what="test holder"):
        res = check_lab.check("--wait", "0.3")
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "is still running" in lines[0] and "waited 0.3 s" in lines[0]


def test_routers_of_a_live_run_are_changing_and_a_dead_run_is_a_finding_naming_it(check_lab, private_journal):
    """The run journal, read by the rule `vrpbook run` refuses by: a run whose process holds its
    journal is changing its routers; one that died after its first trial left them for
    `vrpbook recover` (a fail naming the run); once recovered, nothing is reported."""
    address = {r: "%s:%d" % check_lab.running.address(r) for r in ROUTERS}
    header = {"runbook": "bfd-static-vpn", "operator": "alice", "pid": 4242, "machine": "ctl1",
              "started": "2026-11-29T20:00:00+00:00"}
    dead_id = "20261129T200000Z-bfd-static-vpn-dead"
    # a controller SIGKILLed after stage 2's trial on PE1 and PE2: no end record, nobody holds the journal
    dead, _ = journal.register(private_journal, dead_id, {r: address[r] for r in ("PE1", "PE2")}, header)
    assert dead is not None
    for r in ("PE1", "PE2"):
        dead.append("router", name=r, address=address[r], pre_commit=None, pre_config_sha256="0" * 64,
                    pre_saved_sha256="0" * 64, pre_config="")
    dead.append("trial", stage="mpls-ldp", index=2, label=f"vrpbook-{dead_id}-02-mpls-ldp", routers=["PE1", "PE2"])
    dead.close()
    # a run in progress (this process holds its journal), of an inventory that names CE2 otherwise
    alive, _ = journal.register(private_journal, "20261129T200500Z-bfd-static-vpn-live",
                                {"ce2-edge": address["CE2"]}, {**header, "pid": os.getpid()})
    assert alive is not None
    try:
        res, doc = check_lab.check_json()
    finally:
        alive.close()
    assert res.exit_code == 1, res.output
    by = check_lab.by_key(doc)
    for r in ("PE1", "PE2"):
        found = by[(r, "no-unfinished-run")]
        assert found["status"] == "fail", found
        assert f"run {dead_id} (operator alice, pid 4242 on ctl1" in found["message"]
        assert "did not finish on this router" in found["message"]
        assert f"vrpbook recover {dead_id}" in found["message"]
        assert found["evidence"]["journal"] == str(private_journal / f"{dead_id}.jsonl")
        assert found["observed"]["router_state"] == "changing"
        assert by[(r, "config-compliance")]["status"] == "pass"  # nobody is changing it: still judged
    ce2 = [x for x in doc["results"] if x["router"] == "CE2"]
    assert ce2 and {x["status"] for x in ce2} == {"changing"}
    assert all("run 20261129T200500Z-bfd-static-vpn-live" in x["message"] and "(run journal)" in x["message"]
               for x in ce2)
    assert not any(x["check"] == "no-unfinished-run" for x in doc["results"] if x["router"] in ("PE3", "CE1", "CE2"))
    assert doc["counts"]["fail"] == 2 and doc["counts"]["error"] == 0

    # recovered (the end record `vrpbook recover` writes): nothing left to report
    with journal.Journal.reopen(private_journal / f"{dead_id}.jsonl") as j:
        j.append("end", status="recovered", exit_code=0, end_state={"PE1": "pre-run", "PE2": "pre-run"})
    res, doc = check_lab.check_json()
    assert res.exit_code == 0, res.output
    assert doc["counts"]["fail"] == 0 and doc["counts"]["changing"] == 0
