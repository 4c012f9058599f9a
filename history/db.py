"""The history database: open (and migrate), record a run's results, answer queries.

Writes are one ``BEGIN IMMEDIATE`` transaction each: the write lock is taken
up front, so a second writer waits up to ``timeout`` seconds and then gets
:class:`HistoryLocked` — never a half-written run. The file is in WAL mode,
so readers (``vrpbook history``) never block the scheduled writer, and
``synchronous=FULL``, so a committed run survives a power cut.

Times are stored as UTC ISO 8601 text of fixed width
(``2026-03-01T09:00:00.000000+00:00``), which sorts as it compares.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from vrpbook.reporters.header import RunHeader
from vrpbook.results import Results, Status, params_key

from .errors import (
    HistoryCorrupt,
    HistoryError,
    HistorySchemaTooNew,
    HistoryUnavailable,
    translate,
)
from .models import RunRecord, StateAt, Transition
from .schema import APPLICATION_ID, LATEST, MIGRATIONS

DEFAULT_TIMEOUT = 10.0
#: The schema version that added change runs, the change log and snapshots (history/schema.py).
CHANGES_SCHEMA = 3


def default_db_path() -> Path:
    """``$VRPBOOK_HISTORY``, else ``$XDG_STATE_HOME/vrpbook/history.db``
    (``~/.local/state/vrpbook/history.db``)."""
    if env := os.environ.get("VRPBOOK_HISTORY"):
        return Path(env)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "vrpbook" / "history.db"


def utc_text(at: datetime) -> str:
    """Fixed-width UTC ISO 8601 (sorts as it compares). Naive times are refused."""
    if at.tzinfo is None:
        raise ValueError(f"time without a time zone: {at.isoformat()}")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class RecordSummary:
    """What one recorded run changed in the history."""

    run_id: str
    judged: int
    changed: int
    new: int


class HistoryDB:
    """One open history database. Use as a context manager, or call :meth:`close`.

    ``readonly=True`` (queries) never creates or migrates the file: a missing
    file is :class:`HistoryUnavailable`. Writers create the file and its
    directory and bring the schema up to date.
    """

    def __init__(self, path: str | Path, *, timeout: float = DEFAULT_TIMEOUT, readonly: bool = False) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.readonly = readonly
        self._conn = self._connect()
        try:
            with self._errors():
                self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                if readonly:
                    self._check_schema(self._conn.execute("PRAGMA user_version").fetchone()[0])
                else:
                    self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # --- connection -------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise HistoryUnavailable(self.path, "is a directory")
        if self.readonly:
            if not self.path.exists():
                raise HistoryUnavailable(self.path, "no such file (nothing recorded yet?)")
            target, uri = f"file:{self.path.resolve()}?mode=ro", True
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryUnavailable(self.path, f"cannot create its directory ({exc.strerror})") from exc
            target, uri = str(self.path), False
        try:
            # autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT)
            return sqlite3.connect(target, timeout=self.timeout, uri=uri, isolation_level=None)
        except sqlite3.Error as exc:
            raise translate(self.path, exc, self.timeout) from exc

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise translate(self.path, exc, self.timeout) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, the lock taken at its start; rolled back on any error."""
        if self.readonly:
            raise HistoryError(self.path, "opened read-only")
        with self._errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error,
        sqlite errors translated): for the modules of this package that own a table
        (``locks.py``)."""
        return self._write()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for queries, sqlite errors translated into :class:`HistoryError`."""
        with self._errors():
            yield self._conn

    def _check_schema(self, version: int) -> None:
        app = self._conn.execute("PRAGMA application_id").fetchone()[0]
        if version > LATEST:
            raise HistorySchemaTooNew(self.path, f"schema version {version} is newer than this vrpbook's ({LATEST})")
        if app != APPLICATION_ID:
            tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app != 0 or tables or self.readonly:
                raise HistoryCorrupt(self.path, "not a vrpbook history database")

    def _migrate(self) -> None:
        with self._errors():
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise HistoryError(self.path, f"cannot use WAL journaling (got {mode})")
            self._conn.execute("PRAGMA synchronous = FULL")
            # Off while migrating (a rebuilt table is dropped and renamed; the pragma is a no-op
            # inside a transaction, so it is set before), checked before the migration commits.
            self._conn.execute("PRAGMA foreign_keys = OFF")
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            self._check_schema(version)
            for number in range(version, LATEST):
                for statement in _statements(MIGRATIONS[number]):
                    conn.execute(statement)
            if version < LATEST:
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise HistoryCorrupt(self.path, f"migration left {len(broken)} dangling reference(s), e.g. {broken[0]}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {LATEST}")
        with self._errors():
            self._conn.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._errors():
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # --- writing ----------------------------------------------------------------------

    def begin_run(self, header: RunHeader) -> None:
        """Record that a run started (visible as in progress until :meth:`record`)."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO runs (run_id, kind, what, inventory, started_at, vrpbook_version) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (header.run_id, header.kind, header.what, header.inventory, utc_text(header.started_at),
                 header.vrpbook_version),
            )

    def record(self, header: RunHeader, results: Results) -> RecordSummary:
        """Record a finished run and every state change its results show, in one transaction."""
        judged = changed = new = 0
        with self._write() as conn:
            c = header.counts
            conn.execute(
                "INSERT INTO runs (run_id, kind, what, inventory, started_at, finished_at, verdict, passed, failed,"
                " errors, changing, vrpbook_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (run_id) DO UPDATE SET finished_at = excluded.finished_at, verdict = excluded.verdict,"
                " passed = excluded.passed, failed = excluded.failed, errors = excluded.errors,"
                " changing = excluded.changing",
                (header.run_id, header.kind, header.what, header.inventory, utc_text(header.started_at),
                 utc_text(header.finished_at), header.verdict.value, c.passed, c.failed, c.errors, c.changing,
                 header.vrpbook_version),
            )
            for r in sorted(results, key=lambda r: (r.finished_at, r.key)):
                judged += 1
                seen = utc_text(r.finished_at)
                pkey = params_key(r.params)
                row = conn.execute(
                    "SELECT s.subject_id, s.last_seen_at, t.status, t.observed FROM subjects s "
                    "LEFT JOIN transitions t ON t.transition_id = s.current_transition_id "
                    "WHERE s.router = ? AND s.check_name = ? AND s.params_key = ?",
                    (r.router, r.check, pkey),
                ).fetchone()
                observed = _canon(r.observed)
                if row is None:
                    sid = conn.execute(
                        "INSERT INTO subjects (router, check_name, params_key, params, last_seen_at, last_run_id) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (r.router, r.check, pkey, _canon(r.params), seen, header.run_id),
                    ).lastrowid
                    previous_seen, is_change = None, True
                    new += 1
                else:
                    sid, previous_seen = row[0], row[1]
                    is_change = row[2] != r.status.value or row[3] != observed
                if is_change:
                    tid = conn.execute(
                        "INSERT INTO transitions (subject_id, at, previous_seen_at, run_id, status, observed,"
                        " expected, message, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (sid, seen, previous_seen, header.run_id, r.status.value, observed, _canon(r.expected),
                         r.message, r.source),
                    ).lastrowid
                    conn.execute("UPDATE subjects SET current_transition_id = ? WHERE subject_id = ?", (tid, sid))
                    changed += 1
                conn.execute(
                    "UPDATE subjects SET last_seen_at = max(last_seen_at, ?), last_run_id = ? WHERE subject_id = ?",
                    (seen, header.run_id, sid),
                )
        return RecordSummary(run_id=header.run_id, judged=judged, changed=changed, new=new)

    # --- queries ----------------------------------------------------------------------

    def timeline(
        self, *, router: str | None = None, check: str | None = None,
        since: datetime | None = None, until: datetime | None = None,
    ) -> list[Transition]:
        """Every change of the matching subjects, oldest first; *since*/*until* bound ``at``
        (inclusive), so with both this is "what changed between T1 and T2"."""
        where, args = _filters(router, check)
        if since is not None:
            where.append("x.at >= ?")
            args.append(utc_text(since))
        if until is not None:
            where.append("x.at <= ?")
            args.append(utc_text(until))
        sql = (
            "SELECT * FROM (SELECT t.at, s.router, s.check_name, s.params, t.status, t.observed, t.expected,"
            " t.message, t.run_id, t.previous_seen_at, t.transition_id,"
            " lag(t.status) OVER w AS previous_status, lag(t.observed) OVER w AS previous_observed"
            " FROM transitions t JOIN subjects s USING (subject_id)"
            " WINDOW w AS (PARTITION BY t.subject_id ORDER BY t.at, t.transition_id)) x"
            f" {'WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY x.at, x.router, x.check_name, x.transition_id"
        )
        with self._errors():
            rows = self._conn.execute(sql, args).fetchall()
        return [
            Transition(
                at=_time(row[0]), router=row[1], check=row[2], params=json.loads(row[3]), status=Status(row[4]),
                observed=json.loads(row[5]), expected=json.loads(row[6]), message=row[7], run_id=row[8],
                previous_seen_at=_maybe_time(row[9]),
                previous_status=Status(row[11]) if row[11] else None,
                previous_observed=json.loads(row[12]) if row[12] is not None else None,
            )
            for row in rows
        ]

    def state_at(self, at: datetime, *, router: str | None = None, check: str | None = None) -> list[StateAt]:
        """The state of every matching subject at time *at* (subjects first judged later are absent)."""
        where, args = _filters(router, check, alias="s")
        sql = (
            "SELECT s.router, s.check_name, s.params, t.status, t.at, t.observed, t.expected, t.message, s.last_seen_at"
            " FROM subjects s JOIN transitions t ON t.transition_id = ("
            "   SELECT t2.transition_id FROM transitions t2 WHERE t2.subject_id = s.subject_id AND t2.at <= ?"
            "   ORDER BY t2.at DESC, t2.transition_id DESC LIMIT 1)"
            f" {'WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY s.router, s.check_name, s.params_key"
        )
        with self._errors():
            rows = self._conn.execute(sql, [utc_text(at), *args]).fetchall()
        return [
            StateAt(
                router=row[0], check=row[1], params=json.loads(row[2]), status=Status(row[3]),
                since=_time(row[4]), observed=json.loads(row[5]), expected=json.loads(row[6]), message=row[7],
                last_seen_at=_time(row[8]),
            )
            for row in rows
        ]

    def runs(self, *, since: datetime | None = None, until: datetime | None = None) -> list[RunRecord]:
        """Runs that started within the bounds, oldest first."""
        where, args = [], []
        if since is not None:
            where.append("started_at >= ?")
            args.append(utc_text(since))
        if until is not None:
            where.append("started_at <= ?")
            args.append(utc_text(until))
        # a read-only file older than the change columns (schema 3) shows them as NULL
        extra = "ticket, status, exit_code" if self.schema_version >= CHANGES_SCHEMA else "NULL, NULL, NULL"
        sql = (
            "SELECT run_id, kind, what, inventory, started_at, finished_at, verdict, passed, failed, errors,"
            f" changing, vrpbook_version, {extra} FROM runs {'WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY started_at, run_id"
        )
        with self._errors():
            rows = self._conn.execute(sql, args).fetchall()
        return [
            RunRecord(
                run_id=row[0], kind=row[1], what=row[2], inventory=row[3], started_at=_time(row[4]),
                finished_at=_maybe_time(row[5]), verdict=row[6], passed=row[7], failed=row[8], errors=row[9],
                changing=row[10], vrpbook_version=row[11], ticket=row[12], status=row[13], exit_code=row[14],
            )
            for row in rows
        ]


def _filters(router: str | None, check: str | None, alias: str = "x") -> tuple[list[str], list[str]]:
    where: list[str] = []
    args: list[str] = []
    if router is not None:
        where.append(f"{alias}.router = ?")
        args.append(router)
    if check is not None:
        where.append(f"{alias}.check_name = ?")
        args.append(check)
    return where, args


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit mid-transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete statement in migration: {buf.strip()[:60]}")
    return out
