"""The seam between the product and the twin: the only module that imports ``vrpbook.twin``.

Everything that boots simulated routers comes through here, from the same
Nornir objects the one inventory read produced (:mod:`vrpbook.inventory`):

- ``--lab`` runs and plans (:func:`lab_target`): an in-process twin on
  ephemeral loopback ports; the inventory's hosts are pointed at it;
- ``vrpbook lab up`` (:data:`lab_app`): the twin as a long-running lab on the
  inventory's own ports, until SIGINT/SIGTERM/SIGHUP or ``vrpbook lab down``;
  ``vrpbook lab status`` says whether it runs (a pidfile in the state dir,
  ``lab.pid``, flock'ed by the lab for its whole life, so a killed lab never
  leaves a pidfile that looks alive);
- tests and benchmarks (:func:`boot_lab`).

The twin reads no inventory itself: the seam hands it the hosts (name,
address, port), the lab credentials and the topology (``topology.yaml`` beside
the inventory, the twin's own file).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from vrpbook.errors import DeviceError, InventoryError, UsageError
from vrpbook.inventory import Credentials, Inventory, connect, load_inventory

if TYPE_CHECKING:  # the twin is imported when a lab is built, not by every command (asyncssh costs ~0.6 s)
    from vrpbook.twin.lab import Lab, RunningLab

#: Default protocol time scale of ``--lab`` runs: protocol delays at 5% of real time,
#: so gates really poll (see ``twin/network/README.md``); 0 = instant.
LAB_TIME_SCALE = 0.05

TOPOLOGY_FILE = "topology.yaml"

__all__ = ["LAB_TIME_SCALE", "LabPidfile", "LabTarget", "boot_lab", "lab_app", "lab_from_inventory", "lab_target"]


def lab_from_inventory(
    inv: Inventory,
    *,
    state_dir: str | Path | None = None,
    time_scale: float = 0.0,
    trial_time_scale: float = 1.0,
) -> Lab:
    """A twin router per inventory host, from the inventory's Nornir objects."""
    from vrpbook.twin.lab import HostSpec, Lab, LabError
    from vrpbook.twin.topology import Topology, TopologyError

    hosts = {
        name: HostSpec(name, str(host.hostname or "127.0.0.1"), 22 if host.port is None else int(host.port))
        for name, host in inv.nr.inventory.hosts.items()
    }
    defaults = inv.nr.inventory.defaults
    if not defaults.username or not defaults.password:
        raise InventoryError(f"{inv.files.defaults}: username and password are required for the lab")
    try:
        topology = Topology.load(inv.path / TOPOLOGY_FILE)
        return Lab(topology, hosts, defaults.username, defaults.password, state_dir, time_scale, trial_time_scale)
    except (LabError, TopologyError, OSError) as exc:
        raise InventoryError(f"{inv.path}: cannot boot the lab: {exc}") from exc


def boot_lab(
    inventory: str | Path,
    *,
    state_dir: str | Path | None = None,
    time_scale: float = 0.0,
    trial_time_scale: float = 1.0,
) -> Lab:
    """Read a lab inventory (through Nornir) and build its twin (not yet serving).

    The connection policy (loopback-only lab targets) is not applied: serving is
    not connecting, and the twin itself refuses to listen on a non-loopback
    address without an explicit bind."""
    return lab_from_inventory(
        load_inventory(inventory, policy=False), state_dir=state_dir, time_scale=time_scale, trial_time_scale=trial_time_scale
    )


@dataclass
class LabTarget:
    """A running in-process lab and the inventory pointed at it."""

    inventory: Inventory
    running: RunningLab


@contextlib.contextmanager
def lab_target(
    inv: Inventory,
    *,
    state_dir: Path | None = None,
    time_scale: float | None = None,
    hosts: Sequence[str] | None = None,
) -> Iterator[LabTarget]:
    """Boot the twin for *inv* in-process, point every host's connection at it (its
    addresses, its credentials, its known_hosts), and stop it after the block."""
    from vrpbook.twin.lab import LabError

    lab = lab_from_inventory(inv, state_dir=state_dir, time_scale=LAB_TIME_SCALE if time_scale is None else time_scale)
    try:
        serving = lab.running(ephemeral_ports=True)
        running = serving.__enter__()
    except (LabError, OSError) as exc:
        raise InventoryError(f"--lab: {exc}") from exc
    try:
        user, password = running.credentials
        connect(inv, credentials=Credentials(user, password), addresses=dict(running.hosts),
                known_hosts=Path(running.known_hosts_path), hosts=hosts)
        yield LabTarget(inv, running)
    finally:
        serving.__exit__(None, None, None)


# --- vrpbook lab up --------------------------------------------------------------------

lab_app = typer.Typer(no_args_is_help=True, help="Run the twin: software VRP8 routers over SSH.")

DEFAULT_STATE_DIR = ".lab-state"  # gitignored; keeps host keys and saved configs
PIDFILE = "lab.pid"


