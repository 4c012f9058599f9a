"""``vrpbook lab up`` in its own process, the operator's way, for the tests that take that path.

One place decides three things every such test needs, so they cannot drift apart again:

- :func:`free_ports`: which loopback ports a lab may take. Always below the kernel's
  ephemeral range: the lab binds them a moment after they are chosen, and a port from
  that range (a bind to port 0) can meanwhile become the source port of an outgoing
  connection (an SSH login of the test itself): a port race seen in CI.
- :func:`copy_inventory`: a copy of an inventory directory whose hosts are on those
  ports (the fixed 22301-22305 may be an operator's own lab).
- :class:`LabProcess`: when the lab is up. The lab says so itself:
  its pidfile (``lab.pid``, :class:`vrpbook.lab.LabPidfile`, the product's own reader,
  as ``vrpbook lab status`` uses it) is locked by *this* process and names its routers
  and ``known_hosts`` (written only once every router listens); then every router's
  port must accept a connection. A pidfile left by a killed lab is never taken for a
  live one (nobody holds its lock, and it names another pid). A lab that exits
  before it is up fails the test with its output.

Imported as ``from ..lab_process import ...`` (pytest's ``--import-mode=importlib``
makes ``tests`` a namespace package), or ``from tests.lab_process import ...`` from a
module that a conftest loads by path.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

# port_open: how `vrpbook lab status` decides a router's port is "accepting"; the same test here.
from vrpbook.lab import LabPidfile, port_open
from vrpbook.paths import PROJECT_ROOT

VRPBOOK = str(Path(sys.executable).with_name("vrpbook"))
LAB_INVENTORY = PROJECT_ROOT / "inventory" / "lab"
PRODUCTION_INVENTORY = PROJECT_ROOT / "inventory" / "production-example"
UP_TIMEOUT = 30.0  # seconds for a lab to come up (protocols at time scale 0: ~1 s on CI)
STOP_TIMEOUT = 15.0  # seconds for a clean stop before SIGKILL
LOWEST_PORT = 23000  # above the fixed lab ports (22301-22305) and the usual well-known services


def ephemeral_low() -> int:
    """The first port the kernel hands out to outgoing connections (Linux default: 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(n: int) -> list[int]:
    """*n* distinct loopback ports free now, below the kernel's ephemeral range (see the module
    docstring). Each is held bound until all are chosen, so none is picked twice."""
    rng = random.Random()
    ports: list[int] = []
    socks: list[socket.socket] = []
    try:
        while len(ports) < n:
            port = rng.randrange(LOWEST_PORT, ephemeral_low())
            if port in ports:
                continue
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                s.close()
                continue
            socks.append(s)
            ports.append(port)
    finally:
        for s in socks:
            s.close()
    return ports


def hosts_of(inventory: Path) -> dict[str, dict[str, Any]]:
    """The inventory's ``hosts.yaml``."""
    hosts: dict[str, dict[str, Any]] = yaml.safe_load((inventory / "hosts.yaml").read_text())
    return hosts


def ports_of(inventory: Path) -> dict[str, int]:
    """Each host's port in the inventory."""
    return {name: int(spec["port"]) for name, spec in hosts_of(inventory).items()}


def copy_inventory(dest: Path, ports: Mapping[str, int] | None = None, *, source: Path = LAB_INVENTORY,
                   edit: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """A copy of *source* at *dest*, every host on its port in *ports* (default: :func:`free_ports`);
    *edit* may change the hosts further (an inventory variant)."""
    shutil.copytree(source, dest)
    hosts = hosts_of(dest)
    if ports is None:
        ports = dict(zip(hosts, free_ports(len(hosts)), strict=True))
    for name, spec in hosts.items():
        spec["port"] = ports[name]
    if edit:
        edit(hosts)
    (dest / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return dest


def production_inventory(dest: Path, ports: Mapping[str, int], state: Path) -> Path:
    """``inventory/production-example`` pointed at a lab on *ports*: credentials from the
    environment, host keys checked against the lab's ``known_hosts`` in *state*."""
    copy_inventory(dest, ports, source=PRODUCTION_INVENTORY)
    defaults = yaml.safe_load((dest / "defaults.yaml").read_text())
    defaults["data"]["known_hosts"] = os.path.relpath(state / "known_hosts", dest)
    (dest / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    return dest


class LabProcess:
    """``vrpbook lab up --inventory INVENTORY --state-dir STATE --time-scale 0 [ARGS]`` in a
    subprocess, its output appended to *log* (a file: a pipe nobody reads could block the lab);
    startable again from the same state dir after :meth:`stop` or :meth:`kill`."""

    up_timeout = UP_TIMEOUT

    def __init__(self, inventory: Path, state: Path, *args: str, log: Path | None = None) -> None:
        self.inventory, self.state, self.args = inventory, state, args
        self.log = log or state.with_name(f"{state.name}.lab.log")
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_from = 0

    def start(self) -> LabProcess:
        """Start the lab and return once it is up (:meth:`up`), within :attr:`up_timeout` seconds."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self._log_from = out.tell()
            self.proc = subprocess.Popen(
                [VRPBOOK, "lab", "up", "--inventory", str(self.inventory), "--state-dir", str(self.state),
                 "--time-scale", "0", *self.args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.up_timeout
        while not self.up():
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"`vrpbook lab up` was not up after {self.up_timeout:g} s:\n{self.output()}")
            time.sleep(0.05)
        return self

    def up(self) -> bool:
        """True once this process's lab serves every router (see the module docstring); an
        AssertionError with the lab's output if it has exited."""
        assert self.proc is not None, "the lab was never started"
        if self.proc.poll() is not None:
            raise AssertionError(f"`vrpbook lab up` exited {self.proc.returncode} before it was up:\n{self.output()}")
        pidfile = LabPidfile(self.state)
        info = pidfile.read() or {}
        if info.get("pid") != self.proc.pid or "known_hosts" not in info or not pidfile.alive():
            return False
        routers = dict(info.get("routers") or {})
        return (bool(routers) and Path(info["known_hosts"]).exists()
                and all(port_open(str(host), int(port)) for host, port in routers.values()))

    def output(self) -> str:
        """What this run of the lab has printed so far (its last 4000 characters)."""
        try:
            with self.log.open("rb") as f:
                f.seek(self._log_from)
                return f.read().decode(errors="replace")[-4000:]
        except OSError as exc:
            return f"(no output: {exc})"

    def stop(self) -> None:
        """SIGTERM (as ``vrpbook lab down`` sends), a wait, SIGKILL if it does not stop."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> LabProcess:
        """``with LabProcess(...) as lab:``: up for the block, stopped after it however it ends."""
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def kill(self) -> None:
        """SIGKILL: the lab dies with everything it held in memory (trials, commit history)."""
        assert self.proc is not None, "the lab was never started"
        self.proc.kill()
        self.proc.wait(10)

