"""One CLI session on a twin router: views, prompts, candidate, questions, errors.

Why this shape: the SSH layer deals in bytes and echo; this engine deals in
whole lines and returns the text to print after the echoed Enter (output
lines, then the prompt or an open question, always last). Keeping it free of
I/O makes every VRP behaviour testable without a socket, while the
integration tests still drive it over real SSH.

Candidate model (VRP8 two-stage commit): the session records its changes as
operations; its candidate is running + those operations. A commit re-applies
them onto the *current* running configuration, so two sessions' commits
merge (last wins), then validates and swaps running.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config.model import RouterConfig
from ..config.validate import CommitError
from ..state import MAX_VTY
from . import views as v
from .grammar import Args, CliSyntaxError, match
from .registry import Command, commands_for

if TYPE_CHECKING:
    from ..network.api import NetworkView
    from ..state import Router

log = logging.getLogger(__name__)

MAX_COMMAND_LENGTH = 3100  # VRP8.md 1
EXIT_QUESTION = "Warning: Uncommitted configurations found, commit them before exiting? [Y(yes)/N(no)/C(cancel)]:"
YN_RETRY = "Error: Please choose 'YES' or 'NO' first before pressing 'Enter'. [Y/N]:"
YNC_RETRY = "Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing 'Enter'. [Y/N/C]:"


class ConfigError(Exception):
    """A command VRP refuses after parsing; the message is the ``Error: ...`` line."""


Op = Callable[[RouterConfig], None]

# What a handler (or a question's answer) may raise to refuse: the message is
# printed as is. CommitError comes from the router (lock, validation).
REFUSALS = (ConfigError, CommitError)


@dataclass
class Question:
    """An open ``[Y/N]`` / ``[Y/N/C]`` question; the next line answers it."""

    choices: str  # "yn" or "ync"
    on_answer: Callable[[str], None]


class CliSession:
    """A logged-in VTY user on one router."""

    def __init__(self, router: Router, network: NetworkView, user: str, peer: str = "127.0.0.1") -> None:
        self.router = router
        self.network = network
        self.user = user
        self.peer = peer
        self.sid, self.vty = router.open_session()
        router.sessions[self.sid] = self
        self.login_time = router.clock()
        self.lock_time = self.login_time  # set by "configuration exclusive"
        self.view: v.View = v.USER_VIEW
        self.ops: list[Op] = []
        self._cand: RouterConfig | None = None
        self._cand_base: RouterConfig | None = None
        self._conflict = False
        self.question: Question | None = None
        self.closed = False
        self._out: list[str] = []
        self.tail_override: str | None = None
        self.typed_prompt = ""
        self.filtering = False  # the running command's output goes through "| ..."
        self.hangup: Callable[[], None] | None = None  # set by the SSH layer: drops the connection

    # ------------------------------------------------------------ text

    def banner(self) -> str:
        """What the router prints after login, ending with the prompt."""
        return (
            f"Info: The max number of VTY users is {MAX_VTY}, the number of current VTY users online is "
            f"{self.router.users_online}.\r\n" + self.prompt()
        )

    def prompt(self) -> str:
        name = self.router.running.sysname
        if self.view.kind == v.USER:
            return f"<{name}>"
        return f"[{'*' if self.dirty else '~'}{name}{self.view.suffix}]"

    def print(self, *lines: str) -> None:
        for line in lines:
            self._out.extend(line.split("\n"))

    @property
    def user_intf(self) -> str:
        return f"VTY {self.vty}"

    # ------------------------------------------------------------ candidate

    @property
    def candidate(self) -> RouterConfig:
        """Running + this session's operations (rebuilt when running moved)."""
        running = self.router.running
        if self._cand is None or self._cand_base is not running:
            cand = running.clone()
            self._conflict = False
            for op in self.ops:
                try:
                    op(cand)
                except ConfigError:
                    self._conflict = True  # conflicts with another session's commit
            self._cand, self._cand_base = cand, running
        return self._cand

    @property
    def dirty(self) -> bool:
        if not self.ops:
            return False
        cand = self.candidate
        return self._conflict or cand != self.router.running

    def stage(self, op: Op) -> None:
        """Apply *op* to the candidate and remember it for commit; a
        :class:`ConfigError` leaves the candidate untouched."""
        trial = self.candidate.clone()
        op(trial)
        self._cand = trial
        self.ops.append(op)

    def discard(self) -> None:
        self.ops.clear()
        self._cand = self._cand_base = None

    def build_commit(self) -> RouterConfig:
        """Re-apply the operations onto the current running configuration."""
        new = self.router.running.clone()
        for op in self.ops:
            try:
                op(new)
            except ConfigError as exc:
                raise CommitError(str(exc)) from exc
        return new

    def commit(self, label: str | None = None, description: str = "", trial: int | None = None) -> bool:
        """Commit the candidate; print VRP's error and keep it on refusal."""
        router = self.router
        try:
            router.check_lock(self.sid)
            if trial is not None and router.trial is not None:
                # twin's choice text: one trial at a time (confirm or abort it first)
                raise CommitError("Error: The system is already in the trial configuration mode.")
            new = self.build_commit()
            point = router.commit(
                new, user=self.user, user_intf=self.user_intf, sid=self.sid, label=label, description=description
            )
        except CommitError as exc:
            self.print(str(exc))
            return False
        if trial is None and router.trial is not None and router.trial.session_id == self.sid:
            router.cancel_trial()  # a plain commit in the same session confirms the trial
        self.discard()
        if trial is not None and point is not None:
            router.start_trial(self.sid, point, trial)
        return True

    # ------------------------------------------------------------ views

    def enter(self, view: v.View) -> None:
        self.view = view

    def to_user_view(self, after: Callable[[], None] | None = None) -> None:
        """``return`` / Ctrl+Z / ``quit`` from system view: ask if dirty (VRP8.md 3.3)."""
        if not self.dirty:
            self.discard()
            self.view = v.USER_VIEW
            if after:
                after()
            return

        def answer(choice: str) -> None:
            if choice == "c":
                return
            if choice == "y" and not self.commit():
                return
            self.discard()
            self.view = v.USER_VIEW
            if after:
                after()

        self.ask(EXIT_QUESTION, "ync", answer)

    def ask(self, text: str, choices: str, on_answer: Callable[[str], None]) -> None:
        self.question = Question(choices, on_answer)
        self.tail_override = text

    def logout(self) -> None:
        if not self.closed:
            self.closed = True
            self.router.close_session(self.sid)

    # ------------------------------------------------------------ input

    def _flush(self) -> str:
        text = "".join(line + "\r\n" for line in self._out)
        self._out.clear()
        if self.closed:
            return text
        if self.tail_override is not None:
            tail, self.tail_override = self.tail_override, None
            return text + tail
        return text + self.prompt()

    def ctrl_z(self) -> str:
        """Ctrl+Z = ``return`` (VRP8.md 1)."""
        if self.question is None and self.view.kind != v.USER:
            self.to_user_view()
        return self._flush()

    def handle_line(self, line: str) -> str:
        """Run one typed line; return everything to print after the echoed Enter."""
        try:
            if self.question is not None:
                self._answer(line)
            else:
                self._run(line)
        except Exception:  # never let one command kill the session
            log.exception("twin CLI: command %r failed", line)
            self.print("Error: Failed to execute the command.")  # twin's choice text
        return self._flush()

    def _answer(self, line: str) -> None:
        q = self.question
        assert q is not None
        word = line.strip().lower()
        choice = {"y": "y", "yes": "y", "n": "n", "no": "n", "c": "c", "cancel": "c"}.get(word)
        if choice is None or (choice == "c" and "c" not in q.choices):
            self.tail_override = YNC_RETRY if q.choices == "ync" else YN_RETRY
            return
        self.question = None
        try:
            q.on_answer(choice)
        except REFUSALS as exc:
            self.print(str(exc))

    def _run(self, line: str) -> None:
        prompt = self.prompt()
        self.typed_prompt = prompt
        if not line.strip():
            return
        if line.lstrip().startswith("#"):
            return  # twin's choice: "#" separator lines of a pasted configuration are ignored
        if len(line) > MAX_COMMAND_LENGTH:
            # twin's choice: VRP truncates input at 3100 characters; report the excess
            self._syntax_error(prompt, CliSyntaxError("Too many parameters", MAX_COMMAND_LENGTH))
            return
        head, pipe = _split_pipe(line)
        try:
            if not head.strip():
                raise CliSyntaxError("Unrecognized command", line.index("|"))
            cmd, args, view = self._resolve(head)
            if pipe is not None and not cmd.pipe:
                raise CliSyntaxError("Unrecognized command", len(head))
            filt = _parse_filter(pipe, len(head) + 1) if pipe is not None else None
        except CliSyntaxError as exc:
            self._syntax_error(prompt, exc)
            return
        if view is not self.view:
            self.view = view  # parent-view fall-through: the prompt moves there
        mark = len(self._out)
        self.filtering = filt is not None
        try:
            cmd.handler(self, args)
        except CliSyntaxError as exc:
            del self._out[mark:]
            self._syntax_error(prompt, exc)
            return
        except REFUSALS as exc:
            self.print(str(exc))
            return
        if filt is not None:
            self._out[mark:] = filt(self._out[mark:])

    def _resolve(self, line: str) -> tuple[Command, Args, v.View]:
        """Match in the current view, then (not for ``undo``) in each parent."""
        first_error: CliSyntaxError | None = None
        chain = [self.view] if self.view.kind == v.USER else self.view.chain()
        for depth, view in enumerate(chain):
            table = commands_for(view.kind)
            if depth == 0:
                table = table + (commands_for("any") if view.kind != v.USER else [])
            try:
                cmd, args = match(line, [(c, c.seqs) for c in table])
                return cmd, args, view
            except CliSyntaxError as exc:
                if first_error is None:
                    first_error = exc
                words = line.split()
                if exc.kind == "Ambiguous command" or not words or words[0].lower() == "undo":
                    break
        assert first_error is not None
        raise first_error

    def _syntax_error(self, prompt: str, exc: CliSyntaxError) -> None:
        self.print(" " * (len(prompt) + exc.offset) + "^", f"Error: {exc.kind} found at '^' position.")


