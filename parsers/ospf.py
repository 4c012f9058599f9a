"""``display ospf peer brief``: per OSPF process, totals then one row per neighbor.

``neighbor_id`` drops a glued ``(M)`` (multi-area adjacency) into ``madj``.
Top-level ``process_id``/``router_id``/totals are those of the first process
(the sample shape); ``processes[]`` lists every process and each peer carries
its ``process_id``.
"""

from __future__ import annotations

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, no_doubled_rows, require
from vrpbook.parsers.grammar import Match


class OspfPeer(Record):
    """One neighbor row."""

    area: str
    interface: str
    neighbor_id: str
    madj: bool
    state: str
    process_id: int | None = None


class OspfProcess(Record):
    """One ``OSPF Process N with Router ID X`` block's header values."""

    process_id: int
    router_id: str
    total_peers: int | None = None
    peers_full: int | None = None


class OspfPeers(ParsedOutput):
    """``display ospf peer brief``; ``peers_full`` null when not printed."""

    process_id: int | None = None
    router_id: str | None = None
    total_peers: int | None = None
    peers_full: int | None = None
    peers: list[OspfPeer] = Field(default_factory=list)
    processes: list[OspfProcess] = Field(default_factory=list)


def build(matches: list[Match], ctx: Context) -> OspfPeers:
    """Assemble processes and neighbor rows."""
    require(ctx, matches, "process")  # the column header is needed above rows only
    processes: list[OspfProcess] = []
    peers: list[OspfPeer] = []
    listed: list[int] = []  # rows per process
    closed: list[bool] = []  # a dashed line after the process's rows
    where: list[Match | None] = []
    header = False
    for m in matches:
        proc = processes[-1] if processes else None
        if m.kind == "process":
            processes.append(OspfProcess(process_id=ctx.req_int(m, "process_id"), router_id=m.values["router_id"]))
            listed.append(0)
            closed.append(False)
            where.append(None)
            header = False
        elif m.kind == "separator":
            if header and listed:
                closed[-1] = True
        elif m.kind == "peer":
            if proc is None or not header:
                raise ctx.fail("neighbor row before the column header", m)
            if closed[-1]:
                raise ctx.fail("neighbor row after the table was closed", m)
            neighbor = m.values["neighbor_id"]
            listed[-1] += 1
            peers.append(
                OspfPeer(
                    area=m.values["area"],
                    interface=m.values["interface"],
                    neighbor_id=neighbor.removesuffix("(M)"),
                    madj=neighbor.endswith("(M)"),
                    state=m.values["state"],
                    process_id=proc.process_id,
                )
            )
        elif m.kind == "header":
            if proc is None or header:
                raise ctx.fail("column header out of place", m)
            header = True
        elif m.kind in ("total", "full"):
            if proc is None or header:
                raise ctx.fail("peer totals out of place", m)
            field = "total_peers" if m.kind == "total" else "peers_full"
            if getattr(proc, field) is not None:
                raise ctx.fail(f"{field} printed twice", m)
            setattr(proc, field, ctx.req_int(m, m.kind))
            if m.kind == "total":
                where[-1] = m
    no_doubled_rows(ctx, matches, "peer")
    for proc, count, done, line in zip(processes, listed, closed, where, strict=True):
        ctx.total(f"OSPF process {proc.process_id} peers", proc.total_peers, count, line,
                  closed=True if done else None)
        full = sum(1 for p in peers if p.process_id == proc.process_id and p.state.lower() == "full")
        if proc.peers_full is not None and proc.total_peers == count and proc.peers_full != full:
            ctx.warn(f"OSPF process {proc.process_id}: {proc.peers_full} peers in full state printed, "
                     f"{full} listed (kept as printed)", line)
    # twin's choice (parser): no multi-process sample exists; top-level fields follow the first
    # process (the sample shape), processes[] carries all of them.
    first = processes[0]
    return OspfPeers(
        process_id=first.process_id,
        router_id=first.router_id,
        total_peers=first.total_peers,
        peers_full=first.peers_full,
        peers=peers,
        processes=processes,
    )
