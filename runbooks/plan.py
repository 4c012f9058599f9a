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
from nornir.core.task import Task

from vrpbook.tasks.channel import channel_for
from vrpbook.tasks.diff import diff_is_empty, dry_run_diff
from vrpbook.tasks.render import render_commands

from .report import describe_error
from .intent import HostIntent
from .inventory import select_hosts
from .parallel import run_each
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

    def whole_change(task: Task) -> str:
        cmds = [c for stage_cmds in plans[task.host.name].stages.values() for c in stage_cmds]
        # plan never leaves anything in the candidate: dry_run_diff discards it
        return dry_run_diff(channel_for(task), cmds) if cmds else ""

    results = run_each(nr, list(plans), whole_change, "plan")
    for h, p in plans.items():
        diff, exc = results[h]
        if exc is not None:
            p.error = describe_error(exc)
        else:
            p.diff = diff
            p.changed = not diff_is_empty(diff) if p.stages else False
    return plans

