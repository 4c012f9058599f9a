"""Task: confirm a trial commit with a plain ``commit`` in the same session."""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import CommitError

from .channel import VrpChannel, channel_for


def confirm_trial(chan: VrpChannel) -> None:
    """``commit`` in system view; the trial becomes permanent."""
    # choice (no public confirmation text, VRP8.md §3.2): success = no Error and a clean prompt
    chan.system_view()
    reply = chan.run("commit", timeout=60)
    if reply.dirty:
        raise CommitError(f"{chan.host}: confirming commit left the candidate dirty", router=chan.host)
    chan.user_view()


def confirm(task: Task) -> Result:
    """Nornir task: confirm the pending trial (the configuration itself does not change)."""
    confirm_trial(channel_for(task))
    return Result(host=task.host, result="confirmed", changed=False)
