"""``display configuration commit list [verbose]``: the VRP8 commit points, newest first.

Verbose blocks must carry all six lines (Label, User, User-Intf, Type,
TimeStamp, Description) -- a block cut short fails the parse.  ``Label: -``
is null; an empty ``Description:`` is ``""``; ``commit_id`` stays a string
(the samples' shape).  The non-verbose table (no NE40E header sample exists;
the CloudEngine form of VRP8.md 3.5 is read by tokens) needs its header.
"""

from __future__ import annotations

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, require, table_rows
from vrpbook.parsers.grammar import Match


class CommitPoint(Record):
    """One commit point; ``user_intf``/``type``/``description`` only in the verbose form."""

    index: int
    commit_id: str
    label: str | None
    user: str | None = None
    user_intf: str | None = None
    type: str | None = None
    timestamp: str | None = None
    description: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)


class CommitList(ParsedOutput):
    """``display configuration commit list [verbose]``: ``commits[]`` in printed order (newest first).

    Shape (samples' conventions)::

        {"prompt": ..., "hostname": ..., "command": ..., "warnings": [],
         "commits": [{"index": 1, "commit_id": "1000000007", "label": null, "user": "root",
                      "user_intf": "VTY 1", "type": "ROLLBACK",
                      "timestamp": "2012-06-29 15:58:22", "description": ""}, ...]}

    The table form fills ``index``, ``commit_id``, ``label``, ``user``, ``timestamp``
    (with its ``+03:00`` offset when printed); ``user_intf``/``type``/``description``
    stay null.
    """

    commits: list[CommitPoint] = Field(default_factory=list)


_KEYS = {
    "label": "label",
    "user": "user",
    "user-intf": "user_intf",
    "type": "type",
    "timestamp": "timestamp",
    "description": "description",
}


def build_verbose(matches: list[Match], ctx: Context) -> CommitList:
    """Assemble verbose blocks; each must be complete."""
    require(ctx, matches, "commit")
    commits: list[CommitPoint] = []
    block: dict[str, object] | None = None
    start: Match | None = None

    def close() -> None:
        if block is None:
            return
        missing = sorted(set(_KEYS.values()) - set(block))
        if missing:
            raise ctx.fail(f"commit block without {', '.join(missing)} (truncated)", start)
        commits.append(CommitPoint(**block))  # type: ignore[arg-type]

    for m in matches:
        if m.kind == "commit":
            close()
            block = {"index": ctx.req_int(m, "index"), "commit_id": m.values["commit_id"]}
            start = m
        else:
            if block is None:
                raise ctx.fail("line outside a commit block", m)
            shown = " ".join(m.values["key"].split())
            field = _KEYS.get(shown.lower())
            if field is None:
                extra = block.setdefault("extra", {})
                assert isinstance(extra, dict)
                if shown in extra:
                    raise ctx.fail(f"{shown!r} printed twice in one commit block", m)
                ctx.warn(f"field {shown!r} is not one vrpbook knows; kept under extra", m)
                extra[shown] = m.values["value"].strip()
                continue
            if field in block:
                raise ctx.fail(f"{field} printed twice in one commit block", m)
            raw = m.values["value"].strip()
            block[field] = None if field == "label" and raw == "-" else raw
    close()
    return CommitList(commits=commits)


def build_table(matches: list[Match], ctx: Context) -> CommitList:
    """Assemble the non-verbose table (token rows)."""
    # twin's choice (parser): no NE40E sample of this table exists (VRP8.md 8); rows are read by
    # tokens as in the two CloudEngine/tool captures of VRP8.md 3.5, whose column widths differ.
    # The only other kind of line is the dashed frame, printed around the header and after the rows.
    commits = [
        CommitPoint(
            index=ctx.req_int(m, "index"),
            commit_id=m.values["commit_id"],
            label=ctx.text(m, "label"),
            user=m.values["user"],
            timestamp=" ".join(m.values["timestamp"].split()),
        )
        for m in table_rows(ctx, matches, "commit", inside={"separator"})
    ]
    return CommitList(commits=commits)
