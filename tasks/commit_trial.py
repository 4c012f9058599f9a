"""Task: commit the candidate in trial mode (VRP8's own grammar), return its commit ID.

netmiko's ``commit(comment=…)`` sends ``commit comment "…"``, which VRP8 rejects
(VRP8.md §3.1). vrpbook sends ``commit trial SECONDS label LABEL description
TEXT`` so the router reverts by itself if the controller dies mid-gate, then a
plain ``commit`` to confirm (:mod:`.confirm`) or ``abort trial`` to revert
(:mod:`.abort_trial`). The new commit ID is found by its label in the commit list.
"""

from __future__ import annotations

import re

from nornir.core.task import Result, Task

from vrpbook.errors import ChannelError, CommandError, CommitError, ReadError

from .abort_trial import abort
from .candidate import discard
from .channel import VrpChannel, channel_for
from .commit_list import read_commit_list

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,255}$")


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


def trial_commit(chan: VrpChannel, seconds: int, label: str, description: str) -> str:
    """Commit the candidate in trial mode; return the new commit ID (found by label)."""
    validate_label(label)
    validate_description(description)
    if not 60 <= seconds <= 65535:
        raise ValueError(f"trial time must be 60-65535 s, got {seconds}")
    return labelled_commit(chan, label, description, trial=seconds)


def labelled_commit(chan: VrpChannel, label: str, description: str | None = None, trial: int | None = None) -> str:
    """Commit the candidate under *label* -- plain (``commit label L [description D]``) or
    in trial mode (``commit trial S label L [description D]``) -- and return the new
    commit ID, found by its label in the commit list.

    A refused commit discards the candidate (:class:`CommitError`, the router's text).
    A commit that went in but cannot be identified is a :class:`CommitError` too: a
    trial is aborted first (the caller could not track it); a plain commit stays in
    force and the message says so.
    """
    validate_label(label)
    if description is not None:
        validate_description(description)
    if trial is not None and not 60 <= trial <= 65535:
        raise ValueError(f"trial time must be 60-65535 s, got {trial}")
    command = "commit" + (f" trial {trial}" if trial is not None else "") + f" label {label}"
    if description:
        command += f" description {description}"
    try:
        reply = chan.run(command, timeout=60)
    except CommandError as exc:
        discard(chan)
        raise CommitError(f"{chan.host}: commit refused: {exc.message} (candidate discarded)", router=chan.host) from exc
    if reply.dirty:
        discard(chan)
        raise CommitError(f"{chan.host}: candidate still dirty after commit: {reply.output.strip()!r}", router=chan.host)
    try:
        chan.user_view()
        for entry in read_commit_list(chan):
            if entry.label == label:
                return entry.commit_id
        problem = f"commit label {label} not found in the commit list"
    except (ChannelError, CommandError, ReadError) as exc:
        problem = f"cannot read the commit list: {exc.message}"
    if trial is None:
        raise CommitError(f"{chan.host}: {problem} (the commit is in force)", router=chan.host)
    # The trial is in but cannot be identified, so the caller cannot track it:
    # revert it now rather than leave it running until its timer expires.
    try:
        abort(chan)
    except (ChannelError, CommandError, CommitError) as exc:
        raise CommitError(f"{chan.host}: {problem}; abort trial failed too: {exc}", router=chan.host) from exc
    raise CommitError(f"{chan.host}: {problem} (trial aborted)", router=chan.host)


def commit_trial(task: Task, seconds: int, label: str, description: str) -> Result:
    """Nornir task: trial-commit the candidate; ``result`` is the commit ID."""
    cid = trial_commit(channel_for(task), seconds, label, description)
    return Result(host=task.host, result=cid, changed=True)