class LabPidfile:
    """``<state dir>/lab.pid``: who serves this state dir. The lab holds an exclusive ``flock``
    on it while it runs; the kernel drops the lock however the lab ends (even ``kill -9``),
    so "running" means "locked", never "the file exists"."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / PIDFILE
        self._fd: int | None = None

    def claim(self, info: dict[str, Any]) -> None:
        """Take the pidfile for this process, or refuse if a live lab holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            held = self.read() or {}
            raise UsageError(f"a lab already serves {self.path.parent} (pid {held.get('pid', '?')}, "
                             f"since {held.get('started', '?')}); `vrpbook lab down --state-dir {self.path.parent}`") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info, sort_keys=True) + "\n").encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            os.close(fd)

    def read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def alive(self) -> bool:
        """True when a live process holds the pidfile's lock."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False


@lab_app.command("up")
def up(
    inventory: str = typer.Option("inventory/lab", help="Lab inventory dir (hosts.yaml, defaults.yaml, topology.yaml)."),
    state_dir: Path = typer.Option(Path(DEFAULT_STATE_DIR), help="Host keys and saved configurations live here."),
    bind: str | None = typer.Option(None, help="Listen address for every router (default: each host's loopback hostname)."),
    time_scale: float = typer.Option(1.0, help="Protocol delay multiplier (0 = instant convergence)."),
    trial_time_scale: float = typer.Option(
        1.0, help="Trial-commit timer multiplier (0.1: a 'commit trial 60' reverts after 6 s; for fault drills).", min=0.001,
    ),
) -> None:
    """Serve one SSH router per inventory host until SIGINT/SIGTERM/SIGHUP or `vrpbook lab down`."""
    from vrpbook.twin.lab import LabError, is_loopback

    console = Console()
    lab = boot_lab(inventory, state_dir=state_dir, time_scale=time_scale, trial_time_scale=trial_time_scale)
    if bind is not None and not is_loopback(bind):
        console.print(f"[yellow]warning:[/yellow] listening on non-loopback address {bind} (explicit --bind)")
    pidfile = LabPidfile(state_dir)
    pidfile.claim({"pid": os.getpid(), "started": datetime.now(UTC).isoformat(timespec="seconds"),
                   "inventory": str(Path(inventory).resolve()), "routers": {}})

    async def main() -> None:
        try:
            servers = await lab.serve(ephemeral_ports=False, bind=bind)
        except (LabError, OSError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(int(UsageError.exit_code)) from None
        info = pidfile.read() or {}
        info["routers"] = {name: [host, port] for name, (host, port) in servers.addresses.items()}
        info["known_hosts"] = str(servers.known_hosts)
        pidfile.path.write_text(json.dumps(info, sort_keys=True) + "\n")  # same inode: the lock holds
        table = Table(title="vrpbook lab")
        for col in ("router", "address", "port", "state dir"):
            table.add_column(col)
        for name, (host, port) in servers.addresses.items():
            table.add_row(name, host, str(port), str(state_dir / name))
        console.print(table)
        console.print(f"known_hosts: {servers.known_hosts}")
        console.print(f"pid {os.getpid()} (pidfile {pidfile.path}); stop with Ctrl+C or `vrpbook lab down --state-dir {state_dir}`")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await lab.shutdown(servers)
        console.print("lab stopped")

    try:
        asyncio.run(main())
    finally:
        pidfile.release()


def _port_open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


@lab_app.command("status")
def status(
    state_dir: Path = typer.Option(Path(DEFAULT_STATE_DIR), help="The state dir the lab was started with."),
) -> None:
    """Say whether a lab serves STATE_DIR (exit 0) or not (exit 3), with its routers and ports."""
    console = Console()
    pidfile = LabPidfile(state_dir)
    if not pidfile.alive():
        raise DeviceError(f"no lab running from {state_dir}" + (" (stale pidfile: the lab was killed)" if pidfile.path.exists() else ""))
    info = pidfile.read() or {}
    table = Table(title=f"vrpbook lab: pid {info.get('pid', '?')} since {info.get('started', '?')}")
    for col in ("router", "address", "port", "accepting"):
        table.add_column(col)
    for name, (host, port) in dict(info.get("routers") or {}).items():
        table.add_row(name, str(host), str(port), "yes" if _port_open(str(host), int(port)) else "no")
    console.print(table)
    console.print(f"inventory: {info.get('inventory', '?')}", highlight=False)


@lab_app.command("down")
def down(
    state_dir: Path = typer.Option(Path(DEFAULT_STATE_DIR), help="The state dir the lab was started with."),
    timeout: float = typer.Option(15.0, help="Seconds to wait for a clean stop before SIGKILL."),
) -> None:
    """Stop the lab serving STATE_DIR (SIGTERM, then SIGKILL after --timeout); no lab is not an error."""
    console = Console()
    pidfile = LabPidfile(state_dir)
    if not pidfile.alive():
        console.print(f"no lab running from {state_dir}", highlight=False)
        return
    info = pidfile.read() or {}
    pid = int(info.get("pid", 0))
    if pid <= 0:
        raise DeviceError(f"{pidfile.path}: a lab holds it but the pid is unreadable")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pidfile.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if pidfile.alive():
        os.kill(pid, signal.SIGKILL)
        while pidfile.alive() and time.monotonic() < deadline + 5:
            time.sleep(0.05)
        console.print(f"lab pid {pid} did not stop within {timeout:g} s: killed", highlight=False)
        return
    console.print(f"lab pid {pid} stopped", highlight=False)
