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
    """Interface states of the whole lab at one evaluation.

    Built from the previous evaluation's map when there is one: a router's
    port states are recomputed only when its configuration, a cabled
    neighbour's configuration or a pulled cable at its ports changed (the
    per-router dicts are otherwise shared, so later layers can tell by
    identity what did not change).
    """

    def __init__(
        self,
        topology: Topology,
        configs: dict[str, RouterConfig],
        pulled: set[Endpoint],
        previous: LinkMap | None = None,
    ) -> None:
        self.topology = topology
        self.configs = configs
        self.by_router: dict[str, dict[str, PortState]] = {}
        self._inputs: dict[str, tuple[object, ...]] = {}
        self.owners: dict[IPv4Address, list[tuple[str, str]]]
        for router, cfg in configs.items():
            inputs = self._router_inputs(router, cfg, pulled)
            if previous is not None and _same(previous._inputs.get(router), inputs):
                self.by_router[router] = previous.by_router[router]
            else:
                ports = {name: self._state(router, iface, pulled) for name, iface in cfg.interfaces.items()}
                old = previous.by_router.get(router) if previous is not None else None
                # Same states (a neighbour's unrelated change): keep the old map, so
                # nothing downstream of this router's ports is recomputed.
                self.by_router[router] = old if old is not None and old == ports else ports
            self._inputs[router] = inputs
        # Who holds each address (router, interface): BGP peers are found this way.
        if previous is not None and all(previous.configs.get(r) is c for r, c in configs.items()) \
                and len(previous.configs) == len(configs):
            self.owners = previous.owners
        else:
            self.owners = {}
            for router, cfg in configs.items():
                for name, iface in cfg.interfaces.items():
                    if iface.address is not None:
                        self.owners.setdefault(iface.address.ip, []).append((router, name))
        self._flat: dict[tuple[str, str], PortState] | None = None

    def _router_inputs(self, router: str, cfg: RouterConfig, pulled: set[Endpoint]) -> tuple[object, ...]:
        """Everything this router's port states depend on (compared by identity)."""
        deps: list[object] = [cfg]
        for name in cfg.interfaces:
            far = self.topology.peer_of(router, name)
            if far is not None:
                deps += [self.configs.get(far.device), far in pulled, Endpoint(router, name) in pulled]
        return tuple(deps)

    @property
    def ports(self) -> dict[tuple[str, str], PortState]:
        """Every port keyed by (router, interface)."""
        if self._flat is None:
            self._flat = {(r, n): p for r, ports in self.by_router.items() for n, p in ports.items()}
        return self._flat

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
        ports = self.by_router.get(router)
        return ports.get(name) if ports is not None else None

    def is_up(self, router: str, name: str) -> bool:
        p = self.port(router, name)
        return p is not None and p.up

    def neighbour(self, router: str, name: str) -> tuple[str, Interface] | None:
        """The far router and interface of an up link (both ends addressed)."""
        p = self.port(router, name)
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


def _same(a: tuple[object, ...] | None, b: tuple[object, ...]) -> bool:
    return a is not None and len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def table_of(iface: Interface) -> str:
    """Routing table an interface belongs to (``ip binding vpn-instance``)."""
    return iface.vpn_instance or PUBLIC

