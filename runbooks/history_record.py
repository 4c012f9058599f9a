"""A run in the history database: its ``runs`` row, and under a ticket every step in the change log.

An observer of the run's event bus (the engine does not know it exists): the
run is recorded when it starts (``runs``: kind ``run`` or ``change``, the
ticket, status ``running``) and when it ends (status, exit code, verdict, the
gate counts). With a ticket, each stage's outcome, the failure, the rollback and
the end also go to ``change_log`` under it, so ``vrpbook change log TICKET``
tells the whole change — plan, approvals, refusals, runs — in one place.

The verdict of a run: ``pass`` when it ended ``ok``; ``fail`` when it was
stopped by a gate, a refusal or its window (exit 4, 5, 6: the routers were
read and a rule said no); ``error`` otherwise (a router could not be worked
with, an interruption, a bug).

Best effort by design: the journal and ``report.json`` are the run's record of
truth, written before each change; a history database that cannot be written
is logged (``run.log``), never a reason to leave routers half-changed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from vrpbook.events import EventBus
from vrpbook.history import ChangeLog, HistoryDB, HistoryError

from . import events as ev
from .report import RunReport

log = logging.getLogger(__name__)

_FAIL_CODES = {4, 5, 6}


def verdict_of(report: RunReport) -> str:
    if report.status == "ok":
        return "pass"
    return "fail" if report.exit_code in _FAIL_CODES else "error"


class HistoryRecorder:
    """Records one run (subscribe it to the run's bus)."""

    def __init__(self, db_path: Path, *, run_id: str, kind: str, ticket: str | None, what: str, inventory: str,
                 version: str) -> None:
        self.db_path = db_path
        self.run_id, self.kind, self.ticket = run_id, kind, ticket
        self.what, self.inventory, self.version = what, inventory, version

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(self.started, ev.RunStarted)
        bus.subscribe(self.stage, ev.StageFinished)
        bus.subscribe(self.failed, ev.RunFailed)
        bus.subscribe(self.rolled_back, ev.RollbackDone)
        bus.subscribe(self.finished, ev.RunFinished)

    def _write(self, what: str, fn: Any) -> None:
        try:
            with HistoryDB(self.db_path) as db:
                fn(ChangeLog(db))
        except HistoryError as exc:
            log.warning("history: %s not recorded: %s", what, exc)

    def _note(self, kind: str, message: str, router: str | None = None, detail: dict[str, Any] | None = None) -> None:
        if self.ticket:
            ticket = self.ticket
            self._write(kind, lambda c: c.note(ticket, kind, run_id=self.run_id, router=router, message=message,
                                               detail=detail))

    def started(self, e: ev.RunStarted) -> None:
        def begin(c: ChangeLog) -> None:
            c.begin_run(self.run_id, ticket=self.ticket, kind=self.kind, what=self.what, inventory=self.inventory,
                        vrpbook_version=self.version)
            if self.ticket:
                c.note(self.ticket, "started", run_id=self.run_id,
                       message=f"{self.kind} {self.run_id} of {self.what} started by {e.report.facts.operator}",
                       detail={"artifacts": e.report.facts.artifacts, "window": e.report.facts.window,
                               "change_file": e.report.facts.change_file})

        self._write("run start", begin)

    def stage(self, e: ev.StageFinished) -> None:
        sr = e.report
        hosts = {h: hs.status for h, hs in sr.hosts.items()}
        gates = [{"gate": g.gate, "status": g.status, "message": g.message} for g in sr.gates]
        self._note("stage", f"stage {sr.index} {sr.name}: {sr.status} ({sr.seconds:g} s)",
                   detail={"hosts": hosts, "gates": gates})

    def failed(self, e: ev.RunFailed) -> None:
        f = e.failure
        self._note("failed", f"{f.stage}: {f.kind}: {f.message}", router=f.host, detail={"routers": f.routers, "gate": f.gate})

    def rolled_back(self, e: ev.RollbackDone) -> None:
        self._note("rolled-back", f"rolled back {', '.join(e.rolled_back) or 'nothing'}; verified {', '.join(e.verified)}"
                   + (f"; errors: {e.errors}" if e.errors else ""),
                   detail={"rolled_back": list(e.rolled_back), "verified": list(e.verified), "errors": e.errors})

    def finished(self, e: ev.RunFinished) -> None:
        report = e.report
        counts = report.results().counts().model_dump()
        verdict = verdict_of(report)

        def end(c: ChangeLog) -> None:
            c.finish_run(self.run_id, status=report.status, exit_code=report.exit_code, verdict=verdict, counts=counts)
            if self.ticket:
                c.note(self.ticket, "finished", run_id=self.run_id,
                       message=f"{self.kind} {self.run_id}: {report.status}, exit {report.exit_code}",
                       detail={"end_state": report.end_state, "outcome": report.outcome, "verdict": verdict,
                               "proof": (report.proof or {}).get("verdict")})

        self._write("run end", end)


__all__ = ["HistoryRecorder", "verdict_of"]
