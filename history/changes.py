"""Changes in the history database: a change's runs, its log under the ticket, its snapshots.

A change (``vrpbook change``, ``changes/``) is planned, approved, run —
perhaps refused, perhaps rolled back when its window closes — and proved
afterwards. Each of those steps is one row of ``change_log`` under the change's
ticket, so "what happened to CHG-1234" is one query, whichever process did it
and whether or not a run ever started. A run of the change is a row of ``runs``
(kind ``change``, with its ticket, status and exit code), and every router it
touched has a ``pre`` and a ``post`` snapshot (configuration, normalised
state, counters) in ``snapshots``.

API (one transaction per call)::

    with HistoryDB(path) as db:
        log = ChangeLog(db)
        log.note("CHG-1", "approved", message="approved by bob", detail={...})
        log.begin_run(run_id, ticket="CHG-1", kind="change", what="bfd-static-vpn", inventory="...")
        log.note("CHG-1", "stage", run_id=run_id, router="PE1", message="ospf confirmed")
        log.snapshot(run_id, "PE1", "pre", config=..., state={...}, counters={...}, ticket="CHG-1")
        log.finish_run(run_id, status="ok", exit_code=0, verdict="pass")
        log.entries("CHG-1"); log.snapshots(run_id)

Configurations given to :meth:`ChangeLog.snapshot` must already be redacted
(the caller holds the run's redactor); nothing here sees a password.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from vrpbook import clock

from .db import CHANGES_SCHEMA, HistoryDB, utc_text
from .errors import HistoryError

Phase = Literal["pre", "post"]


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class LogEntry:
    """One step of a change."""

    ticket: str
    at: datetime
    kind: str
    run_id: str | None
    router: str | None
    message: str
    detail: dict[str, Any]

    def line(self) -> str:
        where = f" {self.router}" if self.router else ""
        run = f" [{self.run_id}]" if self.run_id else ""
        return f"{utc_text(self.at)} {self.kind}{where}{run}: {self.message}"


@dataclass(frozen=True)
class Snapshot:
    """One router before (``pre``) or after (``post``) a change."""

    run_id: str
    ticket: str | None
    router: str
    phase: str
    at: datetime
    config: str
    state: dict[str, Any]
    counters: dict[str, Any]


class ChangeLog:
    """The change tables of one open :class:`HistoryDB` (writers need it writable)."""

    def __init__(self, db: HistoryDB) -> None:
        self.db = db

    def _require(self) -> None:
        if self.db.schema_version < CHANGES_SCHEMA:
            raise HistoryError(self.db.path, f"schema version {self.db.schema_version} has no change tables "
                                             "(open it writable once to migrate)")

    # --- writing ------------------------------------------------------------------------

    def begin_run(self, run_id: str, *, ticket: str | None, kind: str, what: str, inventory: str,
                  vrpbook_version: str = "", at: datetime | None = None) -> None:
        """A run of a change started (in progress until :meth:`finish_run`)."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO runs (run_id, kind, what, inventory, started_at, vrpbook_version, ticket, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'running')",
                (run_id, kind, what, inventory, utc_text(at or clock.now()), vrpbook_version, ticket),
            )

    def finish_run(self, run_id: str, *, status: str, exit_code: int, verdict: str,
                   counts: dict[str, int] | None = None, at: datetime | None = None) -> None:
        """The run ended: its status, exit code and verdict (``pass``/``fail``/``error``)."""
        c = counts or {}
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, exit_code = ?, verdict = ?, passed = ?, failed = ?,"
                " errors = ?, changing = ? WHERE run_id = ?",
                (utc_text(at or clock.now()), status, exit_code, verdict, c.get("passed"), c.get("failed"),
                 c.get("errors"), c.get("changing"), run_id),
            )

    def note(self, ticket: str, kind: str, *, message: str = "", run_id: str | None = None, router: str | None = None,
             detail: dict[str, Any] | None = None, at: datetime | None = None) -> None:
        """One step of the change *ticket*."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO change_log (ticket, run_id, at, kind, router, message, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ticket, run_id, utc_text(at or clock.now()), kind, router, message, _canon(detail or {})),
            )

    def snapshot(self, run_id: str, router: str, phase: Phase, *, config: str, state: dict[str, Any],
                 counters: dict[str, Any], ticket: str | None = None, at: datetime | None = None) -> None:
        """A router's (redacted) configuration and normalised state before or after the run."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO snapshots (run_id, ticket, router, phase, at, config, state, counters)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, ticket, router, phase, utc_text(at or clock.now()), config, _canon(state), _canon(counters)),
            )

    # --- queries ------------------------------------------------------------------------

    def entries(self, ticket: str | None = None) -> list[LogEntry]:
        """The change log (of *ticket*, or of every change), oldest first."""
        if self.db.schema_version < CHANGES_SCHEMA:
            return []
        where, args = ("WHERE ticket = ?", [ticket]) if ticket is not None else ("", [])
        with self.db.reading() as conn:
            rows = conn.execute(
                f"SELECT ticket, at, kind, run_id, router, message, detail FROM change_log {where} ORDER BY at, entry_id",
                args,
            ).fetchall()
        return [LogEntry(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], json.loads(r[6])) for r in rows]

    def snapshots(self, run_id: str, router: str | None = None) -> list[Snapshot]:
        """The snapshots of one run (of one router), by router then phase (``pre`` first)."""
        if self.db.schema_version < CHANGES_SCHEMA:
            return []
        where, args = "WHERE run_id = ?", [run_id]
        if router is not None:
            where, args = where + " AND router = ?", [*args, router]
        with self.db.reading() as conn:
            rows = conn.execute(
                f"SELECT run_id, ticket, router, phase, at, config, state, counters FROM snapshots {where}"
                " ORDER BY router, phase DESC",
                args,
            ).fetchall()
        return [Snapshot(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), r[5], json.loads(r[6]), json.loads(r[7]))
                for r in rows]


__all__ = ["ChangeLog", "LogEntry", "Phase", "Snapshot"]
