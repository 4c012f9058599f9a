"""Commit with VRP8's own grammar: trial commit, confirm, abort; and the commit list.

netmiko's ``commit(comment=…)`` sends ``commit comment "…"``, which VRP8 rejects
(VRP8.md §3.1). vrpbook sends ``commit trial SECONDS label LABEL description
TEXT`` so the router reverts by itself if the controller dies mid-gate, then a
plain ``commit`` to confirm once the gates pass, or ``abort trial`` to revert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nornir.core.task import Result, Task

from .channel import ChannelError, CommandError, VrpChannel, channel_for
from .discard import discard

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,255}$")
_ENTRY = re.compile(r"^\s*(\d+)\)\s+CommitId:\s*(\d+)\s*$")
_FIELD = re.compile(r"^\s+(Label|User|User-Intf|Type|TimeStamp|Description):\s?(.*?)\s*$")


class CommitError(RuntimeError):
    """The router refused the commit; the candidate has been discarded."""


@dataclass(frozen=True)
class CommitEntry:
    """One row of ``display configuration commit list verbose``."""

    index: int
    commit_id: str
    label: str | None
    type: str | None
    description: str | None


def validate_label(label: str) -> str:
    """VRP labels: 1-256 chars, no spaces, not starting with a digit or ``-``."""
    if not _LABEL.match(label):
        raise ValueError(f"not a valid VRP commit label: {label!r}")
    return label


def validate_description(text: str) -> str:
    """VRP descriptions: 1-60 printable characters (spaces allowed)."""
    if not 1 <= len(text) <= 60 or not text.isprintable():
        raise ValueError(f"commit description must be 1-60 printable characters: {text!r}")
    return text


def parse_commit_list(text: str) -> list[CommitEntry]:
    """Parse the verbose commit list (format: VRP8.md §3.5); fail closed on stray lines."""
    entries: list[dict] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _ENTRY.match(line)
        if m:
            entries.append({"index": int(m.group(1)), "commit_id": m.group(2)})
            continue
        f = _FIELD.match(line)
        if f and entries:
            entries[-1][f.group(1)] = f.group(2)
            continue
        if re.match(r"^\s*Info:|^-+$", line):
            continue
        raise ValueError(f"unexpected line in commit list: {line!r}")
    return [
        CommitEntry(
            index=e["index"],
            commit_id=e["commit_id"],
            label=None if e.get("Label", "-") in ("-", "") else e.get("Label"),
            type=e.get("Type"),
            description=e.get("Description"),
        )
        for e in entries
    ]


# choice: the verbose list (NE40E sample format); the non-verbose table has no NE40E sample.
def read_commit_list(chan: VrpChannel) -> list[CommitEntry]:
    chan.user_view()
    return parse_commit_list(chan.run("display configuration commit list verbose").output)


def commit_trial(chan: VrpChannel, seconds: int, label: str, description: str) -> str:
    """Commit the candidate in trial mode; return the new commit ID (found by label)."""
    validate_label(label)
    validate_description(description)
    if not 60 <= seconds <= 65535:
        raise ValueError(f"trial time must be 60-65535 s, got {seconds}")
    try:
        reply = chan.run(f"commit trial {seconds} label {label} description {description}", timeout=60)
    except CommandError as exc:
        discard(chan)
        raise CommitError(f"{chan.host}: commit refused: {exc.message} (candidate discarded)") from exc
    if reply.dirty:
        discard(chan)
        raise CommitError(f"{chan.host}: candidate still dirty after commit: {reply.output.strip()!r}")
    try:
        chan.user_view()
        for entry in read_commit_list(chan):
            if entry.label == label:
                return entry.commit_id
        problem = f"commit label {label} not found in the commit list"
    except (ChannelError, CommandError, ValueError) as exc:
        problem = f"cannot read the commit list: {exc}"
    # The trial is in but cannot be identified, so the caller cannot track it:
    # revert it now rather than leave it running until its timer expires.
    try:
        abort_trial(chan)
    except (ChannelError, CommandError, CommitError) as exc:
        raise CommitError(f"{chan.host}: {problem}; abort trial failed too: {exc}") from exc
    raise CommitError(f"{chan.host}: {problem} (trial aborted)")


def confirm_trial(chan: VrpChannel) -> None:
    """Confirm a trial commit with a plain ``commit`` in the same session."""
    # choice (no public confirmation text, VRP8.md §3.2): success = no Error and a clean prompt
    chan.system_view()
    reply = chan.run("commit", timeout=60)
    if reply.dirty:
        raise CommitError(f"{chan.host}: confirming commit left the candidate dirty")
    chan.user_view()


def abort_trial(chan: VrpChannel) -> str:
    """``abort trial`` answering its Y/N question: the router reverts the trial commit."""
    chan.system_view()
    reply = chan.confirm("abort trial", "y", timeout=60)
    # Fail closed like rollback/save: success is what VRP says (VRP8.md §3.2), not the
    # absence of an error.
    if "succeeded" not in reply.output.lower():
        raise CommitError(f"{chan.host}: abort trial did not report success: {reply.output.strip()!r}")
    chan.user_view()
    return reply.output


def commit_trial_task(task: Task, seconds: int, label: str, description: str) -> Result:
    """Nornir task: trial-commit the candidate; ``result`` is the commit ID."""
    cid = commit_trial(channel_for(task), seconds, label, description)
    return Result(host=task.host, result=cid, changed=True)


def confirm_task(task: Task) -> Result:
    confirm_trial(channel_for(task))
    return Result(host=task.host, result="confirmed")


def abort_task(task: Task) -> Result:
    return Result(host=task.host, result=abort_trial(channel_for(task)), changed=True)


def commit_list_task(task: Task) -> Result:
    return Result(host=task.host, result=read_commit_list(channel_for(task)))
