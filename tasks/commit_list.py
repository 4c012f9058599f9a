"""Task: read ``display configuration commit list verbose`` through the parsers.

One parser per display: the commit list is read by
``vrpbook.parsers.parse`` into its ``CommitList`` model (newest first).
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import ReadError
from vrpbook.parsers import ParseError, parse
from vrpbook.parsers.commit_list import CommitList, CommitPoint
from vrpbook.vrp import COMMIT_LIST_VERBOSE

from .channel import VrpChannel, channel_for


# choice: the verbose list (NE40E sample format); the non-verbose table has no NE40E sample.
def read_commit_list(chan: VrpChannel) -> list[CommitPoint]:
    """The router's commit points, newest first; an unparsable list raises :class:`ReadError`."""
    chan.user_view()
    text = chan.run(COMMIT_LIST_VERBOSE).output
    if not text.strip():
        # The verbose list has no header: a router with no commit point prints nothing
        # at all (the parsers refuse an empty output, rightly for displays with headers).
        return []
    try:
        parsed = parse(COMMIT_LIST_VERBOSE, text)
    except ParseError as exc:
        raise ReadError(f"cannot read the commit list: {exc}", router=chan.host) from exc
    if not isinstance(parsed, CommitList):  # pragma: no cover - parser registry guarantees it
        raise ReadError(f"commit list parsed as {type(parsed).__name__}", router=chan.host)
    return list(parsed.commits)


def commit_list(task: Task) -> Result:
    """Nornir task: ``result`` is the list of ``CommitPoint`` (newest first)."""
    return Result(host=task.host, result=read_commit_list(channel_for(task)))
