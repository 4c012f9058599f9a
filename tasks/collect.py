"""Run display commands and parse them through ``vrpbook.parsers.parse`` (fail closed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from nornir.core.task import Result, Task

from .channel import VrpChannel, channel_for


@dataclass
class Observation:
    """One display command's raw text and its parsed model (or why it could not be read)."""

    command: str
    raw: str
    parsed: Any = None
    error: str | None = None


def _parse(command: str, text: str) -> Any:
    from vrpbook.parsers import parse  # imported late: the parsers land independently

    return parse(command, text)


def observe(chan: VrpChannel, command: str) -> Observation:
    chan.user_view()
    reply = chan.send(command, timeout=60)
    if reply.view != "user":
        return Observation(command, reply.output, error=f"unexpected prompt {reply.end!r}")
    err = reply.error()
    if err:
        return Observation(command, reply.output, error=f"device error: {err}")
    try:
        parsed = _parse(command, reply.output)
    except Exception as exc:  # ParseError or anything else: a gate cannot judge it
        return Observation(command, reply.output, error=f"parse failed: {type(exc).__name__}: {exc}")
    return Observation(command, reply.output, parsed=parsed)


def collect(task: Task, commands: Sequence[str]) -> Result:
    """Nornir task: ``result`` maps each command to its :class:`Observation`."""
    chan = channel_for(task)
    return Result(host=task.host, result={cmd: observe(chan, cmd) for cmd in commands})
