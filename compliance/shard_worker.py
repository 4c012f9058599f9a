"""A worker's side of a distributed check: one shard, checked with the same sweep as a local check.

:func:`run_shard` is what the Celery task of ``vrpbook worker`` does, kept
free of Celery so it reads (and is tested) as plain vrpbook:

1. read the inventory and the catalog **from this host** (the paths the task
   names), with the coordinator's ``--hosts`` scope, and plan the sweep as
   the coordinator did (:func:`.sweep.plan`);
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

import logging
import os
import threading
import time
from pathlib import Path

from vrpbook import __version__
from vrpbook.checks.registry import all_checks
from vrpbook.credentials import ENV_FILE, read_credentials_file
from vrpbook.errors import VrpbookError, describe_error
from vrpbook.intent import intent_of
from vrpbook.inventory import Credentials, Inventory, connect, load_inventory, production_credentials, select_hosts

from .catalog import Catalog, default_catalog, load_catalog
from .holders import Holder
from .sweep import check_routers, plan
from .wire import OutcomeDoc, ShardReport, ShardTask, fingerprint

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


def _catalog(task: ShardTask, inv: Inventory) -> tuple[Catalog, list[str]]:
    net = intent_of(inv)
    scope = select_hosts(task.selectors, inv.nr)
    checks = all_checks()
    cat = (load_catalog(Path(task.catalog), checks, net, inv.nr, scope) if task.catalog
           else default_catalog(checks, net, scope))
    return cat, scope


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
        inv = load_inventory(task.inventory)
        net = intent_of(inv)
        cat, _ = _catalog(task, inv)
        unknown = sorted(set(task.routers) - set(inv.nr.inventory.hosts))
        if unknown:
            return refuse(f"{inv.files.hosts} on this worker has no hosts {unknown}")
        held = {r: [Holder(r, "coordinator", "held")] for r in task.held}
        work, _ = plan(cat, net, held)
        mine = {r: work[r] for r in task.routers if r in work}
        if fingerprint(net, work, task.routers) != task.fingerprint:
            return refuse(f"the inventory or catalog on this worker ({task.inventory}"
                          f"{', ' + task.catalog if task.catalog else ''}) plans another check than the coordinator's "
                          "(different files, check plugins or vrpbook)")
        connect(inv, credentials=worker_credentials(inv))
    except VrpbookError as exc:
        return refuse(str(exc))
    except Exception as exc:  # a malformed file the readers did not type: still one line, never a crash loop
        log.exception("shard %s: could not prepare", task.shard)
        return refuse(f"{type(exc).__name__}: {describe_error(exc)}")
    _hold_if_asked(task)
    try:
        outcomes = check_routers(inv.nr, net, mine, task.options.options())
    finally:
        inv.nr.close_connections()
    return ShardReport(shard=task.shard, worker=node, outcomes=[OutcomeDoc.of(o) for o in outcomes.values()],
                       elapsed_s=time.monotonic() - started)
