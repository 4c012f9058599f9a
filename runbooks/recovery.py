"""Put routers back to their pre-run configuration, and prove it.

One procedure for every way a run can end badly — a failed gate
(``rollback-run``), a signal, an internal error, and ``vrpbook recover`` after
a controller died — because each must end in a known state:

1. a fresh session if the run's one is gone (bounded retries);
2. a pending trial is aborted (``recover`` only aborts its own run's trial:
   a trial by someone else is refused, never touched);
3. if the running configuration already equals the pre-run snapshot (by
   SHA-256), nothing is rolled back: a trial that reverted by itself, or a lab
   restarted from its saved configuration, is already there;
4. else ``rollback configuration to commit-id <pre-run commit>`` (``last N``
   on a router that had no commit before the run), then the configuration is
   read again and must equal the snapshot;
5. if the run had saved that router and its saved configuration was the
   pre-run one, ``save`` again so a reload also finds the pre-run configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nornir.core import Nornir
from nornir.core.task import Result, Task

from vrpbook.errors import RollbackError, RouterBusy
from vrpbook.tasks.abort_trial import abort
from vrpbook.tasks.channel import VrpChannel, live_channel_for
from vrpbook.tasks.commit_list import read_commit_list
from vrpbook.tasks.device_state import describe_commit, read_saved_config, read_trial_status
from vrpbook.tasks.lock import take_lock
from vrpbook.tasks.rollback import roll_back
from vrpbook.tasks.save import save_config
from vrpbook.tasks.snapshot import read_config

from . import faults
from .journal import sha256
from .steps import run_step


@dataclass(frozen=True)
class PreRun:
    """Where one router must go back to."""

    commit: str | None  # newest commit before the run (None: the router had none)
    config_sha256: str
    saved_sha256: str = ""
    resave: bool = False  # the run saved this router: save again once back
    own_label: str | None = None  # recover: abort a pending trial only if its label starts with this
    lock: bool = False  # take the configuration lock first (recover; a run already holds it)
    first_label: str | None = None  # the run's first trial on this router: on a router with no commit
    # before the run, the oldest listed commit must be that one, or "roll back every listed commit"
    # would stop short of the pre-run state (a router restarted since, or a rotated history)


@dataclass(frozen=True)
class Restored:
    """What restoring one router did; its configuration equals the pre-run snapshot."""

    action: str
    aborted: bool
    saved: bool
    config: str


def restore(chan: VrpChannel, pre: PreRun) -> Restored:
    """Steps 2-5 of the module docstring on one router (raises when it cannot prove pre-run)."""
    if pre.lock and not chan.locked:
        take_lock(chan)
    aborted = False
    if read_trial_status(chan).active:
        commits = read_commit_list(chan)
        owner = commits[0] if commits else None
        if pre.own_label is not None and not (owner and (owner.label or "").startswith(pre.own_label)):
            raise RouterBusy(f"{chan.host}: a trial commit by someone else is pending ({describe_commit(owner)}); "
                             "not touching it", router=chan.host)
        abort(chan)
        aborted = True
    config = read_config(chan)
    if sha256(config) == pre.config_sha256:
        action = "already at its pre-run configuration"
    else:
        commits = read_commit_list(chan)
        if pre.commit is not None and pre.commit not in {c.commit_id for c in commits}:
            raise RollbackError(f"{chan.host}: the pre-run commit {pre.commit} is no longer in the commit list "
                                "(router restarted or history rotated); cannot roll back to it", router=chan.host)
        if pre.commit is None and not (commits and pre.first_label and commits[-1].label == pre.first_label):
            raise RollbackError(f"{chan.host}: the commit list does not reach back to this run's first commit (router "
                                "restarted or history rotated); rolling back every listed commit would not restore "
                                "the pre-run configuration", router=chan.host)
        roll_back(chan, pre.commit)
        faults.reached("rollback")
        config = read_config(chan)
        if sha256(config) != pre.config_sha256:
            raise RollbackError(f"{chan.host}: configuration after rollback differs from the pre-run snapshot", router=chan.host)
        action = f"rolled back to commit {pre.commit}" if pre.commit else "rolled back to before its first commit"
    saved = False
    if pre.resave and pre.saved_sha256 == pre.config_sha256 and sha256(read_saved_config(chan)) != pre.config_sha256:
        save_config(chan)
        saved = True
    return Restored(action, aborted, saved, config)


def restore_task(task: Task, targets: Mapping[str, PreRun]) -> Result:
    """Nornir task: :func:`restore` on the task's router; ``result`` is a :class:`Restored`."""
    done = restore(live_channel_for(task), targets[task.host.name])
    return Result(host=task.host, result=done, changed=done.aborted or done.action.startswith("rolled back") or done.saved)


def restore_all(nr: Nornir, targets: Mapping[str, PreRun], name: str = "rollback") -> dict[str, Restored | BaseException]:
    """:func:`restore` on every router of *targets* at once: what each proved, or why it could not."""
    out: dict[str, Restored | BaseException] = {}
    for h, o in run_step(nr, list(targets), restore_task, name, targets=dict(targets)).items():
        if o.error is not None:
            out[h] = o.error
        else:
            assert isinstance(o.value, Restored)
            out[h] = o.value
    return out


def describe(done: Restored) -> str:
    """``pre-run (rolled back to commit 1000000003, trial aborted, saved again; verified)``."""
    extra = (", trial aborted" if done.aborted else "") + (", saved again" if done.saved else "")
    return f"pre-run ({done.action}{extra}; verified)"


def end_state(config: str, pre_sha: str, post_sha: str | None) -> str:
    """``pre-run``, ``post-run`` or ``unknown`` for a configuration read after the fact."""
    digest = sha256(config)
    if digest == pre_sha:
        return "pre-run"
    if post_sha is not None and digest == post_sha:
        return "post-run"
    return "unknown"
