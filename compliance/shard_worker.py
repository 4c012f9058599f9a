"""A worker's side of a distributed check: one shard, checked with the same sweep as a local check.

:func:`run_shard` is what the Celery task of ``vrpbook worker`` does, kept
free of Celery so it reads (and is tested) as plain vrpbook:

1. read the inventory and the catalog **from this host** (the paths the task
   names), with the coordinator's ``--hosts`` scope, and plan the sweep as
   the coordinator did (:func:`.sweep.plan`) — kept in the worker process
   for the next shard while the files' contents are unchanged;
2. refuse the shard, connecting to nothing, when the plan's
   :func:`~.wire.fingerprint` differs from the coordinator's (another copy of
   the inventory or catalog, another vrpbook) or when something cannot be
   read — the coordinator then reports the shard's checks as ``error``;
3. take credentials from **this worker's** environment or owner-only
   credentials file (``$VRPBOOK_CREDENTIALS``; ``vrpbook worker
   --credentials``): they never travel through the broker;
4. check the shard's routers (:func:`.sweep.check_routers`: one read-only
   session per router, ``max_sessions`` at once, logins paced) and return the
   typed outcomes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from vrpbook import __version__
from vrpbook.checks.registry import all_checks
from vrpbook.credentials import ENV_FILE, read_credentials_file
from vrpbook.errors import VrpbookError, describe_error
from vrpbook.intent import NetworkIntent, intent_of
from vrpbook.inventory import (
    Credentials,
    Inventory,
    InventoryFiles,
    connect,
    load_inventory,
    production_credentials,
    select_hosts,
)

from .catalog import default_catalog, load_catalog
from .sweep import RouterWork, check_routers, plan
from .wire import OutcomeDoc, ShardReport, ShardTask, fingerprint, intent_digest

log = logging.getLogger(__name__)

#: Fault injection for the tests (``tests/compliance/test_distributed.py``): when set to a
#: directory, a worker that has started a shard writes ``<dir>/<pid>`` and then stops working
#: (it blocks, holding the shard unacknowledged) until it is killed. Never set in production.
ENV_FAULT_HOLD = "VRPBOOK_FAULT_HOLD_SHARD"


def worker_credentials(inv: Inventory) -> Credentials | None:
    """This worker's credentials for *inv*: a lab inventory's own; otherwise the owner-only file
    named by ``$VRPBOOK_CREDENTIALS``, else ``$VRPBOOK_USERNAME`` / ``$VRPBOOK_PASSWORD`` (never a prompt)."""
    if inv.is_lab:
        return None
    path = os.environ.get(ENV_FILE)
    if path:
        return read_credentials_file(path)
    return production_credentials(inv, interactive=False)


@dataclass
class Prepared:
    """An inventory read, its intent, and the sweep planned for the coordinator's scope: kept per
    worker process while its files are unchanged (reading a large inventory costs seconds; a
    sweep sends a worker many shards of the same one)."""

    inv: Inventory
    net: NetworkIntent
    work: dict[str, RouterWork]
    intent: str
    files: tuple[Path, ...]
    signature: str


_prepared: OrderedDict[tuple[str, str | None, tuple[str, ...]], Prepared] = OrderedDict()
_prepared_lock = threading.Lock()
_PREPARED_KEPT = 4


def _signature(files: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        try:
            h.update(f"{f}\0".encode() + f.read_bytes() + b"\0")
        except OSError:
            h.update(f"{f}\0-\0".encode())
    return h.hexdigest()


def _read(task: ShardTask) -> Prepared:
    inv = load_inventory(task.inventory)
    net = intent_of(inv)
    scope = select_hosts(task.selectors, inv.nr)
    checks = all_checks()
    cat = (load_catalog(Path(task.catalog), checks, net, inv.nr, scope) if task.catalog
           else default_catalog(checks, net, scope))
    work, _ = plan(cat, net)
    files = [inv.files.hosts, inv.files.groups, inv.files.defaults]
    redirect = inv.data.get("intent_from")
    if redirect:
        source = InventoryFiles.of((inv.path / str(redirect)).resolve())
        files += [source.hosts, source.groups, source.defaults]
    if task.catalog:
        files.append(Path(task.catalog))
    return Prepared(inv, net, work, intent_digest(net), tuple(files), _signature(files))


def prepare(task: ShardTask) -> Prepared:
    """The shard's inventory, intent and plan: from this process's cache when no file changed."""
    key = (task.inventory, task.catalog, tuple(task.selectors))
    with _prepared_lock:
        ready = _prepared.get(key)
        if ready is not None and _signature(ready.files) == ready.signature:
            _prepared.move_to_end(key)
            return ready
    fresh = _read(task)
    with _prepared_lock:
        _prepared[key] = fresh
        while len(_prepared) > _PREPARED_KEPT:
            _prepared.popitem(last=False)
    return fresh


def _hold_if_asked(task: ShardTask) -> None:
    where = os.environ.get(ENV_FAULT_HOLD)
    if not where:
        return
    marker = Path(where) / str(os.getpid())
    marker.write_text(f"{task.shard}\n{','.join(task.routers)}\n")
    log.warning("fault injection: holding shard %s until killed", task.shard)
    threading.Event().wait()


def run_shard(task: ShardTask, node: str) -> ShardReport:
    """Check one shard on this worker (module docstring); never raises for an expected failure."""
    started = time.monotonic()

    def refuse(why: str) -> ShardReport:
        log.error("shard %s refused: %s", task.shard, why)
        return ShardReport(shard=task.shard, worker=node, refused=why, elapsed_s=time.monotonic() - started)

    if task.vrpbook_version != __version__:
        return refuse(f"the coordinator runs vrpbook {task.vrpbook_version}, this worker {__version__}")
    try:
        ready = prepare(task)
        inv = ready.inv
        unknown = sorted(set(task.routers) - set(inv.nr.inventory.hosts))
        if unknown:
            return refuse(f"{inv.files.hosts} on this worker has no hosts {unknown}")
        if fingerprint(ready.intent, ready.work, task.routers) != task.fingerprint:
            return refuse(f"the inventory or catalog on this worker ({task.inventory}"
                          f"{', ' + task.catalog if task.catalog else ''}) plans another check than the coordinator's "
                          "(different files, check plugins or vrpbook)")
        held = set(task.held)
        mine = {r: replace(ready.work[r], held_elsewhere=r in held) for r in task.routers if r in ready.work}
        connect(inv, credentials=worker_credentials(inv))
    except VrpbookError as exc:
        return refuse(str(exc))
    except Exception as exc:  # a malformed file the readers did not type: still one line, never a crash loop
        log.exception("shard %s: could not prepare", task.shard)
        return refuse(f"{type(exc).__name__}: {describe_error(exc)}")
    _hold_if_asked(task)
    try:
        outcomes = check_routers(inv.nr, ready.net, mine, task.options.options())
    finally:
        for r in mine:  # only this shard's sessions: another shard may be running on the same objects
            inv.nr.inventory.hosts[r].close_connections()
    return ShardReport(shard=task.shard, worker=node, outcomes=[OutcomeDoc.of(o) for o in outcomes.values()],
                       elapsed_s=time.monotonic() - started)
