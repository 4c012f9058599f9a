"""Task: read what a router is in the middle of, before anyone changes it.

A change must see the router as it is (issue 12): a pending trial commit
(``display configuration trial status``, and whose it is from the commit
list), another session's ``configuration exclusive`` (``display
configuration-occupied user``), and whether the saved configuration differs
from the running one (``display saved-configuration`` vs ``display
current-configuration``). Every read is fail-closed: an output that does not
parse is a :class:`~vrpbook.errors.ReadError`, never "nothing pending".

What no display shows: another session's *uncommitted* candidate. VRP8 keeps a
candidate per session and ``display configuration candidate`` shows only the
caller's own (VRP8.md 3.4, 3.8); no public source shows a command listing
other sessions' candidates. vrpbook therefore does not claim to see them; it
holds ``configuration exclusive`` for the whole run, so such a candidate
cannot be committed while the run changes the router (VRP refuses the other
session's commit, VRP8.md 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from nornir.core.task import Result, Task

from vrpbook import vrp
from vrpbook.errors import ReadError
from vrpbook.parsers import ParseError, parse
from vrpbook.parsers.commit_list import CommitPoint
from vrpbook.parsers.config_session import ConfigurationOccupied, LockHolder
from vrpbook.parsers.trial_status import TrialStatus
from vrpbook.vrp import CONFIG_END

from .channel import VrpChannel, channel_for
from .commit_list import read_commit_list
from .snapshot import normalise_config, read_config

TRIAL_STATUS = vrp.TRIAL_STATUS
LOCK_HOLDER = vrp.LOCK_HOLDERS
SAVED_CONFIGURATION = vrp.SAVED_CONFIGURATION


def _parsed(chan: VrpChannel, command: str, text: str) -> object:
    try:
        return parse(command, text)
    except ParseError as exc:
        raise ReadError(f"{chan.host}: cannot read {command!r}: {exc}", router=chan.host) from exc


def read_trial_status(chan: VrpChannel, *, in_place: bool = False) -> TrialStatus:
    """Whether a trial commit is pending on the router, and how many seconds it has left.

    ``in_place`` reads it from the view the session is in (VRP displays work in every
    view), for callers holding a loaded candidate that must not be left (the NAPALM driver)."""
    if not in_place:
        chan.user_view()
    parsed = _parsed(chan, TRIAL_STATUS, chan.run(TRIAL_STATUS).output)
    if not isinstance(parsed, TrialStatus):  # pragma: no cover - the registry guarantees it
        raise ReadError(f"{chan.host}: {TRIAL_STATUS!r} parsed as {type(parsed).__name__}", router=chan.host)
    return parsed


def read_lock_holders(chan: VrpChannel) -> ConfigurationOccupied:
    """Who holds ``configuration exclusive`` (no holders: nobody; VRP prints nothing then)."""
    chan.user_view()
    parsed = _parsed(chan, LOCK_HOLDER, chan.run(LOCK_HOLDER).output)
    if not isinstance(parsed, ConfigurationOccupied):  # pragma: no cover - the registry guarantees it
        raise ReadError(f"{chan.host}: {LOCK_HOLDER!r} parsed as {type(parsed).__name__}", router=chan.host)
    return parsed


def read_lock_holder(chan: VrpChannel) -> LockHolder | None:
    """The session holding ``configuration exclusive`` (None: nobody). VRP has one
    exclusive lock per router, so there is at most one."""
    holders = read_lock_holders(chan).holders
    return holders[0] if holders else None


def read_saved_config(chan: VrpChannel) -> str:
    """The saved (next-startup) configuration, normalised like a snapshot; ``""`` when the
    router has none (a factory-fresh router prints nothing). A cut output fails closed."""
    chan.user_view()
    text = chan.run(SAVED_CONFIGURATION, timeout=60).output
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ""
    if lines[-1] != CONFIG_END:
        raise ReadError(f"{chan.host}: {SAVED_CONFIGURATION} did not end with {CONFIG_END!r}", router=chan.host)
    return normalise_config(text)


def describe_holder(h: LockHolder) -> str:
    """``root (VTY 0, 10.1.1.1) since 2013-03-06 21:09:36``: the lock holder in one phrase
    (the one wording of a holder: preflight's refusals, ``plan``'s notes, ``vrpbook check``)."""
    return f"{h.user} ({h.session}, {h.address}) since {h.locked_time}"


def describe_lock(lock: LockHolder) -> str:
    """``user root (VTY 0, 10.135.38.234) since 2013-03-06 21:09:36 [VRP session 34]; VRP
    releases it after 30 s without commands``: a refusal, with what the operator needs to act."""
    timeout = f"; VRP releases it after {lock.timeout_s} s without commands" if lock.timeout_s else ""
    return f"user {describe_holder(lock)} [VRP session {lock.user_index}]{timeout}"


def describe_commit(point: CommitPoint | None) -> str:
    """``commit 1000000012 (label L, user U, VTY 1, CLI, 2026-11-29 10:00:00)``."""
    if point is None:
        return "no commit point"
    parts = [f"label {point.label}" if point.label else "no label", f"user {point.user}" if point.user else "",
             point.user_intf or "", point.type or "", point.timestamp or ""]
    return f"commit {point.commit_id} ({', '.join(p for p in parts if p)})"


@dataclass(frozen=True)
class RouterState:
    """A router as a change finds it: pending trial, lock holder, commits, running and saved configuration."""

    trial: TrialStatus
    lock: LockHolder | None
    commits: list[CommitPoint]
    config: str
    saved: str

    @property
    def unsaved(self) -> bool:
        """The running configuration differs from the saved one (a reload would lose it)."""
        return self.saved != self.config

    @property
    def trial_owner(self) -> CommitPoint | None:
        """The commit point of the pending trial: the newest commit while a trial is active."""
        return self.commits[0] if self.trial.active and self.commits else None


def read_state(chan: VrpChannel) -> RouterState:
    """Every fact of :class:`RouterState`, read in one go (five displays)."""
    return RouterState(
        trial=read_trial_status(chan),
        lock=read_lock_holder(chan),
        commits=read_commit_list(chan),
        config=read_config(chan),
        saved=read_saved_config(chan),
    )


def router_state(task: Task) -> Result:
    """Nornir task: ``result`` is the router's :class:`RouterState` (nothing changes)."""
    return Result(host=task.host, result=read_state(channel_for(task)))


def trial_status(task: Task) -> Result:
    """Nornir task: ``result`` is the router's :class:`TrialStatus`."""
    return Result(host=task.host, result=read_trial_status(channel_for(task)))
