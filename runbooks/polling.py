"""Poll a stage's gates: collect what they need from every router at once, judge, repeat.

A gate is done when it passes, when it errors (an unreadable display: fail
closed, no retry), or when its deadline passes (it then fails with what it saw
last). The gates of one stage are polled together, so each round reads every
needed display once per router, concurrently.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from nornir.core import Nornir

from vrpbook.tasks.channel import channel_for
from vrpbook.tasks.collect import Observation, observe

from .gates import Gate, GateContext, GateResult, evaluate
from .intent import HostIntent
from .parallel import run_each
from .report import describe_error

Observed = dict[str, dict[str, Observation]]


@dataclass(frozen=True)
class ScheduledGate:
    """A gate of a stage with everything resolved: routers, parameters, timing."""

    name: str
    gate: Gate
    hosts: list[str]
    params: Any
    deadline: float
    interval: float

    def commands(self, intents: dict[str, HostIntent]) -> dict[str, list[str]]:
        return {h: self.gate.commands(h, intents[h], self.params) for h in self.hosts}


def command_plan(gates: list[ScheduledGate], intents: dict[str, HostIntent]) -> dict[str, list[str]]:
    """Every display to read, per router, without repeats."""
    plan: dict[str, list[str]] = {}
    for g in gates:
        for host, cmds in g.commands(intents).items():
            for cmd in cmds:
                if cmd not in plan.setdefault(host, []):
                    plan[host].append(cmd)
    return {h: c for h, c in plan.items() if c}


def collect(nr: Nornir, plan: dict[str, list[str]]) -> Observed:
    """Read and parse *plan* on every router at once; a router that cannot be read
    yields observations carrying the error (never an empty pass)."""
    res = run_each(nr, list(plan), lambda task: {c: observe(channel_for(task), c) for c in plan[task.host.name]}, "collect")
    observed: Observed = {}
    for h, (value, exc) in res.items():
        if exc is not None:
            observed[h] = {c: Observation(c, "", error=f"read failed: {describe_error(exc)}") for c in plan[h]}
        else:
            observed[h] = value
    return observed


def poll(
    nr: Nornir,
    intents: dict[str, HostIntent],
    gates: list[ScheduledGate],
    on_done: Callable[[ScheduledGate, GateResult, Observed], None] = lambda *_: None,
) -> list[GateResult]:
    """Poll *gates* until each is done; return their results in order."""
    results: dict[int, GateResult] = {}
    start = time.monotonic()
    polls = 0
    while len(results) < len(gates):
        polls += 1
        pending = [i for i in range(len(gates)) if i not in results]
        observed = collect(nr, command_plan([gates[i] for i in pending], intents))
        now = time.monotonic() - start
        for i in pending:
            g = gates[i]
            res = evaluate(g.gate, GateContext(g.hosts, intents, g.params, observed))
            res.polls, res.elapsed = polls, round(now, 3)
            if res.status in ("pass", "error") or now >= g.deadline:
                if res.status == "fail":
                    res.message = f"not true after {now:.1f} s (deadline {g.deadline:g} s): {res.message}"
                results[i] = res
                on_done(g, res, observed)
        if len(results) < len(gates):
            time.sleep(min(gates[i].interval for i in range(len(gates)) if i not in results))
    return [results[i] for i in range(len(gates))]
