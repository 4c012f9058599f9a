"""The history database: what changed, when, on which router — and which runs saw it.

An embedded SQLite file (WAL, one transaction per write, a versioned schema)
that stores **state changes, not snapshots**: for each (router, check,
params) the times its status or its observed value changed, plus one record
per run (check, run or drill). ``vrpbook history`` answers the timeline of a
check or a router, the state of everything at a time T, and what changed
between two times.

Reports never wait for history: the check command writes its JSON/JUnit/HTML
files first, then records here; a locked or corrupt database is a typed,
one-line :class:`~vrpbook.history.errors.HistoryError`.
"""

from __future__ import annotations

from .changes import ChangeLog, LogEntry, Snapshot
from .db import HistoryDB, RecordSummary, default_db_path
from .errors import (
    HistoryCorrupt,
    HistoryError,
    HistoryLocked,
    HistorySchemaTooNew,
    HistoryUnavailable,
    RouterLocked,
)
from .locks import RouterLock, RouterLocks, Taken
from .models import RunRecord, StateAt, Transition

__all__ = [
    "ChangeLog", "HistoryCorrupt", "HistoryDB", "HistoryError", "HistoryLocked", "HistorySchemaTooNew",
    "HistoryUnavailable", "LogEntry", "RecordSummary", "RouterLock", "RouterLocked", "RouterLocks", "RunRecord", "Snapshot", "StateAt",
    "Taken", "Transition", "default_db_path",
]
