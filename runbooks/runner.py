"""Wire a run together: inventory, intent, runbook, target (lab or inventory), artifacts, engine.

The CLI and the tests both come through here, so what the tests prove is what
``vrpbook run`` does.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from nornir.core import Nornir

import vrpbook
from vrpbook.events import EventBus
from vrpbook.history import default_db_path
from vrpbook.intent import NetworkIntent, intent_of
from vrpbook.inventory import Inventory, check_hosts, connect, load_inventory, production_credentials
from vrpbook.tasks.processor import EventProcessor

from .artifacts import Artifacts, ArtifactsWriter
from .engine import Engine
from .history_record import HistoryRecorder
from .hooks import PlanCheck
from .journal import default_journal_dir, unfinished_runs
from .locking import RouterHold, holder_name
from .plan import HostPlan, plan
from .preflight import router_notes
from .prune import prune_runs
from .redact import Redactor
from .render import PACKAGE_TEMPLATES
from .report import RunFacts, RunReport, new_run_id
from .schema import Runbook, load_runbook
from .signals import Interruption
from .window import WindowGuard

DEFAULT_ARTIFACTS = "artifacts"
ENV_OPERATOR = "VRPBOOK_OPERATOR"


@dataclass
class Target:
    """Where a run connects: the inventory's Nornir, plus the secrets that must never be written.
    ``in_process`` marks a ``--lab`` twin that lives and dies with this process (its runs keep
    their journal in their artifacts directory: nothing to recover after the process)."""

    nr: Nornir
    inventory: Inventory
    secrets: list[str]
    in_process: bool = False


@contextlib.contextmanager
def open_target(
    inv: Inventory,
    *,
    lab: bool,
    lab_state: Path | None = None,
    time_scale: float | None = None,
    hosts: Sequence[str] | None = None,
    interactive: bool | None = None,
) -> Iterator[Target]:
    """Yield the Nornir target; with *lab*, boot the twin in-process first (and stop it after)."""
    if lab:
        from vrpbook.lab import lab_target  # the twin is only needed for --lab runs

        with lab_target(inv, state_dir=lab_state, time_scale=time_scale, hosts=hosts):
            try:
                yield Target(inv.nr, inv, inv.secrets, in_process=True)
            finally:
                inv.nr.close_connections()
        return
    creds = None if inv.is_lab else production_credentials(inv, interactive)
    nr = connect(inv, credentials=creds, hosts=hosts)
    try:
        yield Target(nr, inv, inv.secrets)
    finally:
        nr.close_connections()


def prepare(runbook: str, inventory: str | Path | None) -> tuple[Runbook, Inventory, NetworkIntent]:
    """Everything that can fail before connecting: runbook file, inventory, intent."""
    rb = load_runbook(runbook)
    inv = load_inventory(inventory)
    return rb, inv, intent_of(inv)


def operator() -> str:
    """Who runs the change: ``$VRPBOOK_OPERATOR``, else the login name."""
    if env := os.environ.get(ENV_OPERATOR):
        return env
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (a container): the uid says who
        return f"uid {os.getuid()}"


def vrpbook_version() -> str:
    try:
        return metadata.version("vrpbook")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return vrpbook.__version__


def runbook_sha256(rb: Runbook) -> str:
    """SHA-256 over the runbook file and every template its stages use (as resolved), so the
    record says exactly which procedure ran."""
    digest = hashlib.sha256()
    if rb.source is not None:
        digest.update(rb.source.read_bytes())
    dirs = [*rb.template_dirs(), PACKAGE_TEMPLATES]
    for name in sorted({t for s in rb.stages for t in s.templates}):
        found = next((d / name for d in dirs if (d / name).is_file()), None)
        digest.update(f"\0{name}\0".encode())
        if found is not None:
            digest.update(found.read_bytes())
    return digest.hexdigest()


def run_with_target(
    rb: Runbook,
    intents: NetworkIntent,
    target: Target,
    *,
    artifacts_dir: str | Path = DEFAULT_ARTIFACTS,
    ticket: str | None = None,
    hosts: list[str] | None = None,
    stage: str | None = None,
    bus: EventBus | None = None,
    cancel: Interruption | None = None,
    journal_dir: Path | None = None,
    wait_lock: float = 0.0,
    keep_artifacts: int | None = None,
    history_db: Path | None = None,
    kind: str = "run",
    window: WindowGuard | None = None,
    plan_check: PlanCheck | None = None,
    change_file: tuple[str, str] | None = None,
) -> tuple[RunReport, Path]:
    """Run *rb*: the artifacts writer and the run log subscribe to the run's event bus.

    The journal goes to *journal_dir* (default ``$VRPBOOK_JOURNAL`` / the user's state dir);
    an in-process ``--lab`` twin's run keeps it in its artifacts directory. With
    *keep_artifacts*, older run directories beyond the newest N are pruned afterwards.

    Every run but an in-process ``--lab`` one holds its routers in the history database's lock
    table (*history_db*, default ``$VRPBOOK_HISTORY`` / the state dir) and is recorded there
    (kind *kind*; under *ticket* in the change log); an in-process lab's routers exist only in
    this process, nobody else can reach them, and a lock or a record of them would name routers
    that are gone when the process ends. A change run (``changes/``) adds its *window*, its
    approved-diff check (*plan_check*) and its file (*change_file*: path and content hash).
    Every run snapshots the routers it touches before and after (``vrpbook.snapshots``)."""
    from vrpbook.snapshots.recorder import RunSnapshots  # the snapshots import the runbook steps

    if hosts:
        check_hosts(target.inventory, hosts)
    run_id = new_run_id(rb.name)
    root = Path(artifacts_dir) / run_id
    redactor = Redactor(target.secrets)
    art = Artifacts(root, redactor)
    who = operator()
    facts = RunFacts(ticket=ticket, operator=who, inventory=str(target.inventory.path.resolve()),
                     runbook_sha256=runbook_sha256(rb), vrpbook_version=vrpbook_version(), artifacts=str(root.resolve()),
                     window=str(window.window) if window else None,
                     change_file=change_file[0] if change_file else None, change_sha256=change_file[1] if change_file else None)
    if target.in_process:
        journal_dir = root / "journal"
    elif journal_dir is None:
        journal_dir = default_journal_dir()
    db = None if target.in_process else (history_db or default_db_path())
    routers = sorted(h for h in target.nr.inventory.hosts if not hosts or h in hosts)
    what = f"{kind} {ticket} ({rb.name})" if kind == "change" else f"run {rb.name}" + (f" ({ticket})" if ticket else "")
    hold = RouterHold(db, routers, holder=holder_name(who, what), ref=run_id) if db is not None else None
    bus = bus or EventBus()
    ArtifactsWriter(art).subscribe(bus)
    if db is not None:
        HistoryRecorder(db, run_id=run_id, kind=kind, ticket=ticket, what=rb.name, inventory=facts.inventory,
                        version=facts.vrpbook_version).subscribe(bus)
    snapshots = RunSnapshots(redact=redactor, write_json=art.write_json, write_text=art.write_text,
                             run_id=run_id, ticket=ticket, history_db=db)
    handler = art.log_handler()
    loggers = [logging.getLogger("vrpbook"), logging.getLogger("nornir")]  # nornir logs failed tasks' tracebacks
    old_levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        if rb.source:
            art.write_text(("runbook.yaml",), rb.source.read_text())
        art.write_json(("intent.json",), {h: i.model_dump(mode="json") for h, i in intents.items()})
        nr = target.nr.with_processors([EventProcessor(bus)])
        engine = Engine(rb, intents, nr, bus, run_id=run_id, ticket=ticket, hosts=hosts, stage=stage, cancel=cancel,
                        journal_dir=journal_dir, facts=facts, redact=redactor, wait_lock=wait_lock, hold=hold,
                        window=window, plan_check=plan_check, snapshots=snapshots)
        report = engine.run()
    finally:
        for lg, level in zip(loggers, old_levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
        handler.close()
    if keep_artifacts is not None:
        prune_runs(Path(artifacts_dir), keep_artifacts, current=run_id)
    return report, root


def plan_with_target(rb: Runbook, intents: NetworkIntent, target: Target, hosts: list[str] | None = None) -> dict[str, HostPlan]:
    """The plan, plus what each router is in the middle of (pending trial, lock holder, unsaved
    configuration, an unfinished run in the journal): ``plan`` says all of it."""
    plans = plan(rb, intents, target.nr, hosts=hosts)
    notes = router_notes(target.nr, [h for h, p in plans.items() if p.error is None])
    for h, p in plans.items():
        host = target.nr.inventory.hosts[h]
        address = f"{host.hostname}:{host.port or 22}"
        unfinished = [f"unfinished {r.describe()} changed this router: run `vrpbook recover {r.run_id}`"
                      for r in unfinished_runs(h, address=address)]
        p.notes = [*notes.get(h, []), *unfinished]
    return plans
