"""Wire a run together: intent, runbook, targets (lab or inventory), artifacts, engine.

The CLI and the tests both come through here, so what the tests prove is what
``vrpbook run`` does.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from nornir.core import Nornir

from vrpbook.paths import LAB_INVENTORY, resolve_data_path

from .artifacts import Artifacts
from .engine import Engine
from .report import Emit, RunReport, new_run_id
from .intent import HostIntent, load_intent
from .inventory import Credentials, InventoryError, InventoryInfo, build_nornir, inspect_inventory, production_credentials
from .plan import HostPlan, plan
from .redact import Redactor
from .schema import Runbook, load_runbook

DEFAULT_ARTIFACTS = "artifacts"


@dataclass
class Target:
    """Where a run connects: a Nornir object plus the secrets that must never be written."""

    nr: Nornir
    info: InventoryInfo
    secrets: list[str]


def resolve_inventory(path: str | Path | None) -> Path:
    return resolve_data_path(path or LAB_INVENTORY)


#: Default protocol time scale of ``--lab`` runs (see ``twin/network/README.md``).
LAB_TIME_SCALE = 0.05


@contextlib.contextmanager
def open_target(
    info: InventoryInfo,
    *,
    lab: bool,
    lab_state: Path | None = None,
    time_scale: float | None = None,
    hosts: list[str] | None = None,
    interactive: bool | None = None,
) -> Iterator[Target]:
    """Yield the Nornir target; with *lab*, boot the twin in-process first (and stop it after)."""
    if lab:
        from vrpbook.twin.lab import Lab, LabError  # the twin is only needed for --lab runs

        # A --lab run converges like a network (protocol delays at 5% of real
        # time, a few seconds in all), so gates really poll; 0 = instant.
        kwargs: dict[str, Any] = {
            "state_dir": lab_state,
            "time_scale": LAB_TIME_SCALE if time_scale is None else time_scale,
        }
        try:
            the_lab = Lab.from_inventory(str(info.path), **kwargs)
        except (LabError, OSError) as exc:
            raise InventoryError(f"--lab: {exc}") from exc
        with the_lab.running(ephemeral_ports=True) as running:
            user, password = running.credentials
            creds = Credentials(user, password)
            nr = build_nornir(
                info, credentials=creds, addresses=dict(running.hosts),
                known_hosts=Path(running.known_hosts_path), hosts=hosts,
            )
            try:
                yield Target(nr, info, [password])
            finally:
                nr.close_connections()
        return
    creds = None if info.is_lab else production_credentials(info, interactive)
    nr = build_nornir(info, credentials=creds, hosts=hosts)
    secrets = [h.password for h in nr.inventory.hosts.values() if h.password]
    try:
        yield Target(nr, info, secrets)
    finally:
        nr.close_connections()


def prepare(runbook: str, inventory: str | Path | None) -> tuple[Runbook, InventoryInfo, dict[str, HostIntent]]:
    """Everything that can fail before connecting: runbook file, inventory, intent."""
    rb = load_runbook(runbook)
    inv = resolve_inventory(inventory)
    info = inspect_inventory(inv)
    intents = load_intent(inv)
    return rb, info, intents


def run_with_target(
    rb: Runbook,
    intents: dict[str, HostIntent],
    target: Target,
    *,
    artifacts_dir: str | Path = DEFAULT_ARTIFACTS,
    ticket: str | None = None,
    hosts: list[str] | None = None,
    stage: str | None = None,
    emit: Emit | None = None,
) -> tuple[RunReport, Path]:
    run_id = new_run_id(rb.name)
    root = Path(artifacts_dir) / run_id
    redactor = Redactor(target.secrets)
    art = Artifacts(root, redactor)
    handler = art.log_handler()
    pkg_logger = logging.getLogger("vrpbook")
    old_level = pkg_logger.level
    pkg_logger.addHandler(handler)
    pkg_logger.setLevel(logging.DEBUG)
    try:
        if rb.source:
            art.write_text(("runbook.yaml",), rb.source.read_text())
        art.write_json(("intent.json",), {h: i.model_dump(mode="json") for h, i in intents.items()})
        engine = Engine(rb, intents, target.nr, art, run_id=run_id, ticket=ticket, hosts=hosts, stage=stage, emit=emit or (lambda *a, **k: None))
        report = engine.run()
    finally:
        pkg_logger.removeHandler(handler)
        pkg_logger.setLevel(old_level)
        handler.close()
    return report, root


def plan_with_target(rb: Runbook, intents: dict[str, HostIntent], target: Target, hosts: list[str] | None = None) -> dict[str, HostPlan]:
    return plan(rb, intents, target.nr, hosts=hosts)
