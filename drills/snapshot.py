"""A drill's pre- and post-restore snapshot: each router's configuration and parsed state.

"Full recovery" means more than the gates passing again: each router must be
back where it was. So before the fault every router's running configuration
and the parsed displays the drill reads are kept; after the restore they are
read again and compared.

Noise is normalised when collected: ages, up times and counters grow by
themselves (``SsnAge``, ``Up/Down``, ``MsgRcvd``, KA counts, interface
utilisation), and a BFD session keeps its last diagnostic after it comes back
Up, so these are kept apart (``counters``) and never compared. What is
compared is state: sessions and their states, routes and their next hops, VPN
instances and their targets, as the parsers type them. Lists of records (rows,
sessions, peers) are compared as sets of records, so a router that prints the
same rows in another order is not a difference.

This is the drill's own minimal snapshot; the change workflow's snapshot and
normalised-diff module is meant to replace it.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nornir.core import Nornir

from vrpbook.checks.polling import read_all
from vrpbook.errors import describe_error
from vrpbook.runbooks.journal import sha256
from vrpbook.runbooks.steps import run_step
from vrpbook.tasks.snapshot import snapshot as snapshot_task

#: Fields that move by themselves or record the past, not the state a restore must bring back.
NOISE = frozenset({
    "ssn_age", "ka_sent", "ka_rcv", "msg_rcvd", "msg_sent", "out_q", "up_down", "up_time", "create_date",
    "in_uti", "out_uti", "in_errors", "out_errors", "last_local_diagnostic",
})
#: Fields of every parsed output that describe the capture, not the router.
CAPTURE = frozenset({"prompt", "hostname", "command", "warnings"})


@dataclass
class RouterSnapshot:
    """One router, at one moment: its configuration and its normalised state per display."""

    config: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def config_sha256(self) -> str:
        return sha256(self.config)

    def to_json(self) -> dict[str, Any]:
        return {"config_sha256": self.config_sha256, "state": self.state, "counters": self.counters, "errors": self.errors}


def split_noise(value: Any) -> tuple[Any, Any]:
    """(state, counters) of a parsed dump: the NOISE fields go to counters, recursively."""
    if isinstance(value, Mapping):
        state: dict[str, Any] = {}
        noise: dict[str, Any] = {}
        for k, v in value.items():
            if k in CAPTURE:
                continue
            if k in NOISE:
                noise[k] = v
                continue
            s, n = split_noise(v)
            state[k] = s
            if n not in ({}, [], None):
                noise[k] = n
        return state, noise
    if isinstance(value, list):
        pairs = [split_noise(v) for v in value]
        return [p[0] for p in pairs], [p[1] for p in pairs if p[1] not in ({}, [], None)]
    return value, None


def take(nr: Nornir, routers: Sequence[str], plan: Mapping[str, Sequence[str]]) -> dict[str, RouterSnapshot]:
    """Read every router's configuration and the displays of *plan* (router → commands) at once."""
    out = {r: RouterSnapshot() for r in routers}
    for r, o in run_step(nr, list(routers), snapshot_task, "snapshot").items():
        if o.error is not None:
            out[r].errors["configuration"] = describe_error(o.error)
        else:
            out[r].config = str(o.value)
    observed = read_all(nr, {r: list(c) for r, c in plan.items() if r in out})
    for r, by_command in observed.items():
        for command, obs in by_command.items():
            if obs.error or obs.parsed is None:
                out[r].errors[command] = obs.error or "not parsed"
                continue
            state, counters = split_noise(obs.parsed.model_dump(mode="json"))
            out[r].state[command] = state
            out[r].counters[command] = counters
    return out


def compare(before: Mapping[str, RouterSnapshot], after: Mapping[str, RouterSnapshot]) -> dict[str, dict[str, list[str]]]:
    """Per router, the differences: ``config`` (a unified diff's changed lines) and ``state``
    (per display, records only before / only after; values that differ). Empty lists: equal.
    A display that could not be read on either side is a difference (fail closed)."""
    out: dict[str, dict[str, list[str]]] = {}
    for r, pre in before.items():
        post = after.get(r, RouterSnapshot(errors={"snapshot": "not taken"}))
        config = [ln for ln in difflib.unified_diff(pre.config.splitlines(), post.config.splitlines(), "pre-drill",
                                                    "after the restore", lineterm="", n=0)
                  if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
        state: list[str] = []
        for what, why in sorted({**pre.errors, **post.errors}.items()):
            state.append(f"{what}: could not be read ({why})")
        for command in sorted(set(pre.state) | set(post.state)):
            if command in pre.errors or command in post.errors:
                continue
            state += [f"{command}: {d}" for d in _differences(pre.state.get(command), post.state.get(command))]
        out[r] = {"config": config, "state": state}
    return out


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        diffs: list[str] = []
        for k in sorted(set(a) | set(b)):
            diffs += _differences(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
        return diffs
    if isinstance(a, list) and isinstance(b, list):
        ca, cb = Counter(_canon(x) for x in a), Counter(_canon(x) for x in b)
        gone, new = sorted((ca - cb).elements()), sorted((cb - ca).elements())
        where = path or "rows"
        return [f"{where}: only before: {g}" for g in gone] + [f"{where}: only after: {n}" for n in new]
    if a != b:
        return [f"{path or 'value'}: {json.dumps(a)} before, {json.dumps(b)} after"]
    return []


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
