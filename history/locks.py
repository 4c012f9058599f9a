"""Per-router locks in the history database: which run or change window holds a router.

VRP's own lock (``configuration exclusive``) lives only as long as one SSH
session. A run or a change window spans many sessions, processes and hours,
and a scheduled ``vrpbook check`` must know that a router is *being changed*
(report it ``changing``, not non-compliant). So holders also write a row
here, one per router, in the same database the check records into.

API (one transaction per call; a second writer waits, then
:class:`~vrpbook.history.errors.HistoryLocked`)::

    with HistoryDB(path) as db:
        locks = RouterLocks(db)
        took = locks.take(["PE1", "PE2"], holder="run bfd-static-vpn", ref=run_id, ttl=1800)
        locks.renew(run_id, ttl=1800)            # before expires_at, for long work
        locks.release(run_id)                    # every router the ref holds (or some)
        locks.holders(["PE1"])                   # {router: RouterLock}, stale ones included
        locks.live_holders(["PE1"])              # {router: RouterLock}, only live holders
        locks.break_stale()                      # delete stale locks, return them

``take`` is all or nothing: if any router is held by another ref and that lock
is live, nothing is taken and :class:`RouterLocked` names every holder. A
stale lock is replaced (``took.broken`` lists it, for the caller's log).
Taking again with the same ``ref`` renews.

**Stale** (:meth:`RouterLock.stale`): a lock is stale when it expired (the
holder did not renew in time), or when it was taken on this machine and its
process is gone — the pid no longer exists, or exists but started at another
time (a reused pid; the start time comes from ``/proc``). A lock taken on
another machine can only go stale by expiring: its liveness cannot be seen from
here. So a ``kill -9``'d run frees its routers for the next taker at once on
the same machine, and within ``ttl`` anywhere.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from vrpbook import clock

from .db import HistoryDB, utc_text
from .errors import RouterLocked

#: The schema version that added ``router_locks`` (history/schema.py).
LOCKS_SCHEMA = 2
_COLUMNS = "router, holder, ref, since, expires_at, pid, pid_start, hostname"


def process_start(pid: int) -> str | None:
    """A stamp of when process *pid* started (boot id + start tick from ``/proc``), or None
    where ``/proc`` does not say. Two processes with one pid never share it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces: split after it
    fields = stat[stat.rfind(")") + 2:].split()
    return f"{boot}:{fields[19]}" if len(fields) > 19 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


@dataclass(frozen=True)
class RouterLock:
    """One router held by one holder (a row of ``router_locks``)."""

    router: str
    holder: str
    ref: str
    since: datetime
    expires_at: datetime
    pid: int
    pid_start: str | None
    hostname: str

    def stale(self, now: datetime | None = None) -> str | None:
        """Why this lock is stale (one phrase), or None while its holder may still be working."""
        at = now or clock.now()
        if at >= self.expires_at:
            return f"expired at {utc_text(self.expires_at)}"
        if self.hostname == socket.gethostname():
            if not _alive(self.pid):
                return f"process {self.pid} on {self.hostname} is gone"
            if self.pid_start is not None and process_start(self.pid) not in (None, self.pid_start):
                return f"process {self.pid} on {self.hostname} is gone (pid reused)"
        return None

    def describe(self) -> str:
        """``PE1 held by run bfd-static-vpn (ref R) since T until T2, pid 123 on host``."""
        return (f"{self.router} held by {self.holder} (ref {self.ref}) since {utc_text(self.since)} "
                f"until {utc_text(self.expires_at)}, pid {self.pid} on {self.hostname}")


@dataclass(frozen=True)
class Taken:
    """What :meth:`RouterLocks.take` did: the locks now held, and stale ones it replaced."""

    locks: list[RouterLock]
    broken: list[RouterLock] = field(default_factory=list)


def _row(row: Sequence[object]) -> RouterLock:
    router, holder, ref, since, expires, pid, pid_start, hostname = row
    return RouterLock(
        router=str(router), holder=str(holder), ref=str(ref), since=datetime.fromisoformat(str(since)),
        expires_at=datetime.fromisoformat(str(expires)), pid=int(str(pid)),
        pid_start=None if pid_start is None else str(pid_start), hostname=str(hostname),
    )


