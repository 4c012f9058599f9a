"""The coordinator of ``vrpbook check --distributed``: shards out, typed results in, one merged sweep.

The coordinator plans the sweep exactly as a local check does
(:func:`.sweep.plan`), forms the shards (:func:`.shards.plan_shards`: per
queue, one Celery task per shard of routers), sends them, and waits — up to
``deadline`` seconds — for each shard's :class:`~.wire.ShardReport`. The
outcomes are merged with :func:`.sweep.merge`, so reports and history are
those of a local check of the same routers (the same JSON, timings aside).

It never connects to a router and needs no router credentials: the workers
have their own. Fail closed: a shard that a worker refused, that raised, or
that no worker returned before the deadline gives each of its checks an
``error`` naming the shard, the queue and why; a broker that cannot be
reached gives every check an ``error``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from celery.exceptions import TimeoutError as ResultTimeout
from celery.result import AsyncResult
from kombu.exceptions import KombuError
from pydantic import ValidationError
from redis.exceptions import RedisError

from vrpbook.errors import describe_error
from vrpbook.intent import NetworkIntent
from vrpbook.inventory import Inventory

from .catalog import Catalog
from .celery_settings import redact_url
from .holders import Holder
from .shards import Shard, plan_shards
from .sweep import RouterOutcome, RouterWork, SweepOptions, SweepResult, merge, plan, unchecked
from .wire import TASK_NAME, OptionsDoc, ShardReport, ShardTask, fingerprint, intent_digest

log = logging.getLogger(__name__)

#: Connection failures of the broker or the result backend, whichever client raised them.
_BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuError, RedisError, OSError, ConnectionError, TimeoutError)
#: ... and Celery's result consumer giving up reconnecting (a RuntimeError).
_BACKEND_ERRORS: tuple[type[BaseException], ...] = (*_BROKER_ERRORS, RuntimeError)


@dataclass
class Distribution:
    """How a distributed sweep went, for the terminal: shards per queue, per worker, and what failed."""

    shards: list[Shard] = field(default_factory=list)
    by_worker: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        queues = Counter(s.queue for s in self.shards)
        head = (f"distributed: {len(self.shards)} shard(s) on " + ", ".join(f"{q} ({n})" for q, n in sorted(queues.items()))
                + (" — checked by " + ", ".join(f"{w} ({n})" for w, n in sorted(self.by_worker.items()))
                   if self.by_worker else ""))
        return [head, *self.problems]


@dataclass(frozen=True)
class Dispatch:
    """What the coordinator sends: where the files are, and the sweep's options."""

    inventory: Inventory
    catalog_path: str | None
    selectors: Sequence[str]
    options: SweepOptions
    shard_size: int
    deadline: float


def check_distributed(app: Celery, dispatch: Dispatch, net: NetworkIntent, catalog: Catalog,
                      held: Mapping[str, list[Holder]], only: Sequence[str] | None = None,
                      ) -> tuple[SweepResult, Distribution]:
    """Plan, shard, send, collect, merge (module docstring). *only* narrows to a ``--shard``'s routers."""
    work, empty = plan(catalog, net, held)
    if only is not None:
        keep = set(only)
        work = {r: w for r, w in work.items() if r in keep}
        empty = [r for r in empty if r.router in keep]
    dist = Distribution(plan_shards(dispatch.inventory.nr, list(work), dispatch.shard_size))
    outcomes: dict[str, RouterOutcome] = {}
    sent: list[tuple[Shard, AsyncResult[Any]]] = []
    intent = intent_digest(net)
    try:
        _reachable(app)
        for shard in dist.shards:
            task = ShardTask(
                shard=shard.name, inventory=str(dispatch.inventory.path.resolve()), catalog=dispatch.catalog_path,
                selectors=list(dispatch.selectors), routers=list(shard.routers),
                held=[r for r in shard.routers if held.get(r)], options=OptionsDoc.of(dispatch.options),
                fingerprint=fingerprint(intent, work, shard.routers),
            )
            sent.append((shard, app.send_task(TASK_NAME, kwargs={"payload": task.model_dump(mode="json")},
                                              queue=shard.queue, expires=dispatch.deadline)))
    except _BROKER_ERRORS as exc:
        why = f"broker {redact_url(str(app.conf.broker_url))} unreachable: {describe_error(exc)}"
        dist.problems.append(why)
        _abandon(app, sent)
        return merge(empty, {r: unchecked(w, f"not checked: {why}") for r, w in work.items()}, held), dist
    ends = time.monotonic() + dispatch.deadline
    for shard, res in sent:
        outcomes.update(_collect(shard, res, work, ends, dist))
    _abandon(app, [(s, r) for s, r in sent if not r.ready()])
    for _, res in sent:
        _forget(res)
    return merge(empty, outcomes, held), dist


def _collect(shard: Shard, res: AsyncResult[Any], work: Mapping[str, RouterWork], ends: float,
             dist: Distribution) -> dict[str, RouterOutcome]:
    """One shard's outcomes: the worker's, or every check of the shard as ``error`` with why."""
    mine = {r: work[r] for r in shard.routers}

    def lost(why: str) -> dict[str, RouterOutcome]:
        dist.problems.append(f"shard {shard.name} ({len(shard.routers)} routers): {why}")
        return {r: unchecked(w, f"not checked: shard {shard.name}: {why}") for r, w in mine.items()}

    try:
        value = res.get(timeout=max(0.001, ends - time.monotonic()), propagate=False, disable_sync_subtasks=False)
    except ResultTimeout:
        state = _state(res)
        if state == "STARTED":
            return lost(f"a worker of queue {shard.queue!r} started it and did not finish before the deadline")
        return lost(f"no worker of queue {shard.queue!r} took it before the deadline")
    except _BACKEND_ERRORS as exc:
        return lost(f"result backend unreachable: {describe_error(exc)}")
    if not res.successful():
        return lost(f"the worker's task raised {describe_error(value) if isinstance(value, BaseException) else value}")
    try:
        report = ShardReport.model_validate(value)
    except ValidationError as exc:
        return lost(f"the worker's report is not a vrpbook shard report ({exc.error_count()} error(s))")
    dist.by_worker[report.worker] += 1
    if report.refused is not None:
        return lost(f"worker {report.worker} refused it: {report.refused}")
    got = {o.router: o.outcome() for o in report.outcomes if o.router in mine}
    missing = [r for r in mine if r not in got]
    if missing:
        got.update(lost(f"worker {report.worker} returned no outcome for {missing}"))
    return got


def _reachable(app: Celery) -> None:
    """Connect to the broker and ping the result backend before sending anything: an unreachable
    Redis is one clear error, not Celery's reconnection loop."""
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=5)
    client = getattr(app.backend, "client", None)  # the Redis backend's redis.Redis
    if client is not None:
        client.ping()


def _state(res: AsyncResult[Any]) -> str:
    try:
        return str(res.state)
    except _BROKER_ERRORS:
        return "UNKNOWN"


def _abandon(app: Celery, sent: Sequence[tuple[Shard, AsyncResult[Any]]]) -> None:
    """Revoke shards nobody will wait for (their messages also expire at the deadline)."""
    if not sent:
        return
    try:
        app.control.revoke([r.id for _, r in sent])
    except _BROKER_ERRORS as exc:
        log.warning("could not revoke %d shard(s): %s", len(sent), describe_error(exc))


def _forget(res: AsyncResult[Any]) -> None:
    """Delete a shard's result from the backend (merged already; nothing lingers in Redis)."""
    try:
        res.forget()
    except _BROKER_ERRORS as exc:
        log.warning("could not delete the result of task %s: %s", res.id, describe_error(exc))
