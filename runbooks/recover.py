"""``vrpbook recover RUN_ID``: finish what a dead controller left, from its journal.

A run killed with SIGKILL (or a power cut) leaves routers with confirmed
stages, maybe a trial that will revert by itself, maybe a save. Its journal
(:mod:`.journal`) holds each router's pre-run commit ID and snapshot, written
before the first change. ``recover`` connects to those routers (through the
inventory the run used, unless another is given), holds them in the history
lock table (:mod:`.locking`: the dead run's own lock is stale and replaced),
takes the configuration lock, aborts the run's own pending trial (a trial with another label is
someone else's: refused), rolls back to the recorded pre-run commit unless
the router is already there, verifies the configuration equals the snapshot
(SHA-256), saves again if the run had saved, and records the outcome in the
journal and in the run's ``report.json``. Without a RUN_ID it lists the runs
that need recovery.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core import Nornir

from vrpbook.errors import DeviceError, RouterBusy, UsageError, describe_error
from vrpbook.inventory import Credentials, connect, load_inventory, production_credentials
from vrpbook.tasks import unlock

from .journal import Journal, RouterRecord, RunRecord, default_journal_dir, find_run, now, unfinished_runs
from .locking import holder_name, router_locks
from .recovery import PreRun, describe, restore_all
from .runner import operator
from .steps import run_step


@dataclass
class Recovery:
    """What ``recover`` did, per router: the state it proved, or why it could not."""

    run_id: str
    states: dict[str, str] = field(default_factory=dict)
    lines: dict[str, str] = field(default_factory=dict)
    nothing_to_do: str = ""

    @property
    def ok(self) -> bool:
        return all(s == "pre-run" for s in self.states.values())


def pending(journal_dir: Path | None = None) -> list[RunRecord]:
    """Every run that needs recovery (for ``vrpbook recover`` without a RUN_ID)."""
    return unfinished_runs(directory=journal_dir)


def recover(run_id: str, *, inventory: str | Path | None = None, journal_dir: Path | None = None,
            interactive: bool | None = None) -> Recovery:
    directory = journal_dir or default_journal_dir()
    rec = find_run(run_id, directory)
    if rec is None:
        raise UsageError(f"no run {run_id!r} in the journal {directory}")
    if rec.in_progress:
        raise RouterBusy(f"{rec.describe()} is still in progress; nothing to recover while it runs")
    out = Recovery(run_id)
    if rec.ended and not rec.needs_recovery:
        out.nothing_to_do = f"{rec.describe()} needs no recovery: it ended {rec.status}"
        return out
    # Unfinished: restore (or, for a run that died before its first change, verify) every router
    # it recorded, and close its journal with what was proven.
    routers = {name: r for name, r in rec.routers.items() if r.recorded}
    if not routers:
        with Journal.reopen(rec.path) as journal:
            journal.append("end", status="recovered", exit_code=0, end_state={}, recovered_at=now(),
                           note="stopped before it recorded any router: nothing was changed")
        out.nothing_to_do = f"{rec.describe()} stopped before it recorded any router: nothing was changed"
        return out
    inv = load_inventory(inventory or rec.header.get("inventory"))
    creds = None if inv.is_lab else production_credentials(inv, interactive)
    if creds is None and inv.is_lab:
        d = inv.nr.inventory.defaults
        creds = Credentials(str(d.username), str(d.password)) if d.username and d.password else None
    missing = sorted(set(routers) - set(inv.nr.inventory.hosts))
    if missing:
        raise UsageError(f"inventory {inv.path} has no host {missing}, which run {run_id} changed")
    nr = connect(inv, credentials=creds, hosts=list(routers))
    moved = {n: r.address for n, r in routers.items()
             if r.address and r.address != f"{nr.inventory.hosts[n].hostname}:{nr.inventory.hosts[n].port or 22}"}
    if moved:
        raise UsageError(f"inventory {inv.path} points elsewhere than the run did: "
                         + "; ".join(f"{n} was {a}" for n, a in moved.items()))
    try:
        journal = Journal.reopen(rec.path)
    except BlockingIOError:
        raise RouterBusy(f"another `vrpbook recover {run_id}` is running") from None
    try:
        # Recovering changes routers: it holds them in the lock table like a run (the dead run's
        # own lock is stale on this machine and replaced; from elsewhere it expires, or
        # `vrpbook lock break --force` after checking that run is dead).
        with router_locks(list(routers), holder_name(operator(), f"recover {run_id}"), f"recover-{run_id}"):
            _restore(nr, rec, routers, out, journal)
    finally:
        journal.close()
    status = "recovered" if out.ok else "recovery-failed"
    _amend_report(rec, out, status)
    return out


def _restore(nr: Nornir, rec: RunRecord, routers: dict[str, RouterRecord], out: Recovery, journal: Journal) -> None:
    """Put every recorded router back (or prove it is), and close the journal with what was proven."""
    run_id = rec.run_id
    journal.append("reopened", by="recover", pid=os.getpid())
    targets = {n: PreRun(commit=r.pre_commit, config_sha256=r.pre_config_sha256, saved_sha256=r.pre_saved_sha256,
                         resave=r.saved, own_label=f"vrpbook-{run_id}-", lock=True,
                         first_label=r.trials[0] if r.trials else None)
               for n, r in routers.items()}
    try:
        for name, done in restore_all(nr, targets, "recover").items():
            if isinstance(done, BaseException):
                out.states[name] = "unknown"
                out.lines[name] = f"not recovered: {describe_error(done)}"
            else:
                out.states[name] = "pre-run"
                out.lines[name] = describe(done)
        run_step(nr, list(targets), unlock, "unlock")
    finally:
        nr.close_connections()
    status = "recovered" if out.ok else "recovery-failed"
    journal.append("end", status=status, exit_code=0 if out.ok else 3, end_state=out.states, recovered_at=now())


def _amend_report(rec: RunRecord, out: Recovery, status: str) -> None:
    """Add the recovery to the run's ``report.json`` (best effort: the journal is the record)."""
    artifacts = rec.header.get("artifacts")
    if not artifacts:
        return
    path = Path(str(artifacts)) / "report.json"
    try:
        report: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    report["recovery"] = {"status": status, "at": now(), "end_state": out.states, "outcome": out.lines}
    report["end_state"] = {**report.get("end_state", {}), **out.states}
    report["status"] = status if report.get("status") in ("running", "interrupted", "rollback-failed", "failed") else report["status"]
    tmp = path.with_name(".report.json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(path)


def refuse_unless_recovered(out: Recovery) -> None:
    if not out.ok:
        raise DeviceError(f"run {out.run_id} not fully recovered", routers={n: ln for n, ln in out.lines.items()
                                                                          if out.states.get(n) != "pre-run"})
