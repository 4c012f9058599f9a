"""The seam between the product and the twin: the only module that imports ``vrpbook.twin``.

Everything that boots simulated routers comes through here, from the same
Nornir objects the one inventory read produced (:mod:`vrpbook.inventory`):

- ``--lab`` runs and plans (:func:`lab_target`): an in-process twin on
  ephemeral loopback ports; the inventory's hosts are pointed at it;
- ``vrpbook lab up`` (:data:`lab_app`): the twin as a long-running lab on the
  inventory's own ports, until SIGINT/SIGTERM;
- tests and benchmarks (:func:`boot_lab`).

The twin reads no inventory itself: the seam hands it the hosts (name,
address, port), the lab credentials and the topology (``topology.yaml`` beside
the inventory, the twin's own file).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vrpbook.errors import InventoryError, UsageError
from vrpbook.inventory import Credentials, Inventory, connect, load_inventory
from vrpbook.twin.lab import HostSpec, Lab, LabError, RunningLab, is_loopback
from vrpbook.twin.topology import Topology, TopologyError

#: Default protocol time scale of ``--lab`` runs: protocol delays at 5% of real time,
#: so gates really poll (see ``twin/network/README.md``); 0 = instant.
LAB_TIME_SCALE = 0.05

TOPOLOGY_FILE = "topology.yaml"

__all__ = ["LAB_TIME_SCALE", "Lab", "LabTarget", "RunningLab", "boot_lab", "lab_app", "lab_from_inventory", "lab_target"]


def lab_from_inventory(
    inv: Inventory,
    *,
    state_dir: str | Path | None = None,
    time_scale: float = 0.0,
    trial_time_scale: float = 1.0,
) -> Lab:
    """A twin router per inventory host, from the inventory's Nornir objects."""
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


@lab_app.command("up")
def up(
    inventory: str = typer.Option("inventory/lab", help="Lab inventory dir (hosts.yaml, defaults.yaml, topology.yaml)."),
    state_dir: Path = typer.Option(Path(DEFAULT_STATE_DIR), help="Host keys and saved configurations live here."),
    bind: str | None = typer.Option(None, help="Listen address for every router (default: each host's loopback hostname)."),
    time_scale: float = typer.Option(1.0, help="Protocol delay multiplier (0 = instant convergence)."),
) -> None:
    """Serve one SSH router per inventory host until SIGINT/SIGTERM."""
    console = Console()
    lab = boot_lab(inventory, state_dir=state_dir, time_scale=time_scale)
    if bind is not None and not is_loopback(bind):
        console.print(f"[yellow]warning:[/yellow] listening on non-loopback address {bind} (explicit --bind)")

    async def main() -> None:
        try:
            servers = await lab.serve(ephemeral_ports=False, bind=bind)
        except (LabError, OSError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(int(UsageError.exit_code)) from None
        table = Table(title="vrpbook lab")
        for col in ("router", "address", "port", "state dir"):
            table.add_column(col)
        for name, (host, port) in servers.addresses.items():
            table.add_row(name, host, str(port), str(state_dir / name))
        console.print(table)
        console.print(f"known_hosts: {servers.known_hosts}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await lab.shutdown(servers)
        console.print("lab stopped")

    asyncio.run(main())
