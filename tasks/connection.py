"""The ``vrp8`` Nornir connection plugin: one SSH session per router, prompt-driven.

Registered under Nornir's ``nornir.plugins.connections`` entry point (see
``pyproject.toml``), so any Nornir script can use it by name::

    task.host.get_connection("vrp8", task.nornir.config)   # -> VrpChannel

netmiko opens the session and logs in (host keys checked when the inventory
asks for it); from then on :class:`~vrpbook.tasks.channel.VrpChannel` writes
lines and reads to VRP8's prompts. The connection options' ``extras`` are
netmiko ``ConnectHandler`` arguments (``ssh_strict``, ``alt_key_file``,
``conn_timeout``...).

A session that cannot be opened raises one of the typed connection errors of
:mod:`vrpbook.errors` (authentication, unreachable, host key), so every command
reports it as one line for that router and exit code 3.
"""

from __future__ import annotations

import socket
from typing import Any

import paramiko
from netmiko import ConnectHandler, NetmikoAuthenticationException, NetmikoTimeoutException
from nornir.core.configuration import Config

from vrpbook.errors import AuthenticationFailed, ConnectionFailed, HostKeyMismatch, Unreachable, describe_error

from .channel import VrpChannel

#: netmiko defaults that keep a VRP8 login fast and never fall back to keys or agents.
DEFAULT_EXTRAS: dict[str, Any] = {
    "fast_cli": True,
    "conn_timeout": 15,
    "auth_timeout": 15,
    "banner_timeout": 15,
    "allow_agent": False,
    "use_keys": False,
}


class Vrp8Connection:
    """Nornir connection plugin; ``connection`` is the router's :class:`VrpChannel`."""

    def __init__(self) -> None:
        self.connection: VrpChannel | None = None

    def open(
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        params: dict[str, Any] = {
            **DEFAULT_EXTRAS,
            "device_type": platform or "huawei_vrpv8",
            "host": hostname,
            "username": username,
            "password": password,
            "port": port or 22,
            **(extras or {}),
        }
        where = f"{hostname}:{params['port']}"
        try:
            conn = ConnectHandler(**params)
        except NetmikoAuthenticationException as exc:
            raise AuthenticationFailed(f"authentication failed at {where} for user {username!r}") from exc
        except paramiko.BadHostKeyException as exc:
            raise HostKeyMismatch(f"SSH host key of {where} differs from known_hosts (possible impersonation)") from exc
        except paramiko.SSHException as exc:
            if "known_hosts" in str(exc) or "host key" in str(exc).lower():
                raise HostKeyMismatch(f"SSH host key of {where} is not in known_hosts: {describe_error(exc)}") from exc
            raise ConnectionFailed(f"SSH to {where} failed: {describe_error(exc)}") from exc
        except (NetmikoTimeoutException, socket.error) as exc:
            raise Unreachable(f"no SSH server answered at {where}: {describe_error(exc)}") from exc
        chan = VrpChannel(conn, hostname or "?")
        # netmiko's disconnect() calls cleanup() first, which waits ~2 s for silence;
        # the channel leaves at once (an uncommitted candidate is dropped by VRP).
        conn.cleanup = chan.logout
        chan.sync()
        self.connection = chan

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.conn.disconnect()
            finally:
                self.connection = None
