"""Roll a router's configuration back (user view), answering VRP's Y/N question.

``rollback configuration to commit-id ID`` restores the state right after
commit ID; ``rollback configuration last N`` the state before the N newest
commits, which is how a factory-fresh router (no commit before the run) goes
back to factory state (VRP8.md §3.7).
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from .channel import CommandError, VrpChannel, channel_for
from .commit import read_commit_list


class RollbackError(RuntimeError):
    pass


def rollback(chan: VrpChannel, to_commit: str | None) -> str:
    """Back to the state after *to_commit*, or (None) to before every listed commit."""
    chan.user_view()
    if to_commit is not None:
        command = f"rollback configuration to commit-id {to_commit}"
    else:
        count = len(read_commit_list(chan))
        if count == 0:
            return "nothing to roll back"
        command = f"rollback configuration last {count}"
    try:
        reply = chan.confirm(command, "y", timeout=120)
    except CommandError as exc:
        raise RollbackError(f"{chan.host}: {command!r} failed: {exc.message}") from exc
    if "succeeded" not in reply.output.lower():
        raise RollbackError(f"{chan.host}: {command!r} did not report success: {reply.output.strip()!r}")
    return reply.output


def rollback_task(task: Task, to_commit: str | None) -> Result:
    return Result(host=task.host, result=rollback(channel_for(task), to_commit), changed=True)
