"""``vrpbook drill NAME [--lab | --inventory DIR [--change change.yaml --production]]``.

Three targets:

- ``--lab``: a fresh twin in this process, first converged with the drill's runbook (the
  real engine over SSH), then drilled; timings from the twin's event log; cable pulls
  possible. Like a ``--lab`` run: no router locks, not in the history database (its
  routers exist only in this process); the record is the artifacts directory.
- ``--inventory DIR`` of a lab inventory (``data.lab: true``): a ``vrpbook lab up`` lab;
  timings from the event log it writes to its state dir (``--lab-state``, default
  ``.lab-state``), else from polling (said so). No change file needed.
- ``--inventory DIR`` of a production inventory: only with ``--change change.yaml`` and
  ``--production`` (refused otherwise, one line). The change file must be planned with the
  drill's runbook and this inventory's intent, approved, and its window open; the drill
  takes its ticket and must end inside its window. Timings from timestamped polling, with
  their resolution.

Against an inventory the drill holds every router in the history database's lock table
(``--wait-lock`` waits for another holder) and is recorded there like a run (kind
``drill``; under its ticket in the change log).

Exit codes: 0 every expectation held and the network recovered; 2 usage (a drill file,
a production drill without its change file and flag); 3 a device or read error, a router
held by another change, or a fault that could not be undone (the record says so); 4 an
expectation failed, or the network was not healthy before the drill (nothing injected);
5 refused by the change file (outside its window, approvals missing, edited, another
runbook or intent); 6 the window closed during the drill (the fault undone); 129 / 130 /
143 a signal (the fault undone first).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from vrpbook.errors import ChangeRefused, DeviceError, UsageError
from vrpbook.history.db import default_db_path
from vrpbook.intent import NetworkIntent
from vrpbook.inventory import Inventory, connect, load_inventory, production_credentials
from vrpbook.runbooks.artifacts import Artifacts
from vrpbook.runbooks.journal import default_journal_dir
from vrpbook.runbooks.locking import RouterHold, holder_name
from vrpbook.runbooks.redact import Redactor
from vrpbook.runbooks.report import new_run_id
from vrpbook.runbooks.schema import Runbook, load_runbook
from vrpbook.runbooks.signals import Interruption
from vrpbook.runbooks.window import WindowGuard

from .engine import DrillRun, DrillTarget
from .history import DrillHistory
from .report import DrillReport, print_report
from .schema import Drill, load_drill

console = Console()
err_console = Console(stderr=True)

DEFAULT_LAB_STATE = Path(".lab-state")


def drill_cmd(
    name: str = typer.Argument(..., help="Drill name (bfd-ce1-pe1, runbooks/drills/) or path to a drill YAML."),
    inventory: Path | None = typer.Option(None, "--inventory", "-i", help="Nornir inventory directory (default: inventory/lab)."),
    lab: bool = typer.Option(False, "--lab", help="Boot a fresh twin in-process, converge it with the drill's runbook, drill it."),
    time_scale: float | None = typer.Option(None, "--time-scale", help="With --lab: the twin's protocol time scale (default 0.05)."),
    lab_state: Path = typer.Option(DEFAULT_LAB_STATE, "--lab-state",
                                   help="With a lab inventory: the state dir of the `vrpbook lab up` lab serving it (its event log)."),
    change: Path | None = typer.Option(None, "--change", help="Production: the approved change file the drill runs under."),
    production: bool = typer.Option(False, "--production", help="Production: say so explicitly (with --change)."),
    ticket: str | None = typer.Option(None, "--ticket", help="Ticket, recorded as the fault commit's description (max 60 chars)."),
    wait_lock: float = typer.Option(0.0, "--wait-lock", min=0, max=86400, metavar="SECONDS",
                                    help="Wait up to SECONDS for routers another change holds, instead of refusing."),
    artifacts: Path = typer.Option(Path("artifacts"), "--artifacts", help="Directory for the drill's record."),
    history: Path | None = typer.Option(None, "--history", help="History database (default: $VRPBOOK_HISTORY, else the state dir)."),
    journal: Path | None = typer.Option(None, "--journal", help="Run journal directory (default: $VRPBOOK_JOURNAL or the state dir)."),
) -> None:
    """Inject a fault, time what the network does against the drill's expectations, restore, prove recovery."""
    from vrpbook.intent import intent_of

    if ticket is not None and not (1 <= len(ticket) <= 60 and ticket.isprintable()):
        raise UsageError("--ticket must be 1-60 printable characters (it becomes the VRP commit description)")
    if time_scale is not None and not lab:
        raise UsageError("--time-scale needs --lab")
    if lab and (change is not None or production):
        raise UsageError("--lab drills a twin in this process: --change and --production are for production inventories")
    drill = load_drill(name)
    rb = load_runbook(drill.runbook)
    inv = load_inventory(inventory)
    intents = intent_of(inv)  # a bad intent is one line, exit 2, before anything connects
    window: WindowGuard | None = None
    if not lab and not inv.is_lab:
        if change is None or not production:
            raise UsageError(f"drill {drill.name} against the production inventory {inv.path} needs an approved change file and "
                             f"--production: `vrpbook drill {drill.name} --inventory {inventory or inv.path} "
                             "--change change.yaml --production`")
        ticket, window = _change_allows(change, drill, rb, intents, history, ticket)
    elif change is not None or production:
        raise UsageError(f"{inv.path} is a lab inventory: its drills need no --change / --production")
    run_id = new_run_id(f"drill-{drill.name}")
    root = artifacts / run_id
    cancel = Interruption()
    with cancel.installed():
        if lab:
            report = _drill_lab(drill, rb, inv, run_id, root, cancel, time_scale, ticket)
        else:
            report = _drill_inventory(drill, rb, inv, run_id, root, cancel, lab_state=lab_state, journal=journal, ticket=ticket,
                                      history=history or default_db_path(), wait_lock=wait_lock, window=window)
    with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone; the record is written
        print_report(console, report, drill.runbook)
    raise typer.Exit(report.exit_code)


