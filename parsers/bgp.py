"""BGP peer tables: ``display bgp peer``, ``display bgp vpnv4 all peer``,
``display bgp vpnv4 vpn-instance NAME peer`` (one row grammar for all three).

AS numbers stay strings (asdot ``635.66`` exists).  ``dynamic`` is the ``*``
glued to the address.  In ``vpnv4 all peer`` rows after a ``VPN-Instance X,
Router ID Y:`` line belong to X; rows before it are VPNv4 (null).  Header
counters are reported as printed, never checked against the rows.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import ConfigDict, Field

from vrpbook.parsers.base import Context, ParsedOutput, Record, no_doubled_rows, require
from vrpbook.parsers.grammar import Match


class BgpPeer(Record):
    """One peer row; ``as`` is serialised under its printed name."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)
    peer: str
    dynamic: bool
    version: int
    as_number: str = Field(alias="as")
    msg_rcvd: int
    msg_sent: int
    out_q: int
    up_down: str
    state: str
    pref_rcv: int
    vpn_instance: str | None = None


class BgpPeers(ParsedOutput):
    """``display bgp peer``; ``total_dynamic_peers`` only when its line was printed."""

    OPTIONAL_LINES: ClassVar[frozenset[str]] = frozenset({"total_dynamic_peers"})
    router_id: str | None = None
    local_as: str | None = None
    total_peers: int | None = None
    peers_established: int | None = None
    total_dynamic_peers: int | None = None
    peers: list[BgpPeer] = Field(default_factory=list)


class VpnInstanceRouterId(Record):
    """A ``VPN-Instance NAME, Router ID X:`` line."""

    name: str
    router_id: str


class BgpVpnv4AllPeers(BgpPeers):
    """``display bgp vpnv4 all peer``: peers of all VPN instances too."""

    vpn_instances: list[VpnInstanceRouterId] = Field(default_factory=list)


class BgpVpnInstancePeers(BgpPeers):
    """``display bgp vpnv4 vpn-instance NAME peer``: the instance comes from the command."""

    vpn_instance: str
    vpn_instance_router_id: str | None = None


def _collect(matches: list[Match], ctx: Context) -> tuple[dict[str, object], list[BgpPeer], list[VpnInstanceRouterId]]:
    require(ctx, matches, "router_id", "local_as")
    top: dict[str, object] = {}
    where: dict[str, Match] = {}
    peers: list[BgpPeer] = []
    instances: list[VpnInstanceRouterId] = []
    current_vpn: str | None = ctx.args.get("vpn_instance")
    header_seen = False

    def once(key: str, value: object, m: Match) -> None:
        if key in top:
            raise ctx.fail(f"{key} printed twice", m)
        top[key] = value
        where[key] = m

    for m in matches:
        kind = m.kind
        if kind == "peer":
            if not header_seen:
                raise ctx.fail("peer row before the column header", m)
            raw = m.values["peer"]
            peers.append(
                BgpPeer.model_validate({
                    "peer": raw.lstrip("*"),
                    "dynamic": raw.startswith("*"),
                    "version": ctx.req_int(m, "version"),
                    "as": m.values["asn"],
                    "msg_rcvd": ctx.req_int(m, "msg_rcvd"),
                    "msg_sent": ctx.req_int(m, "msg_sent"),
                    "out_q": ctx.req_int(m, "out_q"),
                    "up_down": m.values["up_down"],
                    "state": m.values["state"],
                    "pref_rcv": ctx.req_int(m, "pref_rcv"),
                    "vpn_instance": current_vpn,
                })
            )
        elif kind == "header":
            header_seen = True
        elif kind == "router_id":
            once("router_id", m.values["router_id"], m)
        elif kind == "local_as":
            once("local_as", m.values["local_as"], m)
        elif kind in ("totals", "total_peers"):
            once("total_peers", ctx.req_int(m, "total_peers"), m)
            if kind == "totals":
                once("peers_established", ctx.req_int(m, "established"), m)
        elif kind == "established":
            once("peers_established", ctx.req_int(m, "established"), m)
        elif kind == "dynamic":
            once("total_dynamic_peers", ctx.req_int(m, "dynamic"), m)
        elif kind == "vpn_instance":
            name, rid = m.values["name"], m.values["router_id"]
            if "vpn_instance" in ctx.args and name != ctx.args["vpn_instance"]:
                raise ctx.fail(f"output is of vpn-instance {name!r}, not {ctx.args['vpn_instance']!r}", m)
            instances.append(VpnInstanceRouterId(name=name, router_id=rid))
            current_vpn = name
    no_doubled_rows(ctx, matches, "peer")
    # Counters come before the rows and the table has no closing line (README, "Totals").
    total = top.get("total_peers")
    ctx.total("BGP peers", total if isinstance(total, int) else None, len(peers), where.get("total_peers"),
              closed=None)
    established = top.get("peers_established")
    listed = sum(1 for p in peers if p.state.lower() == "established")
    if isinstance(established, int) and established != listed and total == len(peers):
        ctx.warn(f"Peers in established state: {established} printed, {listed} listed (kept as printed)",
                 where.get("peers_established"))
    return top, peers, instances


def build_bgp_peer(matches: list[Match], ctx: Context) -> BgpPeers:
    """``display bgp peer``."""
    top, peers, _ = _collect(matches, ctx)
    return BgpPeers(peers=peers, **top)  # type: ignore[arg-type]


def build_vpnv4_all(matches: list[Match], ctx: Context) -> BgpVpnv4AllPeers:
    """``display bgp vpnv4 all peer``."""
    top, peers, instances = _collect(matches, ctx)
    return BgpVpnv4AllPeers(peers=peers, vpn_instances=instances, **top)  # type: ignore[arg-type]


def build_vpn_instance(matches: list[Match], ctx: Context) -> BgpVpnInstancePeers:
    """``display bgp vpnv4 vpn-instance NAME peer``."""
    top, peers, instances = _collect(matches, ctx)
    if len(instances) > 1:
        raise ctx.fail("more than one VPN-Instance header")
    return BgpVpnInstancePeers(
        peers=peers,
        vpn_instance=ctx.args["vpn_instance"],
        vpn_instance_router_id=instances[0].router_id if instances else None,
        **top,  # type: ignore[arg-type]
    )
