"""Fault-injection points: where the fault suite (``tests/faults/``) stops a real run.

Inert unless ``VRPBOOK_FAULT_POINT`` is set (one point, or several separated by
commas). The engine calls :func:`reached` at named points; when the name is
armed, the hook (once per point and process) appends ``<point> <pid>`` to the
file named by ``VRPBOOK_FAULT_FILE``
(fsynced, so the test can wait for it instead of sleeping), then acts per
``VRPBOOK_FAULT_ACTION``:

``stop`` (default)
    ``SIGSTOP`` itself: the whole process freezes exactly at the point. The test
    then sends what the scenario needs (``SIGKILL``; or ``SIGINT``/``SIGTERM``/
    ``SIGHUP`` followed by ``SIGCONT``; or just ``SIGCONT`` after the routers'
    trial expired — the paused-controller case).
``drop:ROUTER[,ROUTER]``
    cut those routers' SSH sessions (the socket is shut down under the session,
    as a lost line does) and carry on.
``mark``
    only write the marker and carry on (the test measures from there).

Points: ``preflight`` (locked and recorded, before the dry run),
``stage:N:push`` (a router's candidate loaded, before its trial commit),
``stage:N:trial`` (trials committed, before the gates), ``stage:N:gates`` (a
gate reached its verdict, others may still poll), ``stage:N:confirm`` (gates
passed, before confirming), ``stage:N:confirmed`` (every router confirmed),
``save`` (before the save stage saves), ``rollback`` (a router rolled back,
before its verification). ``N`` is the stage's 1-based index.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger(__name__)

ENV_POINT = "VRPBOOK_FAULT_POINT"
ENV_FILE = "VRPBOOK_FAULT_FILE"
ENV_ACTION = "VRPBOOK_FAULT_ACTION"

_lock = threading.Lock()
_fired: set[str] = set()


def armed(point: str) -> bool:
    return point in (os.environ.get(ENV_POINT) or "").split(",")


def reached(point: str, drop: Callable[[Iterable[str]], None] | None = None) -> None:
    """The run reached *point*: act if the fault suite armed it (once per point and process)."""
    if not armed(point):
        return
    with _lock:
        if point in _fired:
            return
        _fired.add(point)
    action = os.environ.get(ENV_ACTION, "stop")
    log.warning("fault point %s reached: %s", point, action)
    target = os.environ.get(ENV_FILE)
    if target:
        fd = os.open(Path(target), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, f"{point} {os.getpid()}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    if action == "stop":
        os.kill(os.getpid(), signal.SIGSTOP)
    elif action.startswith("drop:") and drop is not None:
        drop([r for r in action[len("drop:"):].split(",") if r])


def cut_socket(sock: socket.socket | None) -> None:
    """Shut a session's socket down under it (both directions), as a lost line does."""
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
