"""Who holds a router right now: a router being changed is reported ``changing``, not non-compliant.

Two kinds of evidence, both required by design:

- **Holder sources**, asked before connecting (:class:`HolderSource`, a callable
  ``(routers) -> {router: [Holder]}`` in the list :func:`sources` returns): the
  per-router lock table of the history database (:func:`lock_table_source`,
  written by runs and change windows through ``vrpbook.history.RouterLocks``),
  and the runbook engine's run journal (:func:`journal_source`): a run whose
  process is alive holds the routers it touches. A run whose process died
  (or ended with a router in no known state) holds nothing — nobody is
  changing the router — and is a **finding** instead: one ``fail`` result
  ``no-unfinished-run`` per router it touched, naming the run and
  ``vrpbook recover RUN_ID``. The same rule ``vrpbook run`` refuses by
  (:func:`vrpbook.runbooks.journal.conflicts`), so the routers a run would
  refuse are the ones the check reports.
- **The device** (:func:`device_holders`), read over the check's own session:
  ``display configuration-occupied user`` shows a session holding
  ``configuration exclusive`` (vrpbook's check never locks, so any holder is
  another session) — unless that lock is stale, which the
  ``no-stale-config-lock`` check reports as a finding instead; and
  ``display configuration trial status`` shows a pending ``commit trial``.
  A trial counts as a change in progress when someone holds the router (the
  lock, or a source above: a vrpbook run holds the lock through its trials);
  a trial nobody holds is an orphan, and ``no-pending-trial`` fails on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vrpbook.checks.session import LockAge, stale_holders
from vrpbook.history import HistoryDB, HistoryError, RouterLocks
from vrpbook.parsers.config_session import ConfigurationOccupied
from vrpbook.parsers.trial_status import TrialStatus
from vrpbook.results import CheckResult, Status
from vrpbook.runbooks.journal import conflicts, default_journal_dir
from vrpbook.tasks.device_state import describe_holder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Holder:
    """Evidence that *router* is being changed: where it was seen, and who, in one line."""

    router: str
    source: str
    detail: str

    def line(self) -> str:
        return f"{self.detail} ({self.source})"


#: A source of holders known before connecting: routers -> their holders.
HolderSource = Callable[[Sequence[str]], Mapping[str, list[Holder]]]


def lock_table_source(db_path: Path, warnings: list[str]) -> HolderSource:
    """Live holders from the history database's lock table. A database that does not exist
    holds nothing; one that cannot be read adds a warning (the check goes on: routers it
    would have shown as held are judged, never hidden)."""

    def holders(routers: Sequence[str]) -> Mapping[str, list[Holder]]:
        if not db_path.exists():
            return {}
        try:
            with HistoryDB(db_path, readonly=True) as db:
                locks = RouterLocks(db)
                found = locks.holders(routers)
        except HistoryError as exc:
            warnings.append(f"router locks not read: {exc}")
            return {}
        out: dict[str, list[Holder]] = {}
        for router, lock in found.items():
            why = lock.stale()
            if why is not None:
                warnings.append(f"{router}: stale lock ignored: {lock.describe()} — {why}")
                continue
            out.setdefault(router, []).append(Holder(router, "history lock table", lock.describe()))
        return out

    return holders


#: The result name of a router an unfinished run left (:func:`journal_source`).
UNFINISHED_RUN = "no-unfinished-run"


def journal_source(
    directory: Path | None,
    addresses: Mapping[str, str],
    findings: list[CheckResult],
    warnings: list[str],
) -> HolderSource:
    """Routers touched by runs in the run journal (*directory*; default: the journal every
    ``vrpbook run`` of this user writes), by inventory name or by address (``host:port``,
    from *addresses*), exactly as ``vrpbook run`` refuses them.

    A run in progress (its process holds the journal's lock) is a holder: ``changing``.
    A run that needs ``vrpbook recover`` is appended to *findings* as a ``fail`` result per
    router: a definite, actionable defect (the router may hold part of a change: neither its
    pre-run nor its post-run configuration) that the journal proves, not a display that could
    not be read (``error`` means "could not check, try again"; waiting cannot fix this).
    A journal directory that cannot be read adds a warning (the routers are still judged)."""

    def holders(routers: Sequence[str]) -> Mapping[str, list[Holder]]:
        wanted = {r: addresses.get(r, "") for r in routers}
        try:
            found = conflicts(wanted, directory or default_journal_dir())
        except OSError as exc:
            warnings.append(f"run journal not read: {exc}")
            return {}
        out: dict[str, list[Holder]] = {}
        for conflict in found:
            rec = conflict.run
            theirs = {r.name: r for r in rec.routers.values() if r.name in conflict.routers}
            by_address = {r.address: r for r in theirs.values() if r.address}
            for router, address in wanted.items():
                record = theirs.get(router) or (by_address.get(address) if address else None)
                if record is None:
                    continue
                if conflict.in_progress:
                    out.setdefault(router, []).append(
                        Holder(router, "run journal", f"{rec.describe()} is in progress on this router"))
                    continue
                state = record.state
                findings.append(CheckResult(
                    router=router, check=UNFINISHED_RUN, status=Status.FAIL, source="check",
                    message=f"{conflict.message()} (its last record of this router: {state})",
                    observed={"run": rec.run_id, "ended": rec.ended, "status": rec.status, "router_state": state},
                    expected={"run": "finished, every router pre-run or post-run"},
                    evidence={"journal": str(rec.path), "recover": f"vrpbook recover {rec.run_id}"},
                    tags=("config", "journal"),
                ))
        return out

    return holders


def sources(
    db_path: Path | None,
    warnings: list[str],
    findings: list[CheckResult] | None = None,
    *,
    addresses: Mapping[str, str] | None = None,
    journal_dir: Path | None = None,
) -> list[HolderSource]:
    """The holder sources a check asks before connecting: the history database's lock table
    (unless *db_path* is None) and, when *findings* is given, the run journal."""
    out = [lock_table_source(db_path, warnings)] if db_path is not None else []
    if findings is not None:
        out.append(journal_source(journal_dir, addresses or {}, findings, warnings))
    return out


def known_holders(srcs: Sequence[HolderSource], routers: Sequence[str]) -> dict[str, list[Holder]]:
    out: dict[str, list[Holder]] = {}
    for src in srcs:
        for router, hs in src(routers).items():
            out.setdefault(router, []).extend(hs)
    return out


def device_holders(
    router: str,
    occupied: ConfigurationOccupied | None,
    trial: TrialStatus | None,
    lock_age: LockAge,
    held_elsewhere: bool,
    now: datetime | None = None,
) -> list[Holder]:
    """What the router itself shows of a change in progress (module docstring)."""
    out: list[Holder] = []
    if occupied is not None and occupied.locked:
        stale = {id(h) for h in stale_holders(occupied, lock_age, now)}
        out.extend(Holder(router, "device: configuration exclusive", f"configuration exclusive held by {describe_holder(h)}")
                   for h in occupied.holders if id(h) not in stale)
    if trial is not None and trial.active and (out or held_elsewhere):
        out.append(Holder(router, "device: commit trial",
                          f"a commit trial is pending ({trial.time_left} s left)"))
    return out


def as_changing(result: CheckResult, holders: Sequence[Holder]) -> CheckResult:
    """*result* on a held router: ``changing``, naming the holders and what the check saw."""
    held = "; ".join(h.line() for h in holders)
    saw = f"{result.status.value}: {result.message}"
    return result.model_copy(update={
        "status": Status.CHANGING,
        "message": f"being changed — {held}; the check saw {saw}",
        "evidence": {**result.evidence, "holders": [h.line() for h in holders], "judged": result.status.value},
    })
