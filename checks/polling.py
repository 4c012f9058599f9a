"""Read what checks need from routers and poll them until they hold (read-only).

A scheduled check is done when every router it judges passes, when any of them
errors (an unreadable display: fail closed, no retry), when any of them fails
in a way waiting cannot change (a *settled* failure: the configuration read
back contradicts the expectation, so the check stops at that poll and says
why), or when its deadline passes (it then fails with what it saw last). The checks of one poll round are
read together, so each round reads every needed display once per router,
concurrently, through the ``collect`` Nornir task.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nornir.core import Nornir
from pydantic import BaseModel

from vrpbook.errors import describe_error
from vrpbook.intent import NetworkIntent
from vrpbook.results import CheckResult, Status, now
from vrpbook.tasks.collect import Observation, collect

from .api import SETTLED, Check, evaluate, nothing_to_judge

Observed = dict[str, dict[str, Observation]]


@dataclass(frozen=True)
class ScheduledCheck:
    """A check with everything resolved: its routers in scope, parameters, timing."""

    name: str
    check: Check[Any]
    params: BaseModel
    routers: list[str]
    deadline: float
    interval: float
    source: str = ""

    def targets(self, net: NetworkIntent) -> list[str]:
        return self.check.targets(self.routers, net, self.params)

    def commands(self, net: NetworkIntent) -> dict[str, list[str]]:
        """Per judged router, the display commands to read."""
        return {r: [read.command for read in self.check.reads(r, net, self.params)] for r in self.targets(net)}

    def judge(self, net: NetworkIntent, observed: Observed, started: Any, polls: int) -> list[CheckResult]:
        targets = self.targets(net)
        if not targets:
            return nothing_to_judge(self.check, self.routers, self.params, self.source)
        return [
            evaluate(self.check, r, net, self.params, observed.get(r, {}), source=self.source, started_at=started, polls=polls)
            for r in targets
        ]


def command_plan(checks: Sequence[ScheduledCheck], net: NetworkIntent) -> dict[str, list[str]]:
    """Every display to read, per router, without repeats."""
    plan: dict[str, list[str]] = {}
    for c in checks:
        for router, cmds in c.commands(net).items():
            for cmd in cmds:
                if cmd not in plan.setdefault(router, []):
                    plan[router].append(cmd)
    return {r: c for r, c in plan.items() if c}


def read_all(nr: Nornir, plan: Mapping[str, list[str]]) -> Observed:
    """Read and parse *plan* on every router at once (the ``collect`` task); a router that
    cannot be read yields observations carrying the error (never an empty pass)."""
    if not plan:
        return {}
    wanted = set(plan)
    agg = nr.filter(filter_func=lambda h: h.name in wanted).run(
        task=_collect_planned, plan=dict(plan), name="collect", on_failed=True
    )
    observed: Observed = {}
    for router, cmds in plan.items():
        multi = agg.get(router)
        if multi is None or multi.failed:
            why = describe_error(multi.exception) if multi is not None and multi.exception else "no result"
            observed[router] = {c: Observation(c, "", error=f"read failed: {why}") for c in cmds}
        else:
            observed[router] = multi[0].result
    return observed


def _collect_planned(task: Any, plan: dict[str, list[str]]) -> Any:
    return collect(task, plan[task.host.name])


def poll(
    nr: Nornir,
    net: NetworkIntent,
    checks: Sequence[ScheduledCheck],
    on_done: Callable[[ScheduledCheck, list[CheckResult], Observed], None] = lambda *_: None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[list[CheckResult]]:
    """Poll *checks* until each is done; return each one's per-router results, in order."""
    done: dict[int, list[CheckResult]] = {}
    start = time.monotonic()
    started = now()
    polls = 0
    while len(done) < len(checks):
        polls += 1
        pending = [i for i in range(len(checks)) if i not in done]
        observed = read_all(nr, command_plan([checks[i] for i in pending], net))
        elapsed = time.monotonic() - start
        for i in pending:
            c = checks[i]
            results = c.judge(net, observed, started, polls)
            statuses = {r.status for r in results}
            settled = any(SETTLED in r.tags for r in results if r.status is Status.FAIL)
            if statuses == {Status.PASS} or Status.ERROR in statuses or settled or elapsed >= c.deadline:
                results = [final_result(r, elapsed, c.deadline) for r in results]
                done[i] = results
                on_done(c, results, observed)
        if len(done) < len(checks):
            sleep(min(checks[i].interval for i in range(len(checks)) if i not in done))
    return [done[i] for i in range(len(checks))]


def final_result(result: CheckResult, elapsed: float, deadline: float) -> CheckResult:
    """A polled check's last result, its message saying why waiting ended (drills poll the same way)."""
    message = result.message
    if result.status is Status.FAIL and SETTLED in result.tags:
        message = f"cannot pass by waiting (stopped after {result.polls} poll(s), {elapsed:.1f} s of {deadline:g} s): {message}"
    elif result.status is Status.FAIL:
        message = f"not true after {elapsed:.1f} s (deadline {deadline:g} s): {message}"
    return result.model_copy(update={"message": message, "finished_at": now()})


__all__ = ["Observed", "ScheduledCheck", "command_plan", "final_result", "poll", "read_all"]
