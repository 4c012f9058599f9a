"""Open the driver's SSH session through vrpbook's ``vrp8`` connection (netmiko login,
then the prompt-driven :class:`~vrpbook.tasks.channel.VrpChannel`).

The driver does not talk to netmiko itself: vrpbook's connection plugin already
logs in, checks host keys when asked and classifies failures (authentication,
unreachable, host key) into typed errors; here they become NAPALM's
``ConnectionException`` family, so ``nornir-napalm`` and NAPALM's CLI report them
like any other driver's.

NAPALM ``optional_args`` are read as NAPALM's own drivers read them: ``port``,
and every netmiko ``ConnectHandler`` argument (``ssh_strict``,
``alt_host_keys``, ``alt_key_file``, ``conn_timeout``, ...) through
:func:`napalm.base.netmiko_helpers.netmiko_args`. The driver's own options are
listed in :data:`DRIVER_OPTIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from napalm.base.exceptions import ConnectAuthError, ConnectionException, ConnectTimeoutError
from napalm.base.netmiko_helpers import netmiko_args

from vrpbook.errors import AuthenticationFailed, ConnectionFailed, DeviceError, Unreachable
from vrpbook.tasks.channel import VrpChannel
from vrpbook.tasks.connection import Vrp8Connection

#: netmiko's device type under vrpbook's channel (netmiko only logs in).
NETMIKO_DEVICE_TYPE = "huawei_vrpv8"

#: The driver's own optional_args (everything else is netmiko's or ignored).
DRIVER_OPTIONS: dict[str, str] = {
    "port": "SSH port (default 22)",
    "save_after_commit": "run `save` after a plain commit and after confirm_commit (default False: VRP keeps "
    "the committed configuration running; the startup configuration changes only when you save)",
    "intent_inventory": "a vrpbook inventory directory: its intent defines the managed scope load_replace_candidate replaces",
    "intent_host": "this router's host name in intent_inventory (default: the sysname in the router's prompt)",
}


def open_session(
    hostname: str, username: str, password: str, timeout: int, optional_args: Mapping[str, Any]
) -> Vrp8Connection:
    """Log in and return vrpbook's connection, its channel ready at the user-view prompt.

    ``timeout`` (NAPALM's) bounds each wait for a prompt; the login itself keeps
    vrpbook's connection defaults (``conn_timeout`` etc. may be given in optional_args)."""
    extras = netmiko_args(dict(optional_args))
    port = int(optional_args.get("port") or extras.pop("port", None) or 22)
    extras.pop("port", None)
    conn = Vrp8Connection()
    try:
        conn.open(hostname, username, password, port, NETMIKO_DEVICE_TYPE, extras=extras)
    except AuthenticationFailed as exc:
        raise ConnectAuthError(str(exc)) from exc
    except Unreachable as exc:
        raise ConnectTimeoutError(str(exc)) from exc
    except ConnectionFailed as exc:  # host key and other login failures
        raise ConnectionException(str(exc)) from exc
    except DeviceError as exc:  # the channel could not find VRP's prompt after login
        raise ConnectionException(f"{hostname}:{port}: {exc}") from exc
    channel = conn.connection
    if channel is None:  # pragma: no cover - open() sets it or raises
        raise ConnectionException(f"{hostname}:{port}: no channel after login")
    channel.timeout = float(timeout)
    return conn


def channel_of(conn: Vrp8Connection | None) -> VrpChannel:
    """The open channel; a closed driver is NAPALM's ``ConnectionException``."""
    if conn is None or conn.connection is None:
        raise ConnectionException("the driver is not open (call open() first)")
    return conn.connection


def transport_active(conn: Vrp8Connection | None) -> bool:
    """True while the SSH transport under the channel is up (writes nothing to the router)."""
    if conn is None or conn.connection is None:
        return False
    remote = getattr(conn.connection.conn, "remote_conn", None)
    transport = getattr(remote, "transport", None) if remote is not None else None
    return bool(transport is not None and transport.is_active())
