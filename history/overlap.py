"""No overlap: a scheduled run that starts while the previous one still runs waits, then gives up.

Cron does not know the previous ``vrpbook check`` is still going (a slow
router, a big sweep); two of them at once would double the load on every
router and race on the report files. :func:`exclusive` takes an exclusive
``fcntl.flock`` on a lock file: the second process waits up to ``wait``
seconds for it, then raises :class:`AlreadyRunning` with one line naming the
holder (pid, start time, command line), which the CLI prints before exiting.

A kernel lock, not a pid file: it is released when the holder exits, however
it exits (even ``kill -9``), so there is never a stale lock to clean up. The
file itself stays (deleting it would let two processes lock two different
inodes).
"""

from __future__ import annotations

import fcntl
import os
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class AlreadyRunning(Exception):
    """Another process held the lock past the wait; ``str()`` is one line naming it."""

    def __init__(self, lock: Path, waited: float, holder: str, what: str) -> None:
        held_by = f" ({holder})" if holder else ""
        super().__init__(f"another {what} is still running{held_by}; waited {waited:g} s for {lock}")
        self.lock = lock
        self.holder = holder


def _holder(fd: int) -> str:
    """What the holder wrote into the lock file (best effort: it may be mid-write)."""
    try:
        return os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""


@contextmanager
def exclusive(lock: str | Path, *, wait: float = 0.0, what: str = "vrpbook check",
              poll: float = 0.05) -> Iterator[None]:
    """Hold *lock* exclusively for the ``with`` block, waiting at most *wait* seconds for it.

    ``flock`` has no timeout of its own, so a non-blocking attempt is repeated
    every *poll* seconds until the deadline.
    """
    path = Path(lock)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise AlreadyRunning(path, wait, _holder(fd), what) from None
                time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        started = datetime.now(UTC).isoformat(timespec="seconds")
        note = f"pid {os.getpid()}, since {started}: {shlex.join(sys.argv)}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, note.encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def default_lock_path(name: str = "check") -> Path:
    """``$XDG_RUNTIME_DIR/vrpbook/NAME.lock``, else ``~/.local/state/vrpbook/NAME.lock``."""
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "vrpbook" / f"{name}.lock"
