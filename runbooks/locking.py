"""Hold routers in the history database's lock table for the length of a change.

VRP's ``configuration exclusive`` (taken by the preflight, held by the run's
sessions) keeps other *sessions* from committing, but it dies with the SSH
session and says nothing to a scheduler. The lock table
(:class:`vrpbook.history.RouterLocks`) is what every entry point — ``run``,
``change run``, ``drill``, ``rehearse`` against production — takes before it
connects, and what ``vrpbook check`` reads to report a router ``changing``.

API, for every entry point that changes routers::

    from vrpbook.runbooks.locking import router_locks

    with router_locks(["PE1", "CE1"], holder="alice: drill bfd-ce1-pe1", ref=run_id, wait=30) as held:
        ...                     # held.locks: the rows taken; renewed in the background
    # released here, however the block ends

- ``holder`` says who, in words (the operator and what they run): a second
  taker is refused with it and since when.
- ``wait`` seconds: retry until the holder releases (or its lock goes stale)
  instead of refusing; ``on_wait(holders)`` is called once when waiting
  starts, ``sleep`` is how to wait (a run passes its interruptible sleep).
- A refusal is :class:`~vrpbook.errors.RouterBusy` (exit 3), one line per
  router: ``PE1: held by alice: run bfd-static-vpn (ref R) since T until T2,
  pid 123 on host``. A database that cannot be written is
  :class:`LockTableError` (exit 2): nothing is changed without the lock.
- The locks are renewed every ``ttl / 3`` seconds by a background thread (its
  own database connection), so a change longer than ``ttl`` keeps them, and a
  holder that died loses them within ``ttl`` on any machine — at once on its
  own (the table knows its pid).

:class:`RouterHold` is the same without the ``with`` (the engine takes the
locks in one step and releases them in another).
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from vrpbook.errors import RouterBusy, UsageError
from vrpbook.history import HistoryDB, HistoryError, RouterLock, RouterLocked, RouterLocks, default_db_path
from vrpbook.history.db import utc_text

log = logging.getLogger(__name__)

#: Seconds a lock lives unless renewed (the holder renews every third of it).
DEFAULT_TTL = 300.0
#: Seconds between two attempts while waiting for a holder.
RETRY = 0.25


class LockTableError(UsageError):
    """The history database's lock table cannot be read or written: nothing was changed."""


def describe_holder(lock: RouterLock) -> str:
    """``held by alice: run bfd-static-vpn since T (ref R, pid 123 on host, until T2)``."""
    return (f"held by {lock.holder} since {utc_text(lock.since)} "
            f"(ref {lock.ref}, pid {lock.pid} on {lock.hostname}, until {utc_text(lock.expires_at)})")


def busy(held: Mapping[str, RouterLock], waited: float = 0.0) -> RouterBusy:
    """The refusal: one line per router, naming its holder and since when."""
    after = f" (waited {waited:g} s)" if waited else ""
    return RouterBusy("routers held by another change", routers={r: describe_holder(lk) + after for r, lk in held.items()})


class RouterHold:
    """Routers held in the lock table by one *ref*, renewed until :meth:`release`."""

    def __init__(self, db_path: Path, routers: Sequence[str], *, holder: str, ref: str, ttl: float = DEFAULT_TTL) -> None:
        self.db_path = db_path
        self.routers = sorted(set(routers))
        self.holder, self.ref, self.ttl = holder, ref, ttl
        self.locks: list[RouterLock] = []
        self.broken: list[RouterLock] = []
        self.waited = 0.0
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def take(self, *, wait: float = 0.0, on_wait: Callable[[Mapping[str, RouterLock]], None] | None = None,
             sleep: Callable[[float], None] = time.sleep) -> RouterHold:
        """Take every router (all or none), waiting up to *wait* seconds for other holders."""
        start = time.monotonic()
        told = False
        while True:
            try:
                with HistoryDB(self.db_path) as db:
                    taken = RouterLocks(db).take(self.routers, holder=self.holder, ref=self.ref, ttl=self.ttl)
                break
            except RouterLocked as exc:
                self.waited = round(time.monotonic() - start, 1)
                left = wait - (time.monotonic() - start)
                if left <= 0:
                    raise busy(exc.held, self.waited if wait else 0.0) from None
                if not told:
                    refs = sorted({f"run {lk.ref} ({lk.holder})" for lk in exc.held.values()})
                    log.info("waiting up to %g s for %s (router lock table: %s)", wait, "; ".join(refs), ", ".join(exc.held))
                    if on_wait is not None:
                        on_wait(exc.held)
                told = True
                sleep(min(RETRY, left) * random.uniform(0.5, 1.0))  # jitter: two waiters never in lockstep
            except HistoryError as exc:
                raise LockTableError(f"router locks not taken: {exc}") from exc
        self.locks, self.broken = taken.locks, taken.broken
        for lk in self.broken:
            log.warning("%s: stale lock replaced: %s", lk.router, lk.describe())
        self._renewer = threading.Thread(target=self._renew_loop, name=f"lock-renew-{self.ref}", daemon=True)
        self._renewer.start()
        return self

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                with HistoryDB(self.db_path) as db:
                    RouterLocks(db).renew(self.ref, self.ttl)
            except HistoryError as exc:  # the next renewal may succeed; the lock lives ttl meanwhile
                log.warning("router locks of %s not renewed: %s", self.ref, exc)

    def release(self) -> list[str]:
        """Drop every lock this hold took (idempotent); the routers released."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
            self._renewer = None
        if not self.locks:
            return []
        try:
            with HistoryDB(self.db_path) as db:
                gone = RouterLocks(db).release(self.ref)
        except HistoryError as exc:  # the lock goes stale with this process, or at its expiry
            log.warning("router locks of %s not released: %s", self.ref, exc)
            return []
        self.locks = []
        return gone


@contextlib.contextmanager
def router_locks(
    routers: Sequence[str],
    holder: str,
    ref: str,
    *,
    wait: float = 0.0,
    db_path: Path | None = None,
    ttl: float = DEFAULT_TTL,
    on_wait: Callable[[Mapping[str, RouterLock]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[RouterHold]:
    """Hold *routers* for *ref* for the block (module docstring); *db_path* defaults to the
    history database every command uses (``$VRPBOOK_HISTORY`` or the state directory)."""
    hold = RouterHold(db_path or default_db_path(), routers, holder=holder, ref=ref, ttl=ttl)
    hold.take(wait=wait, on_wait=on_wait, sleep=sleep)
    try:
        yield hold
    finally:
        hold.release()


def holder_name(operator: str, what: str) -> str:
    """The words a lock carries: ``alice: change CHG-1 (bfd-static-vpn)``."""
    return f"{operator}: {what}"


__all__ = ["DEFAULT_TTL", "LockTableError", "RouterHold", "busy", "describe_holder", "holder_name", "router_locks"]
