"""Task: ``abort trial``, answering its Y/N question: the router reverts the trial commit."""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import CommitError
from vrpbook.vrp import ROLLBACK_SUCCEEDED

from .channel import VrpChannel, channel_for


def abort(chan: VrpChannel) -> str:
    """Abort the pending trial; fail closed unless VRP says it ``succeeded`` (VRP8.md §3.2)."""
    chan.system_view()
    reply = chan.confirm("abort trial", "y", timeout=60)
    if ROLLBACK_SUCCEEDED not in reply.output.lower():
        raise CommitError(f"{chan.host}: abort trial did not report success: {reply.output.strip()!r}", router=chan.host)
    chan.user_view()
    return reply.output


def abort_trial(task: Task) -> Result:
    """Nornir task: the trial commit is reverted (``changed``: the configuration went back)."""
    return Result(host=task.host, result=abort(channel_for(task)), changed=True)
