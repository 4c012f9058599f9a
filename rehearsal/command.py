"""``vrpbook backup`` and ``vrpbook rehearse``: thin shells over :mod:`.backup` and :mod:`.rehearse`.

Exit codes. ``backup``: 0 every router written; 2 usage (inventory, credentials);
3 a router could not be read (one line each; the others are written).
``rehearse``: those of ``vrpbook run`` — 0 the change would pass, 4 a gate would fail,
3 a device error on the twin (a command or commit the router refused), 2 usage (a
backup the twin cannot boot from, naming file and line; a LAN the subnets cannot cable).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.markup import escape

from vrpbook.changes import model
from vrpbook.changes.model import ChangeFile
from vrpbook.errors import DeviceError, UsageError
from vrpbook.events import EventBus
from vrpbook.intent import NetworkIntent
from vrpbook.inventory import check_hosts, connect, load_inventory, production_credentials
from vrpbook.runbooks.progress import Progress, print_summary
from vrpbook.runbooks.redact import Redactor
from vrpbook.runbooks.schema import Runbook
from vrpbook.runbooks.signals import Interruption

console = Console()


def _hosts(value: str | None) -> list[str] | None:
    return [h.strip() for h in value.split(",") if h.strip()] if value else None


def backup_cmd(
    inventory: Path | None = typer.Option(None, "--inventory", "-i", help="Nornir inventory directory (default: inventory/lab)."),
    output: Path = typer.Option(..., "--output", "-o", help="Backup directory: one <router>.cfg per router."),
    hosts: str | None = typer.Option(None, "--hosts", help="Comma-separated routers (default: all)."),
) -> None:
    """Save each router's running configuration (read-only; no timestamps, no secrets: ready for git)."""
    from .backup import backup

    inv = load_inventory(inventory)
    chosen = _hosts(hosts)
    check_hosts(inv, chosen)
    creds = None if inv.is_lab else production_credentials(inv)
    nr = connect(inv, credentials=creds, hosts=chosen)
    try:
        done = backup(nr, chosen or list(nr.inventory.hosts), output, Redactor(inv.secrets))
    finally:
        nr.close_connections()
    for host, path in done.written.items():
        console.print(f"{escape(host)}: {escape(str(path))} ({done.lines[host]} lines, sha256 {done.digests[host][:12]})",
                      highlight=False)
    if done.failed:
        raise DeviceError(f"{len(done.failed)} router(s) not backed up", routers=done.failed)
    console.print(f"backup of {len(done.written)} router(s) in {escape(str(output))}", highlight=False)
    raise typer.Exit(0)


def rehearse_cmd(
    what: str = typer.Argument(..., metavar="RUNBOOK|CHANGE.yaml",
                               help="A runbook (name or path), or a change file (`vrpbook change plan`)."),
    from_backup: Path = typer.Option(..., "--from-backup", help="A directory written by `vrpbook backup`."),
    topology: Path | None = typer.Option(None, "--topology", help="Cables (topology.yaml shape); default: inferred from subnets."),
    inventory: Path | None = typer.Option(None, "--inventory", "-i",
                                          help="The intent (default: the change file's, else inventory/lab); "
                                               "its hosts are never contacted."),
    time_scale: float | None = typer.Option(None, "--time-scale", help="The twin's protocol time scale (default 0.05)."),
    artifacts: Path = typer.Option(Path("artifacts"), "--artifacts", help="Directory for the rehearsal's run record."),
    history: Path | None = typer.Option(None, "--history", help="History database (default: $VRPBOOK_HISTORY, else the state dir)."),
) -> None:
    """Run a change on a twin booted from a backup, with the same gates: what would fail, before the window."""
    from vrpbook.history.db import default_db_path
    from vrpbook.intent import intent_of
    from vrpbook.lab import LAB_TIME_SCALE
    from vrpbook.runbooks.schema import load_runbook

    from .rehearse import record, rehearse

    change = _change_file(what)
    if change is not None:
        source = change.runbook.source
        rb = load_runbook(source if Path(source).exists() else change.runbook.name)
        inv = load_inventory(inventory or change.inventory.path)
    else:
        rb = load_runbook(what)
        inv = load_inventory(inventory)
    intents = intent_of(inv)
    if topology is not None and not topology.is_file():
        raise UsageError(f"--topology {topology}: no such file")
    if change is not None:
        for line in _change_notes(change, rb, intents):
            console.print(f"note: {escape(line)}", highlight=False)
    progress = Progress(console, rb)
    bus = EventBus()
    progress.subscribe(bus)
    cancel = Interruption()
    console.print(f"rehearsal of {escape(rb.name)}{f' (change {change.ticket})' if change else ''} on a twin booted from "
                  f"{escape(str(from_backup))} (intent: {escape(str(inv.path))})", highlight=False)
    with cancel.installed(), progress:
        done = rehearse(rb, intents, inv, from_backup, topology_file=topology, artifacts_dir=artifacts, bus=bus, cancel=cancel,
                        time_scale=LAB_TIME_SCALE if time_scale is None else time_scale,
                        ticket=change.ticket if change else None, hosts=change.hosts if change else None)
    warning = record(done, history or default_db_path(), inventory=str(inv.path.resolve()))
    with contextlib.suppress(OSError):
        for note in done.notes:
            console.print(f"note: {escape(note)}", highlight=False)
        print_summary(console, done.report, done.root)
        if warning:
            console.print(f"warning: {escape(warning)}", highlight=False)
        style = "green" if done.passed else "red"
        console.print(f"[{style}]{escape(done.verdict())}[/]", highlight=False, soft_wrap=True)
    raise typer.Exit(done.report.exit_code)


def _change_file(what: str) -> ChangeFile | None:
    """*what* as a change file, when it is one (a YAML file with ``vrpbook_change``)."""
    path = Path(what)
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return None
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None  # let the runbook loader say what is wrong with it
    if not isinstance(raw, dict) or "vrpbook_change" not in raw:
        return None
    return model.load(path)


def _change_notes(change: ChangeFile, rb: Runbook, intents: NetworkIntent) -> list[str]:
    """What the operator must know when rehearsing a change file (a rehearsal needs no approval:
    it touches no production router; it rehearses what the file says, edited or not)."""
    from vrpbook.changes.plan import intent_sha256
    from vrpbook.runbooks.runner import runbook_sha256

    out = []
    edited = change.edited()
    if edited:
        out.append(f"change {change.ticket}: {edited}")
    if runbook_sha256(rb) != change.runbook.sha256:
        out.append(f"change {change.ticket}: the runbook {rb.name} differs from the one planned: `change run` would refuse it")
    if intent_sha256(intents) != change.inventory.intent_sha256:
        out.append(f"change {change.ticket}: this intent differs from the one planned: `change run` would refuse it")
    return out


def register(app: typer.Typer) -> None:
    """Mount ``vrpbook backup`` and ``vrpbook rehearse`` on the root app."""
    app.command("backup")(backup_cmd)
    app.command("rehearse")(rehearse_cmd)
