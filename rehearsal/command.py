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
from rich.console import Console
from rich.markup import escape

from vrpbook.errors import DeviceError, UsageError
from vrpbook.events import EventBus
from vrpbook.inventory import check_hosts, connect, load_inventory, production_credentials
from vrpbook.runbooks.progress import Progress, print_summary
from vrpbook.runbooks.redact import Redactor
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
    runbook: str = typer.Argument(..., help="Runbook name or path (the change to rehearse)."),
    from_backup: Path = typer.Option(..., "--from-backup", help="A directory written by `vrpbook backup`."),
    topology: Path | None = typer.Option(None, "--topology", help="Cables (topology.yaml shape); default: inferred from subnets."),
    inventory: Path | None = typer.Option(None, "--inventory", "-i",
                                          help="The intent (default: inventory/lab); its hosts are never contacted."),
    time_scale: float | None = typer.Option(None, "--time-scale", help="The twin's protocol time scale (default 0.05)."),
    artifacts: Path = typer.Option(Path("artifacts"), "--artifacts", help="Directory for the rehearsal's run record."),
) -> None:
    """Run a change on a twin booted from a backup, with the same gates: what would fail, before the window."""
    from vrpbook.intent import intent_of
    from vrpbook.lab import LAB_TIME_SCALE
    from vrpbook.runbooks.schema import load_runbook

    from .rehearse import rehearse

    rb = load_runbook(runbook)
    inv = load_inventory(inventory)
    intents = intent_of(inv)
    if topology is not None and not topology.is_file():
        raise UsageError(f"--topology {topology}: no such file")
    progress = Progress(console, rb)
    bus = EventBus()
    progress.subscribe(bus)
    cancel = Interruption()
    console.print(f"rehearsal of {escape(rb.name)} on a twin booted from {escape(str(from_backup))} (intent: {escape(str(inv.path))})",
                  highlight=False)
    with cancel.installed(), progress:
        done = rehearse(rb, intents, inv, from_backup, topology_file=topology, artifacts_dir=artifacts, bus=bus, cancel=cancel,
                        time_scale=LAB_TIME_SCALE if time_scale is None else time_scale)
    with contextlib.suppress(OSError):
        for note in done.notes:
            console.print(f"note: {escape(note)}", highlight=False)
        print_summary(console, done.report, done.root)
        style = "green" if done.passed else "red"
        console.print(f"[{style}]{escape(done.verdict())}[/]", highlight=False, soft_wrap=True)
    raise typer.Exit(done.report.exit_code)


def register(app: typer.Typer) -> None:
    """Mount ``vrpbook backup`` and ``vrpbook rehearse`` on the root app."""
    app.command("backup")(backup_cmd)
    app.command("rehearse")(rehearse_cmd)
