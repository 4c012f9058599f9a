"""Run a catalog against routers, read-only: one SSH session per router, all of its displays over it.

Per router (one Nornir task, on the threaded runner):

1. wait for a login slot (:class:`~.pacing.LoginPacer`), open the session;
2. read every display its checks need, once, plus the two displays that show
   a change in progress (lock holder, trial status) — only ``display``
   commands, in user view: the check never enters system-view and never takes
   the configuration lock;
3. judge each check on what was read (:func:`vrpbook.checks.api.evaluate`);
4. with ``settle``: re-read and re-judge the *state* checks that failed,
   every ``settle_interval`` seconds, until they pass or ``settle`` seconds
   have gone (protocols converge; configuration does not, so config checks
   are judged once);
5. close the session.

So a router never has more than one session of the check, and the number of
sessions open at once is the number of workers (``max_sessions``).

Fail closed: a router that cannot be reached gives every one of its checks
``error`` with the reason (it never hides another router's results); a session
lost mid-way gives ``error`` to every check whose displays were not read; a
check that raises is ``error`` for that router. Then routers held by a run or
change window (:mod:`.holders`) have their results turned into ``changing``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nornir.core import Nornir
from nornir.core.task import Result, Task
from nornir.plugins.runners import ThreadedRunner

from vrpbook.checks.api import Read, evaluate, nothing_to_judge, params_dict
from vrpbook.checks.reads import LOCK_HOLDERS, TRIAL_STATUS
from vrpbook.checks.session import LockAge, NoStaleConfigLock
from vrpbook.errors import VrpbookError, describe_error
from vrpbook.intent import NetworkIntent
from vrpbook.parsers import parse
from vrpbook.parsers.base import ParsedOutput
from vrpbook.results import CheckResult, Results, Status, now
from vrpbook.tasks.channel import CONNECTION, channel_for
from vrpbook.tasks.collect import Observation, observe

from .catalog import Catalog, Entry
from .holders import Holder, as_changing, device_holders
from .pacing import LoginPacer

log = logging.getLogger(__name__)

#: The displays read on every router whatever the catalog: a change in progress.
PROBE: tuple[Read[Any], ...] = (LOCK_HOLDERS, TRIAL_STATUS)


@dataclass(frozen=True)
class SweepOptions:
    """Concurrency, pacing and settling of one sweep."""

    max_sessions: int = 16
    login_rate: float = 20.0
    settle: float = 0.0
    settle_interval: float = 1.0


@dataclass(frozen=True)
class Item:
    """One catalog entry on one router."""

    entry: Entry
    router: str
    commands: tuple[str, ...]


@dataclass
class RouterWork:
    """Everything one router's session does: its items, and every display they need."""

    router: str
    items: list[Item]
    commands: list[str]
    lock_age: LockAge
    held_elsewhere: bool = False
    #: displays read by a check's own reader instead of ``vrpbook.parsers.parse``
    readers: dict[str, Callable[[str, str], ParsedOutput]] = field(default_factory=dict)


@dataclass
class RouterOutcome:
    """What one router's session produced."""

    router: str
    results: list[CheckResult]
    holders: list[Holder] = field(default_factory=list)
    polls: int = 1
    connect_error: str | None = None


@dataclass
class SweepResult:
    results: Results
    outcomes: dict[str, RouterOutcome]
    holders: dict[str, list[Holder]]


def plan(catalog: Catalog, net: NetworkIntent, held: Mapping[str, list[Holder]] | None = None,
         ) -> tuple[dict[str, RouterWork], list[CheckResult]]:
    """Per router, its work; and the ``error`` results of explicit entries with nothing to judge."""
    work: dict[str, RouterWork] = {}
    empty: list[CheckResult] = []
    for entry in catalog.entries:
        targets = entry.targets(net)
        if not targets:
            if entry.explicit:
                empty.extend(r.model_copy(update={"tags": entry.tags})
                             for r in nothing_to_judge(entry.check, list(entry.routers), entry.params, "check"))
            continue
        for router in targets:
            reads = entry.check.reads(router, net, entry.params)
            cmds = tuple(r.command for r in reads)
            w = work.setdefault(router, RouterWork(router, [], [p.command for p in PROBE], LockAge(),
                                                   bool(held and held.get(router))))
            w.items.append(Item(entry, router, cmds))
            w.commands.extend(c for c in cmds if c not in w.commands)
            w.readers.update({r.command: r.reader for r in reads if r.reader is not None})
            if isinstance(entry.check, NoStaleConfigLock) and isinstance(entry.params, LockAge):
                w.lock_age = entry.params
    return work, empty