def _change_allows(path: Path, drill: Drill, rb: Runbook, intents: NetworkIntent, history: Path | None,
                   ticket: str | None) -> tuple[str, WindowGuard]:
    """A production drill runs under an approved change file: planned with the drill's runbook and
    this inventory's intent, approved, now inside its window (refused otherwise, exit 5, recorded
    under its ticket). The drill takes its ticket and its window."""
    from vrpbook.changes import model
    from vrpbook.changes.run import gate

    change = model.load(path)
    if change.runbook.name != rb.name:
        raise ChangeRefused(f"ticket {change.ticket}: refused (nothing changed): the change file is for runbook "
                            f"{change.runbook.name}; drill {drill.name} needs one planned with its runbook {rb.name}")
    if ticket is not None and ticket != change.ticket:
        raise UsageError(f"--ticket {ticket} is not the change file's ticket ({change.ticket})")
    gate(change, rb, intents, path=path, db_path=history)
    return change.ticket, WindowGuard(change.window.window())


def _say(line: str) -> None:
    with contextlib.suppress(OSError):
        console.print(escape(line), highlight=False, soft_wrap=True)


def _drill_lab(drill: Drill, rb: Runbook, inv: Inventory, run_id: str, root: Path, cancel: Interruption,
               time_scale: float | None, ticket: str | None) -> DrillReport:
    from vrpbook.intent import intent_of
    from vrpbook.lab import lab_events, lab_target, set_cable
    from vrpbook.runbooks.runner import Target, run_with_target

    intents = intent_of(inv)
    with lab_target(inv, time_scale=time_scale) as lt:
        try:
            _say(f"lab: a fresh twin in this process; converging it with {rb.name} …")
            run, run_root = run_with_target(rb, intents, Target(inv.nr, inv, inv.secrets, in_process=True),
                                            artifacts_dir=root / "converge", cancel=cancel)
            if run.exit_code != 0:
                why = run.failure.message if run.failure else run.status
                raise DeviceError(f"the lab did not converge with {rb.name} (exit {run.exit_code}): {why} (record: {run_root})")
            _say(f"lab: converged by {rb.name} ({len(run.changed_hosts)} router(s) changed, {run.seconds:g} s)")
            target = DrillTarget(inv.nr, inv, "lab", events=lambda: lab_events(lt),
                                 events_source="the twin's event log (lab in this process)",
                                 cable=lambda router, port, plugged: set_cable(lt, router, port, plugged), in_process=True)
            return _run(drill, rb, target, run_id, root, cancel, root / "journal", ticket)
        finally:
            inv.nr.close_connections()


