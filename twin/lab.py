"""The in-process lab: one twin router per inventory host, SSH servers on loopback.

This is the contract every other test and ``vrpbook run --lab`` codes against.
The lab reads no inventory itself: its hosts, credentials and topology are
handed to it by the product's one seam, ``vrpbook.lab``::

    lab = vrpbook.lab.boot_lab("inventory/lab", state_dir=None, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        host, port = running.address("PE1")
        user, password = running.credentials
        lab.running_config("PE1")

Why a background thread: tests and runbooks are synchronous (netmiko), while
the servers are asyncio. All router state lives on the lab's loop thread;
calls from other threads are marshalled onto it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

from .cli.replay import replay_config
from .config.model import RouterConfig
from .network.api import LabEvent
from .network.engine import Network
from .ssh import load_or_create_host_key, start_server
from .state import HOST_KEY_NAME, Router
from .topology import Topology

T = TypeVar("T")


class LabError(ValueError):
    """An inventory or state dir the lab cannot run from; the message names it."""


@dataclass(frozen=True)
class HostSpec:
    name: str
    hostname: str
    port: int


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Lab:
    """Routers, their network and (when running) their SSH servers."""

    def __init__(
        self,
        topology: Topology,
        hosts: dict[str, HostSpec],
        username: str,
        password: str,
        state_dir: str | Path | None = None,
        time_scale: float = 0.0,
        trial_time_scale: float = 1.0,
    ) -> None:
        missing = sorted(set(hosts) - set(topology.devices))
        if missing:
            raise LabError(f"inventory hosts not in topology.yaml: {', '.join(missing)}")
        self.topology = topology
        self.hosts = hosts
        self.username = username
        self._password = password
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.time_scale = time_scale
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.routers: dict[str, Router] = {}
        now = time.time()
        for name in hosts:
            dev = topology.devices[name]
            self.routers[name] = Router(
                name=name,
                model=dev.model,
                physical_interfaces=list(dev.interfaces),
                running=RouterConfig.factory(list(dev.interfaces)),
                notify=self._notify,
                state_dir=self.state_dir / name if self.state_dir else None,
                trial_time_scale=trial_time_scale,
                boot_time=now,
                last_change=now,
            )
        self.network = Network(topology, running_configs=self._running_configs, time_scale=time_scale)
        for router in self.routers.values():
            saved = router.load_saved_text()
            if saved:
                router.running = replay_config(router, self.network, saved, source=str(router.state_dir))
                router.saved_text = saved
                self._notify(router.name)

    # ------------------------------------------------------------ construction

    # ------------------------------------------------------------ state access

    def _running_configs(self) -> dict[str, RouterConfig]:
        return {name: r.running for name, r in self.routers.items()}

    def _notify(self, router: str) -> None:
        if getattr(self, "network", None) is not None:
            self.network.config_changed(router)

    def call(self, fn: Callable[[], T]) -> T:
        """Run *fn* on the lab's loop thread (directly when not running)."""
        loop = self._loop
        if loop is None or threading.current_thread() is self._thread:
            return fn()

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=30)

    def running_config(self, name: str) -> RouterConfig:
        """A copy of the committed configuration of router *name*."""
        return self.call(self.routers[name].running.clone)

    def events(self) -> list[LabEvent]:
        return self.call(lambda: list(self.network.events()))

    def drop_sessions(self, name: str) -> int:
        """Cut every SSH session of router *name* (fault injection); returns how many."""
        return self.call(lambda: self.routers[name].drop_sessions())

    # ------------------------------------------------------------ serving

    async def serve(self, ephemeral_ports: bool = False, bind: str | None = None) -> Servers:
        """Start one SSH server per router on the current loop."""
        key_root = self.state_dir
        if key_root is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="vrpbook-lab-")
            key_root = Path(self._tmp.name)
        acceptors: dict[str, asyncssh.SSHAcceptor] = {}
        addresses: dict[str, tuple[str, int]] = {}
        keys: dict[str, asyncssh.SSHKey] = {}
        try:
            for name, spec in self.hosts.items():
                host = bind or spec.hostname
                if bind is None and not is_loopback(host):
                    raise LabError(f"{name}: refusing to listen on non-loopback {host} without an explicit bind")
                keys[name] = load_or_create_host_key(key_root / name / HOST_KEY_NAME)
                port = 0 if ephemeral_ports else spec.port
                acc = await start_server(
                    self.routers[name], self.network, host, port, keys[name], self.username, self._password
                )
                acceptors[name] = acc
                addresses[name] = (host if host != "0.0.0.0" else "127.0.0.1", acc.get_port())
        except BaseException:
            for acc in acceptors.values():
                acc.close()
            raise
        known = key_root / "known_hosts"
        lines = []
        for name, (host, port) in addresses.items():
            pub = keys[name].export_public_key("openssh").decode().strip()
            algo, blob = pub.split()[:2]
            lines.append(f"[{host}]:{port} {algo} {blob}")
        known.parent.mkdir(parents=True, exist_ok=True)
        known.write_text("\n".join(lines) + "\n")
        return Servers(acceptors, addresses, known)

    async def shutdown(self, servers: Servers) -> None:
        for router in self.routers.values():
            router.cancel_trial()
        for acc in servers.acceptors.values():
            acc.close()
        for acc in servers.acceptors.values():
            await acc.wait_closed()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @contextmanager
    def running(self, ephemeral_ports: bool = False, bind: str | None = None) -> Iterator[RunningLab]:
        """Serve all routers from a background thread for the duration of the block."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="vrpbook-lab", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        try:
            servers = asyncio.run_coroutine_threadsafe(self.serve(ephemeral_ports, bind), loop).result(timeout=60)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()
            self._loop = self._thread = None
            raise
        try:
            yield RunningLab(self, servers.addresses, (self.username, self._password), servers.known_hosts)
        finally:
            asyncio.run_coroutine_threadsafe(self.shutdown(servers), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()
            self._loop = self._thread = None


@dataclass
class Servers:
    acceptors: dict[str, asyncssh.SSHAcceptor]
    addresses: dict[str, tuple[str, int]]
    known_hosts: Path


@dataclass
class RunningLab:
    """What a running lab offers its users (tests, ``vrpbook run --lab``)."""

    lab: Lab
    hosts: dict[str, tuple[str, int]]
    credentials: tuple[str, str]
    known_hosts_path: Path

    def address(self, name: str) -> tuple[str, int]:
        return self.hosts[name]

    @property
    def network(self) -> Network:
        return self.lab.network

    def running_config(self, name: str) -> RouterConfig:
        return self.lab.running_config(name)

    def events(self) -> list[LabEvent]:
        return self.lab.events()

    def drop_sessions(self, name: str) -> int:
        return self.lab.drop_sessions(name)

    def netmiko_params(self, name: str, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for ``netmiko.ConnectHandler`` to reach router *name*."""
        host, port = self.hosts[name]
        user, password = self.credentials
        params: dict[str, Any] = {
            "device_type": "huawei_vrpv8",
            "host": host,
            "port": port,
            "username": user,
            "password": password,
        }
        params.update(extra)
        return params
