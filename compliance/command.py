"""``vrpbook check``: scheduled, read-only compliance of state and configuration.

Order of work (each step's failure is one line and a documented exit code):

1. everything that can fail before connecting: inventory, intent, checks
   (entry points), ``--hosts``, catalog, credentials — exit 2;
2. ``exclusive(...)``: no two checks of one inventory at once (a second waits
   ``--wait`` seconds, then exits 2 naming the first);
3. holders known beforehand (the history database's router locks, runs in
   progress in the run journal; runs the journal says need ``vrpbook
   recover`` become ``fail`` findings), then the sweep (:mod:`.sweep`), one
   read-only session per router;
4. :meth:`RunHeader.describe`, then the report files (``write_reports``),
   then the terminal summary, and **only then** the history database — a
   locked or corrupt database never costs a report.

Exit codes: 0 every check passed (and every report and the history were
written); 1 a check failed; 2 a check could not be checked, nothing was
checked, a report or the history could not be written, another check was
still running, or a usage error (malformed catalog, inventory or credentials
file: nothing was connected to).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from vrpbook.checks.registry import all_checks
from vrpbook.credentials import ENV_FILE, read_credentials_file
from vrpbook.errors import UsageError
from vrpbook.history import HistoryDB, HistoryError
from vrpbook.history.db import default_db_path
from vrpbook.history.overlap import AlreadyRunning, default_lock_path, exclusive
from vrpbook.intent import NetworkIntent, intent_of
from vrpbook.inventory import Inventory, connect, load_inventory, production_credentials, select_hosts
from vrpbook.reporters import terminal
from vrpbook.reporters.diagram import Diagram, DiagramError, build_diagram, load_topology
from vrpbook.reporters.header import RunHeader, Waived
from vrpbook.reporters.json_report import render as render_json
from vrpbook.reporters.outputs import ReportTargets, write_reports
from vrpbook.results import CheckResult, now

from .catalog import Catalog, default_catalog, load_catalog
from .celery_settings import ENV_BROKER, ENV_RESULT_BACKEND, BrokerSettings
from .holders import Holder, known_holders, sources
from .shards import ShardSpec
from .sweep import SweepOptions, SweepResult, sweep

EXIT_INCOMPLETE = 2

_err = Console(stderr=True)


def _selectors(value: str | None) -> list[str]:
    return [h.strip() for h in (value or "all").split(",") if h.strip()] or ["all"]


def lock_file(inv: Inventory, shard: ShardSpec | None = None) -> Path:
    """One no-overlap lock per inventory and shard (two inventories, or two shards of one, may be
    checked at once)."""
    digest = hashlib.sha1(str(inv.path.resolve()).encode()).hexdigest()[:12]
    part = f"-shard-{shard.index}-of-{shard.count}" if shard is not None else ""
    return default_lock_path(f"check-{digest}{part}")


@contextmanager
def _target(inv: Inventory, *, lab: bool, lab_state: Path | None, credentials: Path | None) -> Iterator[None]:
    """Point the inventory's hosts at their routers (or at an in-process twin)."""
    if lab:
        from vrpbook.lab import lab_target  # the twin is only needed for --lab

        with lab_target(inv, state_dir=lab_state):
            try:
                yield
            finally:
                inv.nr.close_connections()
        return
    creds = None
    if not inv.is_lab:
        creds = read_credentials_file(credentials) if credentials else production_credentials(inv)
    connect(inv, credentials=creds)
    try:
        yield
    finally:
        inv.nr.close_connections()


def _addresses(inv: Inventory, routers: list[str]) -> dict[str, str]:
    """``host:port`` of each router as the inventory names it (how run journals record them)."""
    hosts = inv.nr.inventory.hosts
    return {r: f"{hosts[r].hostname}:{hosts[r].port or 22}" for r in routers if r in hosts}


def _diagram(inv: Inventory, net: NetworkIntent, result: SweepResult) -> Diagram:
    topo_file = inv.path / "topology.yaml"
    topology = load_topology(topo_file) if topo_file.exists() else None
    intents = {h: net[h].model_dump(mode="json") for h in net}
    try:
        return build_diagram(intents, result.results, topology)
    except DiagramError:  # a topology that does not match: draw links from the subnets instead
        return build_diagram(intents, result.results, None)


