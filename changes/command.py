"""``vrpbook change plan | approve | show | run | log``: a change as a file.

Thin shells: the rules are in :mod:`.policy`, the planning in :mod:`.plan`, the
run in :mod:`.run`. Exit codes: 0 done; 2 usage (a bad window, a naive time, an
unreadable change file, an existing output file without ``--force``); 3 a
router could not be read or changed (as ``vrpbook run``); 4 a gate failed (the
change was undone); 5 refused by the change file (outside the window, missing
approvals, a self-approval, an edited file, drift); 6 the window closed during
the run (the stage aborted, the run undone per its policy, verified).
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vrpbook import clock
from vrpbook.errors import UsageError
from vrpbook.events import EventBus
from vrpbook.history import ChangeLog, HistoryDB, HistoryError, default_db_path
from vrpbook.intent import intent_of
from vrpbook.inventory import load_inventory
from vrpbook.runbooks.progress import Progress, print_summary
from vrpbook.runbooks.redact import Redactor
from vrpbook.runbooks.runner import open_target, operator, prepare
from vrpbook.runbooks.schema import load_runbook
from vrpbook.runbooks.signals import Interruption
from vrpbook.runbooks.window import Window

from . import model
from .model import Policy
from .plan import plan_change, runbook_ref
from .policy import approve, refusals
from .run import note, run_change

console = Console()
err_console = Console(stderr=True)

change_app = typer.Typer(help="A change as a file: plan it, approve it, run it inside its window.", no_args_is_help=True)

History = Annotated[Path | None, typer.Option("--history", help="History database (default: $VRPBOOK_HISTORY or "
                                               "~/.local/state/vrpbook/history.db).")]


def _say(line: str, *, err: bool = False) -> None:
    (err_console if err else console).print(line, highlight=False, markup=False, soft_wrap=True)


def _ticket(value: str) -> str:
    if not (1 <= len(value) <= 60 and value.isprintable()):
        raise UsageError("--ticket must be 1-60 printable characters (it becomes the VRP commit description)")
    return value


@change_app.command("plan")
def plan_cmd(
    runbook: Annotated[str, typer.Argument(help="Runbook name (bfd-static-vpn) or path to a runbook YAML.")],
    window: Annotated[str, typer.Option(
        "--window", help="START/END, ISO 8601 with a zone (2026-03-01T22:00+01:00/2026-03-02T02:00+01:00).")],
    ticket: Annotated[str, typer.Option("--ticket", help="The change ticket (the VRP commit description, max 60 chars).")],
    inventory: Annotated[Path | None, typer.Option(
        "--inventory", "-i", help="Nornir inventory directory (default: inventory/lab).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The change file to write.")] = Path("change.yaml"),
    hosts: Annotated[str | None, typer.Option("--hosts", help="Comma-separated routers (default: all).")] = None,
    requester: Annotated[str | None, typer.Option(
        "--requester", help="Who requests it (default: $VRPBOOK_OPERATOR, else the login name).")] = None,
    approvals: Annotated[int, typer.Option("--approvals", min=1, max=10, help="Approvals required.")] = 1,
    allow_self_approval: Annotated[bool, typer.Option("--allow-self-approval", help="Let the requester approve it.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing change file.")] = False,
    history: History = None,
) -> None:
    """Plan a change: each router's own diff, the window, the ticket, the requester, into a file."""
    win = Window.parse(window)
    _ticket(ticket)
    if output.exists() and not force:
        raise UsageError(f"{output} exists (an approved change file is never overwritten by accident): --force, or another -o")
    rb, inv, intents = prepare(runbook, inventory)
    host_list = [h.strip() for h in hosts.split(",") if h.strip()] if hosts else None
    with open_target(inv, lab=False, hosts=host_list) as target:
        change = plan_change(rb, intents, target, runbook=runbook_ref(rb, runbook), window=win, ticket=ticket,
                             requester=requester or operator(), hosts=host_list,
                             policy=Policy(approvals_required=approvals, self_approval=allow_self_approval),
                             redact=Redactor(target.secrets))
    model.save(change, output)
    changed = change.changed_routers()
    for r, p in change.routers.items():
        lines = sum(1 for ln in p.diff.splitlines() if ln[:1] in "+-")
        _say(f"{r}: changes ({lines} line(s))" if p.changes else f"{r}: no change")
        for n in p.notes:
            _say(f"  note: {n}")
    warn = note(change.ticket, "planned", f"planned by {change.requester}: {len(changed)} router(s) change ({', '.join(changed)}), "
                f"window {win}", db_path=history, detail={"change_file": str(output.resolve()),
                                                         "content_sha256": change.content_sha256})
    if warn:
        _say(warn, err=True)
    _say(f"{output}: change {ticket} planned for {win}; needs {approvals} approval(s) "
         f"({'self-approval allowed' if allow_self_approval else 'not by ' + change.requester})")


