"""Physical and protocol state of every interface, from configs and cables.

Why a module of its own: every protocol starts from the same question (is
this port up, and who is on the other end of it), and the answer must be
computed once per evaluation, not re-derived by each protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

from ..config.model import Interface, RouterConfig
from ..topology import Endpoint, Topology

PUBLIC = "_public_"


@dataclass(frozen=True)
class PortState:
    """What ``display interface brief`` and the protocols need about one port."""

    router: str
    name: str
    phy: str  # "up", "down" or "*down" (administratively down)
    protocol: str  # "up", "down" or "up(s)" (spoofing: LoopBack, NULL)
    far: Endpoint | None  # the other end when the link is up

    @property
    def up(self) -> bool:
        return self.protocol in ("up", "up(s)")


class LinkMap:
    """Interface states of the whole lab at one evaluation."""

    def __init__(
        self, topology: Topology, configs: dict[str, RouterConfig], pulled: set[Endpoint]
    ) -> None:
        self.topology = topology
        self.configs = configs
        self.ports: dict[tuple[str, str], PortState] = {}
        for router, cfg in configs.items():
            for name, iface in cfg.interfaces.items():
                self.ports[(router, name)] = self._state(router, iface, pulled)
        # Who holds each address (router, interface): BGP peers are found this way.
        self.owners: dict[IPv4Address, list[tuple[str, str]]] = {}
        for router, cfg in configs.items():
            for name, iface in cfg.interfaces.items():
                if iface.address is not None:
                    self.owners.setdefault(iface.address.ip, []).append((router, name))

    def _state(self, router: str, iface: Interface, pulled: set[Endpoint]) -> PortState:
        if iface.shutdown:
            return PortState(router, iface.name, "*down", "down", None)
        if not iface.physical:
            return PortState(router, iface.name, "up", "up(s)", None)
        end = Endpoint(router, iface.name)
        far = self.topology.peer_of(router, iface.name)
        far_cfg = self.configs.get(far.device) if far else None
        far_if = far_cfg.interfaces.get(far.interface) if far_cfg and far else None
        if far is None or far_if is None or far_if.shutdown or end in pulled or far in pulled:
            return PortState(router, iface.name, "down", "down", None)
        # twin's choice: an L3 port without an IP address reports protocol down.
        proto = "up" if iface.address is not None else "down"
        return PortState(router, iface.name, "up", proto, far)

    def port(self, router: str, name: str) -> PortState | None:
        return self.ports.get((router, name))

    def is_up(self, router: str, name: str) -> bool:
        p = self.ports.get((router, name))
        return p is not None and p.up

    def neighbour(self, router: str, name: str) -> tuple[str, Interface] | None:
        """The far router and interface of an up link (both ends addressed)."""
        p = self.ports.get((router, name))
        if p is None or not p.up or p.far is None:
            return None
        far_if = self.configs[p.far.device].interfaces[p.far.interface]
        if not self.is_up(p.far.device, p.far.interface):
            return None
        return p.far.device, far_if

    def up_interfaces(self, router: str) -> list[Interface]:
        """Up interfaces that carry an address, in configuration order."""
        cfg = self.configs[router]
        return [i for i in cfg.interfaces.values() if i.address is not None and self.is_up(router, i.name)]


def table_of(iface: Interface) -> str:
    """Routing table an interface belongs to (``ip binding vpn-instance``)."""
    return iface.vpn_instance or PUBLIC

