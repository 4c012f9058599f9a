"""The one exception every parser failure raises.

A gate that reads device output must never pass on output it could not read,
so every way of not understanding a display (unknown command, device error,
unknown line, truncated table, wrong value type) ends in :class:`ParseError`,
carrying enough context (command, line number, line text) to be acted on.
"""

from __future__ import annotations

from enum import StrEnum


class ParseErrorKind(StrEnum):
    """Why a parse failed; gates and reports branch on it, not on the text."""

    UNKNOWN_COMMAND = "unknown_command"
    AMBIGUOUS_COMMAND = "ambiguous_command"
    DEVICE_ERROR = "device_error"
    UNKNOWN_LINE = "unknown_line"
    STRUCTURE = "structure"
    VALUE = "value"
    EMPTY = "empty"


class ParseError(ValueError):
    """Device output that cannot be trusted as the typed result of ``command``.

    ``line_no`` is 1-based in the text handed to :func:`vrpbook.parsers.parse`
    (the prompt line, if any, counts as line 1).
    """

    def __init__(
        self,
        message: str,
        *,
        command: str | None = None,
        kind: ParseErrorKind = ParseErrorKind.STRUCTURE,
        line_no: int | None = None,
        line: str | None = None,
    ) -> None:
        self.command = command
        self.kind = kind
        self.line_no = line_no
        self.line = line
        self.reason = message
        where = f" at line {line_no}" if line_no is not None else ""
        shown = f": {line!r}" if line is not None else ""
        head = f"{command!r}: " if command else ""
        super().__init__(f"{head}{message}{where}{shown}")
