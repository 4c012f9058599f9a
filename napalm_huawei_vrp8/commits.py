"""VRP8's two-stage commit as NAPALM's configuration API, on vrpbook's channel-level tasks.

==========================  =================================================================
NAPALM                      VRP8 (this module)
==========================  =================================================================
``compare_config``          the router's own ``display configuration candidate changes``
                            (``""`` when it shows no ``+``/``-`` line)
``discard_config``          ``clear configuration candidate``
``commit_config``           ``commit label L [description MESSAGE]``; with ``revert_in=N``
                            ``commit trial N label L [description MESSAGE]``
``has_pending_commit``      ``display configuration trial status`` is ``ACTIVE``
``confirm_commit``          plain ``commit`` in the same session, verified: the trial is over
``rollback``                pending trial: ``abort trial``; else ``rollback configuration to
                            commit-id P`` (P = the commit before the driver's last one, or
                            ``last K`` when it was the oldest listed) -- verified: the running
                            configuration equals the one read just before that commit
==========================  =================================================================

Nothing here saves: VRP keeps a committed configuration running and changes the
startup configuration only on ``save`` (the driver's ``save_after_commit`` option
or :meth:`ConfigSession.save`).

Every commit of the driver carries a label (``napalm-<UTC time>-<random>``) by which
its commit ID is found in the commit list, and the running configuration read just
before and just after it: the "before" is what a rollback must restore, the
"after" proves that nobody else committed since (a rollback to the previous commit
would silently undo their change too, so it is refused).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from napalm.base.exceptions import CommitConfirmException, CommitError

from vrpbook.errors import DeviceError, ReadError
from vrpbook.parsers.trial_status import TrialStatus
from vrpbook.tasks.abort_trial import abort
from vrpbook.tasks.candidate import diff_is_empty, discard, read_diff
from vrpbook.tasks.channel import VrpChannel
from vrpbook.tasks.commit_list import read_commit_list
from vrpbook.tasks.commit_trial import labelled_commit, validate_description
from vrpbook.tasks.confirm import confirm_trial
from vrpbook.tasks.device_state import read_trial_status
from vrpbook.tasks.rollback import roll_back
from vrpbook.tasks.save import save_config
from vrpbook.tasks.snapshot import read_config

#: VRP8's trial timer range (``commit trial <60-65535>``, VRP8.md 3.1).
TRIAL_MIN, TRIAL_MAX = 60, 65535
LABEL_PREFIX = "napalm"


@dataclass
class DriverCommit:
    """One commit made by this driver: its ID and label, the configurations around it."""

    commit_id: str
    label: str
    before: str
    after: str
    trial: bool
    confirmed: bool = field(default=False)


def new_label() -> str:
    """A unique VRP commit label (letters first, no blanks, well under 256 characters)."""
    return f"{LABEL_PREFIX}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class ConfigSession:
    """The configuration state of one driver connection (one VRP session, one candidate)."""

    def __init__(self, save_after_commit: bool = False) -> None:
        self.save_after_commit = save_after_commit
        self.commits: list[DriverCommit] = []

    # -- candidate ------------------------------------------------------------------------

    @staticmethod
    def compare(chan: VrpChannel) -> str:
        """The router's diff of the candidate, or ``""`` when it changes nothing."""
        if chan.state().view == "user":
            return ""  # VRP keeps a candidate only in system view
        try:
            diff = read_diff(chan)
            return "" if diff_is_empty(diff) else diff
        except DeviceError as exc:
            raise CommitError(f"{chan.host}: cannot read the candidate's changes: {exc}") from exc

    @staticmethod
    def discard(chan: VrpChannel) -> None:
        try:
            discard(chan)
        except DeviceError as exc:
            raise CommitError(f"{chan.host}: discarding the candidate failed: {exc}") from exc

    # -- commit -----------------------------------------------------------------------------

    def pending(self, chan: VrpChannel) -> bool:
        """A trial commit (of any session) waits for its confirmation."""
        return self.trial_status(chan).active

    @staticmethod
    def trial_status(chan: VrpChannel) -> TrialStatus:
        """vrpbook's one trial-status reader, in the session's own view (a loaded candidate stays)."""
        try:
            return read_trial_status(chan, in_place=True)
        except DeviceError as exc:
            raise CommitError(f"{chan.host}: cannot read the trial status: {exc}") from exc

    def commit(self, chan: VrpChannel, message: str = "", revert_in: int | None = None) -> DriverCommit | None:
        """Commit the candidate (in trial mode with *revert_in*); ``None`` when it changes nothing.

        Refused before anything is sent: *revert_in* outside VRP's 60-65535 s (VRP cannot
        revert sooner), a message VRP cannot take as a description (1-60 printable
        characters), a pending trial (confirm or roll it back first)."""
        if revert_in is not None and not TRIAL_MIN <= revert_in <= TRIAL_MAX:
            raise CommitConfirmException(
                f"{chan.host}: revert_in={revert_in}: VRP8's trial timer takes {TRIAL_MIN}-{TRIAL_MAX} seconds "
                "(commit trial); nothing was committed, the candidate is kept"
            )
        if message:
            try:
                validate_description(message)
            except ValueError as exc:
                raise CommitError(f"{chan.host}: {exc} (VRP's commit description); nothing was committed") from exc
        if self.pending(chan):
            raise CommitError(f"{chan.host}: a trial commit is pending: confirm_commit() or rollback() first")
        if not self.compare(chan):
            self.discard(chan)
            return None  # VRP makes no commit point for an empty commit: nothing to record
        label = new_label()
        try:
            before = read_config(chan, in_place=True)
            commit_id = labelled_commit(chan, label, message or None, trial=revert_in)
            after = read_config(chan)
        except (DeviceError, ValueError) as exc:
            raise CommitError(str(exc)) from exc
        done = DriverCommit(commit_id, label, before, after, trial=revert_in is not None)
        self.commits.append(done)
        if revert_in is None and self.save_after_commit:
            self.save(chan)
        return done

    def confirm(self, chan: VrpChannel) -> None:
        """Confirm the pending trial with a plain ``commit``; verified by the trial status."""
        if not self.pending(chan):
            raise CommitError(f"{chan.host}: no trial commit is pending (nothing to confirm)")
        if self.compare(chan):
            raise CommitError(
                f"{chan.host}: the candidate holds uncommitted changes, which confirming would commit too: "
                "discard_config() or commit them first"
            )
        try:
            confirm_trial(chan)  # proves the trial pending before the commit and over after it
        except DeviceError as exc:
            if self.pending(chan):
                raise CommitError(
                    f"{chan.host}: the trial is still pending after commit: it was started by another session "
                    "(VRP confirms a trial only in the session that started it)"
                ) from exc
            raise CommitError(f"{chan.host}: confirming the trial failed: {exc}") from exc
        for done in reversed(self.commits):
            if done.trial:
                done.confirmed = True
                break
        if self.save_after_commit:
            self.save(chan)

    def save(self, chan: VrpChannel) -> None:
        """``save`` (answering its question); the startup configuration becomes the running one."""
        try:
            save_config(chan)
        except DeviceError as exc:
            raise CommitError(f"{chan.host}: save failed: {exc}") from exc

    # -- rollback ----------------------------------------------------------------------------

    def rollback(self, chan: VrpChannel) -> None:
        """Undo the driver's last commit (see the module docstring), verified."""
        if not self.commits:
            raise CommitError(f"{chan.host}: this connection committed nothing: there is nothing to roll back")
        if chan.state().dirty:
            raise CommitError(f"{chan.host}: the candidate holds uncommitted changes: discard_config() before rollback()")
        last = self.commits[-1]
        try:
            if self.pending(chan):
                if not last.trial or last.confirmed:
                    raise CommitError(f"{chan.host}: the pending trial is another session's; not touching it")
                abort(chan)
            else:
                running = read_config(chan)
                if running == last.before:
                    self.commits.pop()  # already undone (its trial expired, or someone reverted it)
                    return
                if running != last.after:
                    raise CommitError(
                        f"{chan.host}: the running configuration changed since commit {last.commit_id} "
                        "(another session committed); rolling back would undo their change too: refused"
                    )
                roll_back(chan, self._previous(chan, last))
            restored = read_config(chan)
        except DeviceError as exc:
            raise CommitError(f"{chan.host}: rollback of commit {last.commit_id} failed: {exc}") from exc
        if restored != last.before:
            raise CommitError(
                f"{chan.host}: after the rollback of commit {last.commit_id} the running configuration differs "
                "from the one before that commit"
            )
        self.commits.pop()

    @staticmethod
    def _previous(chan: VrpChannel, last: DriverCommit) -> str | None:
        """The commit ID before *last* in the commit list (newest first); ``None`` when *last*
        is the oldest listed, which ``roll_back`` turns into ``rollback configuration last K``."""
        listed = read_commit_list(chan)
        ids = [c.commit_id for c in listed]
        if last.commit_id not in ids:
            raise ReadError(f"commit {last.commit_id} is no longer in the commit list", router=chan.host)
        index = ids.index(last.commit_id)
        return ids[index + 1] if index + 1 < len(ids) else None
