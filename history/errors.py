"""What can go wrong with the history database, as typed one-line errors.

``str(error)`` is the one line the CLI prints; the caller (``check``) still
writes its report files, since those never depend on the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .locks import RouterLock


class HistoryError(Exception):
    """Any history database failure; ``str()`` is one line naming the file."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"history database {path}: {message}")
        self.path = Path(path)


class HistoryLocked(HistoryError):
    """Another writer held the database past our timeout."""


class HistoryCorrupt(HistoryError):
    """The file is not a SQLite database, is damaged, or is not a vrpbook history database."""


class HistorySchemaTooNew(HistoryError):
    """The database was written by a newer vrpbook (a schema version we do not know)."""


class HistoryUnavailable(HistoryError):
    """The file cannot be opened (missing when reading, a directory, no permission)."""


class RouterLocked(Exception):
    """Routers held by another live holder (:meth:`RouterLocks.take` took nothing); ``str()``
    is one line naming each, ``held`` maps router to its lock."""

    def __init__(self, held: Mapping[str, RouterLock]) -> None:
        self.held = dict(held)
        super().__init__("routers held by another holder: " + "; ".join(lk.describe() for lk in self.held.values()))


def translate(path: Path, exc: sqlite3.Error, timeout: float) -> HistoryError:
    """The typed error for a sqlite3 exception raised while using *path*."""
    text = str(exc).strip() or type(exc).__name__
    low = text.lower()
    if "locked" in low or "busy" in low:
        return HistoryLocked(path, f"locked by another writer (waited {timeout:g} s)")
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return HistoryCorrupt(path, f"corrupt or not a database ({text})")
    if "unable to open" in low or "readonly" in low or "read-only" in low or "disk i/o" in low:
        return HistoryUnavailable(path, f"cannot open ({text})")
    return HistoryError(path, text)
