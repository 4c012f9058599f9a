"""Task: load commands into the candidate and read the router's own diff of them.

``diff`` is the device-computed ``display configuration candidate changes``
and ``changed`` is derived from it, so pushing lines the router already has
reports ``changed=False``. With ``dry_run`` the candidate is always discarded
(nothing can be committed); without it, a candidate with no change is
discarded too, and one with changes is left for :func:`commit_trial`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nornir.core.task import Result, Task

from .candidate import diff_is_empty, discard, push_lines, read_diff
from .channel import VrpChannel, channel_for


@dataclass(frozen=True)
class Pushed:
    """What a push did on one router: the dialogue and the router's diff."""

    commands: tuple[str, ...]
    transcript: tuple[str, ...]
    diff: str
    changed: bool


def push_and_diff(chan: VrpChannel, commands: Sequence[str], dry_run: bool = False) -> Pushed:
    """Channel-level push + diff (+ discard on dry run or no change). An unreadable
    diff raises inside the router's task, so it can never count as "no change"."""
    start = len(chan.transcript)
    push_lines(chan, commands)
    try:
        diff = read_diff(chan)
        changed = not diff_is_empty(diff)
    except Exception:
        discard(chan)  # never leave a half-judged candidate behind
        raise
    if dry_run or not changed:
        discard(chan)
    return Pushed(tuple(commands), tuple(chan.transcript[start:]), diff, changed)


def push_config(task: Task, commands: Sequence[str], dry_run: bool = False) -> Result:
    """Nornir task: ``result`` is a :class:`Pushed`, ``diff`` the router's diff, ``changed`` honest."""
    pushed = push_and_diff(channel_for(task), commands, dry_run)
    return Result(host=task.host, result=pushed, diff=pushed.diff, changed=pushed.changed and not dry_run)
