"""The one reader of an inventory: Nornir's SimpleInventory, plus vrpbook's policy.

Every command reads an inventory directory (``hosts.yaml``, ``groups.yaml``,
``defaults.yaml``) exactly once, through ``InitNornir``; the intent
(:mod:`vrpbook.intent`) and the lab (:mod:`vrpbook.lab`) are built from the
same Nornir objects. A malformed file is one line naming the file.

Policy:

- **Lab** inventories (``data: {lab: true}`` in defaults) carry lab-only
  credentials for the twin, so every host must be a loopback address.
- Any other inventory is **production**: no password in any file (defaults,
  group or host), credentials from ``VRPBOOK_USERNAME`` / ``VRPBOOK_PASSWORD``
  or an interactive prompt (never without a terminal), and SSH host keys
  checked against the inventory's ``data.known_hosts`` (an unknown key fails).

:func:`connect` then sets each host's ``vrp8`` connection options (address
overrides for an in-process lab, credentials, host-key checking).
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Host
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from vrpbook.errors import InventoryError, describe_error
from vrpbook.paths import LAB_INVENTORY, resolve_data_path
from vrpbook.tasks.channel import CONNECTION
from vrpbook.tasks.connection import DEFAULT_EXTRAS

ENV_USER = "VRPBOOK_USERNAME"
ENV_PASSWORD = "VRPBOOK_PASSWORD"

#: Nornir's threaded runner: every router of a step at once (one SSH session each).
NUM_WORKERS = 32

#: The routers' roles (``role`` in the intent, :data:`vrpbook.intent.Role`). A runbook
#: selects the routers of a role by the group of that name; an inventory with no router
#: of a role needs no such group (the selector then selects nobody).
ROLES = ("pe", "ce", "rr")


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"Credentials(username={self.username!r}, password=<redacted>)"


@dataclass(frozen=True)
class InventoryFiles:
    """The SimpleInventory files of one directory (for error messages)."""

    root: Path
    hosts: Path
    groups: Path
    defaults: Path

    @classmethod
    def of(cls, root: Path) -> InventoryFiles:
        return cls(root, root / "hosts.yaml", root / "groups.yaml", root / "defaults.yaml")


@dataclass
class Inventory:
    """One inventory read by Nornir, with the policy facts vrpbook derives from it."""

    path: Path
    files: InventoryFiles
    nr: Nornir
    is_lab: bool
    known_hosts: Path | None
    secrets: list[str] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        """The inventory-wide ``data`` of defaults.yaml."""
        return dict(self.nr.inventory.defaults.data)


def read_nornir(root: Path) -> Nornir:
    """``InitNornir`` over a SimpleInventory directory; any file error is one line naming it."""
    files = InventoryFiles.of(root)
    if not files.hosts.exists():
        raise InventoryError(f"{root}: no hosts.yaml (not a Nornir SimpleInventory)")
    try:
        return InitNornir(
            runner={"plugin": "threaded", "options": {"num_workers": NUM_WORKERS}},
            inventory={
                "plugin": "SimpleInventory",
                "options": {
                    "host_file": str(files.hosts),
                    "group_file": str(files.groups),
                    "defaults_file": str(files.defaults),
                },
            },
            logging={"enabled": False},
        )
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.name}: line {mark.line + 1}" if mark is not None else str(root)
        raise InventoryError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise InventoryError(f"{root}: not valid YAML: {describe_error(exc)}") from None
    except KeyError as exc:
        raise InventoryError(f"{files.hosts}: unknown group {exc.args[0]!r} (not in {files.groups})") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise InventoryError(f"{root}: not a Nornir SimpleInventory: {describe_error(exc)}") from None


def _own(element: object, attribute: str) -> Any:
    """An inventory element's own attribute (Nornir's lookup would inherit it)."""
    return object.__getattribute__(element, attribute)


def load_inventory(path: str | Path | None = None, *, policy: bool = True) -> Inventory:
    """Read *path* (default ``inventory/lab``) and apply the lab / production policy
    (``policy=False`` only for serving a lab, which connects to nothing)."""
    root = resolve_data_path(path or LAB_INVENTORY)
    files = InventoryFiles.of(root)
    nr = read_nornir(root)
    defaults = nr.inventory.defaults
    data = defaults.data
    is_lab = bool(data.get("lab"))
    known = data.get("known_hosts")
    known_path = (root / str(known)).resolve() if known else None
    if not policy:
        pass
    elif is_lab:
        _require_loopback_hosts(nr, files)
    else:
        if _own(defaults, "password"):
            raise InventoryError(f"{files.defaults}: a production inventory must not hold a password; use ${ENV_PASSWORD} or the prompt")
        for kind, file, entries in (("group", files.groups, nr.inventory.groups), ("host", files.hosts, nr.inventory.hosts)):
            for name, entry in entries.items():
                if _own(entry, "password"):
                    raise InventoryError(
                        f"{file}: {kind} {name}: a production inventory must not hold a password; "
                        f"use ${ENV_PASSWORD} or the prompt"
                    )
        if known_path is None:
            raise InventoryError(f"{files.defaults}: data.known_hosts is required for a production inventory (SSH host keys are verified)")
    return Inventory(root, files, nr, is_lab, known_path)


def _require_loopback_hosts(nr: Nornir, files: InventoryFiles) -> None:
    """A lab inventory carries the lab's credentials in a file: they may only
    ever be sent to the twin on loopback, so every host must be a loopback
    address (a lab inventory pointed elsewhere is refused before connecting)."""
    for name, host in nr.inventory.hosts.items():
        address = str(host.hostname or "")
        try:
            loopback = ipaddress.ip_address(address).is_loopback
        except ValueError:
            loopback = address == "localhost"
        if not loopback:
            raise InventoryError(
                f"{files.hosts}: host {name}: hostname {address!r} is not a loopback address; "
                "a lab inventory (data.lab: true) only targets the twin on 127.0.0.1"
            )


def production_credentials(inv: Inventory, interactive: bool | None = None) -> Credentials:
    """Credentials from the environment, else a prompt; no TTY and no env → a clear error."""
    user = os.environ.get(ENV_USER) or inv.nr.inventory.defaults.username
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


def check_hosts(inv: Inventory, hosts: Sequence[str] | None) -> None:
    """Refuse host names the inventory does not have."""
    unknown = sorted(set(hosts or ()) - set(inv.nr.inventory.hosts))
    if unknown:
        raise InventoryError(f"{inv.files.hosts}: unknown hosts {unknown}")


def connect(
    inv: Inventory,
    *,
    credentials: Credentials | None = None,
    addresses: dict[str, tuple[str, int]] | None = None,
    known_hosts: Path | None = None,
    hosts: Sequence[str] | None = None,
) -> Nornir:
    """Set every host's ``vrp8`` connection options; return the inventory's Nornir
    (*hosts* are only checked: runs narrow their targets per step).

    ``known_hosts`` (or the inventory's) turns on strict host-key checking.
    The passwords in use are added to ``inv.secrets`` (for redaction).
    """
    check_hosts(inv, hosts)
    key_file = known_hosts or inv.known_hosts
    if key_file is not None and not key_file.exists():
        raise InventoryError(f"known_hosts file {key_file} does not exist (SSH host keys cannot be verified)")
    for name, host in inv.nr.inventory.hosts.items():
        if addresses is not None:
            if name not in addresses:
                raise InventoryError(f"{inv.files.hosts}: host {name} is not served by the lab")
            host.hostname, host.port = addresses[name]
        if credentials is not None:
            host.username, host.password = credentials.username, credentials.password
        if not host.username or not host.password:
            raise InventoryError(f"{inv.path}: host {name} has no credentials")
        if host.password not in inv.secrets:
            inv.secrets.append(host.password)
        host.connection_options[CONNECTION] = ConnectionOptions(
            hostname=host.hostname, port=host.port, username=host.username, password=host.password,
            platform=host.platform or "huawei_vrpv8", extras=_extras(key_file),
        )
    return inv.nr


def _extras(key_file: Path | None) -> dict[str, Any]:
    extras = dict(DEFAULT_EXTRAS)
    if key_file is not None:
        extras.update(ssh_strict=True, system_host_keys=False, alt_host_keys=True, alt_key_file=str(key_file))
    return extras


def select_hosts(selectors: Sequence[str], nr: Nornir) -> list[str]:
    """Hosts matching any selector: ``all``, a group name, or a host name (inventory order).
    A role name (:data:`ROLES`) that is no group of this inventory selects nobody."""
    groups = set(nr.inventory.groups)
    out: list[str] = []
    for name, host in nr.inventory.hosts.items():
        if any(_matches(sel, name, host, groups) for sel in selectors):
            out.append(name)
    for sel in selectors:
        if sel not in ("all", *ROLES) and sel not in groups and sel not in nr.inventory.hosts:
            raise InventoryError(f"selector {sel!r} is neither a group nor a host of the inventory")
    return out


def _matches(selector: str, name: str, host: Host, groups: set[str]) -> bool:
    return selector in ("all", name) or (selector in groups and host.has_parent_group(selector))
