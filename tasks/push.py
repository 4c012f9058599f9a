"""Push command lines into the router's candidate, stopping at the first rejection.

Every line's output is checked for ``Error:``; on a rejection the candidate is
discarded (``clear configuration candidate``) so nothing half-pushed can be
committed later, and the task fails naming the command and the device message.
"""

from __future__ import annotations

from typing import Sequence

from nornir.core.task import Result, Task

from .channel import CommandError, VrpChannel, channel_for
from .discard import discard


class PushError(RuntimeError):
    """A command the router rejected; the candidate has been discarded."""

    def __init__(self, host: str, command: str, message: str, index: int) -> None:
        self.host, self.command, self.message, self.index = host, command, message, index
        super().__init__(f"{host}: line {index + 1} {command!r} rejected: {message} (candidate discarded)")


def push_lines(chan: VrpChannel, commands: Sequence[str]) -> list[str]:
    """Enter system view and send each line; return the per-line transcript."""
    chan.system_view()
    transcript: list[str] = []
    for idx, cmd in enumerate(commands):
        try:
            reply = chan.run(cmd)
        except CommandError as exc:
            transcript.append(f"{chan.last.end if chan.last else ''}{cmd}\n{exc.output}".rstrip())
            discard(chan)
            raise PushError(chan.host, cmd, exc.message, idx) from exc
        transcript.append(f"{cmd}\n{reply.output}".rstrip())
    return transcript


def push_candidate(task: Task, commands: Sequence[str]) -> Result:
    """Nornir task: load *commands* into the candidate (no commit)."""
    chan = channel_for(task)
    transcript = push_lines(chan, commands)
    return Result(host=task.host, result="\n".join(transcript), changed=False)