class RouterLocks:
    """The ``router_locks`` table of one open (writable) :class:`HistoryDB`."""

    def __init__(self, db: HistoryDB) -> None:
        self.db = db

    def take(self, routers: Iterable[str], *, holder: str, ref: str, ttl: float,
             now: datetime | None = None) -> Taken:
        """Hold every router of *routers* for *ref* until ``now + ttl``: all or none."""
        names = sorted(set(routers))
        if not names or ttl <= 0:
            raise ValueError("take() needs routers and a positive ttl")
        at = now or clock.now()
        pid = os.getpid()
        mine = RouterLock(router="", holder=holder, ref=ref, since=at, expires_at=at + timedelta(seconds=ttl),
                          pid=pid, pid_start=process_start(pid), hostname=socket.gethostname())
        taken: list[RouterLock] = []
        broken: list[RouterLock] = []
        with self.db.transaction() as conn:
            current = self._select(conn, names)
            held = {r: lk for r, lk in current.items() if lk.ref != ref and lk.stale(at) is None}
            if held:
                raise RouterLocked(held)
            for router in names:
                old = current.get(router)
                if old is not None and old.ref != ref:
                    broken.append(old)
                since = old.since if old is not None and old.ref == ref else at
                lock = RouterLock(**{**mine.__dict__, "router": router, "since": since})
                conn.execute(
                    f"INSERT OR REPLACE INTO router_locks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (lock.router, lock.holder, lock.ref, utc_text(lock.since), utc_text(lock.expires_at),
                     lock.pid, lock.pid_start, lock.hostname),
                )
                taken.append(lock)
        return Taken(taken, broken)

    def renew(self, ref: str, ttl: float, now: datetime | None = None) -> int:
        """Push the expiry of every lock *ref* holds to ``now + ttl``; the number renewed."""
        at = now or clock.now()
        with self.db.transaction() as conn:
            cur = conn.execute("UPDATE router_locks SET expires_at = ? WHERE ref = ?",
                               (utc_text(at + timedelta(seconds=ttl)), ref))
            return int(cur.rowcount)

    def release(self, ref: str, routers: Iterable[str] | None = None) -> list[str]:
        """Drop the locks *ref* holds (on *routers*, or all of them); the routers released.
        Another ref's lock is never touched."""
        with self.db.transaction() as conn:
            held = [str(r[0]) for r in conn.execute("SELECT router FROM router_locks WHERE ref = ?", (ref,))]
            gone = [r for r in held if routers is None or r in set(routers)]
            conn.executemany("DELETE FROM router_locks WHERE ref = ? AND router = ?", [(ref, r) for r in gone])
        return sorted(gone)

    def holders(self, routers: Iterable[str] | None = None) -> dict[str, RouterLock]:
        """The lock of each router that has one (stale ones included: ask ``lock.stale()``).
        A database opened read-only and older than the lock table has no locks."""
        if self.db.schema_version < LOCKS_SCHEMA:
            return {}
        with self.db.reading() as conn:
            return self._select(conn, None if routers is None else sorted(set(routers)))

    def live_holders(self, routers: Iterable[str] | None = None, now: datetime | None = None) -> dict[str, RouterLock]:
        """Only the locks whose holder may still be working."""
        return {r: lk for r, lk in self.holders(routers).items() if lk.stale(now) is None}

    def break_stale(self, routers: Iterable[str] | None = None, now: datetime | None = None) -> list[RouterLock]:
        """Delete the stale locks (of *routers*, or all); return what was deleted."""
        with self.db.transaction() as conn:
            stale = [lk for lk in self._select(conn, None if routers is None else sorted(set(routers))).values()
                     if lk.stale(now) is not None]
            conn.executemany("DELETE FROM router_locks WHERE router = ? AND ref = ?", [(lk.router, lk.ref) for lk in stale])
        return stale

    @staticmethod
    def _select(conn: sqlite3.Connection, routers: list[str] | None) -> dict[str, RouterLock]:
        if routers is None:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM router_locks ORDER BY router").fetchall()
        else:
            marks = ",".join("?" * len(routers))
            rows = conn.execute(f"SELECT {_COLUMNS} FROM router_locks WHERE router IN ({marks}) ORDER BY router",
                                routers).fetchall() if routers else []
        return {lk.router: lk for lk in map(_row, rows)}
