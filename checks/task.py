"""A check as a Nornir task: read what it needs on ``task.host``, judge it once.

For plain Nornir scripts (``tasks/README.md``): ``nr.run(task=run_check,
check="bfd-sessions-up", intent=net)``; the result is the router's
:class:`~vrpbook.results.CheckResult`, and the task fails unless it passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nornir.core.task import Result, Task

from vrpbook.intent import NetworkIntent
from vrpbook.results import Status
from vrpbook.tasks.channel import channel_for
from vrpbook.tasks.collect import observe

from .api import evaluate, nothing_to_judge
from .registry import CHECKS


def run_check(task: Task, check: str, intent: NetworkIntent, params: Mapping[str, Any] | None = None) -> Result:
    """Nornir task: ``result`` is the :class:`CheckResult`; ``failed`` unless it passed."""
    chk = CHECKS[check]
    parsed = chk.parse_params(params or {})
    router = task.host.name
    if not chk.applies(router, intent):
        result = nothing_to_judge(chk, [router], parsed, source="task")[0]
    else:
        chan = channel_for(task)
        observed = {read.command: observe(chan, read.command) for read in chk.reads(router, intent, parsed)}
        result = evaluate(chk, router, intent, parsed, observed, source="task")
    return Result(host=task.host, result=result, failed=result.status is not Status.PASS)
