"""The lab's physical layout: which routers exist, their ports, and the cables.

Loaded from ``topology.yaml`` beside a lab inventory. Router identity is the
inventory host name (``PE1``), never the configured sysname, which changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vrpbook.vrp import canonical_interface_name


class TopologyError(ValueError):
    """A topology file that cannot describe a lab; the message names file and entry."""


@dataclass(frozen=True)
class Endpoint:
    device: str
    interface: str  # canonical VRP name

    def __str__(self) -> str:
        return f"{self.device}:{self.interface}"


@dataclass(frozen=True)
class Cable:
    a: Endpoint
    b: Endpoint

    def other(self, end: Endpoint) -> Endpoint:
        return self.b if end == self.a else self.a


@dataclass
class Device:
    name: str
    interfaces: list[str]
    model: str = "NE40E"


@dataclass
class Topology:
    devices: dict[str, Device] = field(default_factory=dict)
    cables: list[Cable] = field(default_factory=list)
    # Far end of every cabled port, rebuilt when the cable list changes size
    # (peer_of is asked for every port at every evaluation: a scan of the
    # cable list made that quadratic in the size of the lab).
    _far: dict[Endpoint, Endpoint] = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: int = field(default=-1, init=False, repr=False, compare=False)

    def peer_of(self, device: str, interface: str) -> Endpoint | None:
        """The far end of the cable plugged into device:interface, if any."""
        if self._indexed != len(self.cables):
            self._far = {}
            for cable in self.cables:
                self._far[cable.a] = cable.b
                self._far[cable.b] = cable.a
            self._indexed = len(self.cables)
        return self._far.get(Endpoint(device, interface))

    @classmethod
    def load(cls, path: str | Path) -> Topology:
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise TopologyError(f"{path}: cannot read topology: {exc}") from exc
        return cls.from_dict(raw, source=str(path))

    @classmethod
    def from_dict(cls, raw: object, source: str = "<topology>") -> Topology:
        if not isinstance(raw, dict) or not isinstance(raw.get("devices"), dict):
            raise TopologyError(f"{source}: expected a mapping with 'devices' and 'cables'")
        topo = cls()
        for name, raw_spec in raw["devices"].items():
            spec = raw_spec or {}
            ifaces = spec.get("interfaces") or []
            if not isinstance(ifaces, list):
                raise TopologyError(f"{source}: devices.{name}.interfaces must be a list")
            try:
                canon = [canonical_interface_name(i) for i in ifaces]
            except ValueError as exc:
                raise TopologyError(f"{source}: devices.{name}.interfaces: {exc}") from exc
            topo.devices[str(name)] = Device(str(name), canon, str(spec.get("model", "NE40E")))
        seen: set[Endpoint] = set()
        for idx, pair in enumerate(raw.get("cables") or []):
            where = f"{source}: cables[{idx}]"
            if not (isinstance(pair, list) and len(pair) == 2):
                raise TopologyError(f"{where}: expected [DEVICE:INTERFACE, DEVICE:INTERFACE]")
            ends = []
            for item in pair:
                dev, sep, ifname = str(item).partition(":")
                if not sep or dev not in topo.devices:
                    raise TopologyError(f"{where}: unknown device in {item!r}")
                try:
                    ifname = canonical_interface_name(ifname)
                except ValueError as exc:
                    raise TopologyError(f"{where}: {exc}") from exc
                if ifname not in topo.devices[dev].interfaces:
                    raise TopologyError(f"{where}: {dev} has no interface {ifname}")
                end = Endpoint(dev, ifname)
                if end in seen:
                    raise TopologyError(f"{where}: {end} is already cabled")
                seen.add(end)
                ends.append(end)
            topo.cables.append(Cable(ends[0], ends[1]))
        return topo
