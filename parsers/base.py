"""Shared pieces of every result model and builder.

Results are pydantic v2 models whose ``model_dump()`` is exactly the JSON
shape of ``tests/fixtures/samples/README.md``.  Keys that exist only when
their line was printed (``total_dynamic_peers``, optional BFD verbose keys,
per-family VPN keys) are listed in ``OPTIONAL_LINES`` and left out of the
dump when the line was absent, so "not printed" and "printed as -" stay
different things.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from vrpbook.parsers.errors import ParseError, ParseErrorKind
from vrpbook.parsers.grammar import Match
from vrpbook.parsers.vocab import Vocabulary

PLACEHOLDERS = frozenset({"-", "--", "--.--.--.--"})


class Record(BaseModel):
    """Base of every model: strict fields, optional-line keys dropped when absent."""

    model_config = ConfigDict(extra="forbid")
    OPTIONAL_LINES: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_absent_lines(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.OPTIONAL_LINES and isinstance(data, dict):
            for key in self.OPTIONAL_LINES - self.model_fields_set:
                data.pop(key, None)
        return data


class ParsedOutput(Record):
    """Fields every parsed display carries (from the leading prompt line, else null)."""

    prompt: str | None = None
    hostname: str | None = None
    command: str | None = None
    warnings: list[str] = Field(default_factory=list)
    #: A counter announced more records than were listed, or a ``...`` elision line left
    #: records out: the result is an excerpt (kept, with a warning). Not part of the JSON
    #: shape; readers that must see everything (gates and checks) refuse such a result.
    incomplete: bool = Field(default=False, exclude=True)


def is_decimal(raw: str) -> bool:
    """True for an unsigned decimal as VRP prints it: ASCII digits only.

    ``str.isdigit`` alone also accepts ``²``, on which ``int()`` raises a bare ValueError
    instead of a ParseError; ``int()`` alone accepts ``+1``, ``1_0`` and non-ASCII digits
    (which ``\\d`` in a template matches) -- none of which a VRP counter prints.
    """
    return raw.isascii() and raw.isdigit()


@dataclass
class Context:
    """What a builder knows besides the matched lines: the command and its arguments."""

    command: str
    args: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    output_filter: str | None = None  # "include sysname" of "display ... | include sysname"
    incomplete: bool = False  # fewer records listed than a counter announced (see ParsedOutput)

    def fail(self, message: str, match: Match | None = None, kind: ParseErrorKind = ParseErrorKind.STRUCTURE) -> ParseError:
        """A ParseError pointing at ``match`` (or at the whole output)."""
        return ParseError(
            message,
            command=self.command,
            kind=kind,
            line_no=match.no if match else None,
            line=match.text if match else None,
        )

    def text(self, match: Match, key: str) -> str | None:
        """A printed token, ``-``/``--``/``--.--.--.--`` as None."""
        raw = match.values.get(key)
        if raw is None:
            return None
        raw = raw.strip()
        return None if raw in PLACEHOLDERS else raw

    def int(self, match: Match, key: str) -> builtins.int | None:
        """A printed integer (placeholder -> None); anything else fails closed."""
        raw = self.text(match, key)
        return None if raw is None else self.decimal(match, key, raw)

    def decimal(self, match: Match, label: str, raw: str) -> builtins.int:
        """``raw`` (already stripped) as an unsigned decimal, else a VALUE error naming ``label``."""
        if not is_decimal(raw):
            raise self.fail(f"{label} is not an integer: {raw!r}", match, ParseErrorKind.VALUE)
        return int(raw)

    def req_int(self, match: Match, key: str) -> builtins.int:
        """An integer that must be printed (no placeholder allowed)."""
        value = self.int(match, key)
        if value is None:
            raise self.fail(f"{key} missing", match, ParseErrorKind.VALUE)
        return value

    def warn(self, message: str, match: Match | None = None) -> None:
        """Record something the result keeps but a reader should know (line number first)."""
        self.warnings.append(f"line {match.no}: {message}" if match is not None else message)

    def known(self, match: Match, label: str, raw: str, allowed: Vocabulary) -> str:
        """``raw`` (as printed) when it belongs to ``allowed``; a VALUE error naming the line otherwise."""
        if not allowed.accepts(raw):
            raise self.fail(f"{label} {raw!r} is not one VRP prints ({allowed.describe()})", match,
                            ParseErrorKind.VALUE)
        return raw

    def total(
        self, label: str, announced: builtins.int | None, listed: builtins.int, where: Match | None, *,
        closed: bool | None,
    ) -> None:
        """Compare a printed counter with the records listed under it (README, "Totals").

        The counter is never "fixed".  ``closed`` says whether something printed after the
        listing shows it ended (a closing dashed line, a trailing total): True/False for
        formats that have such a line, None for formats that have none (routing tables,
        BGP peer tables, VPN-instance verbose ...).  Fewer records than announced fail
        when truncation explains them -- the closing line of the format is missing, or
        nothing at all is listed under a non-zero counter at the end of the output;
        every other disagreement keeps the records with a warning (documentation and
        real captures print such totals, and excerpts keep their counters).
        """
        if announced is None or announced == listed:
            return
        if listed < announced and (closed is False or (closed is None and listed == 0)):
            raise self.fail(
                f"{label}: {announced} announced, {listed} listed and the output ends there (truncated)", where
            )
        if listed < announced:
            self.incomplete = True
        self.warn(f"{label}: {announced} announced, {listed} listed (kept as printed)", where)


def require(ctx: Context, matches: list[Match], *kinds: str) -> None:
    """Fail unless at least one line of each kind was seen (what makes the output this command's)."""
    seen = {m.kind for m in matches}
    for kind in kinds:
        if kind not in seen:
            raise ctx.fail(f"no {kind!r} line: not the output of this command, or truncated")


def no_doubled_rows(ctx: Context, matches: list[Match], *kinds: str) -> None:
    """Fail on a row printed twice in a row: VRP never lists the same entry twice in a table
    (ECMP rows differ in next hop or interface), so two identical consecutive row lines (of
    one of ``kinds``, nothing between them) are a doubled line of a damaged capture, not two
    records.  The same row in two sections (a VPN peer with a public peer's address) is fine."""
    for prev, cur in itertools.pairwise(matches):
        if cur.kind in kinds and cur.kind == prev.kind and cur.text == prev.text:
            raise ctx.fail("row printed twice", cur)


def table_rows(ctx: Context, matches: list[Match], row: str, inside: Collection[str] = ()) -> list[Match]:
    """The ``row`` lines of a table printed under exactly one ``header`` line.

    Fails on a missing or second column header, on a row before the header, and
    on any line after the header that is neither a row nor of a kind in ``inside``
    (e.g. the dashed lines of a framed table).  Lines before the header (legends,
    titles) are the caller's grammar's business and pass.
    """
    require(ctx, matches, "header")
    rows: list[Match] = []
    header = False
    for m in matches:
        if m.kind == "header":
            if header:
                raise ctx.fail("second column header", m)
            header = True
        elif m.kind == row:
            if not header:
                raise ctx.fail(f"{row} row before the column header", m)
            rows.append(m)
        elif header and m.kind not in inside:
            raise ctx.fail(f"{m.kind} line inside the table", m)
    return rows
