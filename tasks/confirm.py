"""Task: confirm a trial commit with a plain ``commit`` in the same session — never blind.

A plain ``commit`` with nothing in the candidate prints nothing whether or not a
trial is pending (VRP8.md 3.2, 8: no public confirmation or expiry text), so the
prompt coming back clean proves nothing. A controller paused past the trial
time (VM pause, laptop sleep) would "confirm" a trial the router had already
reverted by itself. So, around the ``commit``:

- before: ``display configuration trial status`` must say ``ACTIVE`` with at
  least *margin* seconds left, and the newest commit point must be this run's
  trial (its label): otherwise nothing is sent and :class:`TrialLost` is raised;
- after: the trial status must be ``INACTIVE`` and the newest commit point must
  still be this run's label — no ``ROLLBACK`` by the system after it (a trial
  that expired between the check and the ``commit``).
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from vrpbook.errors import CommitError, TrialLost

from .channel import VrpChannel, channel_for
from .commit_list import read_commit_list
from .device_state import describe_commit, read_trial_status

#: Seconds a trial must still have before it is confirmed (the router's own count).
DEFAULT_MARGIN = 10


def confirm_trial(chan: VrpChannel, label: str | None = None, margin: int = DEFAULT_MARGIN) -> str:
    """Prove the trial is pending (and ours), ``commit``, prove it took; return the commit ID.

    Without *label* the ownership checks are skipped (a plain Nornir script's own trial),
    but the trial must still be pending and no system rollback may be the newest commit.
    """
    status = read_trial_status(chan)
    commits = read_commit_list(chan)
    newest = commits[0] if commits else None
    whose = f"trial {label}" if label else "the trial"
    if not status.active:
        raise TrialLost(f"{chan.host}: {whose} is no longer pending (the router reverted it; newest is "
                        f"{describe_commit(newest)}); nothing confirmed", router=chan.host)
    if label is not None and (newest is None or newest.label != label):
        raise TrialLost(f"{chan.host}: the pending trial is not {label} (newest is {describe_commit(newest)}); "
                        "nothing confirmed", router=chan.host)
    if status.time_left < margin:
        raise TrialLost(f"{chan.host}: only {status.time_left} s left of {whose} (margin {margin} s): not confirming; "
                        "it reverts by itself", router=chan.host)
    chan.system_view()
    reply = chan.run("commit", timeout=60)
    if reply.dirty:
        raise CommitError(f"{chan.host}: confirming commit left the candidate dirty", router=chan.host)
    chan.user_view()
    after = read_trial_status(chan)
    commits = read_commit_list(chan)
    newest = commits[0] if commits else None
    if after.active:
        raise CommitError(f"{chan.host}: {whose} is still pending after 'commit' ({after.time_left} s left)", router=chan.host)
    reverted = newest is not None and (newest.type or "").upper() == "ROLLBACK"
    if newest is None or reverted or (label is not None and newest.label != label):
        raise TrialLost(f"{chan.host}: {whose} was not confirmed: the newest commit is {describe_commit(newest)} "
                        "(the router reverted the trial before the confirmation reached it)", router=chan.host)
    return newest.commit_id


def confirm(task: Task, label: str | None = None, margin: int = DEFAULT_MARGIN) -> Result:
    """Nornir task: confirm the pending trial (the configuration itself does not change);
    ``result`` is the confirmed commit ID."""
    return Result(host=task.host, result=confirm_trial(channel_for(task), label, margin), changed=False)
