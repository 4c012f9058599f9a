"""OSPF (process, area, network), static routes and ``load-balance packet all``."""

from __future__ import annotations

from ipaddress import IPv4Network

from ..config.model import Ospf, OspfArea, OspfNetwork, RouterConfig, StaticRoute
from . import views as v
from .grammar import Args, CliSyntaxError
from .registry import command
from .session import CliSession, ConfigError


@command("ospf [<pid:INT(1-65535)>] [router-id <rid:IPV4>]", v.SYSTEM)
def ospf(s: CliSession, a: Args) -> None:
    pid = a.opt_num("pid") or 1
    rid = a.opt_ip("rid")

    def op(cfg: RouterConfig) -> None:
        proc = cfg.ospf.setdefault(pid, Ospf(process_id=pid))
        if rid is not None:
            proc.router_id = rid

    s.stage(op)
    s.enter(v.ospf_view(pid))


@command("undo ospf [<pid:INT(1-65535)>]", v.SYSTEM)
def undo_ospf(s: CliSession, a: Args) -> None:
    pid = a.opt_num("pid") or 1
    if pid not in s.candidate.ospf:
        raise CliSyntaxError("Wrong parameter", a.offsets.get("pid", 5))

    def op(cfg: RouterConfig) -> None:
        cfg.ospf.pop(pid, None)

    s.stage(op)


def _proc(cfg: RouterConfig, pid: int) -> Ospf:
    if pid not in cfg.ospf:
        raise ConfigError(f"Error: The OSPF process {pid} does not exist.")  # twin's choice
    return cfg.ospf[pid]


@command("area <area:AREA>", v.OSPF)
def area(s: CliSession, a: Args) -> None:
    pid = s.view.number
    assert pid is not None
    area_id = a.ip("area")

    def op(cfg: RouterConfig) -> None:
        _proc(cfg, pid).areas.setdefault(area_id, OspfArea(area_id=area_id))

    s.stage(op)
    s.enter(v.ospf_area_view(pid, area_id))


@command("undo area <area:AREA>", v.OSPF)
def undo_area(s: CliSession, a: Args) -> None:
    pid = s.view.number
    assert pid is not None
    area_id = a.ip("area")

    def op(cfg: RouterConfig) -> None:
        _proc(cfg, pid).areas.pop(area_id, None)

    s.stage(op)


def _area(cfg: RouterConfig, view: v.View) -> OspfArea:
    assert view.number is not None and view.area is not None
    proc = _proc(cfg, view.number)
    if view.area not in proc.areas:
        raise ConfigError(f"Error: The area {view.area} does not exist.")  # twin's choice
    return proc.areas[view.area]


@command("network <addr:IPV4> <wildcard:WILDCARD>", v.OSPF_AREA)
def network(s: CliSession, a: Args) -> None:
    net = OspfNetwork(a.ip("addr"), a.ip("wildcard"))
    view = s.view

    def op(cfg: RouterConfig) -> None:
        ar = _area(cfg, view)
        if net not in ar.networks:
            ar.networks.append(net)

    s.stage(op)


@command("undo network <addr:IPV4> <wildcard:WILDCARD>", v.OSPF_AREA)
def undo_network(s: CliSession, a: Args) -> None:
    net = OspfNetwork(a.ip("addr"), a.ip("wildcard"))
    view = s.view

    def op(cfg: RouterConfig) -> None:
        ar = _area(cfg, view)
        if net not in ar.networks:
            raise ConfigError("Error: The network does not exist in the area.")  # twin's choice
        ar.networks.remove(net)

    s.stage(op)


STATIC = (
    "ip route-static [vpn-instance <vpn:WORD>] <dest:IPV4> <mask:MASK> <nh:IPV4> "
    "[preference <pref:INT(1-255)>] [track bfd-session <bfd:WORD>] [description <desc:TEXT>]"
)


def _route(a: Args) -> StaticRoute:
    prefix = IPv4Network(f"{a['dest']}/{a['mask']}", strict=False)
    return StaticRoute(
        prefix=prefix,
        vpn_instance=a.opt_text("vpn"),
        nexthop=a.ip("nh"),
        preference=a.opt_num("pref"),
        track_bfd_session=a.opt_text("bfd"),
        description=a.opt_text("desc"),
    )


@command(STATIC, v.SYSTEM)
def route_static(s: CliSession, a: Args) -> None:
    route = _route(a)

    def op(cfg: RouterConfig) -> None:
        for i, old in enumerate(cfg.static_routes):
            if old.key() == route.key():
                cfg.static_routes[i] = route  # same key replaces (e.g. adding track)
                return
        cfg.static_routes.append(route)

    s.stage(op)


@command("undo " + STATIC.replace(" <nh:IPV4> ", " [<nh:IPV4>] "), v.SYSTEM)
def undo_route_static(s: CliSession, a: Args) -> None:
    probe = _route(a) if a.get("nh") is not None else None
    prefix = IPv4Network(f"{a['dest']}/{a['mask']}", strict=False)
    vpn = a.get("vpn")

    def op(cfg: RouterConfig) -> None:
        keep = [
            r for r in cfg.static_routes
            if not (r.vpn_instance == vpn and r.prefix == prefix and (probe is None or r.key() == probe.key()))
        ]
        if len(keep) == len(cfg.static_routes):
            raise ConfigError("Error: The static route does not exist.")  # twin's choice
        cfg.static_routes = keep

    s.stage(op)


@command("load-balance packet all", v.SYSTEM)
def load_balance(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(cfg, "load_balance_packet_all", True))


@command("undo load-balance packet all", v.SYSTEM)
def undo_load_balance(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(cfg, "load_balance_packet_all", False))
