"""The candidate configuration at channel level: push lines, read the router's diff, discard.

These are the plain functions the task functions are built from (and that the
engine's own steps reuse): every line's output is checked for ``Error:``; on a
rejection the candidate is discarded (``clear configuration candidate``) so
nothing half-pushed can be committed later.
"""

from __future__ import annotations

from collections.abc import Sequence

from vrpbook.errors import ChannelError, CommandError, PushError, ReadError
from vrpbook.vrp import CANDIDATE_CHANGES, DIFF_HEADER

from .channel import VrpChannel


def push_lines(chan: VrpChannel, commands: Sequence[str]) -> list[str]:
    """Enter system view and send each line; return the per-line transcript.

    The :class:`PushError` raised on a rejection carries the channel transcript
    from the first line to the discard, so the record shows what was undone.
    """
    start = len(chan.transcript)
    chan.system_view()
    transcript: list[str] = []
    for idx, cmd in enumerate(commands):
        try:
            reply = chan.run(cmd)
        except CommandError as exc:
            discard(chan)
            raise PushError(chan.host, cmd, exc.message, idx, chan.transcript[start:]) from exc
        transcript.append(f"{cmd}\n{reply.output}".rstrip())
    return transcript


def discard(chan: VrpChannel) -> None:
    """Clear the candidate; VRP puts the session back in system view, clean."""
    cur = chan.state()
    if cur.view == "user":
        return
    reply = chan.run("clear configuration candidate")
    if reply.dirty:
        raise ChannelError(f"{chan.host}: candidate still dirty after 'clear configuration candidate'")
    chan.user_view()


def read_diff(chan: VrpChannel) -> str:
    """The router's own ``display configuration candidate changes``."""
    return chan.run(CANDIDATE_CHANGES).output.strip("\n")


def diff_is_empty(diff: str) -> bool:
    """No ``+``/``-`` line: only the ``Building configuration`` header (or nothing).

    The no-change output has no public sample (VRP8.md §8), so we judge by the
    marker column, which every sample shows, and refuse any other kind of line.
    """
    # choice (no evidence for the empty form): header-only or context-only = no change
    changed = False
    for ln in diff.splitlines():
        if not ln.strip() or DIFF_HEADER.fullmatch(ln):
            continue
        if ln.startswith(("+", "-")):
            changed = True
        elif not ln.startswith(" "):
            # Fail closed: text that is neither header, context nor a change is not a diff.
            raise ReadError(f"unexpected line in candidate changes: {ln!r}")
    return not changed
