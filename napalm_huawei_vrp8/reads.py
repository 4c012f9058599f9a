"""Run a display on the driver's session and read it through ``vrpbook.parsers`` (fail closed).

Every getter reads the router only through here: the command is typed in the
view the session is in (VRP8 runs ``display`` in every view, so a loaded
candidate is never left or lost), and its output goes through the one trusted
parser of that display. A device error, a lost prompt or an output the parser
does not understand is NAPALM's ``CommandErrorException`` naming the router,
the command and why -- never a partial answer.
"""

from __future__ import annotations

from typing import TypeVar

from napalm.base.exceptions import CommandErrorException

from vrpbook.errors import CommandError, DeviceError
from vrpbook.parsers import ParseError, parse
from vrpbook.parsers.base import ParsedOutput
from vrpbook.tasks.channel import VrpChannel

M = TypeVar("M", bound=ParsedOutput)

#: Display timeout: long tables (a full routing table) take longer than a prompt round trip.
DISPLAY_TIMEOUT = 120.0


class Reader:
    """Displays of one session, raw or parsed."""

    def __init__(self, chan: VrpChannel) -> None:
        self.chan = chan

    def text(self, command: str) -> str:
        """The display's output as printed (without echo and prompt)."""
        try:
            return self.chan.run(command, timeout=DISPLAY_TIMEOUT).output
        except CommandError as exc:
            raise CommandErrorException(f"{self.chan.host}: {command!r}: {exc.message}") from exc
        except DeviceError as exc:
            raise CommandErrorException(f"{self.chan.host}: {command!r}: {exc}") from exc

    def parsed(self, command: str, model: type[M]) -> M:
        """The display read by its parser into *model*."""
        return self.parse(command, self.text(command), model)

    def parse(self, command: str, text: str, model: type[M]) -> M:
        try:
            result = parse(command, text)
        except ParseError as exc:
            raise CommandErrorException(f"{self.chan.host}: {command!r} could not be read: {exc}") from exc
        if not isinstance(result, model):  # pragma: no cover - the parser registry guarantees it
            raise CommandErrorException(f"{self.chan.host}: {command!r} parsed as {type(result).__name__}, not {model.__name__}")
        return result
