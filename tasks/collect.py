"""Task: run display commands and parse them through ``vrpbook.parsers.parse`` (fail closed).

An observation never hides a failure: a device error, an odd prompt or an
output that does not parse is kept as the observation's ``error`` (with the
raw text), and a check reading it reports "could not check", never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nornir.core.task import Result, Task

from vrpbook.parsers import ParseError, parse
from vrpbook.parsers.base import ParsedOutput

from .channel import VrpChannel, channel_for


@dataclass(frozen=True)
class Observation:
    """One display command's raw text and its parsed model (or why it could not be read)."""

    command: str
    raw: str
    parsed: ParsedOutput | None = None
    error: str | None = None


def observe(chan: VrpChannel, command: str, reader: Callable[[str, str], ParsedOutput] = parse) -> Observation:
    """Read *command* in user view and parse it (*reader*: ``vrpbook.parsers.parse`` unless a
    check reads the text its own way); every failure is kept as the observation's error."""
    chan.user_view()
    reply = chan.send(command, timeout=60)
    if reply.view != "user":
        return Observation(command, reply.output, error=f"unexpected prompt {reply.end!r}")
    err = reply.error()
    if err:
        return Observation(command, reply.output, error=f"device error: {err}")
    try:
        parsed = reader(command, reply.output)
    except ParseError as exc:
        return Observation(command, reply.output, error=f"parse failed: {type(exc).__name__}: {exc}")
    return Observation(command, reply.output, parsed=parsed)


def collect(task: Task, commands: Sequence[str]) -> Result:
    """Nornir task: ``result`` maps each command to its :class:`Observation`."""
    chan = channel_for(task)
    return Result(host=task.host, result={cmd: observe(chan, cmd) for cmd in commands})
