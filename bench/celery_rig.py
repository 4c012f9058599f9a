"""Real components for distributed checks on one machine: a ``redis-server`` and ``vrpbook worker`` processes.

Used by ``bench/check_sweep.py`` and ``tests/compliance/test_distributed.py``:

* :func:`redis_server` starts Debian's ``redis-server`` on a free loopback port,
  with no persistence (no RDB, no AOF) in a scratch directory, and stops it;
* :class:`Worker` starts ``vrpbook worker`` as a subprocess in its own session
  (so the worker and its pool processes can be killed together), waits until
  Celery reports it ready, and stops (SIGTERM) or kills (SIGKILL) it.

Nothing here stands in for Redis or Celery: they are the real programs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

VRPBOOK = str(Path(sys.executable).with_name("vrpbook"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A real ``redis-server`` on 127.0.0.1, no persistence; yields its URL (database 0)."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server; .ci/run does)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (workdir / "redis.log").open("w")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir), "--protected-mode", "yes"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server exited {proc.returncode}: {(workdir / 'redis.log').read_text()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not answer PING")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class Worker:
    """One ``vrpbook worker`` subprocess (its own session: pool processes die with it)."""

    def __init__(self, name: str, broker: str, log: Path, *, queues: Sequence[str] = ("vrpbook",), concurrency: int = 1,
                 visibility_timeout: float | None = None, credentials: Path | None = None,
                 env: Mapping[str, str] | None = None, pool: str = "prefork") -> None:
        self.name = name
        self.log = log
        argv = [VRPBOOK, "worker", "--broker", broker, "--name", name, "--queues", ",".join(queues),
                "--concurrency", str(concurrency), "--pool", pool]
        if visibility_timeout is not None:
            argv += ["--visibility-timeout", str(visibility_timeout)]
        if credentials is not None:
            argv += ["--credentials", str(credentials)]
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("VRPBOOK_")}
        full_env.update(env or {})
        self._out = log.open("w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
                                     env=full_env, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 60) -> None:
        """Until Celery logs ``<name> ready.`` (the worker consumes its queues from then on)."""
        deadline = time.monotonic() + timeout
        while f"{self.name} ready." not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited {self.proc.returncode}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {self.name} not ready after {timeout} s:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: nothing is acknowledged or handed back."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._out.close()

    def stop(self) -> None:
        """SIGTERM (Celery's warm shutdown), then SIGKILL if it lingers."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        with contextlib.suppress(ProcessLookupError):  # pool processes left behind, if any
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._out.close()


def start_workers(names: Sequence[str], broker: str, logdir: Path, **kwargs: Any) -> list[Worker]:
    """Start several workers at once and wait until every one is ready."""
    workers = [Worker(n, broker, logdir / f"{n.split('@')[0]}.log", **kwargs) for n in names]
    for w in workers:
        w.wait_ready()
    return workers
