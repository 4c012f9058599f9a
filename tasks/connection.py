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

The channel keeps the plugin's login as its ``reopen`` factory: when the
session is lost, the recovery steps (abort, rollback, unlock, verification)
open a fresh one with the same parameters (:meth:`VrpChannel.revive`).
"""

from __future__ import annotations

import contextlib
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


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def connection_error(exc: BaseException, where: str, username: str | None) -> ConnectionFailed:
    """What a failed login means, as one typed error. netmiko re-raises paramiko's
    errors as its own (a host-key mismatch arrives as a "timeout"), so the whole
    cause chain and the message are read, most specific first."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, paramiko.BadHostKeyException) for e in chain) or ("does not match" in text and "Host key" in text):
        return HostKeyMismatch(f"SSH host key of {where} differs from known_hosts (possible impersonation)")
    if "known_hosts" in text or "not found in known" in text.lower():
        return HostKeyMismatch(f"SSH host key of {where} is not in known_hosts")
    if any(isinstance(e, NetmikoAuthenticationException | paramiko.AuthenticationException) for e in chain):
        return AuthenticationFailed(f"authentication failed at {where} for user {username!r}")
    if any(isinstance(e, NetmikoTimeoutException | OSError | socket.timeout) for e in chain):
        return Unreachable(f"no SSH server answered at {where}: {describe_error(exc)}")
    return ConnectionFailed(f"SSH to {where} failed: {describe_error(exc)}")


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

        def login() -> Any:
            try:
                return ConnectHandler(**params)
            except Exception as exc:  # netmiko/paramiko/socket: classified into vrpbook's typed errors
                raise connection_error(exc, where, username) from exc

        chan = VrpChannel(login(), hostname or "?", reopen=login)
        chan.sync()
        self.connection = chan

    def close(self) -> None:
        """Leave at once: netmiko's ``disconnect()`` first waits ~2 s of silence
        (``cleanup``); the channel's ``logout`` does not (an uncommitted candidate is
        dropped by VRP with the session), then the SSH transport is closed."""
        chan, self.connection = self.connection, None
        if chan is None:
            return
        chan.logout()
        with contextlib.suppress(Exception):  # the session may already be gone
            chan.conn.paramiko_cleanup()
        chan.conn.remote_conn_pre = None
        chan.conn.remote_conn = None