@change_app.command("approve")
def approve_cmd(
    change_file: Annotated[Path, typer.Argument(help="The change file.")],
    by: Annotated[str, typer.Option("--by", help="Who approves (a name, as the team knows it).")],
    history: History = None,
) -> None:
    """Approve a change (not the requester's own, not after its window, not an edited file)."""
    change = model.load(change_file)
    try:
        approved = approve(change, by=by, operator=operator(), now=clock.now())
    except Exception as exc:
        note(change.ticket, "approval-refused", str(exc), db_path=history, detail={"by": by, "operator": operator()})
        raise
    model.save(approved, change_file)
    have = len(approved.valid_approvals())
    warn = note(change.ticket, "approved", f"approved by {by} ({have} of {approved.policy.approvals_required})",
                db_path=history, detail={"by": by, "operator": operator(), "content_sha256": approved.content_sha256})
    if warn:
        _say(warn, err=True)
    _say(f"{change_file}: {approved.ticket} approved by {by} ({have} of {approved.policy.approvals_required} required)")


@change_app.command("show")
def show_cmd(change_file: Annotated[Path, typer.Argument(help="The change file.")]) -> None:
    """What a change file holds, its approvals, and whether it may run now (and why not)."""
    change = model.load(change_file)
    _say(f"ticket {change.ticket}, requested by {change.requester}, planned {change.planned_at.isoformat(timespec='seconds')}")
    _say(f"window {change.window.window()}; runbook {change.runbook.name}; inventory {change.inventory.path}")
    for a in change.valid_approvals():
        _say(f"approved by {a.by} at {a.at.isoformat(timespec='seconds')}")
    for a, why in change.void_approvals():
        _say(f"void approval by {a.by}: {why}")
    for r, p in change.routers.items():
        _say(f"{r}: {'changes' if p.changes else 'no change'}")
        for n in p.notes:
            _say(f"  note (when planned): {n}")
        for ln in p.diff.splitlines():
            if ln[:1] in "+-":
                _say(f"  {ln}")
    reasons = refusals(change, clock.now())
    _say("may run now" if not reasons else "may not run now: " + "; ".join(reasons))


@change_app.command("run")
def run_cmd(
    change_file: Annotated[Path, typer.Argument(help="The approved change file.")],
    inventory: Annotated[Path | None, typer.Option("--inventory", "-i", help="Reach the routers through this inventory "
                                                   "(its intent must be the approved one; default: the change's).")] = None,
    wait_lock: Annotated[float, typer.Option("--wait-lock", min=0, max=86400, metavar="SECONDS",
                                             help="Wait up to SECONDS for routers held by another change, instead of refusing.")] = 0.0,
    artifacts: Annotated[Path, typer.Option("--artifacts", help="Directory for the run's artifacts.")] = Path("artifacts"),
    journal: Annotated[Path | None, typer.Option("--journal", help="Run journal directory.")] = None,
    keep_artifacts: Annotated[int | None, typer.Option("--keep-artifacts", min=1, metavar="N")] = None,
    history: History = None,
) -> None:
    """Run an approved change inside its window (refused otherwise), locked, snapshotted, recorded."""
    change = model.load(change_file)
    source = change.runbook.source
    rb = load_runbook(source if Path(source).exists() else change.runbook.name)
    inv = load_inventory(inventory or change.inventory.path)
    intents = intent_of(inv)
    progress = Progress(console, rb)
    bus = EventBus()
    progress.subscribe(bus)
    cancel = Interruption()
    with cancel.installed(), open_target(inv, lab=False, hosts=change.hosts) as target, progress:
        report, root = run_change(change, rb, intents, target, path=change_file, history_db=history, artifacts_dir=artifacts,
                                  bus=bus, cancel=cancel, journal_dir=journal, wait_lock=wait_lock,
                                  keep_artifacts=keep_artifacts)
    with contextlib.suppress(OSError):
        print_summary(console, report, root)
        if report.failure is not None and report.failure.kind in ("window", "drift"):
            for line in report.failure.lines():
                _say(line, err=True)
    raise typer.Exit(report.exit_code)


@change_app.command("log")
def log_cmd(
    ticket: Annotated[str, typer.Argument(help="The change ticket.")],
    history: History = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Everything recorded about a change: plan, approvals, refusals, runs, stages, rollbacks, proof."""
    path = history or default_db_path()
    try:
        with HistoryDB(path, readonly=True) as db:
            entries = ChangeLog(db).entries(ticket)
    except HistoryError as exc:
        sys.stderr.write(f"vrpbook change log: {exc}\n")
        raise typer.Exit(3) from None
    if as_json:
        sys.stdout.write(json.dumps([{"at": e.at.isoformat(), "kind": e.kind, "run_id": e.run_id, "router": e.router,
                                      "message": e.message, "detail": e.detail} for e in entries], indent=2) + "\n")
        return
    if not entries:
        _say(f"nothing recorded for {ticket}")
    for e in entries:
        _say(e.line())


def register(app: typer.Typer) -> None:
    """Mount ``vrpbook change`` on *app*."""
    app.add_typer(change_app, name="change")


__all__ = ["change_app", "register"]
