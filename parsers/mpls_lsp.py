"""``display mpls lsp``: LSPs per type section (LDP, BGP, RSVP ...), in printed order.

Every row belongs to the section whose title and column header precede it;
labels are integers (``NULL`` -> null), interfaces as printed (``-`` -> null).
The format has no counter and no closing line after the last section, so a cut
at a line end cannot be detected; a cut inside a row fails on that line.
"""

from __future__ import annotations

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, no_doubled_rows, require
from vrpbook.parsers.grammar import Match

_NULL_LABELS = frozenset({"NULL", "-"})


class LspEntry(Record):
    """One LSP row."""

    fec: str
    in_label: int | None
    out_label: int | None
    in_interface: str | None
    out_interface: str | None
    vrf_name: str | None = None


class LspSection(Record):
    """One ``LSP Information: <type>`` section."""

    lsp_type: str
    entries: list[LspEntry] = Field(default_factory=list)


class MplsLsp(ParsedOutput):
    """``display mpls lsp``.

    Shape::

        {"prompt": ..., "hostname": ..., "command": ..., "warnings": [],
         "sections": [{"lsp_type": "LDP LSP",
                       "entries": [{"fec": "3.3.3.3/32", "in_label": 1024, "out_label": 3,
                                    "in_interface": null, "out_interface": "GE0/0/0",
                                    "vrf_name": null}, ...]}, ...]}
    """

    sections: list[LspSection] = Field(default_factory=list)


def build(matches: list[Match], ctx: Context) -> MplsLsp:
    """Sections in order; rows only under a section's column header."""
    require(ctx, matches, "section", "header")
    sections: list[LspSection] = []
    header = False
    for m in matches:
        if m.kind == "section":
            sections.append(LspSection(lsp_type=m.values["lsp_type"]))
            header = False
        elif m.kind == "header":
            if not sections or header:
                raise ctx.fail("column header out of place", m)
            header = True
        elif m.kind in ("row", "row_vrf"):
            if not header:
                raise ctx.fail("LSP row before its section's column header", m)
            sections[-1].entries.append(
                LspEntry(
                    fec=m.values["fec"],
                    in_label=_label(ctx, m, "in_label"),
                    out_label=_label(ctx, m, "out_label"),
                    in_interface=ctx.text(m, "in_interface"),
                    out_interface=ctx.text(m, "out_interface"),
                    vrf_name=ctx.text(m, "vrf_name"),
                )
            )
        elif m.kind == "legend" and sections:
            raise ctx.fail("legend line inside the LSP sections", m)
    no_doubled_rows(ctx, matches, "row", "row_vrf")
    return MplsLsp(sections=sections)


def _label(ctx: Context, m: Match, key: str) -> int | None:
    raw = m.values[key]
    return None if raw in _NULL_LABELS else ctx.decimal(m, key, raw)
