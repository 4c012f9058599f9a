"""A VRP8 dialogue over netmiko's channel that waits on prompts, never on idle timers.

netmiko's Huawei driver decides that output is complete after ~2 s of silence
(``check_config_mode``), so one ``send_config_set`` + ``commit()`` costs ~11 s
on VRP8 (see VRP8.md §7). VRP8 always ends its output with a prompt or a
question, so we write a line and read until one of those patterns appears
(:data:`vrpbook.vrp.END_PATTERN`). netmiko is kept for SSH and login only.

The channel is what the ``vrp8`` Nornir connection plugin
(:mod:`vrpbook.tasks.connection`) holds: one SSH session per router for the
whole run, shared by every task through Nornir's connection cache.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nornir.core.task import Task

from vrpbook.errors import ChannelError, CommandError
from vrpbook.vrp import END_PATTERN, ERROR_LINE, PROMPT, QUESTION

if TYPE_CHECKING:
    from netmiko import BaseConnection as NetmikoConnection

log = logging.getLogger(__name__)

#: The name the connection plugin is registered under (``nornir.plugins.connections``).
CONNECTION = "vrp8"

__all__ = ["CONNECTION", "END_PATTERN", "ChannelError", "CommandError", "Reply", "VrpChannel", "channel_for"]


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

    def __init__(self, conn: NetmikoConnection, host: str, timeout: float = 30.0) -> None:
        self.conn = conn
        self.host = host
        self.timeout = timeout
        self.last: Reply | None = None
        self.transcript: list[str] = []

    # -- raw exchange -------------------------------------------------------

    def send(self, line: str, timeout: float | None = None) -> Reply:
        """Write *line* + Enter and read until the next prompt or question."""
        self.conn.write_channel(line + "\n")
        try:
            raw = self.conn.read_until_pattern(pattern=END_PATTERN, read_timeout=timeout or self.timeout)
        except Exception as exc:  # netmiko ReadTimeout, socket errors, EOF
            waited = timeout or self.timeout
            raise ChannelError(f"{self.host}: no prompt after {line!r} within {waited:.0f} s: {type(exc).__name__}") from exc
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