def _read(chan: Any, commands: Sequence[str], obs: dict[str, Observation],
          readers: Mapping[str, Callable[[str, str], ParsedOutput]]) -> None:
    """Read *commands* into *obs*; a session lost mid-way marks the rest unread (fail closed)."""
    for i, cmd in enumerate(commands):
        try:
            obs[cmd] = observe(chan, cmd, readers.get(cmd, parse))
        except Exception as exc:  # ChannelError, a dead socket: the session is gone
            why = f"read failed: {describe_error(exc)}"
            for rest in commands[i:]:
                obs[rest] = Observation(rest, "", error=why)
            return


def _judge(item: Item, net: NetworkIntent, obs: Mapping[str, Observation], started: datetime, polls: int) -> CheckResult:
    try:
        result = evaluate(item.entry.check, item.router, net, item.entry.params, obs, source="check",
                          started_at=started, polls=polls)
    except Exception as exc:  # a bug in a check (a plugin's too) is "could not check" for it, not a crash
        log.exception("%s: check %s raised", item.router, item.entry.name)
        result = CheckResult(
            router=item.router, check=item.entry.name, params=params_dict(item.entry.params), status=Status.ERROR,
            message=f"the check raised {type(exc).__name__}: {describe_error(exc)}", source="check",
            started_at=started, polls=polls,
        )
    tags = tuple(dict.fromkeys((*result.tags, *item.entry.tags)))  # the check's own (e.g. settled) first
    return result.model_copy(update={"tags": tags, "finished_at": now()})


def _parsed(obs: Mapping[str, Observation], read: Read[Any]) -> Any:
    o = obs.get(read.command)
    return o.parsed if o is not None and isinstance(o.parsed, read.model) else None


def check_router(task: Task, work: Mapping[str, RouterWork], net: NetworkIntent, pacer: LoginPacer,
                 options: SweepOptions) -> Result:
    """Nornir task: the whole check of ``task.host`` over one session (module docstring)."""
    w = work[task.host.name]
    started = now()
    pacer.wait()
    try:
        chan = channel_for(task)
    except Exception as exc:  # typed connection errors (unreachable, auth, host key) and the rest
        why = exc.message if isinstance(exc, VrpbookError) else describe_error(exc)
        results = [
            CheckResult(router=w.router, check=i.entry.name, params=params_dict(i.entry.params), status=Status.ERROR,
                        message=f"could not connect: {why}", source="check", started_at=started, tags=i.entry.tags)
            for i in w.items
        ]
        return Result(host=task.host, result=RouterOutcome(w.router, results, connect_error=why))
    try:
        obs: dict[str, Observation] = {}
        _read(chan, w.commands, obs, w.readers)
        results = [_judge(i, net, obs, started, 1) for i in w.items]
        polls = _settle(chan, w, net, obs, results, started, options)
        holders = device_holders(w.router, _parsed(obs, LOCK_HOLDERS), _parsed(obs, TRIAL_STATUS), w.lock_age,
                                 w.held_elsewhere)
    finally:
        if CONNECTION in task.host.connections:
            task.host.close_connection(CONNECTION)
    return Result(host=task.host, result=RouterOutcome(w.router, results, holders, polls))


