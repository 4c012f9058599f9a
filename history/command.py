"""``vrpbook history``: timeline, state at a time, changes in a window, runs.

Mounted by ``vrpbook/cli.py`` with :func:`register`. Exit codes: 0 answered
(an empty answer included), 2 usage (a time that does not parse, a window
that ends before it starts), 3 the database cannot be read (missing, locked,
corrupt, newer schema) — one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from vrpbook.reporters.evidence import compact
from vrpbook.reporters.terminal import STYLE
from vrpbook.results import params_key

from .db import HistoryDB, default_db_path
from .errors import HistoryError
from .models import RunRecord, StateAt, Transition
from .timeparse import TimeError, parse_time

EXIT_USAGE = 2
EXIT_DB = 3


def changed_values(before: Any, after: Any, path: str = "") -> list[str]:
    """What changed from *before* to *after*, one line each: ``pe1_to_ce1: Up → Down``.

    >>> changed_values({"a": "Up", "b": "Up"}, {"a": "Down", "b": "Up"})
    ['a: Up → Down']
    >>> changed_values(["x", "y"], ["y", "z"])
    ['- x', '+ z']
    """
    where = f"{path}: " if path else ""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        out: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in before:
                out.append(f"{sub}: (none) → {compact(after[key], 60)}")
            elif key not in after:
                out.append(f"{sub}: {compact(before[key], 60)} → (none)")
            else:
                out.extend(changed_values(before[key], after[key], sub))
        return out
    if isinstance(before, list) and isinstance(after, list):
        b = [compact(v, 80) for v in before]
        a = [compact(v, 80) for v in after]
        return [f"{where}- {v}" for v in b if v not in a] + [f"{where}+ {v}" for v in a if v not in b]
    if before == after:
        return []
    return [f"{where}{compact(before, 60)} → {compact(after, 60)}"]


def _when(at: datetime | None) -> str:
    """ISO 8601 in UTC, to the second: ``2026-03-01T09:15:00Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else "—"


_NO_WRAP = {"at", "since", "previously seen", "started", "finished", "router", "status", "check"}


def _table(title: str, columns: Sequence[str]) -> Table:
    t = Table(title=title)
    for col in columns:
        t.add_column(col, no_wrap=col in _NO_WRAP, overflow="fold")
    return t


def _label(check: str, params: dict[str, Any]) -> str:
    return check + (f"\n{params_key(params)}" if params else "")


def _timeline_table(rows: Sequence[Transition], title: str) -> Table:
    t = _table(title, ("at", "router", "check", "status", "what changed", "message", "previously seen"))
    for r in rows:
        status = Text()
        if r.previous_status:
            status.append(r.previous_status.value, style=STYLE[r.previous_status])
            status.append(" → ")
        status.append(r.status.value, style=STYLE[r.status])
        what = (changed_values(r.previous_observed, r.observed) if r.previous_status
                else [compact(r.observed, 100)])
        t.add_row(_when(r.at), escape(r.router), escape(_label(r.check, r.params)), status,
                  escape("\n".join(what)), escape(r.message), _when(r.previous_seen_at))
    return t


def _state_table(rows: Sequence[StateAt], title: str) -> Table:
    t = _table(title, ("router", "check", "status", "since", "observed", "message"))
    for r in rows:
        t.add_row(escape(r.router), escape(_label(r.check, r.params)), Text(r.status.value, style=STYLE[r.status]),
                  _when(r.since), escape(compact(r.observed, 100)), escape(r.message))
    return t


def _runs_table(rows: Sequence[RunRecord]) -> Table:
    t = _table("runs", ("run", "kind", "what", "started", "finished", "verdict", "fail", "error", "changing", "pass"))
    for r in rows:
        t.add_row(escape(r.run_id), r.kind, escape(r.what), _when(r.started_at), _when(r.finished_at),
                  r.verdict or "running", *(str(v) if v is not None else "—"
                                            for v in (r.failed, r.errors, r.changing, r.passed)))
    return t


def _fail(message: str, code: int) -> typer.Exit:
    sys.stderr.write(f"vrpbook history: {message}\n")
    return typer.Exit(code)


def history(
    db: Annotated[Path | None, typer.Option("--db", help="History database (default: $VRPBOOK_HISTORY or "
                                            "~/.local/state/vrpbook/history.db).")] = None,
    check: Annotated[str | None, typer.Option("--check", help="Only this check.")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Only this router.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="State of everything at this time (ISO 8601 with zone, or now).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Changes at or after this time.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Changes at or before this time.")] = None,
    runs: Annotated[bool, typer.Option("--runs", help="List the runs recorded (within --since/--until).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")] = False,
) -> None:
    """When did each check change state: timeline (default), --at T, --since/--until, --runs."""
    try:
        t_at = parse_time(at) if at else None
        t_since = parse_time(since) if since else None
        t_until = parse_time(until) if until else None
    except TimeError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    if t_at is not None and (t_since or t_until or runs):
        raise _fail("--at gives the state at one time; it does not combine with --since/--until/--runs", EXIT_USAGE)
    if t_since and t_until and t_until < t_since:
        raise _fail(f"--until {until} is before --since {since}", EXIT_USAGE)
    path = db or default_db_path()
    try:
        with HistoryDB(path, readonly=True) as hdb:
            payload: list[Any]
            if runs:
                run_rows = hdb.runs(since=t_since, until=t_until)
                payload, table = run_rows, _runs_table(run_rows)
            elif t_at is not None:
                state_rows = hdb.state_at(t_at, router=host, check=check)
                payload, table = state_rows, _state_table(state_rows, f"state at {_when(t_at)}")
            else:
                rows = hdb.timeline(router=host, check=check, since=t_since, until=t_until)
                window = f" from {_when(t_since)}" if t_since else ""
                window += f" until {_when(t_until)}" if t_until else ""
                payload, table = rows, _timeline_table(rows, f"changes{window}")
    except HistoryError as exc:
        raise _fail(str(exc), EXIT_DB) from None
    if as_json:
        sys.stdout.write(json.dumps([p.model_dump(mode="json") for p in payload], indent=2) + "\n")
        return
    console = Console()
    if not payload:
        console.print("nothing recorded" + (" for that filter" if host or check or t_since or t_until else ""))
        return
    console.print(table)


def register(app: typer.Typer) -> None:
    """Mount ``vrpbook history`` on *app*."""
    app.command("history")(history)


def standalone_app() -> typer.Typer:
    """A ``vrpbook``-shaped app with only ``history`` mounted (tests, and ``python -m``
    before the main CLI mounts it)."""
    app = typer.Typer(add_completion=False, no_args_is_help=True)

    @app.callback()
    def _root() -> None:
        """vrpbook (history only)."""

    register(app)
    return app


if __name__ == "__main__":  # ``python -m vrpbook.history.command history --db ...``
    standalone_app()()
