"""``vrpbook lab ...``: start the twin from the command line."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

lab_app = typer.Typer(no_args_is_help=True)

DEFAULT_STATE_DIR = ".lab-state"  # gitignored; keeps host keys and saved configs


@lab_app.command("up")
def up(
    inventory: str = typer.Option(
        "inventory/lab", help="Lab inventory dir (hosts.yaml, defaults.yaml, topology.yaml)."
    ),
    state_dir: Path = typer.Option(Path(DEFAULT_STATE_DIR), help="Host keys and saved configurations live here."),
    bind: str = typer.Option(None, help="Listen address for every router (default: each host's loopback hostname)."),
    time_scale: float = typer.Option(1.0, help="Protocol delay multiplier (0 = instant convergence)."),
) -> None:
    """Serve one SSH router per inventory host until SIGINT/SIGTERM."""
    # Imported here so `vrpbook --help` does not load asyncssh and the whole twin.
    from .lab import Lab, LabError, is_loopback  # noqa: PLC0415

    console = Console()
    try:
        lab = Lab.from_inventory(inventory, state_dir=state_dir, time_scale=time_scale)
    except (LabError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if bind is not None and not is_loopback(bind):
        console.print(f"[yellow]warning:[/yellow] listening on non-loopback address {bind} (explicit --bind)")

    async def main() -> None:
        try:
            servers = await lab.serve(ephemeral_ports=False, bind=bind)
        except (LabError, OSError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
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
