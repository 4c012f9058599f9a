"""Build the Nornir object for a run: inventory, credentials, SSH host-key policy.

Lab inventories (``data: {lab: true}`` in defaults) carry lab-only credentials
for the twin on 127.0.0.1. Any other inventory is treated as production:
credentials come from ``VRPBOOK_USERNAME`` / ``VRPBOOK_PASSWORD`` or an
interactive prompt (never without a TTY), never from a file, and SSH host keys
are checked against the inventory's ``known_hosts`` file (an unknown key fails).
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions

ENV_USER = "VRPBOOK_USERNAME"
ENV_PASSWORD = "VRPBOOK_PASSWORD"


class InventoryError(ValueError):
    """An inventory that cannot be used for a run (names the file)."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"Credentials(username={self.username!r}, password=<redacted>)"


@dataclass(frozen=True)
class InventoryInfo:
    path: Path
    is_lab: bool
    known_hosts: Path | None
    defaults: dict[str, Any]


def inspect_inventory(path: Path) -> InventoryInfo:
    defaults_file = path / "defaults.yaml"
    if not (path / "hosts.yaml").exists():
        raise InventoryError(f"{path}: no hosts.yaml (not a Nornir SimpleInventory)")
    try:
        defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else {}
    except yaml.YAMLError as exc:
        raise InventoryError(f"{defaults_file}: not valid YAML: {exc}") from exc
    defaults = defaults or {}
    data = defaults.get("data") or {}
    is_lab = bool(data.get("lab"))
    known = data.get("known_hosts")
    known_path = (path / str(known)).resolve() if known else None
    if is_lab:
        _require_loopback_hosts(path / "hosts.yaml")
    else:
        if defaults.get("password"):
            raise InventoryError(f"{defaults_file}: a production inventory must not hold a password; use ${ENV_PASSWORD} or the prompt")
        _refuse_entry_passwords(path / "hosts.yaml", "host")
        _refuse_entry_passwords(path / "groups.yaml", "group")
        if known_path is None:
            raise InventoryError(f"{defaults_file}: data.known_hosts is required for a production inventory (SSH host keys are verified)")
    return InventoryInfo(path, is_lab, known_path, defaults)


def _load_entries(file: Path) -> dict[str, Any]:
    """The host or group mapping of a SimpleInventory file ({} if absent)."""
    if not file.exists():
        return {}
    try:
        return yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as exc:
        raise InventoryError(f"{file}: not valid YAML: {exc}") from exc


def _refuse_entry_passwords(file: Path, kind: str) -> None:
    """Nornir lets a host or group carry its own password, which would then sit
    in a file: a production inventory is refused if any entry does."""
    for name, spec in _load_entries(file).items():
        if isinstance(spec, dict) and spec.get("password"):
            raise InventoryError(
                f"{file}: {kind} {name}: a production inventory must not hold a password; "
                f"use ${ENV_PASSWORD} or the prompt"
            )


def _require_loopback_hosts(hosts_file: Path) -> None:
    """A lab inventory carries the lab's credentials in a file: they may only
    ever be sent to the twin on loopback, so every host must be a loopback
    address (a lab inventory pointed elsewhere is refused before connecting)."""
    for name, spec in _load_entries(hosts_file).items():
        address = str((spec or {}).get("hostname", ""))
        try:
            loopback = ipaddress.ip_address(address).is_loopback
        except ValueError:
            loopback = address == "localhost"
        if not loopback:
            raise InventoryError(
                f"{hosts_file}: host {name}: hostname {address!r} is not a loopback address; "
                "a lab inventory (data.lab: true) only targets the twin on 127.0.0.1"
            )


def production_credentials(info: InventoryInfo, interactive: bool | None = None) -> Credentials:
    """Credentials from the environment, else a prompt; no TTY and no env → a clear error."""
    user = os.environ.get(ENV_USER) or info.defaults.get("username")
    password = os.environ.get(ENV_PASSWORD)
    tty = sys.stdin.isatty() if interactive is None else interactive
    if not user:
        if not tty:
            raise InventoryError(f"no username: set {ENV_USER} (no terminal to prompt on)")
        user = input("Username: ")
    if not password:
        if not tty:
            raise InventoryError(f"no password: set {ENV_PASSWORD} (no terminal to prompt on)")
        password = getpass.getpass(f"Password for {user}: ")
    return Credentials(user, password)


def build_nornir(
    info: InventoryInfo,
    *,
    credentials: Credentials | None = None,
    addresses: dict[str, tuple[str, int]] | None = None,
    known_hosts: Path | None = None,
    hosts: list[str] | None = None,
) -> Nornir:
    """Nornir over the inventory, with per-run overrides (lab addresses, credentials).

    ``known_hosts`` (or the inventory's) turns on strict host-key checking.
    """
    inv = info.path
    nr = InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": 32}},
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(inv / "hosts.yaml"),
                "group_file": str(inv / "groups.yaml"),
                "defaults_file": str(inv / "defaults.yaml"),
            },
        },
        logging={"enabled": False},
    )
    if hosts:
        unknown = sorted(set(hosts) - set(nr.inventory.hosts))
        if unknown:
            raise InventoryError(f"{inv / 'hosts.yaml'}: unknown hosts {unknown}")
    key_file = known_hosts or info.known_hosts
    if key_file is not None and not key_file.exists():
        raise InventoryError(f"known_hosts file {key_file} does not exist (SSH host keys cannot be verified)")
    for name, host in nr.inventory.hosts.items():
        if addresses is not None:
            if name not in addresses:
                raise InventoryError(f"{inv / 'hosts.yaml'}: host {name} is not served by the lab")
            host.hostname, host.port = addresses[name]
        if credentials is not None:
            host.username, host.password = credentials.username, credentials.password
        if not host.username or not host.password:
            raise InventoryError(f"{inv}: host {name} has no credentials")
        extras: dict[str, Any] = {
            "fast_cli": True,
            "conn_timeout": 15,
            "auth_timeout": 15,
            "banner_timeout": 15,
            "allow_agent": False,
            "use_keys": False,
        }
        if key_file is not None:
            extras.update(ssh_strict=True, system_host_keys=False, alt_host_keys=True, alt_key_file=str(key_file))
        host.connection_options["netmiko"] = ConnectionOptions(
            hostname=host.hostname, port=host.port, username=host.username, password=host.password,
            platform=host.platform or "huawei_vrpv8", extras=extras,
        )
    return nr


def select_hosts(selectors: list[str], nr: Nornir) -> list[str]:
    """Hosts matching any selector: ``all``, a group name, or a host name (inventory order)."""
    groups = set(nr.inventory.groups)
    out: list[str] = []
    for name, host in nr.inventory.hosts.items():
        for sel in selectors:
            if sel == "all" or sel == name or (sel in groups and host.has_parent_group(sel)):
                out.append(name)
                break
    for sel in selectors:
        if sel != "all" and sel not in groups and sel not in nr.inventory.hosts:
            raise InventoryError(f"selector {sel!r} is neither a group nor a host of the inventory")
    return out
