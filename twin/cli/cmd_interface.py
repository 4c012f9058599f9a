"""Interface view: creating/entering interfaces and their per-interface lines."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Interface

from vrpbook.vrp import is_physical

from ..config.model import Interface, RouterConfig
from . import views as v
from .grammar import Args, CliSyntaxError
from .registry import command
from .session import CliSession, ConfigError


def _ifc(cfg: RouterConfig, name: str) -> Interface:
    ifc = cfg.interfaces.get(name)
    if ifc is None:  # deleted by another session's commit meanwhile
        raise ConfigError(f"Error: The interface {name} does not exist.")  # twin's choice
    return ifc


@command("interface <ifname:IFNAME>", v.SYSTEM)
def interface(s: CliSession, a: Args) -> None:
    name = str(a["ifname"])
    if name not in s.candidate.interfaces:
        if is_physical(name) or not name.startswith("LoopBack"):
            # Ports exist from the factory (topology); only LoopBacks are created.
            raise CliSyntaxError("Wrong parameter", a.offsets["ifname"])

        def create(cfg: RouterConfig) -> None:
            cfg.interfaces.setdefault(name, Interface(name=name, physical=False))

        s.stage(create)
    s.enter(v.interface_view(name))


@command("undo interface <ifname:IFNAME>", v.SYSTEM)
def undo_interface(s: CliSession, a: Args) -> None:
    name = str(a["ifname"])
    ifc = s.candidate.interfaces.get(name)
    if ifc is None or ifc.physical:
        raise CliSyntaxError("Wrong parameter", a.offsets["ifname"])

    def op(cfg: RouterConfig) -> None:
        cfg.interfaces.pop(name, None)

    s.stage(op)


def _on_interface(s: CliSession, fn: Callable[[Interface], None]) -> None:
    name = s.view.name
    assert name is not None

    def op(cfg: RouterConfig) -> None:
        fn(_ifc(cfg, name))

    s.stage(op)


@command("ip address <ip:IPV4> <mask:MASK>", v.INTERFACE)
def ip_address(s: CliSession, a: Args) -> None:
    addr = IPv4Interface(f"{a['ip']}/{a['mask']}")
    if addr.network.prefixlen < 32 and addr.ip in (addr.network.network_address, addr.network.broadcast_address):
        raise CliSyntaxError("Wrong parameter", a.offsets["ip"])

    def set_addr(ifc: Interface) -> None:
        ifc.address = addr

    _on_interface(s, set_addr)


@command("undo ip address [<ip:IPV4> <mask:MASK>]", v.INTERFACE)
def undo_ip_address(s: CliSession, a: Args) -> None:
    def clear(ifc: Interface) -> None:
        ifc.address = None

    _on_interface(s, clear)


@command("shutdown", v.INTERFACE)
def shutdown(s: CliSession, a: Args) -> None:
    _on_interface(s, lambda ifc: setattr(ifc, "shutdown", True))


@command("undo shutdown", v.INTERFACE)
def undo_shutdown(s: CliSession, a: Args) -> None:
    _on_interface(s, lambda ifc: setattr(ifc, "shutdown", False))


@command("description <text:TEXT>", v.INTERFACE)
def description(s: CliSession, a: Args) -> None:
    text = str(a["text"])
    _on_interface(s, lambda ifc: setattr(ifc, "description", text))


@command("undo description", v.INTERFACE)
def undo_description(s: CliSession, a: Args) -> None:
    _on_interface(s, lambda ifc: setattr(ifc, "description", None))


@command("ip binding vpn-instance <vpn:WORD>", v.INTERFACE)
def ip_binding(s: CliSession, a: Args) -> None:
    vpn = str(a["vpn"])

    def bind(ifc: Interface) -> None:
        # VRP clears the interface's IP address when binding (no Info line in
        # the evidence, so silent).
        if ifc.vpn_instance != vpn:
            ifc.address = None
        ifc.vpn_instance = vpn

    _on_interface(s, bind)


@command("undo ip binding vpn-instance [<vpn:WORD>]", v.INTERFACE)
def undo_ip_binding(s: CliSession, a: Args) -> None:
    def unbind(ifc: Interface) -> None:
        if ifc.vpn_instance is not None:
            ifc.address = None
        ifc.vpn_instance = None

    _on_interface(s, unbind)


@command("ospf cost <cost:INT(1-65535)>", v.INTERFACE)
def ospf_cost(s: CliSession, a: Args) -> None:
    cost = a.num("cost")
    _on_interface(s, lambda ifc: setattr(ifc, "ospf_cost", cost))


@command("undo ospf cost", v.INTERFACE)
def undo_ospf_cost(s: CliSession, a: Args) -> None:
    _on_interface(s, lambda ifc: setattr(ifc, "ospf_cost", None))


@command("mpls", v.INTERFACE)
def if_mpls(s: CliSession, a: Args) -> None:
    _on_interface(s, lambda ifc: setattr(ifc, "mpls", True))


@command("undo mpls", v.INTERFACE)
def if_undo_mpls(s: CliSession, a: Args) -> None:
    def off(ifc: Interface) -> None:
        ifc.mpls = False
        ifc.mpls_ldp = False

    _on_interface(s, off)


@command("mpls ldp", v.INTERFACE)
def if_mpls_ldp(s: CliSession, a: Args) -> None:
    _on_interface(s, lambda ifc: setattr(ifc, "mpls_ldp", True))


@command("undo mpls ldp", v.INTERFACE)
def if_undo_mpls_ldp(s: CliSession, a: Args) -> None:
    _on_interface(s, lambda ifc: setattr(ifc, "mpls_ldp", False))
