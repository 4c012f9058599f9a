"""One exception hierarchy for every expected failure, with the exit code it ends in.

The CLI has one error boundary (:mod:`vrpbook.cli`): a :class:`VrpbookError`
prints one line per affected router (or one line when no router is involved)
and exits with its class's code; anything else is a bug (exit 1, traceback to
the log only). A failure that hits several routers is one error carrying a
message per router (``routers``), so every router is named.

Exit codes (also in ``runbooks/README.md``):

==  ==========================================================================
0   ok
1   internal error (a bug)
2   usage, intent, inventory or runbook error: nothing was connected to
3   device error: unreachable, authentication, host key, lock held, a command
    or commit refused, a display that could not be read or parsed
4   a gate failed (the change was undone)
5   a change refused by its change file: outside its window, missing approvals,
    the file edited since it was approved, or a router's live diff differs from
    the approved one (nothing was changed)
6   the change window closed (or would close) during the run: the stage was
    aborted (or not started) and the run undone per its policy, verified
129 hung up (SIGHUP: the terminal closed), 130 interrupted (SIGINT, Ctrl+C),
143 terminated (SIGTERM): 128 + the signal number, as shells report it
==  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    DEVICE = 3
    GATE = 4
    REFUSED = 5
    WINDOW = 6
    HANGUP = 129
    INTERRUPTED = 130
    TERMINATED = 143


class VrpbookError(Exception):
    """An expected failure: a message, optionally one per router, and an exit code."""

    exit_code: ClassVar[ExitCode] = ExitCode.INTERNAL

    def __init__(self, message: str = "", *, router: str | None = None, routers: Mapping[str, str] | None = None) -> None:
        self.message = message
        self.router = router
        self.routers: dict[str, str] = dict(routers or {})
        super().__init__(self._text())

    def _text(self) -> str:
        if self.routers:
            head = f"{self.message}: " if self.message else ""
            return head + "; ".join(f"{r}: {m}" for r, m in self.routers.items())
        if self.router and not self.message.startswith(f"{self.router}:"):
            return f"{self.router}: {self.message}"
        return self.message

    @property
    def status(self) -> int:
        """The exit code this failure ends in (the class's, unless an instance knows better)."""
        return int(self.exit_code)

    def lines(self) -> list[str]:
        """What the CLI prints: one line per affected router, else the message's lines."""
        if self.routers:
            return [f"{r}: {m}" for r, m in self.routers.items()]
        return [ln for ln in self._text().splitlines() if ln.strip()] or [type(self).__name__]


# --- exit 2: nothing was connected to ------------------------------------------------


class UsageError(VrpbookError):
    """Bad arguments."""

    exit_code = ExitCode.USAGE


class InventoryError(UsageError):
    """An inventory that cannot be used (names the file)."""


class IntentError(UsageError):
    """Intent that cannot describe a network (names file, host and field)."""


class RunbookError(UsageError):
    """A runbook that cannot be run (names the file and field)."""


class RenderError(UsageError):
    """A template that cannot be rendered for a router (missing file or variable)."""


# --- exit 3: a router could not be worked with ---------------------------------------


class DeviceError(VrpbookError):
    """A router could not be reached, read or changed as asked."""

    exit_code = ExitCode.DEVICE


class ConnectionFailed(DeviceError):
    """The SSH session could not be opened."""


class AuthenticationFailed(ConnectionFailed):
    """The router refused the credentials."""


class Unreachable(ConnectionFailed):
    """No SSH server answered (refused, timed out, no route)."""


class HostKeyMismatch(ConnectionFailed):
    """The router's SSH host key is unknown or differs from known_hosts."""


class ChannelError(DeviceError):
    """The device did not answer as VRP8 does (timeout, lost session, odd prompt)."""


class SessionLost(ChannelError):
    """The SSH session closed under us (seen at once, not after a read timeout)."""


class CommandError(DeviceError):
    """The device rejected a command; carries the command and the device's message."""

    def __init__(self, host: str, command: str, message: str, output: str = "") -> None:
        self.host, self.command, self.output = host, command, output
        super().__init__(f"{host}: command {command!r} rejected: {message}", router=host)
        self.message = message


class PushError(DeviceError):
    """A configuration line the router rejected; the candidate has been discarded."""

    def __init__(self, host: str, command: str, message: str, index: int, transcript: list[str] | None = None) -> None:
        self.host, self.command, self.index = host, command, index
        self.transcript = list(transcript or [])
        super().__init__(f"{host}: line {index + 1} {command!r} rejected: {message} (candidate discarded)", router=host)
        self.message = message


class CommitError(DeviceError):
    """The router refused or could not confirm a commit."""


class RollbackError(DeviceError):
    """A rollback that did not report success."""


class SaveError(DeviceError):
    """A save that did not report success."""


class LockError(DeviceError):
    """Another session holds the configuration lock."""


class RouterBusy(DeviceError):
    """A router is in the middle of someone else's change: a pending trial commit, another
    session's configuration lock, or an unfinished run recorded in the journal."""


class TrialLost(CommitError):
    """The run's trial commit is no longer pending (the router reverted it) or too close to
    its expiry to be confirmed safely: nothing was confirmed."""


class ReadError(DeviceError):
    """A display that could not be read or parsed (fail closed)."""


# --- exit 129 / 130 / 143 ---------------------------------------------------------------


class Interrupted(VrpbookError):
    """The operator or the system stopped the command with a signal (exit 128 + signal)."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, signum: int, message: str = "", *, routers: Mapping[str, str] | None = None) -> None:
        self.signum = signum
        super().__init__(message or f"interrupted by {signal_name(signum)}", routers=routers)

    @property
    def status(self) -> int:
        return int(exit_code_for_signal(self.signum))


def signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_code_for_signal(signum: int) -> ExitCode:
    """128 + the signal number for the three signals vrpbook handles; 130 otherwise."""
    try:
        return ExitCode(128 + signum)
    except ValueError:
        return ExitCode.INTERRUPTED


# --- exit 4 ---------------------------------------------------------------------------


class GateFailed(VrpbookError):
    """A gate saw the network differ from the intent (the change was undone)."""

    exit_code = ExitCode.GATE


# --- exit 5 / 6: change windows (changes/) ------------------------------------------------


class ChangeRefused(VrpbookError):
    """A change its own file does not allow now: outside its window, without the required
    approvals, edited since approval, or drifted (a router's live diff is not the approved one)."""

    exit_code = ExitCode.REFUSED


class WindowClosed(VrpbookError):
    """The change window closed, or a stage could not finish (gates plus rollback) before it does."""

    exit_code = ExitCode.WINDOW


def describe_error(exc: BaseException) -> str:
    """One line for a report: the exception's text with its lines joined (netmiko puts the
    cause on the second line), without netmiko's generic troubleshooting advice."""
    text = str(exc).split("Common causes of this problem")[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    joined = " ".join(lines) or type(exc).__name__
    return joined if len(joined) <= 400 else joined[:397] + "..."