def check_cmd(
    inventory: Path | None = typer.Option(None, "--inventory", "-i", help="Nornir inventory directory (default: inventory/lab)."),
    lab: bool = typer.Option(False, "--lab", help="Boot the twin in-process and check it (factory-fresh unless --lab-state)."),
    lab_state: Path | None = typer.Option(None, "--lab-state", help="With --lab: boot from this state directory."),
    hosts: str | None = typer.Option(None, "--hosts", help="Comma-separated routers or groups to check (default: all)."),
    catalog: Path | None = typer.Option(
        None, "--catalog", help="Catalog YAML: add, narrow or waive checks (default: derived from the intent)."),
    json_out: str | None = typer.Option(
        None, "--json", help="Write the JSON report to FILE ('-': stdout; the summary then goes to stderr)."),
    junit: Path | None = typer.Option(None, "--junit", help="Write a JUnit XML report."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML page (diagram and evidence)."),
    metrics: Path | None = typer.Option(None, "--metrics", help="Write Prometheus textfile metrics."),
    per_router_metrics: bool = typer.Option(False, "--per-router-metrics", help="Add per-router series to the metrics."),
    history: Path | None = typer.Option(
        None, "--history", help="History database (default: $VRPBOOK_HISTORY or ~/.local/state/vrpbook/history.db)."),
    no_history: bool = typer.Option(False, "--no-history", help="Record nothing, read no router locks."),
    settle: float = typer.Option(0.0, "--settle", min=0, help="Re-poll failing state checks for up to S seconds."),
    max_sessions: int = typer.Option(16, "--max-sessions", min=1, help="SSH sessions open at once (one per router at most)."),
    login_rate: float = typer.Option(20.0, "--login-rate", min=0, help="New logins per second across the sweep (0: unpaced)."),
    wait: float = typer.Option(0.0, "--wait", min=0, help="Seconds to wait for a previous check of this inventory to finish."),
    credentials: Path | None = typer.Option(
        None, "--credentials", envvar=ENV_FILE, help="Owner-only file with VRPBOOK_USERNAME and VRPBOOK_PASSWORD."),
    show_passed: bool = typer.Option(False, "--show-passed", help="List every passing result in the summary."),
    shard: str | None = typer.Option(
        None, "--shard", help="Check only shard i of N (1-based; by a stable hash of the router name), e.g. 2/4."),
    distributed: bool = typer.Option(False, "--distributed", help="Send the sweep to Celery workers (vrpbook worker)."),
    broker: str | None = typer.Option(
        None, "--broker", envvar=ENV_BROKER, help="With --distributed: the Redis broker URL, redis://HOST:PORT/DB."),
    result_backend: str | None = typer.Option(
        None, "--result-backend", envvar=ENV_RESULT_BACKEND, help="With --distributed: the Redis result backend (default: the broker)."),
    shard_size: int = typer.Option(50, "--shard-size", min=1, help="With --distributed: routers per task (per queue)."),
    deadline: float = typer.Option(
        900.0, "--deadline", min=1, help="With --distributed: seconds to wait for every shard before reporting the rest as errors."),
) -> None:
    """Judge every router against its intent, read-only; report, record, exit 0 / 1 / 2."""
    if lab_state and not lab:
        raise UsageError("--lab-state needs --lab")
    if no_history and history:
        raise UsageError("--history and --no-history exclude each other")
    if distributed and lab:
        raise UsageError("--distributed cannot check an in-process --lab (workers cannot reach it); "
                         "serve the lab with vrpbook lab up and give --inventory")
    spec = ShardSpec.parse(shard) if shard is not None else None
    settings = BrokerSettings.resolve(broker, result_backend) if distributed else None
    inv = load_inventory(inventory)
    net = intent_of(inv)
    checks = all_checks()
    scope = select_hosts(_selectors(hosts), inv.nr)
    cat: Catalog = (load_catalog(catalog, checks, net, inv.nr, scope) if catalog
                    else default_catalog(checks, net, scope))
    if credentials is not None and not lab and not inv.is_lab and not distributed:
        read_credentials_file(credentials)  # refuse a bad file before anything else happens
    db_path = None if no_history else (history or default_db_path())
    options = SweepOptions(max_sessions=max_sessions, login_rate=login_rate, settle=settle)
    console = Console(stderr=True) if json_out == "-" else Console()

    only = spec.select(scope) if spec is not None else None
    remote = None if settings is None else Remote(settings, catalog, _selectors(hosts), shard_size, deadline)
    what = f"vrpbook check of {inv.path}" + (f" (shard {spec})" if spec is not None else "")
    try:
        with exclusive(lock_file(inv, spec), wait=wait, what=what):
            code = _run(inv, net, cat, scope, only, options, db_path, console, remote,
                        lab=lab, lab_state=lab_state, credentials=credentials, json_out=json_out,
                        targets=ReportTargets(json=Path(json_out) if json_out not in (None, "-") else None,
                                              junit=junit, html=html, metrics=metrics,
                                              metrics_per_router=per_router_metrics),
                        show_passed=show_passed)
    except AlreadyRunning as exc:
        _err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INCOMPLETE) from None
    raise typer.Exit(code)


