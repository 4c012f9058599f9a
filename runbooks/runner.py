"""Wire a run together: inventory, intent, runbook, target (lab or inventory), artifacts, engine.

The CLI and the tests both come through here, so what the tests prove is what
``vrpbook run`` does.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from nornir.core import Nornir

from vrpbook.events import EventBus
from vrpbook.intent import NetworkIntent, intent_of
from vrpbook.inventory import Inventory, check_hosts, connect, load_inventory, production_credentials
from vrpbook.tasks.processor import EventProcessor

from .artifacts import Artifacts, ArtifactsWriter
from .engine import Engine
from .plan import HostPlan, plan
from .redact import Redactor
from .report import RunReport, new_run_id
from .schema import Runbook, load_runbook

DEFAULT_ARTIFACTS = "artifacts"


@dataclass
class Target:
    """Where a run connects: the inventory's Nornir, plus the secrets that must never be written."""

    nr: Nornir
    inventory: Inventory
    secrets: list[str]


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
                yield Target(inv.nr, inv, inv.secrets)
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
) -> tuple[RunReport, Path]:
    """Run *rb*: the artifacts writer and the run log subscribe to the run's event bus."""
    if hosts:
        check_hosts(target.inventory, hosts)
    run_id = new_run_id(rb.name)
    root = Path(artifacts_dir) / run_id
    art = Artifacts(root, Redactor(target.secrets))
    bus = bus or EventBus()
    ArtifactsWriter(art).subscribe(bus)
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
        engine = Engine(rb, intents, nr, bus, run_id=run_id, ticket=ticket, hosts=hosts, stage=stage)
        report = engine.run()
    finally:
        for lg, level in zip(loggers, old_levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
        handler.close()
    return report, root


def plan_with_target(rb: Runbook, intents: NetworkIntent, target: Target, hosts: list[str] | None = None) -> dict[str, HostPlan]:
    return plan(rb, intents, target.nr, hosts=hosts)