def _drill_inventory(drill: Drill, rb: Runbook, inv: Inventory, run_id: str, root: Path, cancel: Interruption, *, lab_state: Path,
                     journal: Path | None, ticket: str | None, history: Path, wait_lock: float,
                     window: WindowGuard | None) -> DrillReport:
    """A `vrpbook lab up` lab (timed by its event log) or production (timed by polling): the
    drill holds every router in the lock table and is recorded in the history, like a run."""
    from vrpbook.lab import attached_event_log
    from vrpbook.runbooks.runner import operator, vrpbook_version

    if inv.is_lab:
        log, why = attached_event_log(lab_state, inv)
        creds = None
        if log is None:
            _say(f"timings: no lab event log ({why}): timestamped polling instead")
    else:
        log, why = None, ""
        creds = production_credentials(inv)
    nr = connect(inv, credentials=creds)
    what = f"drill {drill.name}" + (f" ({ticket})" if ticket else "")
    hold = RouterHold(history, list(nr.inventory.hosts), holder=holder_name(operator(), what), ref=run_id)
    record = DrillHistory(history, run_id=run_id, ticket=ticket, what=what, inventory=str(inv.path.resolve()),
                          version=vrpbook_version())
    try:
        target = DrillTarget(nr, inv, "lab-up" if inv.is_lab else "production",
                             events=log.events if log is not None else None, events_source=why)
        report = _run(drill, rb, target, run_id, root, cancel, journal or default_journal_dir(), ticket,
                      hold=hold, wait_lock=wait_lock, window=window, history=record)
    finally:
        nr.close_connections()
    for warning in record.warnings:
        _say(f"warning: {warning}")
    return report


def _run(drill: Drill, rb: Runbook, target: DrillTarget, run_id: str, root: Path, cancel: Interruption, journal_dir: Path,
         ticket: str | None, **hooks: Any) -> DrillReport:
    from vrpbook.intent import intent_of

    redactor = Redactor(target.inventory.secrets)
    art = Artifacts(root, redactor)
    with _logging(art):
        run = DrillRun(drill, rb, intent_of(target.inventory), target, run_id=run_id, cancel=cancel, journal_dir=journal_dir,
                       say=_say, redact=redactor, ticket=ticket, artifacts=str(root.resolve()), **hooks)
        _say(f"drill {drill.name} ({run_id}) on {target.inventory.path}: {drill.fault.describe()}")
        report = run.run()
    art.replace_json(("report.json",), report.to_json())
    if run.fault.events:
        art.write_text(("events.jsonl",), "\n".join(json.dumps(dataclasses.asdict(e), sort_keys=True) for e in run.fault.events))
    for phase, snaps in (("pre-drill", run.pre), ("after-restore", run.post)):
        for router, snap in snaps.items():
            if isinstance(snap, str):
                art.write_json(("snapshot", phase, f"{router}.json"), {"router": router, "error": snap})
            else:
                art.write_json(("snapshot", phase, f"{router}.json"), snap.to_json())
                art.write_text(("snapshot", phase, f"{router}-config.txt"), snap.config)
    return report


@contextlib.contextmanager
def _logging(art: Artifacts) -> Iterator[None]:
    handler = art.log_handler()
    loggers = [logging.getLogger("vrpbook"), logging.getLogger("nornir")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
        handler.close()


def register(app: typer.Typer) -> None:
    """Mount ``vrpbook drill`` on the root app."""
    app.command("drill")(drill_cmd)
