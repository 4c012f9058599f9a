"""A VRP8 dialogue over netmiko's channel that waits on prompts, never on idle timers.

netmiko's Huawei driver decides that output is complete after ~2 s of silence
(``check_config_mode``), so one ``send_config_set`` + ``commit()`` costs ~11 s
on VRP8 (see VRP8.md §7). VRP8 always ends its output with a prompt or a
question, so we write a line and read until one of those patterns appears
(:data:`vrpbook.vrp.END_PATTERN`). netmiko is kept for SSH and login only.

A lost session is noticed at once, not after the read timeout: the read loop
waits on the SSH channel itself (``select`` on paramiko's channel, which wakes
on data *and* on close) and raises :class:`SessionLost` as soon as the channel
is closed, has received EOF or its transport died. Recovery steps (abort,
rollback, unlock, verification) call :meth:`VrpChannel.revive`, which opens a
fresh session through the connection plugin's factory with bounded retries.

The channel is what the ``vrp8`` Nornir connection plugin
(:mod:`vrpbook.tasks.connection`) holds: one SSH session per router for the
whole run, shared by every task through Nornir's connection cache.
"""

from __future__ import annotations

import contextlib
import logging
import re
import select
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nornir.core.task import Task

from vrpbook.errors import ChannelError, CommandError, SessionLost
from vrpbook.vrp import END_PATTERN, ERROR_LINE, PROMPT, QUESTION

if TYPE_CHECKING:
    from netmiko import BaseConnection as NetmikoConnection

log = logging.getLogger(__name__)

#: The name the connection plugin is registered under (``nornir.plugins.connections``).
CONNECTION = "vrp8"

#: Fresh-session attempts of :meth:`VrpChannel.revive` and the pause before each retry (s).
REVIVE_ATTEMPTS = 3
REVIVE_BACKOFF = (0.5, 1.0, 2.0)

_END = re.compile(END_PATTERN)

__all__ = [
    "CONNECTION", "END_PATTERN", "ChannelError", "CommandError", "Reply", "SessionLost", "VrpChannel",
    "channel_for", "live_channel_for",
]


@dataclass(frozen=True)
class Reply:
    """What one line sent to the device produced."""

    command: str
    output: str  # without the echo line and without the final prompt/question
    end: str  # the prompt or question line that ended the output

    @property
    def question(self) -> bool:
        return bool(QUESTION.search(self.end))

    @property
    def view(self) -> str:
        """``user``, ``system`` or ``question``."""
        if self.question:
            return "question"
        m = PROMPT.match(self.end)
        if not m:
            return "unknown"
        return "user" if m.group("user") else "system"

    @property
    def dirty(self) -> bool:
        """True when the system-view prompt shows uncommitted changes (``[*…]``)."""
        m = PROMPT.match(self.end)
        return bool(m and m.group("mark") == "*")

    @property
    def hostname(self) -> str | None:
        m = PROMPT.match(self.end)
        if not m:
            return None
        if m.group("user"):
            return str(m.group("user"))
        return str(m.group("sys")).split("-", 1)[0]

    def error(self) -> str | None:
        """The device's error message, if the output carries one (fail closed: any ``Error:``)."""
        lines = [ln.strip() for ln in self.output.splitlines() if ERROR_LINE.match(ln)]
        return " / ".join(lines) if lines else None