@dataclass(frozen=True)
class Remote:
    """``--distributed``: the broker, and what the workers need to plan the same sweep."""

    settings: BrokerSettings
    catalog: Path | None
    selectors: list[str]
    shard_size: int
    deadline: float


def _sweep_remote(inv: Inventory, net: NetworkIntent, cat: Catalog, only: list[str] | None, options: SweepOptions,
                  held: dict[str, list[Holder]], remote: Remote) -> tuple[SweepResult, list[str]]:
    """The sweep by Celery workers (:mod:`.distributed`); celery is imported only here."""
    from .celery_app import make_app
    from .distributed import Dispatch, check_distributed

    app = make_app(remote.settings)
    try:
        dispatch = Dispatch(inv, str(remote.catalog.resolve()) if remote.catalog else None, remote.selectors, options,
                            remote.shard_size, remote.deadline)
        result, dist = check_distributed(app, dispatch, net, cat, held, only)
    finally:
        app.close()
    return result, dist.lines()


def _run(inv: Inventory, net: NetworkIntent, cat: Catalog, scope: list[str], only: list[str] | None,
         options: SweepOptions, db_path: Path | None, console: Console, remote: Remote | None, *, lab: bool,
         lab_state: Path | None, credentials: Path | None, json_out: str | None, targets: ReportTargets,
         show_passed: bool) -> int:
    started = now()
    warnings: list[str] = []
    unfinished: list[CheckResult] = []  # routers a dead run left: findings of the run journal
    routers = only if only is not None else scope
    held = known_holders(sources(db_path, warnings, unfinished, addresses=_addresses(inv, routers)), routers)
    notes: list[str] = []
    if remote is not None:  # the coordinator reads its own journal: the workers only check
        result, notes = _sweep_remote(inv, net, cat, only, options, held, remote)
    else:
        with _target(inv, lab=lab, lab_state=lab_state, credentials=credentials):
            result = sweep(inv.nr, net, cat, options, held, only)
    result.results.extend(unfinished)
    header = RunHeader.describe(
        result.results, what=cat.what, inventory=str(inv.path), started_at=started, finished_at=now(),
        hosts=routers,
        waived=[Waived(check=w.check, routers=w.routers, reason=w.reason) for w in cat.waivers],
    )
    diagram = _diagram(inv, net, result) if targets.html else None
    _, report_errors = write_reports(header, result.results, targets, diagram)
    if json_out == "-":
        sys.stdout.write(render_json(header, result.results))
        sys.stdout.flush()
    terminal.render(console, header, result.results, show_passed=show_passed)
    for line in notes:
        console.print(escape(line), highlight=False, soft_wrap=True)
    for line in warnings:
        _err.print(f"[yellow]warning:[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    failed = False
    for rep in report_errors:
        _err.print(f"[red]error:[/red] {escape(str(rep))}", highlight=False, soft_wrap=True)
        failed = True
    if db_path is not None:
        try:
            with HistoryDB(db_path) as db:
                summary = db.record(header, result.results)
            console.print(f"history: run {summary.run_id} recorded in {db_path} "
                          f"({summary.changed} change(s), {summary.new} new)", highlight=False, soft_wrap=True)
        except HistoryError as exc:
            _err.print(f"[red]error:[/red] {escape(str(exc))} (the reports were written)", highlight=False, soft_wrap=True)
            failed = True
    code = header.verdict.exit_code
    return EXIT_INCOMPLETE if failed and code == 0 else code


def register(app: typer.Typer) -> None:
    """Mount ``vrpbook check`` on the root app."""
    app.command("check")(check_cmd)


__all__ = ["check_cmd", "lock_file", "register"]
