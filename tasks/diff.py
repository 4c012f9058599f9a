"""Read the difference the router itself computes between candidate and running."""

from __future__ import annotations

import re

from nornir.core.task import Result, Task

from .channel import VrpChannel, channel_for
from .discard import discard
from .push import push_lines

DIFF_COMMAND = "display configuration candidate changes"


def diff_is_empty(diff: str) -> bool:
    """No ``+``/``-`` line: only the ``Building configuration`` header (or nothing).

    The no-change output has no public sample (VRP8.md §8), so we judge by the
    marker column, which every sample shows, and refuse any other kind of line.
    """
    # choice (no evidence for the empty form): header-only or context-only = no change
    changed = False
    for ln in diff.splitlines():
        if not ln.strip() or re.fullmatch(r"Building configuration(?:\.\.\.)?\s*", ln):
            continue
        if ln.startswith(("+", "-")):
            changed = True
        elif not ln.startswith(" "):
            # Fail closed: text that is neither header, context nor a change is not a diff.
            raise ValueError(f"unexpected line in candidate changes: {ln!r}")
    return not changed


def read_diff(chan: VrpChannel) -> str:
    return chan.run(DIFF_COMMAND).output.strip("\n")


def dry_run_diff(chan: VrpChannel, commands: list[str]) -> str:
    """Load *commands* into the candidate, read the router's own diff, then discard the
    candidate (nothing is committed). An unreadable diff raises here, inside the
    router's task, so it can never count as "no change"."""
    push_lines(chan, commands)
    try:
        diff = read_diff(chan)
        diff_is_empty(diff)
    finally:
        discard(chan)
    return diff


def candidate_diff(task: Task) -> Result:
    """Nornir task: ``diff`` is the device's text, ``changed`` whether it has any change."""
    diff = read_diff(channel_for(task))
    return Result(host=task.host, result=diff, diff=diff, changed=not diff_is_empty(diff))
