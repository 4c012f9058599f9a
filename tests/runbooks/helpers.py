"""Shared helpers of the runbook tests: run a runbook against a running twin lab."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from vrpbook.intent import intent_of
from vrpbook.inventory import Credentials, connect, load_inventory
from vrpbook.paths import PROJECT_ROOT
from vrpbook.runbooks.plan import plan
from vrpbook.runbooks.runner import Target, run_with_target
from vrpbook.runbooks.schema import load_runbook

LAB_INVENTORY = PROJECT_ROOT / "inventory" / "lab"
REFERENCE = PROJECT_ROOT / "tests" / "fixtures" / "reference" / "000_ec677ba149024c37.txt"


def target_for(running: Any, inventory: Path = LAB_INVENTORY) -> Target:
    """The inventory read once (Nornir), pointed at a running lab, as ``--lab`` does."""
    inv = load_inventory(inventory)
    user, password = running.credentials
    nr = connect(inv, credentials=Credentials(user, password), addresses=dict(running.hosts), known_hosts=Path(running.known_hosts_path))
    return Target(nr, inv, inv.secrets)


def run(running: Any, tmp: Path, runbook: str | Path = "bfd-static-vpn", inventory: Path = LAB_INVENTORY, **kw: Any):
    rb = load_runbook(str(runbook))
    target = target_for(running, inventory)
    intents = intent_of(target.inventory)
    try:
        return run_with_target(rb, intents, target, artifacts_dir=tmp, **kw)
    finally:
        target.nr.close_connections()


def plan_lab(running: Any, runbook: str = "bfd-static-vpn", inventory: Path = LAB_INVENTORY):
    rb = load_runbook(runbook)
    target = target_for(running, inventory)
    intents = intent_of(target.inventory)
    try:
        return plan(rb, intents, target.nr)
    finally:
        target.nr.close_connections()


def reference_configs() -> dict[str, str]:
    """The reference's configuration files, from their first '#' to 'return', dedented."""
    text = REFERENCE.read_text()
    out = {}
    for m in re.finditer(r"\* (\w+) configuration file\s*\n\s*\n\s*```\n(.*?)```", text, re.S):
        lines = m.group(2).splitlines()
        out[m.group(1)] = "\n".join(ln[2:] if ln.startswith("  ") else ln for ln in lines).rstrip() + "\n"
    return out


def read_all(running: Any, fn: Any, hosts: list[str] | None = None, inventory: Path = LAB_INVENTORY) -> dict[str, Any]:
    """Run ``fn(channel)`` on every router over a fresh SSH session each (at once)."""
    from nornir.core.task import Result, Task

    from vrpbook.runbooks.steps import run_step
    from vrpbook.tasks.channel import channel_for

    def read(task: Task) -> Result:
        return Result(host=task.host, result=fn(channel_for(task)))

    target = target_for(running, inventory)
    try:
        res = run_step(target.nr, hosts or list(target.nr.inventory.hosts), read, "read")
    finally:
        target.nr.close_connections()
    errors = {h: o.error for h, o in res.items() if o.error is not None}
    assert not errors, errors
    return {h: o.value for h, o in res.items()}


def device_configs(running: Any, inventory: Path = LAB_INVENTORY) -> dict[str, str]:
    """``display current-configuration`` of every router, from the first '#'."""

    def read(chan: Any) -> str:
        chan.user_view()
        lines = [ln.rstrip() for ln in chan.run("display current-configuration").output.splitlines()]
        return "\n".join(lines[lines.index("#"):]).rstrip() + "\n"

    return read_all(running, read, inventory=inventory)


def commit_ids(running: Any) -> dict[str, list[str]]:
    def read(chan: Any) -> list[str]:
        chan.user_view()
        return re.findall(r"CommitId:\s*(\d+)", chan.run("display configuration commit list verbose").output)

    return read_all(running, read)


def copy_inventory(tmp: Path, edit_hosts: dict[str, Any] | None = None) -> Path:
    """A copy of the lab inventory with some host data replaced (deep edits by path)."""
    inv = tmp / "inventory"
    shutil.copytree(LAB_INVENTORY, inv)
    if edit_hosts:
        hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
        for path, value in edit_hosts.items():
            node = hosts
            keys = path.split(".")
            for k in keys[:-1]:
                node = node.setdefault(k, {})
            node[keys[-1]] = value
        (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return inv


def fast_runbook(tmp: Path, deadline: float = 2.0, name: str = "bfd-static-vpn") -> Path:
    """The real runbook with short gate deadlines, for tests where a gate must fail."""
    raw = yaml.safe_load((PROJECT_ROOT / "runbooks" / f"{name.replace('-', '_')}.yaml").read_text())
    raw["defaults"]["gate_deadline"] = deadline
    path = tmp / "fast_runbook.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path