def _split_pipe(line: str) -> tuple[str, str | None]:
    if "|" not in line:
        return line, None
    head, _, rest = line.partition("|")
    return head.rstrip(), rest


_FILTERS = ("include", "exclude", "begin", "count", "no-more")


def _parse_filter(text: str, base: int) -> Callable[[list[str]], list[str]]:
    """``| include|exclude|begin REGEX``, ``| count``, ``| no-more`` (VRP8.md 5)."""
    m = re.match(r"\s*(\S+)\s*(.*)$", text)
    if not m:
        raise CliSyntaxError("Incomplete command", base + len(text) + 1)
    word = m.group(1).lower()
    hits = [f for f in _FILTERS if f.startswith(word)]
    if len(hits) != 1:
        raise CliSyntaxError("Ambiguous command" if hits else "Unrecognized command", base + m.start(1))
    kind, arg = hits[0], m.group(2).strip()
    if kind in ("count", "no-more"):
        if arg:
            raise CliSyntaxError("Too many parameters", base + m.start(2))
        if kind == "no-more":
            return lambda lines: lines
        # twin's choice text for "| count"
        return lambda lines: [f"Total lines: {len(lines)}."]
    if not arg:
        raise CliSyntaxError("Incomplete command", base + len(text.rstrip()) + 1)
    try:
        rx = re.compile(arg)
    except re.error:
        raise CliSyntaxError("Wrong parameter", base + m.start(2)) from None
    if kind == "include":
        return lambda lines: [ln for ln in lines if rx.search(ln)]
    if kind == "exclude":
        return lambda lines: [ln for ln in lines if not rx.search(ln)]

    def begin(lines: list[str]) -> list[str]:
        for i, ln in enumerate(lines):
            if rx.search(ln):
                return lines[i:]
        return []

    return begin
