"""``get_bgp_neighbors`` and ``get_bgp_neighbors_detail`` from VRP's BGP peer tables.

Read: ``display bgp peer`` (the public peers of ``ipv4-family unicast``: key
``global``), ``display bgp vpnv4 all peer`` (its public rows add the ``vpnv4``
family to those peers), ``display bgp vpnv4 vpn-instance NAME peer`` for each
VPN instance (key: the instance's name; instances without peers are left out),
and from the running configuration the per-peer settings the tables do not
print (:class:`PeerSettings`: description, connect-interface, route policies,
``peer X ignore``, ``maximum load-balancing``).

What the peer tables print: AS, MsgRcvd, MsgSent, OutQ, Up/Down, State,
PrefRcv, and the local router ID and AS. What they do not print is reported as
NAPALM's "unknown" (-1 / "" / False), never None: the peer's router ID
(``remote_id``), sent and accepted prefix counts, ports, hold and keepalive
timers, update counters, previous state, last event, flap count. ``uptime`` is
the Up/Down time of an Established peer; for any other state VRP prints the
time in that state, not the last session's length, so it is -1.
"""

from __future__ import annotations

from dataclasses import dataclass

from napalm.base import models

from vrpbook.parsers.bgp import BgpPeer, BgpPeers, BgpVpnInstancePeers, BgpVpnv4AllPeers

from .values import UNKNOWN, as_number, bgp_updown_seconds

GLOBAL = "global"
PUBLIC_TABLE = "_public_"


@dataclass(frozen=True)
class PeerSettings:
    """A peer's configured settings the peer tables do not print."""

    description: str = ""
    connect_interface: str = ""
    local_address: str = ""  # the connect-interface's address, when it has one
    import_policy: str = ""
    export_policy: str = ""
    ignored: bool = False  # ``peer X ignore``: administratively disabled
    ebgp_max_hop: bool = False
    multipath: bool = False  # ``maximum load-balancing N`` (N > 1) in the peer's address family


#: Settings per (network instance, peer address); network instance ``global`` for the public peers.
Settings = dict[tuple[str, str], PeerSettings]


@dataclass(frozen=True)
class BgpTables:
    """Every BGP peer table of one router (``public`` is None without a BGP process)."""

    public: BgpPeers | None
    vpnv4: BgpVpnv4AllPeers | None
    instances: dict[str, BgpVpnInstancePeers]


def _established(peer: BgpPeer) -> bool:
    return peer.state == "Established"


def _family(peer: BgpPeer) -> models.BGPStateAddressFamilyDict:
    return {"received_prefixes": peer.pref_rcv, "accepted_prefixes": UNKNOWN, "sent_prefixes": UNKNOWN}


def _uptime(peer: BgpPeer) -> int:
    return bgp_updown_seconds(peer.up_down) if _established(peer) else UNKNOWN


def _neighbor(peer: BgpPeer, local_as: int, settings: PeerSettings) -> models.BGPStateNeighborDict:
    return {
        "local_as": local_as,
        "remote_as": as_number(peer.as_number),
        "remote_id": "",
        "is_up": _established(peer),
        "is_enabled": not settings.ignored,
        "description": settings.description,
        "uptime": _uptime(peer),
        "address_family": {"ipv4": _family(peer)},
    }


def _vpnv4_public(tables: BgpTables) -> dict[str, BgpPeer]:
    if tables.vpnv4 is None:
        return {}
    return {p.peer: p for p in tables.vpnv4.peers if p.vpn_instance is None}


def neighbors(tables: BgpTables, settings: Settings) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
    """NAPALM's ``get_bgp_neighbors``: ``{}`` without a BGP process."""
    if tables.public is None:
        return {}
    local_as = as_number(tables.public.local_as or "")
    peers: dict[str, models.BGPStateNeighborDict] = {}
    for peer in tables.public.peers:
        peers[peer.peer] = _neighbor(peer, local_as, settings.get((GLOBAL, peer.peer), PeerSettings()))
    for address, peer in _vpnv4_public(tables).items():
        entry = peers.setdefault(address, _neighbor(peer, local_as, settings.get((GLOBAL, address), PeerSettings())))
        if address in {p.peer for p in tables.public.peers}:
            entry["address_family"]["vpnv4"] = _family(peer)
        else:
            entry["address_family"] = {"vpnv4": _family(peer)}
    out: dict[str, models.BGPStateNeighborsPerVRFDict] = {GLOBAL: {"router_id": tables.public.router_id or "", "peers": peers}}
    for name, table in tables.instances.items():
        if not table.peers:
            continue
        out[name] = {
            "router_id": table.vpn_instance_router_id or table.router_id or "",
            "peers": {p.peer: _neighbor(p, local_as, settings.get((name, p.peer), PeerSettings())) for p in table.peers},
        }
    return out


def _detail(peer: BgpPeer, local_as: int, router_id: str, table: str, settings: PeerSettings) -> models.PeerDetailsDict:
    return {
        "up": _established(peer),
        "local_as": local_as,
        "remote_as": as_number(peer.as_number),
        "router_id": router_id,
        "local_address": settings.local_address,
        "routing_table": table,
        "local_address_configured": bool(settings.connect_interface),
        "local_port": UNKNOWN,
        "remote_address": peer.peer,
        "remote_port": UNKNOWN,
        "multihop": settings.ebgp_max_hop,
        "multipath": settings.multipath,
        "remove_private_as": False,
        "import_policy": settings.import_policy,
        "export_policy": settings.export_policy,
        "input_messages": peer.msg_rcvd,
        "output_messages": peer.msg_sent,
        "input_updates": UNKNOWN,
        "output_updates": UNKNOWN,
        "messages_queued_out": peer.out_q,
        "connection_state": peer.state,
        "previous_connection_state": "",
        "last_event": "",
        "suppress_4byte_as": False,
        "local_as_prepend": False,
        "holdtime": UNKNOWN,
        "configured_holdtime": UNKNOWN,
        "keepalive": UNKNOWN,
        "configured_keepalive": UNKNOWN,
        "active_prefix_count": UNKNOWN,
        "received_prefix_count": peer.pref_rcv,
        "accepted_prefix_count": UNKNOWN,
        "suppressed_prefix_count": UNKNOWN,
        "advertised_prefix_count": UNKNOWN,
        "flap_count": UNKNOWN,
    }


def neighbors_detail(
    tables: BgpTables, settings: Settings, neighbor_address: str = ""
) -> dict[str, dict[int, list[models.PeerDetailsDict]]]:
    """NAPALM's ``get_bgp_neighbors_detail``: per network instance, per remote AS, the peers."""
    if tables.public is None:
        return {}
    local_as = as_number(tables.public.local_as or "")
    sources: list[tuple[str, str, str, list[BgpPeer]]] = [
        (GLOBAL, PUBLIC_TABLE, tables.public.router_id or "", list(tables.public.peers))
    ]
    listed = {p.peer for p in tables.public.peers}
    sources[0][3].extend(p for a, p in _vpnv4_public(tables).items() if a not in listed)
    for name, table in tables.instances.items():
        sources.append((name, name, table.vpn_instance_router_id or table.router_id or "", list(table.peers)))
    out: dict[str, dict[int, list[models.PeerDetailsDict]]] = {}
    for key, routing_table, router_id, peers in sources:
        for peer in peers:
            if neighbor_address and peer.peer != neighbor_address:
                continue
            detail = _detail(peer, local_as, router_id, routing_table, settings.get((key, peer.peer), PeerSettings()))
            out.setdefault(key, {}).setdefault(detail["remote_as"], []).append(detail)
    return out