class VrpChannel:
    """One router's CLI dialogue on top of an open netmiko connection."""

    def __init__(
        self,
        conn: NetmikoConnection,
        host: str,
        timeout: float = 30.0,
        reopen: Callable[[], NetmikoConnection] | None = None,
    ) -> None:
        self.conn = conn
        self.host = host
        self.timeout = timeout
        self.reopen = reopen  # opens a fresh logged-in session (the connection plugin's factory)
        self.last: Reply | None = None
        self.transcript: list[str] = []
        self.locked = False  # this session holds ``configuration exclusive`` (re-taken on revive)
        self.sessions = 1  # sessions opened so far (1 + revivals)

    # -- liveness -------------------------------------------------------------

    def _ssh(self) -> Any:
        """paramiko's channel under netmiko (None for anything else, e.g. a test double)."""
        return getattr(self.conn, "remote_conn", None)

    def closed(self) -> bool:
        """True when the SSH session is gone: channel closed, EOF received, or transport dead."""
        ssh = self._ssh()
        if ssh is None:
            return bool(getattr(self.conn, "closed", False))
        if getattr(ssh, "closed", False) or getattr(ssh, "eof_received", False):
            return True
        transport = ssh.get_transport() if hasattr(ssh, "get_transport") else None
        return transport is not None and not transport.is_active()

    def _wait_readable(self, seconds: float) -> None:
        """Block until the channel has data or closes (paramiko's channel wakes ``select`` on
        both), at most *seconds*; a polling sleep for channels that cannot be selected."""
        ssh = self._ssh()
        if ssh is not None and hasattr(ssh, "fileno"):
            try:
                select.select([ssh], [], [], seconds)
                return
            except (OSError, ValueError):  # closed under us: the caller's closed() check says so
                return
        time.sleep(min(seconds, 0.005))

    def _read_to_prompt(self, timeout: float, line: str) -> str:
        """Read until VRP's prompt or question ends the output; fail at once on a lost session."""
        deadline = time.monotonic() + timeout
        buf = ""
        while True:
            try:
                chunk = self.conn.read_channel()
            except Exception as exc:  # netmiko ReadException "Channel stream closed", socket errors
                raise SessionLost(f"{self.host}: session lost while reading the answer to {line!r}: {type(exc).__name__}",
                                  router=self.host) from exc
            if chunk:
                buf += chunk
                if _END.search(buf):
                    return buf
                continue
            if self.closed():
                raise SessionLost(f"{self.host}: session closed by the router while waiting for the answer to {line!r}",
                                  router=self.host)
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelError(f"{self.host}: no prompt after {line!r} within {timeout:.0f} s")
            self._wait_readable(min(left, 0.5))

    # -- raw exchange -------------------------------------------------------

    def send(self, line: str, timeout: float | None = None) -> Reply:
        """Write *line* + Enter and read until the next prompt or question."""
        if self.closed():
            raise SessionLost(f"{self.host}: session already closed before sending {line!r}", router=self.host)
        try:
            self.conn.write_channel(line + "\n")
        except Exception as exc:  # paramiko "Socket is closed", EOF
            raise SessionLost(f"{self.host}: session lost while sending {line!r}: {type(exc).__name__}", router=self.host) from exc
        raw = self._read_to_prompt(timeout or self.timeout, line)
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        end = lines[-1]
        body = lines[:-1]
        # Drop everything up to and including the echo of the command.
        if line:
            for idx, candidate in enumerate(body):
                if candidate.rstrip().endswith(line.strip()):
                    body = body[idx + 1 :]
                    break
        elif body and body[0] == "":
            body = body[1:]
        reply = Reply(command=line, output="\n".join(body), end=end)
        self.transcript.append(f"> {line}\n{reply.output}\n{end}".rstrip())
        self.last = reply
        log.debug("%s: %r -> %s", self.host, line, end)
        return reply

    def sync(self) -> Reply:
        """Send an empty line to learn where the session is (clears any stale buffer)."""
        with contextlib.suppress(Exception):  # buffer clearing is best effort
            self.conn.clear_buffer()
        reply = self.send("")
        if reply.view == "question":
            raise ChannelError(f"{self.host}: an unanswered question is open: {reply.end!r}")
        return reply

    def revive(self, attempts: int = REVIVE_ATTEMPTS) -> bool:
        """Make sure the session is alive: if it is gone, open a fresh one (bounded retries),
        and re-take the configuration lock if this channel held it. Returns True when a new
        session was opened. Used by the recovery steps only: a push or a commit never
        silently continues on another session (its candidate and trial belong to the old one)."""
        if not self.closed():
            return False
        if self.reopen is None:
            raise SessionLost(f"{self.host}: session lost and no way to open a new one", router=self.host)
        errors: list[str] = []
        for attempt in range(attempts):
            if attempt:
                time.sleep(REVIVE_BACKOFF[min(attempt - 1, len(REVIVE_BACKOFF) - 1)])
            with contextlib.suppress(Exception):
                # Release the dead session's sockets without netmiko's disconnect(), which first
                # waits ~2 s for silence on a channel that will never speak again.
                self.conn.paramiko_cleanup()
            try:
                self.conn = self.reopen()
                self.last = None
                self.sessions += 1
                self.transcript.append(f"--- session lost; new session #{self.sessions} ---")
                log.warning("%s: session lost; opened a new one (attempt %d)", self.host, attempt + 1)
                self.sync()
            except Exception as exc:  # a refused or failed login: retry, then give up
                errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
                continue
            if self.locked:
                self._relock()
            return True
        raise SessionLost(f"{self.host}: session lost; {attempts} attempt(s) to open a new one failed "
                          f"(last: {errors[-1] if errors else 'unknown'})", router=self.host)

    def _relock(self) -> None:
        """Re-take ``configuration exclusive`` on a revived session (best effort: if another
        session took the lock meanwhile, the recovery step that needs it says so)."""
        try:
            self.user_view()
            self.run("configuration exclusive")
        except (ChannelError, CommandError) as exc:
            self.locked = False
            log.warning("%s: could not re-take the configuration lock on the new session: %s", self.host, exc)

    # -- views ----------------------------------------------------------------

    def state(self) -> Reply:
        return self.last if self.last is not None else self.sync()

    def user_view(self) -> Reply:
        """Go to user view; refuses (fail closed) when the candidate is dirty."""
        cur = self.state()
        if cur.view == "user":
            return cur
        if cur.dirty:
            raise ChannelError(f"{self.host}: uncommitted changes in the candidate; refusing to leave system view")
        reply = self.send("return")
        if reply.view != "user":
            raise ChannelError(f"{self.host}: 'return' did not reach user view: {reply.end!r}")
        return reply

    def system_view(self) -> Reply:
        cur = self.state()
        if cur.view == "system":
            return cur
        if cur.view != "user":
            raise ChannelError(f"{self.host}: unexpected prompt {cur.end!r}")
        reply = self.send("system-view")
        if reply.view != "system":
            raise ChannelError(f"{self.host}: 'system-view' did not enter system view: {reply.end!r}")
        return reply

    # -- commands -------------------------------------------------------------

    def run(self, command: str, timeout: float | None = None) -> Reply:
        """Send one command; an ``Error:`` in the output or an open question raises."""
        reply = self.send(command, timeout)
        if reply.question:
            self._cancel_question(reply)
            raise CommandError(self.host, command, f"unexpected question: {reply.end.strip()}", reply.output)
        err = reply.error()
        if err:
            raise CommandError(self.host, command, err, reply.output)
        return reply

    def confirm(self, command: str, answer: str = "y", timeout: float | None = None) -> Reply:
        """Send a command that asks ``Continue? [Y/N]:`` and answer it."""
        reply = self.send(command, timeout)
        err = reply.error()
        if err and not reply.question:
            raise CommandError(self.host, command, err, reply.output)
        if not reply.question:
            raise CommandError(self.host, command, f"expected a [Y/N] question, got prompt {reply.end!r}", reply.output)
        final = self.send(answer, timeout)
        combined = f"{reply.end}{answer}\n{final.output}"
        err = final.error()
        if err:
            raise CommandError(self.host, command, err, combined)
        if final.question:
            self._cancel_question(final)
            raise CommandError(self.host, command, f"unexpected second question: {final.end.strip()}", combined)
        return Reply(command=command, output=combined, end=final.end)

    def logout(self, command: str = "quit") -> None:
        """Leave the router without netmiko's idle-timer checks (its ``cleanup`` waits
        ~2 s for silence). From a dirty candidate nothing is committed: VRP drops an
        uncommitted candidate with the session."""
        try:
            cur = self.state()
            if cur.view == "system" and not cur.dirty:
                self.send("return", timeout=5)
            self.conn.write_channel("quit\n")
        except Exception:  # the session may already be gone; closing is best effort
            pass

    def _cancel_question(self, reply: Reply) -> None:
        """Answer an unexpected question with the safest choice (cancel / no)."""
        answer = "c" if "C(cancel)" in reply.end else "n"
        with contextlib.suppress(ChannelError):
            self.send(answer)


def channel_for(task: Task) -> VrpChannel:
    """The run-long VRP channel of the task's host, from Nornir's connection cache
    (the ``vrp8`` connection plugin opens it on first use)."""
    chan = task.host.get_connection(CONNECTION, task.nornir.config)
    if not isinstance(chan, VrpChannel):  # pragma: no cover - a misregistered plugin
        raise ChannelError(f"{task.host.name}: connection {CONNECTION!r} is not a VRP8 channel")
    chan.host = task.host.name
    return chan


def live_channel_for(task: Task) -> VrpChannel:
    """:func:`channel_for`, with a fresh session if the cached one is gone (recovery steps)."""
    chan = channel_for(task)
    chan.revive()
    return chan
