"""``vrpbook lock list`` and ``vrpbook lock break ROUTER``: the lock table, for operators.

A run, a change, a drill or a rehearsal holds its routers in the history
database's lock table (:mod:`.locks`). A holder that died on this machine frees
its routers at once (the next taker sees its process is gone); one that died on
another machine frees them when its lock expires. ``lock list`` shows every lock
and whether it is live or stale (and why); ``lock break`` deletes a stale lock —
a live one only with ``--force``, for a holder on another machine that an
operator knows is dead before its expiry.

Exit codes: 0 done (nothing to break included); 2 usage; 3 the database
cannot be read or written, or ``break`` refused a live lock (without
``--force``) — one line each, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .db import HistoryDB, default_db_path, utc_text
from .errors import HistoryError
from .locks import RouterLock, RouterLocks

EXIT_DB = 3

lock_app = typer.Typer(help="The per-router locks of runs and changes (history database).", no_args_is_help=True)

DbOption = Annotated[Path | None, typer.Option("--db", help="History database (default: $VRPBOOK_HISTORY or "
                                                "~/.local/state/vrpbook/history.db).")]


def _fail(message: str, code: int = EXIT_DB) -> typer.Exit:
    sys.stderr.write(f"vrpbook lock: {message}\n")
    return typer.Exit(code)


@lock_app.command("list")
def list_locks(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False) -> None:
    """Every router lock: holder, since, until, process, live or stale (and why)."""
    path = db or default_db_path()
    found: dict[str, RouterLock] = {}
    if path.exists():
        try:
            with HistoryDB(path, readonly=True) as hdb:
                found = RouterLocks(hdb).holders()
        except HistoryError as exc:
            raise _fail(str(exc)) from None
    rows = [(lk, lk.stale()) for lk in found.values()]
    if as_json:
        sys.stdout.write(json.dumps([{"router": lk.router, "holder": lk.holder, "ref": lk.ref, "since": utc_text(lk.since),
                                      "expires_at": utc_text(lk.expires_at), "pid": lk.pid, "hostname": lk.hostname,
                                      "stale": why} for lk, why in rows], indent=2) + "\n")
        return
    console = Console()
    if not rows:
        console.print("no router is locked")
        return
    for lk, why in rows:  # one line each: greppable, never wrapped into a table
        console.print(f"{lk.router}: held by {lk.holder} (ref {lk.ref}) since {utc_text(lk.since)} until "
                      f"{utc_text(lk.expires_at)}, pid {lk.pid} on {lk.hostname}: {'stale: ' + why if why else 'live'}",
                      highlight=False, markup=False, soft_wrap=True)


@lock_app.command("break")
def break_lock(
    routers: Annotated[list[str], typer.Argument(help="The routers whose lock to break.")],
    db: DbOption = None,
    force: Annotated[bool, typer.Option("--force", help="Break a live lock too (a holder on another machine known dead).")] = False,
) -> None:
    """Delete the stale lock of each ROUTER (a live one only with --force)."""
    path = db or default_db_path()
    out = Console()
    refused: list[str] = []
    try:
        with HistoryDB(path) as hdb:
            locks = RouterLocks(hdb)
            held = locks.holders(routers)
            for router in routers:
                lk = held.get(router)
                if lk is None:
                    out.print(f"{router}: not locked", highlight=False)
                    continue
                why = lk.stale()
                if why is None and not force:
                    refused.append(f"{router}: live lock not broken: {lk.describe()} (--force breaks it)")
                    continue
                locks.release(lk.ref, [router])
                out.print(f"{router}: broke the lock of {lk.holder} (ref {lk.ref}, since {utc_text(lk.since)}): "
                          f"{why or 'live, broken with --force'}", highlight=False, soft_wrap=True)
    except HistoryError as exc:
        raise _fail(str(exc)) from None
    for line in refused:
        sys.stderr.write(f"vrpbook lock: {line}\n")
    if refused:
        raise typer.Exit(EXIT_DB)


def register(app: typer.Typer) -> None:
    """Mount ``vrpbook lock`` on *app*."""
    app.add_typer(lock_app, name="lock")


__all__ = ["lock_app", "register"]
