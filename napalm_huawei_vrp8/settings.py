"""What the getters need from the running configuration and no display prints.

Read from ``display current-configuration`` as parsed by ``vrpbook.parsers`` into a
tree of sections (each line with the lines indented under it): interface
descriptions and primary addresses, whether a BGP process exists, and per BGP peer
its description, connect-interface, route policies, ``ignore``, ``ebgp-max-hop`` and
the ``maximum load-balancing`` of its address family. Only configured facts are
reported; VRP's defaults are not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from .bgp import GLOBAL, PeerSettings, Settings
from .values import as_number


class Node(Protocol):
    """One configuration line and the lines under it (``vrpbook.parsers.config.ConfigNode``)."""

    @property
    def line(self) -> str: ...

    @property
    def children(self) -> Sequence[Node]: ...


_PEER = re.compile(r"^peer (?P<peer>\d+\.\d+\.\d+\.\d+) (?P<rest>.+)$")
_ADDRESS = re.compile(r"^ip address (?P<ip>\d+\.\d+\.\d+\.\d+) (?P<mask>\S+)$")


def interface_descriptions(sections: Sequence[Node]) -> dict[str, str]:
    """``interface X`` → its ``description`` (interfaces without one are left out)."""
    out: dict[str, str] = {}
    for section in sections:
        if section.line.startswith("interface "):
            for child in section.children:
                if child.line.startswith("description "):
                    out[section.line.split(" ", 1)[1]] = child.line.split(" ", 1)[1]
    return out


def interface_addresses(sections: Sequence[Node]) -> dict[str, str]:
    """``interface X`` → its primary IPv4 address (``ip address A M`` without ``sub``)."""
    out: dict[str, str] = {}
    for section in sections:
        if section.line.startswith("interface "):
            for child in section.children:
                m = _ADDRESS.match(child.line)
                if m:
                    out[section.line.split(" ", 1)[1]] = m.group("ip")
    return out


def has_bgp(sections: Sequence[Node]) -> bool:
    return any(s.line.startswith("bgp ") for s in sections)


def bgp_as(sections: Sequence[Node]) -> int | None:
    """The BGP process's AS number (``bgp 100``), or None without one."""
    line = next((s.line for s in sections if s.line.startswith("bgp ")), None)
    return as_number(line.split()[1]) if line else None


def bgp_vpn_instances(sections: Sequence[Node]) -> list[str]:
    """The VPN instances BGP has an address family for (``ipv4-family vpn-instance V``)."""
    return [
        child.line.split()[-1]
        for section in sections if section.line.startswith("bgp ")
        for child in section.children if child.line.startswith("ipv4-family vpn-instance ")
    ]


def bgp_settings(sections: Sequence[Node]) -> Settings:
    """Per (``global`` or VPN instance, peer address): the peer's configured settings."""
    addresses = interface_addresses(sections)
    found: dict[tuple[str, str], PeerSettings] = {}
    multipath: dict[str, bool] = {}

    def peer_line(where: str, peer: str, rest: str) -> None:
        entry = found.get((where, peer), PeerSettings())
        words = rest.split()
        if words[0] == "description":
            entry = replace(entry, description=rest.split(" ", 1)[1] if len(words) > 1 else "")
        elif words[0] == "connect-interface" and len(words) > 1:
            entry = replace(entry, connect_interface=words[1], local_address=addresses.get(words[1], ""))
        elif words[0] == "ignore":
            entry = replace(entry, ignored=True)
        elif words[0] == "ebgp-max-hop":
            entry = replace(entry, ebgp_max_hop=True)
        elif words[0] == "route-policy" and len(words) == 3 and words[2] == "import":
            entry = replace(entry, import_policy=words[1])
        elif words[0] == "route-policy" and len(words) == 3 and words[2] == "export":
            entry = replace(entry, export_policy=words[1])
        found[(where, peer)] = entry

    def read(where: str, lines: Sequence[Node]) -> None:
        for node in lines:
            if where == GLOBAL and node.line.startswith("ipv4-family vpn-instance "):
                read(node.line.split()[-1], node.children)
            elif node.line.startswith("ipv4-family "):
                read(where, node.children)  # unicast / vpnv4: the same public peers
            elif node.line.startswith("maximum load-balancing "):
                multipath[where] = int(node.line.split()[-1]) > 1
            elif m := _PEER.match(node.line):
                peer_line(where, m.group("peer"), m.group("rest"))

    for section in sections:
        if section.line.startswith("bgp "):
            read(GLOBAL, section.children)
    return {key: replace(entry, multipath=multipath.get(key[0], False)) for key, entry in found.items()}