def _settle(chan: Any, w: RouterWork, net: NetworkIntent, obs: dict[str, Observation], results: list[CheckResult],
            started: datetime, options: SweepOptions) -> int:
    """Re-poll failing state checks until they pass or ``options.settle`` runs out (in place)."""
    polls = 1
    if options.settle <= 0:
        return polls
    deadline = time.monotonic() + options.settle
    while True:
        failing = [k for k, r in enumerate(results)
                   if r.status is Status.FAIL and w.items[k].entry.check.category == "state"]
        left = deadline - time.monotonic()
        if not failing or left <= 0:
            break
        time.sleep(min(options.settle_interval, left))
        polls += 1
        cmds = list(dict.fromkeys(c for k in failing for c in w.items[k].commands))
        _read(chan, cmds, obs, w.readers)
        for k in failing:
            results[k] = _judge(w.items[k], net, obs, started, polls)
    for k, r in enumerate(results):
        if r.status is Status.FAIL and w.items[k].entry.check.category == "state" and r.polls > 1:
            results[k] = r.model_copy(update={"message": f"still failing after {options.settle:g} s "
                                                         f"({r.polls} polls): {r.message}"})
    return polls


def unchecked(w: RouterWork, message: str) -> RouterOutcome:
    """Every check of *w*'s router as ``error`` with *message*: it was not judged (fail closed)."""
    return RouterOutcome(w.router, [
        CheckResult(router=w.router, check=i.entry.name, params=params_dict(i.entry.params), status=Status.ERROR,
                    message=message, source="check", tags=i.entry.tags)
        for i in w.items
    ])


def check_routers(nr: Nornir, net: NetworkIntent, work: Mapping[str, RouterWork], options: SweepOptions,
                  ) -> dict[str, RouterOutcome]:
    """One read-only session per router of *work* (at most ``max_sessions`` at once, logins paced):
    what each produced. Every router of *work* gets an outcome, an internal error included."""
    if not work:
        return {}
    pacer = LoginPacer(options.login_rate)
    wanted = set(work)
    runner = ThreadedRunner(num_workers=max(1, options.max_sessions))
    agg = nr.with_runner(runner).filter(filter_func=lambda h: h.name in wanted).run(
        task=check_router, name="check", work=work, net=net, pacer=pacer, options=options, on_failed=True,
    )
    outcomes: dict[str, RouterOutcome] = {}
    for router, w in work.items():
        multi = agg.get(router)
        if multi is not None and not multi.failed and isinstance(multi[0].result, RouterOutcome):
            outcomes[router] = multi[0].result
            continue
        why = describe_error(multi.exception) if multi is not None and multi.exception else "no result"
        outcomes[router] = unchecked(w, f"internal error: {why}")
    return outcomes


def merge(empty: Iterable[CheckResult], outcomes: Mapping[str, RouterOutcome],
          held: Mapping[str, list[Holder]]) -> SweepResult:
    """The sweep's results: *empty* (entries with nothing to judge) and each router's, those of a
    held router (known beforehand, or seen on the device) turned into ``changing``."""
    results = Results(empty)
    holders: dict[str, list[Holder]] = {}
    for router, outcome in outcomes.items():
        hs = [*held.get(router, []), *outcome.holders]
        if hs:
            holders[router] = hs
        results.extend(as_changing(r, hs) if hs else r for r in outcome.results)
    return SweepResult(results, dict(outcomes), holders)


def sweep(nr: Nornir, net: NetworkIntent, catalog: Catalog, options: SweepOptions,
          held: Mapping[str, list[Holder]] | None = None, only: Collection[str] | None = None) -> SweepResult:
    """Run *catalog* on the routers of *nr* it names; *held* are the holders known beforehand.

    *only* (a ``--shard``'s routers) narrows the sweep to those routers, and its results to theirs:
    the catalog is still the whole scope's, so a shard judges its routers exactly as a sweep of the
    whole scope would."""
    held = dict(held or {})
    work, empty = plan(catalog, net, held)
    if only is not None:
        keep = set(only)
        work = {r: w for r, w in work.items() if r in keep}
        empty = [r for r in empty if r.router in keep]
    return merge(empty, check_routers(nr, net, work, options), held)
