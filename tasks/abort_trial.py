"""Task: ``abort trial``, answering its Y/N question: the router reverts the trial commit.

A recovery step: when the run's session is gone it opens a fresh one
(:meth:`~vrpbook.tasks.channel.VrpChannel.revive`). On a fresh session the trial
may already have been reverted by its timer; then there is nothing to abort and
the task says so (``result`` ``"no trial pending"``, ``changed=False``): the
caller's verification against the pre-run snapshot decides what the router holds.
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import CommitError
from vrpbook.vrp import ROLLBACK_SUCCEEDED

from .channel import VrpChannel, live_channel_for
from .device_state import read_trial_status

NO_TRIAL = "no trial pending"


def abort(chan: VrpChannel) -> str:
    """Abort the pending trial; fail closed unless VRP says it ``succeeded`` (VRP8.md §3.2)."""
    chan.system_view()
    reply = chan.confirm("abort trial", "y", timeout=60)
    if ROLLBACK_SUCCEEDED not in reply.output.lower():
        raise CommitError(f"{chan.host}: abort trial did not report success: {reply.output.strip()!r}", router=chan.host)
    chan.user_view()
    return reply.output


def abort_if_pending(chan: VrpChannel) -> str:
    """``abort trial`` when the router says a trial is pending; :data:`NO_TRIAL` otherwise."""
    if not read_trial_status(chan).active:
        return NO_TRIAL
    return abort(chan)


def abort_trial(task: Task) -> Result:
    """Nornir task: the pending trial commit is reverted (``changed``: the configuration went back)."""
    out = abort_if_pending(live_channel_for(task))
    return Result(host=task.host, result=out, changed=out != NO_TRIAL)
