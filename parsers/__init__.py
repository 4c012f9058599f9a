"""TTP templates for VRP display outputs, typed results, fail-closed parsing.

``from vrpbook.parsers import parse, ParseError`` -- ``parse(command, text)``
returns a pydantic model whose ``model_dump()`` is the JSON shape of
``tests/fixtures/samples/README.md``, or raises :class:`ParseError`.
"""

from vrpbook.parsers.api import parse
from vrpbook.parsers.commands import supported_commands
from vrpbook.parsers.errors import ParseError, ParseErrorKind

__all__ = ["ParseError", "ParseErrorKind", "parse", "supported_commands"]
