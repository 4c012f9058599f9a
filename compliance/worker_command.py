"""``vrpbook worker``: a Celery worker that checks shards of ``vrpbook check --distributed``.

Run one per host (or per management network) that can reach the routers of
the queues it consumes::

    VRPBOOK_BROKER=redis://broker.example:6379/0 \\
      vrpbook worker --queues mgmt-east --concurrency 2 --credentials /etc/vrpbook/credentials

The worker reads each shard's inventory and catalog from its own disk (the
paths the coordinator names), and router credentials from its own
environment: ``--credentials FILE`` (or ``$VRPBOOK_CREDENTIALS``), else
``$VRPBOOK_USERNAME`` / ``$VRPBOOK_PASSWORD``. Lab inventories carry their own.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from vrpbook.credentials import ENV_FILE, read_credentials_file
from vrpbook.inventory import ENV_PASSWORD, ENV_USER

from .celery_settings import ENV_BROKER, ENV_RESULT_BACKEND, VISIBILITY_TIMEOUT, BrokerSettings, redact_url
from .shards import DEFAULT_QUEUE, queue_name

POOLS = ("prefork", "threads", "solo")

_err = Console(stderr=True)


def worker_cmd(
    broker: str | None = typer.Option(None, "--broker", envvar=ENV_BROKER, help="The Redis broker URL, redis://HOST:PORT/DB."),
    result_backend: str | None = typer.Option(
        None, "--result-backend", envvar=ENV_RESULT_BACKEND, help="The Redis result backend (default: the broker)."),
    queues: str = typer.Option(DEFAULT_QUEUE, "--queues", "-Q",
                               help="Comma-separated queues to consume (the routers' data.queue)."),
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1,
                                    help="Shards checked at once (each opens up to the coordinator's --max-sessions)."),
    pool: str = typer.Option("prefork", "--pool", help="Celery pool: prefork (a process per shard), threads or solo."),
    name: str | None = typer.Option(None, "--name", "-n", help="Node name (default vrpbook@HOSTNAME)."),
    credentials: Path | None = typer.Option(
        None, "--credentials", envvar=ENV_FILE, help="Owner-only file with VRPBOOK_USERNAME and VRPBOOK_PASSWORD."),
    visibility_timeout: float = typer.Option(
        VISIBILITY_TIMEOUT, "--visibility-timeout", min=1,
        help="Seconds after which a shard held by a dead worker is run again by another (above the longest shard)."),
    loglevel: str = typer.Option("INFO", "--loglevel", help="Celery's log level."),
) -> None:
    """Check shards of distributed sweeps from the queues named, until stopped (SIGTERM: finish, then exit)."""
    from vrpbook.errors import UsageError

    settings = BrokerSettings.resolve(broker, result_backend, visibility_timeout)
    if pool not in POOLS:
        raise UsageError(f"--pool {pool!r}: one of {', '.join(POOLS)}")
    names = [queue_name(q.strip()) for q in queues.split(",") if q.strip()]
    if not names:
        raise UsageError("--queues names no queue")
    if credentials is not None:
        read_credentials_file(credentials)  # a file others can read is refused before serving
        os.environ[ENV_FILE] = str(credentials.resolve())
    elif not (os.environ.get(ENV_USER) and os.environ.get(ENV_PASSWORD)):
        _err.print(f"[yellow]warning:[/yellow] no router credentials (--credentials, ${ENV_FILE}, ${ENV_USER}/${ENV_PASSWORD}): "
                   "shards of production inventories will be refused; lab inventories carry their own",
                   highlight=False, soft_wrap=True)
    node = name or f"vrpbook@{socket.gethostname()}"
    _err.print(f"vrpbook worker {escape(node)}: broker {escape(redact_url(settings.broker))}, queues {', '.join(names)}, "
               f"{concurrency} shard(s) at once ({pool})", highlight=False, soft_wrap=True)

    from .celery_app import make_app
    from .shard_worker import run_shard  # loaded before the pool forks, shared by its processes

    del run_shard
    app = make_app(settings)
    app.worker_main(["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", f"--pool={pool}",
                     f"--queues={','.join(names)}", f"--hostname={node}", "--without-mingle", "--without-gossip"])


def register(app: typer.Typer) -> None:
    """Mount ``vrpbook worker`` on the root app."""
    app.command("worker")(worker_cmd)


__all__ = ["register", "worker_cmd"]
