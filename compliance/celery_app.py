"""The Celery application of ``vrpbook worker`` and ``vrpbook check --distributed``.

One task, :data:`~.wire.TASK_NAME`: check one shard of routers
(:func:`.shard_worker.run_shard`). The broker and the result backend are
Redis, named by URL (``--broker`` / ``$VRPBOOK_BROKER``; the backend defaults
to the broker's URL, ``--result-backend`` / ``$VRPBOOK_RESULT_BACKEND``).

Delivery is set so that a worker that dies mid-shard loses nothing:

- ``task_acks_late``: a shard's message is acknowledged when the shard is
  done, not when it is received; ``worker_prefetch_multiplier = 1``: a worker
  reserves no more shards than it is running;
- ``task_reject_on_worker_lost``: a pool process that dies (SIGKILL, OOM)
  puts its shard back on the queue at once;
- a whole worker that dies (the host, the main process) holds its shard
  unacknowledged in Redis; after ``visibility_timeout`` seconds any other
  worker of the queue restores it and the shard is run again. Set it above
  the longest shard's time: a shard still running after it is run a second
  time (its results are keyed, so the report never has a row twice).

Only JSON is accepted (task arguments, results, control messages): pickle
never crosses the broker. Results expire after an hour; the coordinator
deletes each as soon as it has merged it.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task

from .celery_settings import BrokerSettings
from .shards import DEFAULT_QUEUE
from .wire import TASK_NAME, ShardReport, ShardTask


def _check_shard(task: Task[Any, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """The task: validate the payload, check the shard, return the typed report as JSON-able data."""
    from .shard_worker import run_shard  # the sweep's imports only where shards run

    node = str(task.request.hostname or "worker")
    return run_shard(ShardTask.model_validate(payload), node).model_dump(mode="json")


def make_app(settings: BrokerSettings) -> Celery:
    """A configured Celery app with the shard task registered (coordinator and workers alike)."""
    app = Celery("vrpbook", set_as_current=True)
    restore_every = max(1, min(10, int(settings.visibility_timeout // 5)))
    app.conf.update(
        broker_url=settings.broker,
        result_backend=settings.result_backend or settings.broker,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        event_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        task_default_queue=DEFAULT_QUEUE,
        result_expires=3600,
        result_extended=False,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": restore_every,
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        redis_socket_connect_timeout=5,
        result_backend_transport_options={"retry_policy": {"max_retries": 3, "interval_start": 0, "interval_step": 1,
                                                           "interval_max": 2}},
        broker_connection_timeout=5,
        worker_hijack_root_logger=True,
        worker_send_task_events=False,
    )
    app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)(_check_shard)
    return app


__all__ = ["TASK_NAME", "ShardReport", "make_app"]
