"""Drop the candidate (``clear configuration candidate``) and go back to user view."""

from __future__ import annotations

from nornir.core.task import Result, Task

from .channel import ChannelError, VrpChannel, channel_for


def discard(chan: VrpChannel) -> None:
    """Clear the candidate; VRP puts the session back in system view, clean."""
    cur = chan.state()
    if cur.view == "user":
        return
    reply = chan.run("clear configuration candidate")
    if reply.dirty:
        raise ChannelError(f"{chan.host}: candidate still dirty after 'clear configuration candidate'")
    chan.user_view()


def discard_candidate(task: Task) -> Result:
    """Nornir task wrapper of :func:`discard`."""
    discard(channel_for(task))
    return Result(host=task.host, result="candidate cleared")
