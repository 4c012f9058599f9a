"""Load a configuration text into the session's VRP8 candidate, line by line, by indentation.

A NAPALM user hands over either a configuration snippet in VRP's own layout
(one blank per nesting level, ``#`` between blocks, as ``display
current-configuration`` prints it) or a flat CLI script (``interface X`` /
``ip address ...`` / ``quit``). Both are typed into the candidate exactly as an
operator would type them, in system view:

- VRP runs a command unknown in the current view in the nearest parent view
  that knows it ("parent-view fall-through", VRP8.md 1), but **not** ``undo``
  commands -- so ``undo ip route-static ...`` after an ``interface`` block would
  be refused. When the text dedents, the loader therefore first climbs back
  (``quit``) to the view its lines at that depth were typed in, as read from
  VRP's prompts; a flat script never dedents and is typed as written.
- ``#`` / ``!`` lines, blank lines, ``return`` and ``system-view`` are structure,
  not commands; a ``quit`` at the top of system view is skipped (it would leave
  the candidate). ``commit`` inside the text is refused: committing is
  ``commit_config``'s job, with its trial timer and rollback bookkeeping.
- The first line the router rejects (``Error: ...``, or a question the line
  would need answering) discards the whole candidate, so nothing half-loaded
  can be committed later; the error names the line and quotes the router.

After a load the session is back at the top of system view, holding the
candidate (``[*PE1]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from vrpbook.errors import ChannelError, CommandError, DeviceError
from vrpbook.tasks.candidate import discard
from vrpbook.tasks.channel import Reply, VrpChannel
from vrpbook.vrp import PROMPT

#: Lines that are structure of a configuration file, not commands for the candidate.
STRUCTURE_WORDS = frozenset({"return", "system-view"})
#: Commands a loaded text must not contain (the driver owns committing).
REFUSED_WORDS = frozenset({"commit"})


class LoadError(ValueError):
    """A line that could not be loaded; the candidate has been discarded. ``str()`` is one line."""


@dataclass(frozen=True)
class ConfigLine:
    """One command of the text: its 1-based line number, indentation depth and text."""

    number: int
    depth: int
    command: str


def config_lines(text: str) -> list[ConfigLine]:
    """The commands of a configuration text, with their depth (leading blanks).

    >>> [(c.depth, c.command) for c in config_lines("#\\ninterface LoopBack1\\n ip address 1.1.1.1 32\\n#\\nreturn\\n")]
    [(0, 'interface LoopBack1'), (1, 'ip address 1.1.1.1 32')]
    """
    out: list[ConfigLine] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.expandtabs(1).rstrip()
        command = line.strip()
        if not command or command.startswith(("#", "!")) or command in STRUCTURE_WORDS:
            continue
        if command.split()[0].lower() in REFUSED_WORDS:
            raise LoadError(f"line {number} {command!r}: commit is not part of a configuration (commit_config commits)")
        out.append(ConfigLine(number, len(line) - len(line.lstrip(" ")), command))
    return out


def view_of(reply: Reply) -> str:
    """The system view a prompt shows (``PE1-bgp-VPNA``); anything else is a channel error."""
    m = PROMPT.match(reply.end)
    if not m or not m.group("sys"):
        raise ChannelError(f"expected a system-view prompt, got {reply.end!r}")
    return str(m.group("sys"))


def climb(chan: VrpChannel, target: str) -> str:
    """``quit`` until the session is in *target*, an ancestor view of the current one.

    Stops where it cannot get closer (a view whose parent is not *target*): the
    next line is then typed there and VRP's fall-through decides. Never quits
    the top of system view (that would ask to commit or drop the candidate)."""
    current = view_of(chan.state())
    while current != target and current.startswith(target + "-"):
        after = view_of(chan.run("quit"))
        if after == current or not current.startswith(after):
            return after
        current = after
    return current


def load_text(chan: VrpChannel, text: str) -> int:
    """Type *text* into the candidate (see the module docstring); return the number of lines sent.

    Raises :class:`LoadError` for the first line the router refuses, after discarding the
    candidate (the message names the line and quotes the router)."""
    lines = config_lines(text)
    chan.system_view()
    root = view_of(chan.state())
    # contexts[d]: the view in which lines of depth d are typed (learned from the prompts).
    contexts: dict[int, str] = {0: root}
    previous = 0
    for line in lines:
        prompt = ""
        try:
            current = view_of(chan.state())
            if line.depth < previous:
                target = contexts[max(d for d in contexts if d <= line.depth)]
                current = climb(chan, target)
            if line.command.lower() == "quit" and current == root:
                continue
            contexts = {d: v for d, v in contexts.items() if d < line.depth}
            contexts[line.depth] = current
            prompt = chan.state().end
            reply = chan.run(line.command)
            contexts[line.depth + 1] = view_of(reply)
            previous = line.depth
        except DeviceError as exc:
            message = exc.message if isinstance(exc, CommandError) else str(exc)
            if isinstance(exc, CommandError):
                message += pointed(line.command, prompt, exc.output)
            ended = discard_after_failure(chan)
            raise LoadError(f"{chan.host}: line {line.number} {line.command!r} rejected: {message} ({ended})") from exc
    try:
        climb(chan, root)
    except DeviceError as exc:
        raise LoadError(f"{chan.host}: could not return to system view after loading: {exc} ({discard_after_failure(chan)})") from exc
    return len(lines)


def pointed(command: str, prompt: str, output: str) -> str:
    """Where VRP's caret points, as text (`` at 'NULL0'``): the caret's column counts from the
    start of the terminal line holding the prompt and the echo (VRP8.md 2).

    >>> pointed("ip route-static 9.9.9.0 24 NULL0", "[*PE1]", "                                 ^\\nError: Wrong parameter")
    " at 'NULL0'"
    """
    caret = next((ln for ln in output.splitlines() if ln.strip() == "^"), None)
    if caret is None:
        return ""
    column = caret.index("^") - len(prompt)
    if column >= len(command):
        return " at the end of the line"
    if column < 0:
        return ""
    start = command.rfind(" ", 0, column + 1) + 1
    end = command.find(" ", column)
    return f" at {command[start:end if end != -1 else None]!r}"


def discard_after_failure(chan: VrpChannel) -> str:
    """Discard after a failure and say how it ended, for the error message: ``candidate
    discarded``, or why not (VRP drops an uncommitted candidate with the session, so
    closing the driver still ends in the pre-load configuration)."""
    try:
        discard(chan)
    except DeviceError as exc:
        return f"discarding the candidate failed too: {exc}; close the session to drop it"
    return "candidate discarded"
