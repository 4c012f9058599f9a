"""Preflight: see each router as it is before changing it; refuse a router in someone's change.

On every router at once: take ``configuration exclusive`` (a refusal names the
holder and since when, from ``display configuration-occupied user``), then
read the router's state (:func:`vrpbook.tasks.device_state.read_state`):
a pending trial commit (whose, how long left), the commit list, the running
and the saved configuration. A router locked by another session or in the
middle of a trial is **busy**: the run refuses naming router, holder and time
left — or, with ``--wait-lock SECONDS``, releases what it took, waits and
tries again until the routers are free or the time is up.

:func:`router_notes` gives ``plan`` the same facts, read-only (no lock taken).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nornir.core import Nornir
from nornir.core.task import Result, Task

from vrpbook.errors import ConnectionFailed, LockError, describe_error
from vrpbook.tasks import lock, router_state, unlock
from vrpbook.tasks.channel import channel_for
from vrpbook.tasks.commit_list import read_commit_list
from vrpbook.tasks.device_state import (
    RouterState,
    describe_commit,
    describe_lock,
    read_lock_holder,
    read_saved_config,
    read_trial_status,
)
from vrpbook.tasks.snapshot import read_config

from .steps import Outcome, run_step


def _lock_and_read(task: Task) -> Result:
    """Grouped task: lock first (so no other session commits between our snapshot and our
    run; VRP8.md §3.8), then everything the run must know about the router."""
    task.run(task=lock)
    state = task.run(task=router_state).result
    return Result(host=task.host, result=state)


def busy_reason(state: RouterState) -> str | None:
    """Why a locked-by-us router is still not free to change: a pending trial."""
    if not state.trial.active:
        return None
    return (f"a trial commit is pending: {describe_commit(state.trial_owner)}; "
            f"{state.trial.time_left} s left before the router reverts it by itself")


@dataclass
class Prepared:
    """What preflight found: each router's state, the locks taken, who is busy, what failed."""

    states: dict[str, RouterState] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)
    busy: dict[str, str] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    waited: float = 0.0


def prepare(
    nr: Nornir, hosts: Sequence[str], *, wait: float = 0.0, sleep: Callable[[float], None] = time.sleep
) -> Prepared:
    """Lock and read every router; with *wait*, retry busy routers until free or out of time."""
    start = time.monotonic()
    while True:
        outcomes = run_step(nr, hosts, _lock_and_read, "prepare")
        found = _sort(outcomes)
        found.waited = round(time.monotonic() - start, 1) if wait else 0.0
        left = wait - (time.monotonic() - start)
        if not found.busy or found.errors or left <= 0:
            return found
        # Let the holder finish: release what we took, wait, try again. The pause is jittered so
        # two controllers that each locked part of the network do not retry in lockstep forever.
        run_step(nr, found.locked, unlock, "unlock")
        sleep(min(1.0, left) * random.uniform(0.5, 1.0))


def _sort(outcomes: dict[str, Outcome]) -> Prepared:
    found = Prepared()
    for h, o in outcomes.items():
        took = o.sub("lock")
        if took is not None and not took.failed:
            found.locked.append(h)
        if isinstance(o.error, LockError):
            prefix = f"{h}: "
            found.busy[h] = o.error.message.removeprefix(prefix)
        elif isinstance(o.error, ConnectionFailed):
            found.unreachable.add(h)
            found.errors[h] = o.error
        elif o.error is not None:
            found.errors[h] = o.error
        else:
            state = o.value
            assert isinstance(state, RouterState)
            found.states[h] = state
            reason = busy_reason(state)
            if reason:
                found.busy[h] = reason
    return found


# --- plan: the same facts, read-only ---------------------------------------------------


def _notes(task: Task) -> Result:
    chan = channel_for(task)
    notes: list[str] = []
    trial = read_trial_status(chan)
    if trial.active:
        commits = read_commit_list(chan)
        notes.append(f"trial commit pending: {describe_commit(commits[0] if commits else None)}, "
                     f"{trial.time_left} s left (its changes are in the running configuration the diff is against)")
    holder = read_lock_holder(chan)
    if holder is not None:
        notes.append(f"configuration locked by {describe_lock(holder)}: a run would wait or refuse")
    if read_saved_config(chan) != read_config(chan):
        notes.append("running configuration not saved (differs from the saved one): a reload would lose it")
    return Result(host=task.host, result=notes)


def router_notes(nr: Nornir, hosts: Sequence[str]) -> dict[str, list[str]]:
    """Per router, what ``plan`` must say besides the diff: pending trial, lock holder,
    unsaved configuration (a router that cannot be read says so, fail closed)."""
    out: dict[str, list[str]] = {}
    for h, o in run_step(nr, hosts, _notes, "router-notes").items():
        if o.error is not None:
            out[h] = [f"state could not be read: {describe_error(o.error)}"]
        else:
            out[h] = list(o.value)
    return out


__all__ = ["Prepared", "busy_reason", "prepare", "router_notes"]
