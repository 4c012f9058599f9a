"""A drill in the history database, like a run: its ``runs`` row, its results, its snapshots, and
under its ticket (a production drill's change) every step in the change log.

Recorded when the drill starts (kind ``drill``, status ``running``) and when it ends: the
results (``source="drill:<name>"``) as state transitions of their (router, check, params)
subjects — the same table ``vrpbook check`` writes, so ``vrpbook history --host PE1`` shows
the session going Down in the drill and Up again — then the status, exit code and verdict.
A drill against a lab in this process is not recorded, as its run is not: its routers
exist only in this process.

Best effort, like a run's: the journal and ``report.json`` are the record of truth; a
history database that cannot be written is one warning line, never a reason to leave the
fault in place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from vrpbook import clock
from vrpbook.history import ChangeLog, HistoryDB, HistoryError
from vrpbook.reporters.header import RunHeader
from vrpbook.snapshots import RouterSnapshot

from .report import DrillReport

log = logging.getLogger(__name__)


class DrillHistory:
    """Records one drill in the history database at *db_path*."""

    def __init__(self, db_path: Path, *, run_id: str, ticket: str | None, what: str, inventory: str, version: str) -> None:
        self.db_path = db_path
        self.run_id, self.ticket, self.what, self.inventory, self.version = run_id, ticket, what, inventory, version
        self.started: datetime = clock.now()
        self.warnings: list[str] = []

    def _write(self, what: str, fn: Callable[[HistoryDB], None]) -> None:
        try:
            with HistoryDB(self.db_path) as db:
                fn(db)
        except HistoryError as exc:
            log.warning("history: %s not recorded: %s", what, exc)
            self.warnings.append(f"history database: {what} not recorded: {exc}")

    def note(self, kind: str, message: str, router: str | None = None) -> None:
        if self.ticket:
            ticket = self.ticket
            self._write(kind, lambda db: ChangeLog(db).note(ticket, kind, run_id=self.run_id, router=router, message=message))

    def begin(self) -> None:
        self.started = clock.now()

        def begin(db: HistoryDB) -> None:
            ChangeLog(db).begin_run(self.run_id, ticket=self.ticket, kind="drill", what=self.what, inventory=self.inventory,
                                    vrpbook_version=self.version, at=self.started)

        self._write("drill start", begin)
        self.note("started", f"drill {self.run_id} ({self.what}) started")

    def snapshots(self, phase: str, snaps: Mapping[str, RouterSnapshot | str]) -> None:
        def keep(db: HistoryDB) -> None:
            changes = ChangeLog(db)
            for router, s in snaps.items():
                if isinstance(s, RouterSnapshot):
                    changes.snapshot(self.run_id, router, "pre" if phase == "pre" else "post", config=s.config, state=s.state,
                                     counters=s.counters, ticket=self.ticket, at=s.at)

        self._write(f"{phase}-drill snapshots", keep)

    def finish(self, report: DrillReport) -> None:
        results = report.collection()
        verdict = "pass" if report.status == "passed" else "fail" if report.exit_code == 4 else "error"

        def end(db: HistoryDB) -> None:
            if len(results):
                header = RunHeader.describe(results, what=self.what, inventory=self.inventory, started_at=self.started,
                                            finished_at=clock.now(), kind="drill", run_id=self.run_id)
                db.record(header, results)
            ChangeLog(db).finish_run(self.run_id, status=report.status, exit_code=report.exit_code, verdict=verdict,
                                     counts=results.counts().model_dump())

        self._write("drill end", end)
        self.note("finished", f"drill {self.run_id}: {report.status}, exit {report.exit_code}"
                  + (f" ({report.failure})" if report.failure else ""))


__all__ = ["DrillHistory"]
