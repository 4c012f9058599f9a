"""A stage's gates: scheduled from the runbook, polled on the routers, published as they finish.

Each gate is a check of :mod:`vrpbook.checks` with the runbook's parameters,
routers, deadline and interval. A check that judges the stage's own rendered
lines (``config-lines-present``) receives them in its parameters. Polling waits
through :class:`~vrpbook.runbooks.signals.Interruption`, so a stop request
ends a gate's wait at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from nornir.core import Nornir

from vrpbook.checks.polling import Observed, ScheduledCheck, poll
from vrpbook.checks.registry import CHECKS
from vrpbook.events import Event, ResultRecorded
from vrpbook.intent import NetworkIntent
from vrpbook.results import CheckResult

from . import events as ev
from .report import GateOutcome
from .schema import Runbook, Stage


def schedule(
    rb: Runbook,
    stage: Stage,
    stage_hosts: list[str],
    select: Callable[[list[str]], list[str]],
    rendered: Mapping[str, Sequence[str]] | None = None,
    source: str = "",
) -> list[ScheduledCheck]:
    """The stage's gates as scheduled checks (*select* resolves a gate's own ``hosts:``)."""
    checks = []
    for spec in stage.gates:
        check = CHECKS[spec.check]
        params = check.parse_params(spec.params)  # validated at load time too
        if check.reads_stage_lines:
            params = params.model_copy(update={"lines": {h: tuple(c) for h, c in (rendered or {}).items()}})
        checks.append(ScheduledCheck(
            name=spec.check,
            check=check,
            params=params,
            routers=select(spec.hosts) if spec.hosts else stage_hosts,
            deadline=spec.deadline or rb.defaults.gate_deadline,
            interval=spec.interval or rb.defaults.gate_interval,
            source=source,
        ))
    return checks


def poll_gates(
    nr: Nornir,
    intents: NetworkIntent,
    idx: int,
    stage: Stage,
    checks: list[ScheduledCheck],
    emit: Callable[[Event], None],
    sleep: Callable[[float], None],
    on_verdict: Callable[[], None] = lambda: None,
) -> list[GateOutcome]:
    """Poll every gate until it passes, errors, or its deadline passes; publish each verdict."""
    for c in checks:
        emit(ev.GatePolling(stage=stage.name, index=idx, gate=c.name))

    def done(c: ScheduledCheck, results: list[CheckResult], observed: Observed) -> None:
        for r in results:
            emit(ResultRecorded(result=r))
        seen = {
            h: {cmd: observed[h][cmd] for cmd in cmds if cmd in observed.get(h, {})}
            for h, cmds in c.commands(intents).items()
        }
        emit(ev.GateDone(stage=stage.name, index=idx, outcome=GateOutcome.of(c.name, results), observed=seen))
        on_verdict()

    polled = poll(nr, intents, checks, done, sleep=sleep)
    return [GateOutcome.of(c.name, results) for c, results in zip(checks, polled, strict=True)]
