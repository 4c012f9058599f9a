"""``plan``: what a run would change, as the routers themselves compute it.

Every stage is rendered; per router, all stages are loaded into one candidate
(later stages build on earlier ones, as they would during the run), the
router's own ``display configuration candidate changes`` is read once — one
total diff per router — and the candidate is cleared. Nothing is committed.
One total diff rather than one per stage boundary: a stage that a later stage
supersedes (the reference's step 6 static route, re-entered with BFD tracking
in step 9) would otherwise show as a change on a network that already matches
the intent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from nornir.core import Nornir
from nornir.core.task import Result, Task

from vrpbook.tasks.channel import channel_for
from vrpbook.tasks.diff import diff_is_empty, read_diff
from vrpbook.tasks.discard import discard
from vrpbook.tasks.push import push_lines
from vrpbook.tasks.render import render_commands

from .report import describe_error
from .intent import HostIntent
from .inventory import select_hosts
from .schema import Runbook


@dataclass
class HostPlan:
    host: str
    stages: dict[str, list[str]] = field(default_factory=dict)  # stage -> commands
    diff: str | None = None  # None when offline
    changed: bool | None = None
    error: str | None = None


def render_plan(rb: Runbook, intents: dict[str, HostIntent], nr: Nornir | None = None, hosts: list[str] | None = None) -> dict[str, HostPlan]:
    """Render every push stage for every router (no connection)."""
    names = list(intents)
    plans = {h: HostPlan(h) for h in names if not hosts or h in hosts}
    for stage in rb.stages:
        if stage.action != "push":
            continue
        targets = select_hosts(stage.hosts, nr) if nr is not None else _offline_select(stage.hosts, intents)
        for h in targets:
            if h not in plans:
                continue
            cmds = render_commands(stage.templates, intents[h], h, intents, rb.template_dirs())
            if cmds:
                plans[h].stages[stage.name] = cmds
    return plans


def _offline_select(selectors: list[str], intents: dict[str, HostIntent]) -> list[str]:
    """Without Nornir, groups are the roles (``pe``/``ce``) of the intent."""
    out = []
    for h, it in intents.items():
        if any(s in ("all", h, it.role) for s in selectors):
            out.append(h)
    return out


def plan(rb: Runbook, intents: dict[str, HostIntent], nr: Nornir, hosts: list[str] | None = None) -> dict[str, HostPlan]:
    plans = render_plan(rb, intents, nr, hosts)

    def task(task: Task) -> Result:
        p = plans[task.host.name]
        cmds = [c for stage_cmds in p.stages.values() for c in stage_cmds]
        if not cmds:
            return Result(host=task.host, result="")
        chan = channel_for(task)
        push_lines(chan, cmds)
        try:
            diff = read_diff(chan)
            diff_is_empty(diff)  # fail closed inside the task on an unreadable diff
        finally:
            discard(chan)  # plan never leaves anything in the candidate
        return Result(host=task.host, result=diff)

    agg = nr.filter(filter_func=lambda h: h.name in plans).run(task=task, name="plan", on_failed=True)
    for h, p in plans.items():
        res = agg[h][0]
        if res.failed:
            p.error = describe_error(res.exception) if res.exception else str(res.result)
        else:
            p.diff = res.result
            p.changed = not diff_is_empty(res.result) if p.stages else False
    return plans

