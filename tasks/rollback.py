"""Task: roll a router's configuration back (user view), answering VRP's Y/N question.

``rollback configuration to commit-id ID`` restores the state right after
commit ID; ``rollback configuration last N`` the state before the N newest
commits, which is how a factory-fresh router (no commit before the run) goes
back to factory state (VRP8.md §3.7).
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import CommandError, RollbackError
from vrpbook.vrp import ROLLBACK_SUCCEEDED

from .channel import VrpChannel, live_channel_for
from .commit_list import read_commit_list


def roll_back(chan: VrpChannel, to_commit: str | None) -> str:
    """Back to the state after *to_commit*, or (None) to before every listed commit.
    Returns the router's answer; ``""`` when there was nothing to roll back."""
    chan.user_view()
    if to_commit is not None:
        command = f"rollback configuration to commit-id {to_commit}"
    else:
        count = len(read_commit_list(chan))
        if count == 0:
            return ""
        command = f"rollback configuration last {count}"
    try:
        reply = chan.confirm(command, "y", timeout=120)
    except CommandError as exc:
        raise RollbackError(f"{chan.host}: {command!r} failed: {exc.message}", router=chan.host) from exc
    if ROLLBACK_SUCCEEDED not in reply.output.lower():
        raise RollbackError(f"{chan.host}: {command!r} did not report success: {reply.output.strip()!r}", router=chan.host)
    return reply.output


def rollback(task: Task, to_commit: str | None) -> Result:
    """Nornir task: ``changed`` when a rollback was made. A recovery step: a lost session
    is replaced by a fresh one first."""
    out = roll_back(live_channel_for(task), to_commit)
    return Result(host=task.host, result=out, changed=bool(out))
