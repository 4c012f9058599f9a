"""Take a router's snapshot: its running configuration and its normalised state.

Which displays: decided from the router's **own running configuration**, read
first in the same session — the routing table and interfaces always; BGP peers
where a ``bgp`` section exists (VPNv4 peers where it has ``ipv4-family
vpnv4``); OSPF peers where an ``ospf`` process exists; LDP sessions where
``mpls ldp`` is enabled; BFD sessions where ``bfd`` is; the VPN instances and
each one's routing table where ``ip vpn-instance`` sections exist. A feature the
configuration does not have has no state: a router gaining OSPF in a change
shows OSPF peers that are *new*, not a display that "failed before". A display
that should answer and does not (a device error, an output that does not
parse) is recorded in ``errors`` and makes a comparison of that router
incomplete — never an empty state that would compare equal.

The configuration is stored redacted (the caller's redactor: credentials and
VRP cipher text never reach an artifact or the history).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nornir.core import Nornir
from nornir.core.task import Result, Task

from vrpbook import clock
from vrpbook.errors import describe_error
from vrpbook.runbooks.steps import run_step
from vrpbook.tasks.channel import live_channel_for
from vrpbook.tasks.collect import observe
from vrpbook.tasks.snapshot import read_config

from .normalise import Items, normalise

ALWAYS = ("display ip routing-table", "display interface brief")


def displays_for(config: str) -> list[str]:
    """The displays a router with this running configuration has state in (module docstring)."""
    top = [ln.rstrip() for ln in config.splitlines() if ln and not ln[0].isspace()]
    nested = [ln.strip() for ln in config.splitlines()]
    out = list(ALWAYS)
    if any(re.match(r"bgp \S+$", ln) for ln in top):
        out.append("display bgp peer")
        if "ipv4-family vpnv4" in nested:
            out.append("display bgp vpnv4 all peer")
    if any(re.match(r"ospf( \d+)?( |$)", ln) for ln in top):
        out.append("display ospf peer brief")
    if "mpls ldp" in top:
        out.append("display mpls ldp session")
    if "bfd" in top:
        out.append("display bfd session all")
    vpns = [m.group(1) for ln in top if (m := re.match(r"ip vpn-instance (\S+)$", ln))]
    if vpns:
        out.append("display ip vpn-instance verbose")
        out.extend(f"display ip routing-table vpn-instance {v}" for v in vpns)
    return out


@dataclass
class RouterSnapshot:
    """One router at one moment: configuration (redacted), state and counters by section."""

    router: str
    phase: str
    at: datetime
    config: str
    state: dict[str, Items] = field(default_factory=dict)
    counters: dict[str, Items] = field(default_factory=dict)
    displays: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # display -> why it could not be read

    @property
    def config_sha256(self) -> str:
        return hashlib.sha256(self.config.encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {"router": self.router, "phase": self.phase, "at": self.at.isoformat(), "config_sha256": self.config_sha256,
                "displays": self.displays, "state": self.state, "counters": self.counters, "warnings": self.warnings,
                "errors": self.errors}

    @classmethod
    def from_json(cls, data: dict[str, Any], config: str) -> RouterSnapshot:
        return cls(router=data["router"], phase=data["phase"], at=datetime.fromisoformat(data["at"]), config=config,
                   state=data["state"], counters=data["counters"], displays=list(data["displays"]),
                   warnings=list(data["warnings"]), errors=dict(data["errors"]))


def read_snapshot(task: Task, phase: str, redact: Callable[[str], str]) -> Result:
    """Nornir task: the router's :class:`RouterSnapshot` (a lost session is reopened first)."""
    chan = live_channel_for(task)
    config = read_config(chan)
    snap = RouterSnapshot(task.host.name, phase, clock.now(), redact(config))
    snap.displays = displays_for(config)
    for command in snap.displays:
        obs = observe(chan, command)
        at = clock.now()
        if obs.error is not None or obs.parsed is None:
            snap.errors[command] = obs.error or "no output"
            continue
        found = normalise(command, obs.parsed, at)
        for section, items in found.state.items():
            snap.state.setdefault(section, {}).update(items)
        for section, items in found.counters.items():
            snap.counters.setdefault(section, {}).update(items)
        snap.warnings.extend(found.warnings)
    return Result(host=task.host, result=snap)


def take(nr: Nornir, hosts: Sequence[str], phase: str, redact: Callable[[str], str] = lambda s: s) -> dict[str, RouterSnapshot | str]:
    """Snapshot *hosts* at once; a router that could not be read maps to why (one line)."""
    out: dict[str, RouterSnapshot | str] = {}
    for h, o in run_step(nr, list(hosts), read_snapshot, f"snapshot-{phase}", phase=phase, redact=redact).items():
        if o.error is not None:
            out[h] = describe_error(o.error)
        else:
            assert isinstance(o.value, RouterSnapshot)
            out[h] = o.value
    return out


__all__ = ["ALWAYS", "RouterSnapshot", "displays_for", "read_snapshot", "take"]
