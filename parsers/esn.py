"""``display esn``: the equipment serial number of each board, in printed order.

``board`` is ``master`` or ``slot N`` as printed; the NAPALM driver's
``get_facts`` reports the first board's serial.
"""

from __future__ import annotations

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, require
from vrpbook.parsers.grammar import Match


class BoardEsn(Record):
    """One ``ESN of BOARD: SERIAL`` line."""

    board: str
    esn: str


class Esn(ParsedOutput):
    """``display esn``.

    Shape::

        {"prompt": ..., "hostname": ..., "command": ..., "warnings": [],
         "boards": [{"board": "master", "esn": "2102550AFWP0H6000080"}]}
    """

    boards: list[BoardEsn] = Field(default_factory=list)


def build(matches: list[Match], ctx: Context) -> Esn:
    """Every line is a board's serial; at least one must be printed."""
    require(ctx, matches, "esn")
    boards = [BoardEsn(board=" ".join(m.values["board"].split()), esn=m.values["esn"]) for m in matches]
    seen = [b.board for b in boards]
    if len(set(seen)) != len(seen):
        raise ctx.fail("a board printed twice")
    return Esn(boards=boards)
