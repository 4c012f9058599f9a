"""``plan`` and the preflight's dry run: what a run would change, as the routers compute it.

Per router, ``plan`` reads the running configuration (read-only) and compares it
with the intended configuration within the managed scope
(:mod:`vrpbook.intended`): the removals (``-``) and additions (``+``) a run
would make. It then builds every stage's commands as the run would
(:mod:`.stage_commands`: templates plus the removals of the stage's sections),
and all stages are loaded into one candidate
(later stages build on earlier ones, as they would during the run), the
router's own ``display configuration candidate changes`` is read once — one
total diff per router — and the candidate is cleared. Nothing is committed.
One total diff rather than one per stage boundary: a stage that a later stage
supersedes (the reference's step 6 static route, re-entered with BFD tracking
in step 9) would otherwise show as a change on a network that already matches
the intent.

:func:`dry_run` is the one dry-run computation: ``plan`` shows it and the
run's preflight decides from it which routers already match the intent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from nornir.core import Nornir
from nornir.core.task import Result, Task

from vrpbook.errors import PushError, describe_error
from vrpbook.intended import SectionDiff
from vrpbook.intent import NetworkIntent
from vrpbook.inventory import select_hosts
from vrpbook.tasks.push_config import Pushed, push_config
from vrpbook.tasks.snapshot import snapshot

from .render import render_commands
from .schema import Runbook
from .stage_commands import host_stages
from .steps import run_step


@dataclass
class HostPlan:
    host: str
    stages: dict[str, list[str]] = field(default_factory=dict)  # stage -> commands
    diff: str | None = None  # None when offline
    changed: bool | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # router state: pending trial, lock, unsaved, unfinished runs
    scope: list[SectionDiff] | None = None  # running vs intended in the managed scope (None when offline)

    @property
    def commands(self) -> list[str]:
        return [c for cmds in self.stages.values() for c in cmds]

    @property
    def scope_lines(self) -> list[str]:
        """``- `` removals and ``+ `` additions within the managed scope."""
        return [ln for d in self.scope or [] for ln in d.lines()]


@dataclass(frozen=True)
class DryRun:
    """One router's dry run: its diff and whether it changes anything, or why it failed."""

    diff: str
    changed: bool
    error: BaseException | None = None


def render_plan(
    rb: Runbook, intents: NetworkIntent, nr: Nornir | None = None, hosts: Sequence[str] | None = None
) -> dict[str, HostPlan]:
    """Render every push stage for every router (no connection)."""
    plans = {h: HostPlan(h) for h in intents if not hosts or h in hosts}
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


def _offline_select(selectors: Sequence[str], intents: NetworkIntent) -> list[str]:
    """Without Nornir, groups are the roles (``pe``/``ce``) of the intent."""
    return [h for h, it in intents.items() if any(s in ("all", h, it.role) for s in selectors)]


def dry_run(nr: Nornir, commands: Mapping[str, Sequence[str]]) -> dict[str, DryRun]:
    """Load each router's *commands* into its candidate, read the router's diff, discard.
    Routers with no command are not connected to (no change)."""
    todo = {h: list(c) for h, c in commands.items() if c}
    out = {h: DryRun("", False) for h in commands if h not in todo}
    outcomes = run_step(nr, list(todo), _dry_run_task, "dry-run", commands=todo)
    for h, o in outcomes.items():
        if o.error is not None:
            out[h] = DryRun("", False, o.error)
        else:
            pushed = o.value
            assert isinstance(pushed, Pushed)
            out[h] = DryRun(pushed.diff, pushed.changed)
    return out


def _dry_run_task(task: Task, commands: dict[str, list[str]]) -> Result:
    return push_config(task, commands[task.host.name], dry_run=True)


def plan(rb: Runbook, intents: NetworkIntent, nr: Nornir, hosts: Sequence[str] | None = None) -> dict[str, HostPlan]:
    """Per router: the scope comparison, every stage's commands (removals included) and the
    router's own diff of all of them. Reads and loads a candidate; commits nothing."""
    plans = render_plan(rb, intents, nr, hosts)
    read = run_step(nr, list(plans), snapshot, "plan-snapshot")
    targets = {s.name: select_hosts(s.hosts, nr) for s in rb.stages if s.action == "push"}
    for h, o in read.items():
        p = plans[h]
        if o.error is not None:
            p.error = describe_error(o.error)
            continue
        mine = [s for s in rb.stages if s.action == "push" and h in targets[s.name]]
        hs = host_stages(rb, intents, h, str(o.value), mine)
        p.stages, p.scope = hs.commands, hs.diff
    todo = {h: p.commands for h, p in plans.items() if p.error is None}
    for h, d in dry_run(nr, todo).items():
        p = plans[h]
        if d.error is not None:
            p.error = describe_error(d.error)
        else:
            p.diff, p.changed = d.diff, d.changed
    return plans


def rejected_stage(err: PushError, stages: Mapping[str, Sequence[str]]) -> str:
    """The stage a line rejected during a whole-run dry run belongs to."""
    n = err.index
    for name, cmds in stages.items():
        if n < len(cmds):
            return name
        n -= len(cmds)
    return "preflight"
