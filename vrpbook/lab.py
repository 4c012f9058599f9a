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
- tests and benchmarks (:func:`boot_lab`);
- rehearsals (:func:`boot_from_configs`): a twin booted from backed-up
  configurations (``vrpbook rehearse``), on loopback with credentials of its own;
- failover drills: the twin's event log, in-process (:func:`lab_events`) or
  written by ``vrpbook lab up`` to ``<state dir>/events.jsonl`` and read back
  (:func:`attached_event_log`), and cable pulls (:func:`set_cable`).

The twin reads no inventory itself: the seam hands it the hosts (name,
address, port), the lab credentials and the topology (``topology.yaml`` beside
the inventory, the twin's own file).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import ipaddress
import json
import os
import secrets
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
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
    from vrpbook.twin.network.api import LabEvent

#: Default protocol time scale of ``--lab`` runs: protocol delays at 5% of real time,
#: so gates really poll (see ``twin/network/README.md``); 0 = instant.
LAB_TIME_SCALE = 0.05

TOPOLOGY_FILE = "topology.yaml"

__all__ = [
    "EVENTS_FILE", "LAB_TIME_SCALE", "LabEventLog", "LabPidfile", "LabTarget", "NetworkEvent", "RehearsalLab",
    "attached_event_log", "boot_from_configs", "boot_lab", "lab_app", "lab_events", "lab_from_inventory", "lab_target",
    "set_cable",
]


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


# --- the twin's event log and cable pulls (failover drills) --------------------------------

#: ``vrpbook lab up`` writes the lab's event log here, in its state dir (one JSON line per event).
EVENTS_FILE = "events.jsonl"


@dataclass(frozen=True)
class NetworkEvent:
    """One entry of the twin's event log, as the product reads it: when (milliseconds since the
    lab started: one clock for every router of the lab), on which router, what (``link-down``,
    ``bfd-down``, ``route-withdrawn``, ``config-changed`` ...: ``twin/network/README.md``) and
    the detail the twin logged (``pe1_to_ce1 Down (detect time 30 ms)``)."""

    t_ms: float
    router: str
    kind: str
    detail: str

    def route(self) -> tuple[str | None, str, str] | None:
        """(VPN instance, or None for the public table; prefix; protocol) of a
        ``route-installed`` / ``route-withdrawn`` event (the twin logs
        ``"<table> <prefix> <proto> via <next hop> <interface>"``, the public table as ``_public_``)."""
        if self.kind not in ("route-installed", "route-withdrawn"):
            return None
        words = self.detail.split()
        if len(words) < 3:
            return None
        return (None if words[0] == PUBLIC_TABLE else words[0]), words[1], words[2]

    def readable(self) -> str:
        """The detail for people (the public table named ``public``)."""
        return self.detail.replace(PUBLIC_TABLE, "public", 1) if self.route() else self.detail

    def bfd_session(self) -> str | None:
        """The session of a ``bfd-up`` / ``bfd-down`` event (``"pe1_to_ce1 Down (detect time 30 ms)"``)."""
        if self.kind not in ("bfd-up", "bfd-down"):
            return None
        return self.detail.split(" ", 1)[0]


#: How the twin's event log names the public routing table (``twin/network/links.py``).
PUBLIC_TABLE = "_public_"


def _event(e: LabEvent) -> NetworkEvent:
    return NetworkEvent(float(e.t_ms), e.router, e.kind, e.detail)


def _running(target: LabTarget | RunningLab) -> RunningLab:
    return target.running if isinstance(target, LabTarget) else target


def lab_events(target: LabTarget | RunningLab) -> list[NetworkEvent]:
    """The event log of an in-process lab, up to now."""
    return [_event(e) for e in _running(target).events()]


def set_cable(target: LabTarget | RunningLab, router: str, interface: str, plugged: bool) -> None:
    """Pull (``plugged=False``) or plug back the cable at *router*:*interface* of an in-process
    lab: a fault no configuration shows (the far end sees its port go down)."""
    running = _running(target)
    try:
        running.lab.call(lambda: running.network.set_cable(router, interface, plugged))
    except ValueError as exc:  # not a port of the topology, or no cable in it
        raise UsageError(str(exc)) from None


class _EventLogWriter:
    """Writes ``<state dir>/events.jsonl`` as the lab logs each event: a header line (the lab's
    pid, when it started), then one line per event. Written and flushed when the event is
    logged, which is before the display that shows its effect answers: a drill that saw the
    effect over SSH finds the event in the file."""

    def __init__(self, path: Path, header: Mapping[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._fh = path.open("w", encoding="utf-8")  # a new lab, a new clock: the old log goes
        self._write({"type": "lab", **header})

    def __call__(self, event: LabEvent) -> None:
        self._write({"type": "event", "t_ms": float(event.t_ms), "router": event.router, "kind": event.kind,
                     "detail": event.detail})

    def _write(self, record: Mapping[str, Any]) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.write(json.dumps(record, sort_keys=True) + "\n")
                self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()


class LabEventLog:
    """The event log a ``vrpbook lab up`` lab writes to its state dir, read from another process."""

    def __init__(self, path: Path, pid: int) -> None:
        self.path = path
        self.pid = pid

    def events(self) -> list[NetworkEvent]:
        """Every event logged so far (a line being written is left for the next read)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DeviceError(f"lab event log {self.path}: {exc.strerror or exc}") from None
        out: list[NetworkEvent] = []
        for line in text.splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # the last line, still being written
            if isinstance(rec, dict) and rec.get("type") == "event":
                out.append(NetworkEvent(float(rec["t_ms"]), str(rec["router"]), str(rec["kind"]), str(rec["detail"])))
        return out


def attached_event_log(state_dir: Path, inv: Inventory) -> tuple[LabEventLog | None, str]:
    """The event log of the ``vrpbook lab up`` lab serving *inv*'s hosts from *state_dir*, or
    None and why not (no lab there, a lab serving other ports, a lab without an event log)."""
    pidfile = LabPidfile(state_dir)
    if not pidfile.alive():
        return None, f"no lab running from {state_dir}"
    info = pidfile.read() or {}
    served = {str(name): (str(addr[0]), int(addr[1])) for name, addr in dict(info.get("routers") or {}).items()}
    for name, host in inv.nr.inventory.hosts.items():
        want = (str(host.hostname), int(host.port or 22))
        if served.get(name) != want:
            return None, (f"the lab running from {state_dir} does not serve {name} at {want[0]}:{want[1]}"
                          f" (it serves {', '.join(f'{n} {h}:{p}' for n, (h, p) in served.items()) or 'nothing'})")
    path = Path(str(info.get("events") or state_dir / EVENTS_FILE))
    if not path.exists():
        return None, f"the lab running from {state_dir} writes no event log ({path})"
    return LabEventLog(path, int(info.get("pid", 0))), f"the twin's event log ({path})"


# --- rehearsals: a twin booted from backed-up configurations ---------------------------------

REHEARSAL_USER = "vrpbook-rehearsal"
SAVED_CONFIG = "vrpcfg.cfg"  # the file a twin router boots from in its state dir (twin/README.md)


@dataclass
class RehearsalLab:
    """A twin booted from backed-up configurations, serving on loopback in this process, with
    credentials of its own (a production password never goes to it)."""

    hosts: dict[str, tuple[str, int]]
    credentials: Credentials
    known_hosts: Path
    running: RunningLab

    def events(self) -> list[NetworkEvent]:
        return [_event(e) for e in self.running.events()]


@contextlib.contextmanager
def boot_from_configs(
    configs: Mapping[str, str],
    topology: Mapping[str, Any],
    *,
    sources: Mapping[str, str] | None = None,
    time_scale: float = LAB_TIME_SCALE,
) -> Iterator[RehearsalLab]:
    """Boot one twin router per configuration (its running and saved configuration), cabled as
    *topology* says (the twin's ``topology.yaml`` shape: ``devices`` with their physical
    interfaces, ``cables``), serve them on ephemeral loopback ports for the block, stop them
    after. A configuration line the twin refuses is one line naming *sources*' file and line
    (the twin replays a configuration through its CLI, as a router loads its startup file)."""
    from vrpbook.twin.cli.replay import BootError
    from vrpbook.twin.lab import HostSpec, Lab, LabError, is_loopback
    from vrpbook.twin.topology import Topology, TopologyError

    names = sources or {}
    with tempfile.TemporaryDirectory(prefix="vrpbook-rehearsal-") as tmp:
        root = Path(tmp)
        for name, text in configs.items():
            (root / name).mkdir(parents=True)
            (root / name / SAVED_CONFIG).write_text(text)
        try:
            topo = Topology.from_dict(dict(topology), source=names.get("topology", "topology"))
        except TopologyError as exc:
            raise UsageError(str(exc)) from None
        hosts = {name: HostSpec(name, "127.0.0.1", 0) for name in configs}
        password = secrets.token_urlsafe(18)
        try:
            lab = Lab(topo, hosts, REHEARSAL_USER, password, root, time_scale)
        except BootError as exc:
            message = str(exc)
            for name in configs:
                message = message.replace(str(root / name), names.get(name, name))
            raise UsageError(f"the twin cannot boot from this configuration: {message}") from None
        except LabError as exc:
            raise UsageError(str(exc)) from None
        try:
            serving = lab.running(ephemeral_ports=True)
            running = serving.__enter__()
        except (LabError, OSError) as exc:
            raise DeviceError(f"rehearsal lab: {exc}") from exc
        try:
            strays = {n: h for n, (h, _p) in running.hosts.items() if not is_loopback(h)}
            if strays:  # never: the hosts above are loopback; a rehearsal must not reach anything else
                raise DeviceError(f"rehearsal lab serves non-loopback addresses: {strays}")
            yield RehearsalLab(dict(running.hosts), Credentials(REHEARSAL_USER, password),
                               Path(running.known_hosts_path), running)
        finally:
            serving.__exit__(None, None, None)


def is_loopback_address(address: str) -> bool:
    """True for a loopback IP address (or ``localhost``): the only addresses a rehearsal reaches."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


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
    started = datetime.now(UTC).isoformat(timespec="seconds")
    events_path = (state_dir / EVENTS_FILE).resolve()
    pidfile.claim({"pid": os.getpid(), "started": started, "inventory": str(Path(inventory).resolve()), "routers": {},
                   "events": str(events_path)})
    # The event log goes to the state dir (after the pidfile is ours: it starts a new file), from
    # the events of the boot on, for drills run from other processes (attached_event_log).
    event_log = _EventLogWriter(events_path, {"pid": os.getpid(), "started": started, "time_scale": time_scale})
    for event in lab.events():
        event_log(event)
    lab.network.subscribe(event_log)

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
        event_log.close()
        pidfile.release()


def port_open(host: str, port: int) -> bool:
    """Whether a router's SSH port accepts a connection: `lab status`'s "accepting" (tests wait on it too)."""
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
        table.add_row(name, str(host), str(port), "yes" if port_open(str(host), int(port)) else "no")
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
