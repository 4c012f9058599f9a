"""``vrpbook change run``: the change, only if its file allows it now — and inside its window.

Before connecting: the file must match its hash, the time must be inside the
window, the approvals must be there, and the runbook and intent must be the ones
approved (:func:`.policy.refusals`); each refusal is recorded in the history
under the ticket and ends the command with exit 5, naming every reason.

Then a run like ``vrpbook run`` (the same engine, journal, preflight, gates,
rollback), with: the history lock table held for the change (holder
``operator: change TICKET (runbook)``); the approved diffs checked against the
routers' live ones under the locks, before the first change
(:func:`.policy.drift_check`, exit 5 naming the router and the difference);
the window enforced at every stage (``runbooks/window.py``, exit 6); the
ticket as every commit's description; the run recorded as kind ``change``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vrpbook import clock
from vrpbook.errors import ChangeRefused
from vrpbook.history import ChangeLog, HistoryDB, HistoryError, default_db_path
from vrpbook.intent import NetworkIntent
from vrpbook.runbooks.redact import Redactor
from vrpbook.runbooks.report import RunReport
from vrpbook.runbooks.runner import Target, run_with_target, runbook_sha256
from vrpbook.runbooks.schema import Runbook
from vrpbook.runbooks.window import WindowGuard

from .model import ChangeFile
from .plan import intent_sha256
from .policy import drift_check, refusals

log = logging.getLogger(__name__)


def note(ticket: str, kind: str, message: str, *, db_path: Path | None = None, detail: Mapping[str, Any] | None = None) -> str | None:
    """One step of the change in the history's change log; a warning (returned) if it cannot be written."""
    try:
        with HistoryDB(db_path or default_db_path()) as db:
            ChangeLog(db).note(ticket, kind, message=message, detail=dict(detail or {}))
    except HistoryError as exc:
        log.warning("change log not written: %s", exc)
        return f"warning: the history's change log was not written: {exc}"
    return None


def gate(change: ChangeFile, rb: Runbook, intents: NetworkIntent, *, path: Path, db_path: Path | None = None) -> None:
    """Refuse (and record why) a change its file does not allow now."""
    reasons = refusals(change, clock.now(), runbook_sha256=runbook_sha256(rb), intent_sha256=intent_sha256(intents))
    if reasons:
        note(change.ticket, "refused", "; ".join(reasons), db_path=db_path, detail={"change_file": str(path), "reasons": reasons})
        raise ChangeRefused("\n".join(f"ticket {change.ticket}: refused (nothing changed): {r}" for r in reasons))


def run_change(
    change: ChangeFile,
    rb: Runbook,
    intents: NetworkIntent,
    target: Target,
    *,
    path: Path,
    history_db: Path | None = None,
    **kwargs: Any,
) -> tuple[RunReport, Path]:
    """:func:`gate`, then the run (keyword arguments as for :func:`run_with_target`)."""
    gate(change, rb, intents, path=path, db_path=history_db)
    return run_with_target(
        rb, intents, target, ticket=change.ticket, hosts=change.hosts, kind="change", history_db=history_db,
        window=WindowGuard(change.window.window()), plan_check=drift_check(change, Redactor(target.secrets)),
        change_file=(str(Path(path).resolve()), change.content_sha256), **kwargs,
    )


__all__ = ["gate", "note", "run_change"]
