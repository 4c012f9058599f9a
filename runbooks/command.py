"""``vrpbook plan`` and ``vrpbook run``: thin shells over :mod:`vrpbook.runbooks.runner`.

Expected failures raise :class:`vrpbook.errors.VrpbookError`; the one error
boundary in :mod:`vrpbook.cli` prints them (one line per router) and exits
with their code. Exit codes: ``runbooks/README.md``.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import typer
from rich.console import Console

from vrpbook.errors import DeviceError, ExitCode, InventoryError, UsageError
from vrpbook.events import EventBus

from .progress import Progress, print_plan, print_summary
from .signals import Interruption

console = Console(stderr=False)
err_console = Console(stderr=True)


def _hosts(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [h.strip() for h in value.split(",") if h.strip()]


def plan_cmd(
    runbook: str = typer.Argument(..., help="Runbook name (bfd-static-vpn) or path to a runbook YAML."),
    inventory: Path | None = typer.Option(None, "--inventory", "-i", help="Nornir inventory directory (default: inventory/lab)."),
    lab: bool = typer.Option(False, "--lab", help="Boot the twin in-process (factory-fresh) and plan against it."),
    lab_state: Path | None = typer.Option(None, "--lab-state", help="With --lab: boot the twin from this state directory."),
    offline: bool = typer.Option(False, "--offline", help="Render only; do not connect."),
    hosts: str | None = typer.Option(None, "--hosts", help="Comma-separated routers to plan for."),
) -> None:
    """Show, per router, the commands of every stage and the change the router computes (commits nothing)."""
    from .plan import render_plan
    from .runner import open_target, plan_with_target, prepare

    rb, inv, intents = prepare(runbook, inventory)
    host_list = _hosts(hosts)
    if offline:
        unknown = sorted(set(host_list or []) - set(intents))
        if unknown:
            raise InventoryError(f"unknown hosts {unknown}")
        print_plan(console, render_plan(rb, intents, None, host_list), offline=True)
        raise typer.Exit(0)
    with open_target(inv, lab=lab, lab_state=lab_state, hosts=host_list) as target:
        plans = plan_with_target(rb, intents, target, host_list)
    print_plan(console, plans, offline=False)
    errors = {h: p.error for h, p in plans.items() if p.error}
    if errors:
        raise DeviceError("plan incomplete", routers=errors)
    raise typer.Exit(0)


def run_cmd(
    runbook: str = typer.Argument(..., help="Runbook name (bfd-static-vpn) or path to a runbook YAML."),
    inventory: Path | None = typer.Option(None, "--inventory", "-i", help="Nornir inventory directory (default: inventory/lab)."),
    lab: bool = typer.Option(False, "--lab", help="Boot the twin in-process and run against it over SSH."),
    lab_state: Path | None = typer.Option(None, "--lab-state", help="With --lab: boot from (and keep state in) this directory."),
    time_scale: float | None = typer.Option(
        None, "--time-scale", help="With --lab: the twin's protocol time scale (default 0.05: delays at 5% of real time; 0 = instant)."
    ),
    hosts: str | None = typer.Option(None, "--hosts", help="Comma-separated routers to change (default: all)."),
    stage: str | None = typer.Option(None, "--stage", help="Run only this stage."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    ticket: str | None = typer.Option(None, "--ticket", help="Change ticket, recorded as the commit description (max 60 chars)."),
    artifacts: Path = typer.Option(Path("artifacts"), "--artifacts", help="Directory for the run's artifacts."),
    wait_lock: float = typer.Option(
        0.0, "--wait-lock", min=0, max=86400, metavar="SECONDS",
        help="Wait up to SECONDS for routers held by another change (lock table), session (lock, trial) or run, "
        "instead of refusing.",
    ),
    keep_artifacts: int | None = typer.Option(
        None, "--keep-artifacts", min=1, metavar="N", help="After the run, keep only the newest N run directories.",
    ),
    journal: Path | None = typer.Option(
        None, "--journal", help="Run journal directory (default: $VRPBOOK_JOURNAL, else ~/.local/state/vrpbook/journal).",
    ),
    history: Path | None = typer.Option(
        None, "--history", help="History database: its router locks are held for the run, and the run is recorded there "
        "(default: $VRPBOOK_HISTORY, else ~/.local/state/vrpbook/history.db; not used by --lab).",
    ),
) -> None:
    """Run a runbook: push, commit trial, gate, confirm, stage by stage; roll back on failure."""
    from .runner import open_target, prepare, run_with_target

    if lab_state and not lab:
        raise UsageError("--lab-state needs --lab")
    if time_scale is not None and not lab:
        raise UsageError("--time-scale needs --lab")
    if ticket is not None and not (1 <= len(ticket) <= 60 and ticket.isprintable()):
        raise UsageError("--ticket must be 1-60 printable characters (it becomes the VRP commit description)")
    rb, inv, intents = prepare(runbook, inventory)
    if stage:
        rb.stage(stage)
    host_list = _hosts(hosts)
    if host_list:
        unknown = sorted(set(host_list) - set(intents))
        if unknown:
            raise InventoryError(f"unknown hosts {unknown}")
    if not lab and not yes:
        if not sys.stdin.isatty():
            raise UsageError("refusing to change routers without confirmation: no terminal to ask on; pass --yes")
        target_desc = f"{len(host_list or intents)} router(s) of {inv.path}"
        if not typer.confirm(f"Run {rb.name} against {target_desc}?", default=False):
            err_console.print("aborted by the operator")
            raise typer.Exit(int(ExitCode.USAGE))
    progress = Progress(console, rb)
    bus = EventBus()
    progress.subscribe(bus)
    cancel = Interruption()
    with (cancel.installed(),
          open_target(inv, lab=lab, lab_state=lab_state, time_scale=time_scale, hosts=host_list) as target,
          progress):
        report, root = run_with_target(
            rb, intents, target, artifacts_dir=artifacts, ticket=ticket, hosts=host_list, stage=stage, bus=bus,
            cancel=cancel, journal_dir=journal, wait_lock=wait_lock, keep_artifacts=keep_artifacts, history_db=history,
        )
    # After SIGHUP the terminal may be gone: the record is written; a console that cannot be
    # written to must not turn the run's exit code into an internal error.
    with contextlib.suppress(OSError):
        print_summary(console, report, root)
        if report.status == "interrupted":
            # One line per router: where the interruption left it.
            for host, line in report.outcome.items():
                err_console.print(f"{host}: {line}", highlight=False, markup=False, soft_wrap=True)
            err_console.print(f"interrupted ({report.failure.message if report.failure else 'signal'}); exit {report.exit_code}",
                              highlight=False, markup=False)
    raise typer.Exit(report.exit_code)


def recover_cmd(
    run_id: str | None = typer.Argument(None, help="The run to recover (see `vrpbook recover` without it for the list)."),
    inventory: Path | None = typer.Option(None, "--inventory", "-i", help="Inventory to reach the routers (default: the run's own)."),
    journal: Path | None = typer.Option(None, "--journal", help="Run journal directory (default: $VRPBOOK_JOURNAL or the state dir)."),
) -> None:
    """Put back the routers a dead run left (its journal's pre-run commits), verify, record."""
    from .recover import pending, recover, refuse_unless_recovered

    if run_id is None:
        runs = pending(journal)
        for rec in runs:
            hosts = ", ".join(r for r, rr in rec.routers.items() if rr.recorded)
            console.print(f"{rec.run_id}: {rec.describe()} on {hosts} needs recovery", highlight=False, markup=False)
        if not runs:
            console.print("no run needs recovery", highlight=False)
        raise typer.Exit(0)
    out = recover(run_id, inventory=inventory, journal_dir=journal)
    if out.nothing_to_do:
        console.print(out.nothing_to_do, highlight=False, markup=False)
        raise typer.Exit(0)
    for host, line in out.lines.items():
        console.print(f"{host}: {line}", highlight=False, markup=False, soft_wrap=True)
    refuse_unless_recovered(out)
    console.print(f"run {run_id}: every router back at its pre-run configuration (verified)", highlight=False)
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    """Mount the runbook commands on the root app."""
    app.command("plan")(plan_cmd)
    app.command("run")(run_cmd)
    app.command("recover")(recover_cmd)
