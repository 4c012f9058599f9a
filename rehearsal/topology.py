"""The rehearsal twin's topology: physical ports from the backed-up configurations, cables from a
topology file or inferred from interface subnets.

The twin needs each router's physical ports (a factory-fresh twin router has them, as a
real one does) and the cables between them. Ports come from the configurations
themselves: every ``interface`` block of a physical type (``GigabitEthernet0/1/0``,
not a LoopBack, a sub-interface or an Eth-Trunk; :func:`vrpbook.vrp.is_physical`).

Cables: from ``--topology FILE`` (the twin's ``topology.yaml`` shape: ``devices`` and
``cables``; a port a cable names must be one of the router's physical ports), or
inferred: two physical ports on two routers with addresses in the same IPv4 subnet are
cabled. A subnet with more than two such ports is a LAN the twin cannot cable point to
point: refused, naming it (give a topology file). A port alone in its subnet is not
cabled (the far end is not in the backup).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any

import yaml

from vrpbook.errors import UsageError
from vrpbook.parsers import ParseError, parse
from vrpbook.parsers.config import CurrentConfiguration
from vrpbook.vrp import CURRENT_CONFIGURATION, canonical_interface_name, interface_sort_key, is_physical


@dataclass(frozen=True)
class Port:
    router: str
    interface: str
    address: IPv4Interface | None

    def __str__(self) -> str:
        return f"{self.router}:{self.interface}"


def ports_of(router: str, text: str, source: str) -> list[Port]:
    """The physical ports of one configuration, with their primary address (if any)."""
    try:
        config = parse(CURRENT_CONFIGURATION, text)
    except ParseError as exc:
        raise UsageError(f"{source}: not a configuration vrpbook can read: {exc}") from None
    assert isinstance(config, CurrentConfiguration)
    out: list[Port] = []
    for node in config.sections_starting("interface "):
        name = node.line.split(" ", 1)[1].strip()
        try:
            name = canonical_interface_name(name)
        except ValueError:
            continue
        if not is_physical(name):
            continue
        address = None
        for child in node.children:
            words = child.line.split()
            if words[:2] == ["ip", "address"] and len(words) >= 4 and "sub" not in words:
                try:
                    address = IPv4Interface(f"{words[2]}/{words[3]}")
                except ValueError as exc:
                    raise UsageError(f"{source}: interface {name}: {child.line!r}: {exc}") from None
        out.append(Port(router, name, address))
    return out


def infer_cables(ports: list[Port]) -> list[tuple[Port, Port]]:
    """Two ports of two routers in one subnet are cabled; a LAN (three or more) is refused."""
    by_subnet: dict[IPv4Network, list[Port]] = {}
    for p in ports:
        if p.address is not None and p.address.network.prefixlen < 32:
            by_subnet.setdefault(p.address.network, []).append(p)
    cables: list[tuple[Port, Port]] = []
    for subnet, members in sorted(by_subnet.items(), key=lambda kv: (int(kv[0].network_address), kv[0].prefixlen)):
        if len(members) > 2:
            raise UsageError(f"subnet {subnet} has {len(members)} ports ({', '.join(map(str, members))}): a LAN the twin "
                             "cannot cable point to point; give the cables with --topology FILE")
        if len(members) == 2 and members[0].router != members[1].router:
            cables.append((members[0], members[1]))
    return cables


def build(configs: Mapping[str, tuple[str, str]], topology_file: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """The twin's topology for *configs* (router → (source, text)), as ``topology.yaml`` holds it,
    and notes for the operator (cables left out)."""
    ports: dict[str, list[Port]] = {r: ports_of(r, text, source) for r, (source, text) in configs.items()}
    devices: dict[str, dict[str, Any]] = {
        r: {"interfaces": sorted({p.interface for p in ps}, key=interface_sort_key)} for r, ps in ports.items()}
    if topology_file is None:
        inferred = [[str(a), str(b)] for a, b in infer_cables([p for ps in ports.values() for p in ps])]
        return {"devices": devices, "cables": inferred}, []
    try:
        raw = yaml.safe_load(topology_file.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{topology_file}: cannot read topology: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cables") or [], list):
        raise UsageError(f"{topology_file}: expected a mapping with 'cables' (and optionally 'devices')")
    for name, spec in dict(raw.get("devices") or {}).items():
        if str(name) in devices and isinstance(spec, dict):
            extra = [canonical_interface_name(i) for i in spec.get("interfaces") or []]
            devices[str(name)]["interfaces"] = sorted(set(devices[str(name)]["interfaces"]) | set(extra), key=interface_sort_key)
    cables: list[list[str]] = []
    notes: list[str] = []
    for idx, pair in enumerate(raw.get("cables") or []):
        ends = [str(x) for x in pair] if isinstance(pair, list) else []
        if len(ends) != 2:
            raise UsageError(f"{topology_file}: cables[{idx}]: expected [ROUTER:INTERFACE, ROUTER:INTERFACE]")
        if any(end.partition(":")[0] not in devices for end in ends):
            # a cable to a router that is not in the backup: its far end does not exist here
            notes.append(f"{topology_file}: cables[{idx}] {ends[0]} - {ends[1]} left out (a router not in the backup)")
            continue
        cables.append(ends)
    return {"devices": devices, "cables": cables}, notes
