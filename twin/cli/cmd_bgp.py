"""``bgp AS`` and its address families (unicast, vpnv4, vpn-instance)."""

from __future__ import annotations

from ipaddress import IPv4Address

from ..config.model import Bgp, BgpPeer, BgpUnicastFamily, BgpVpnv4Family, BgpVrfFamily, RouterConfig
from . import views as v
from .grammar import Args
from .registry import command
from .session import CliSession, ConfigError

BGP_VIEWS = (v.BGP, v.BGP_UNICAST, v.BGP_VPNV4, v.BGP_VRF)


def _bgp(cfg: RouterConfig) -> Bgp:
    if cfg.bgp is None:
        raise ConfigError("Error: BGP is not configured.")  # twin's choice
    return cfg.bgp


@command("bgp <asn:AS>", v.SYSTEM)
def bgp(s: CliSession, a: Args) -> None:
    asn = str(a["asn"])

    def op(cfg: RouterConfig) -> None:
        if cfg.bgp is None:
            cfg.bgp = Bgp(as_number=asn)
        elif cfg.bgp.as_number != asn:
            # twin's choice text: VRP refuses a second BGP AS
            raise ConfigError(f"Error: The BGP instance has been configured with AS number {cfg.bgp.as_number}.")

    s.stage(op)
    s.enter(v.BGP_VIEW)


@command("undo bgp [<asn:AS>]", v.SYSTEM)
def undo_bgp(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(cfg, "bgp", None))


@command("router-id <rid:IPV4>", v.BGP)
def router_id(s: CliSession, a: Args) -> None:
    rid = a.ip("rid")
    s.stage(lambda cfg: setattr(_bgp(cfg), "router_id", rid))


@command("undo router-id", v.BGP)
def undo_router_id(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(_bgp(cfg), "router_id", None))


@command("peer <ip:IPV4> as-number <asn:AS>", v.BGP)
def peer_as(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    asn = str(a["asn"])

    def op(cfg: RouterConfig) -> None:
        b = _bgp(cfg)
        if ip in b.peers:
            b.peers[ip].as_number = asn
            return
        b.peers[ip] = BgpPeer(address=ip, as_number=asn)
        # VRP8 enables a new peer in the IPv4 unicast family by itself (the
        # reference's files show "peer X enable" there that nobody typed).
        if ip not in b.unicast.enabled_peers:
            b.unicast.enabled_peers.append(ip)

    s.stage(op)


def _peer(cfg: RouterConfig, ip: IPv4Address) -> BgpPeer:
    b = _bgp(cfg)
    if ip not in b.peers:
        raise ConfigError(f"Error: The peer {ip} does not exist.")  # twin's choice
    return b.peers[ip]


@command("undo peer <ip:IPV4>", v.BGP)
def undo_peer(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")

    def op(cfg: RouterConfig) -> None:
        _peer(cfg, ip)
        b = _bgp(cfg)
        del b.peers[ip]
        for fam in (b.unicast, b.vpnv4):
            if fam is not None and ip in fam.enabled_peers:
                fam.enabled_peers.remove(ip)
            if fam is not None and ip in fam.reflect_clients:
                fam.reflect_clients.remove(ip)

    s.stage(op)


@command("peer <ip:IPV4> connect-interface <ifname:IFNAME>", v.BGP)
def peer_connect_interface(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    name = str(a["ifname"])
    s.stage(lambda cfg: setattr(_peer(cfg, ip), "connect_interface", name))


@command("undo peer <ip:IPV4> connect-interface [<ifname:IFNAME>]", v.BGP)
def undo_peer_connect_interface(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    s.stage(lambda cfg: setattr(_peer(cfg, ip), "connect_interface", None))


@command("peer <ip:IPV4> description <text:TEXT>", v.BGP)
def peer_description(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    text = str(a["text"])
    s.stage(lambda cfg: setattr(_peer(cfg, ip), "description", text))


def _family_peers(cfg: RouterConfig, view: v.View) -> list[IPv4Address]:
    b = _bgp(cfg)
    if view.kind == v.BGP_VPNV4:
        if b.vpnv4 is None:
            raise ConfigError("Error: The address family is not configured.")  # twin's choice
        return b.vpnv4.enabled_peers
    return b.unicast.enabled_peers


@command("peer <ip:IPV4> enable", v.BGP, v.BGP_UNICAST, v.BGP_VPNV4)
def peer_enable(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    view = s.view

    def op(cfg: RouterConfig) -> None:
        _peer(cfg, ip)
        peers = _family_peers(cfg, view)
        if ip not in peers:
            peers.append(ip)

    s.stage(op)


@command("undo peer <ip:IPV4> enable", v.BGP, v.BGP_UNICAST, v.BGP_VPNV4)
def undo_peer_enable(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    view = s.view

    def op(cfg: RouterConfig) -> None:
        peers = _family_peers(cfg, view)
        if ip in peers:
            peers.remove(ip)
        family = _family(cfg, view)
        if ip in family.reflect_clients:  # a peer's per-family settings go with the family
            family.reflect_clients.remove(ip)

    s.stage(op)


def _family(cfg: RouterConfig, view: v.View) -> BgpUnicastFamily | BgpVpnv4Family:
    """The address family a per-family command typed in *view* configures."""
    b = _bgp(cfg)
    if view.kind == v.BGP_VPNV4:
        if b.vpnv4 is None:
            raise ConfigError("Error: The address family is not configured.")  # twin's choice
        return b.vpnv4
    return b.unicast  # the bgp view itself is the IPv4 unicast family


@command("peer <ip:IPV4> reflect-client", v.BGP, v.BGP_UNICAST, v.BGP_VPNV4)
def peer_reflect_client(s: CliSession, a: Args) -> None:
    """Make the peer a route-reflector client in this family (VRP: IBGP peers only)."""
    ip = a.ip("ip")
    view = s.view

    def op(cfg: RouterConfig) -> None:
        peer = _peer(cfg, ip)
        if peer.as_number != _bgp(cfg).as_number:
            # twin's choice text: reflection applies to IBGP peers only
            raise ConfigError(f"Error: The peer {ip} is not an IBGP peer.")
        clients = _family(cfg, view).reflect_clients
        if ip not in clients:
            clients.append(ip)

    s.stage(op)


@command("undo peer <ip:IPV4> reflect-client", v.BGP, v.BGP_UNICAST, v.BGP_VPNV4)
def undo_peer_reflect_client(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    view = s.view

    def op(cfg: RouterConfig) -> None:
        clients = _family(cfg, view).reflect_clients
        if ip in clients:
            clients.remove(ip)

    s.stage(op)


@command("reflector cluster-id <cid:CLUSTER>", v.BGP, v.BGP_UNICAST, v.BGP_VPNV4)
def reflector_cluster_id(s: CliSession, a: Args) -> None:
    cid, view = a.text("cid"), s.view

    def op(cfg: RouterConfig) -> None:
        _family(cfg, view).cluster_id = cid

    s.stage(op)


@command("undo reflector cluster-id [<cid:CLUSTER>]", v.BGP, v.BGP_UNICAST, v.BGP_VPNV4)
def undo_reflector_cluster_id(s: CliSession, a: Args) -> None:
    view = s.view

    def op(cfg: RouterConfig) -> None:
        _family(cfg, view).cluster_id = None

    s.stage(op)


IMPORT = "import-route { direct | static | ospf <pid:INT(1-65535)> }"


def _import_name(a: Args) -> str:
    if a.has("ospf"):
        return f"ospf {a['pid']}"
    return "direct" if a.has("direct") else "static"


def _imports(cfg: RouterConfig, view: v.View) -> list[str]:
    b = _bgp(cfg)
    if view.kind == v.BGP_VRF:
        assert view.name is not None
        if view.name not in b.vrfs:
            raise ConfigError("Error: The address family is not configured.")  # twin's choice
        return b.vrfs[view.name].import_routes
    return b.unicast.import_routes  # "import-route" typed in the bgp view = unicast family


@command(IMPORT, v.BGP, v.BGP_UNICAST, v.BGP_VRF)
def import_route(s: CliSession, a: Args) -> None:
    what, view = _import_name(a), s.view

    def op(cfg: RouterConfig) -> None:
        routes = _imports(cfg, view)
        if what not in routes:
            routes.append(what)

    s.stage(op)


@command("undo " + IMPORT, v.BGP, v.BGP_UNICAST, v.BGP_VRF)
def undo_import_route(s: CliSession, a: Args) -> None:
    what, view = _import_name(a), s.view

    def op(cfg: RouterConfig) -> None:
        routes = _imports(cfg, view)
        if what in routes:
            routes.remove(what)

    s.stage(op)


@command("undo synchronization", v.BGP, v.BGP_UNICAST)
def undo_synchronization(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(_bgp(cfg).unicast, "synchronization", False))


@command("ipv4-family unicast", v.BGP)
def family_unicast(s: CliSession, a: Args) -> None:
    s.enter(v.BGP_UNICAST_VIEW)


@command("ipv4-family vpnv4 [unicast]", v.BGP)
def family_vpnv4(s: CliSession, a: Args) -> None:
    def op(cfg: RouterConfig) -> None:
        b = _bgp(cfg)
        if b.vpnv4 is None:
            b.vpnv4 = BgpVpnv4Family()

    s.stage(op)
    s.enter(v.BGP_VPNV4_VIEW)


@command("undo ipv4-family vpnv4 [unicast]", v.BGP)
def undo_family_vpnv4(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(_bgp(cfg), "vpnv4", None))


@command("ipv4-family vpn-instance <vpn:WORD>", v.BGP)
def family_vrf(s: CliSession, a: Args) -> None:
    name = str(a["vpn"])

    def op(cfg: RouterConfig) -> None:
        _bgp(cfg).vrfs.setdefault(name, BgpVrfFamily(vpn_instance=name))

    s.stage(op)
    s.enter(v.bgp_vrf_view(name))


@command("undo ipv4-family vpn-instance <vpn:WORD>", v.BGP)
def undo_family_vrf(s: CliSession, a: Args) -> None:
    name = str(a["vpn"])

    def op(cfg: RouterConfig) -> None:
        _bgp(cfg).vrfs.pop(name, None)

    s.stage(op)


@command("policy vpn-target", v.BGP_VPNV4)
def policy_vpn_target(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(_bgp(cfg).vpnv4, "policy_vpn_target", True))


@command("undo policy vpn-target", v.BGP_VPNV4)
def undo_policy_vpn_target(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(_bgp(cfg).vpnv4, "policy_vpn_target", False))


def _vrf(cfg: RouterConfig, view: v.View) -> BgpVrfFamily:
    b = _bgp(cfg)
    assert view.name is not None
    if view.name not in b.vrfs:
        raise ConfigError("Error: The address family is not configured.")  # twin's choice
    return b.vrfs[view.name]


@command("peer <ip:IPV4> as-number <asn:AS>", v.BGP_VRF)
def vrf_peer(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    asn, view = str(a["asn"]), s.view

    def op(cfg: RouterConfig) -> None:
        vrf = _vrf(cfg, view)
        if ip in vrf.peers:
            vrf.peers[ip].as_number = asn
        else:
            vrf.peers[ip] = BgpPeer(address=ip, as_number=asn)

    s.stage(op)


@command("undo peer <ip:IPV4>", v.BGP_VRF)
def undo_vrf_peer(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    view = s.view

    def op(cfg: RouterConfig) -> None:
        if _vrf(cfg, view).peers.pop(ip, None) is None:
            raise ConfigError(f"Error: The peer {ip} does not exist.")  # twin's choice

    s.stage(op)


@command("maximum load-balancing <n:INT(1-64)>", v.BGP_VRF)
def max_lb(s: CliSession, a: Args) -> None:
    n, view = a.num("n"), s.view
    s.stage(lambda cfg: setattr(_vrf(cfg, view), "maximum_load_balancing", n))


@command("undo maximum load-balancing", v.BGP_VRF)
def undo_max_lb(s: CliSession, a: Args) -> None:
    view = s.view
    s.stage(lambda cfg: setattr(_vrf(cfg, view), "maximum_load_balancing", None))


@command("load-balancing igp-metric-ignore", v.BGP_VRF)
def lb_igp_metric_ignore(s: CliSession, a: Args) -> None:
    view = s.view
    s.stage(lambda cfg: setattr(_vrf(cfg, view), "load_balancing_igp_metric_ignore", True))


@command("undo load-balancing igp-metric-ignore", v.BGP_VRF)
def undo_lb_igp_metric_ignore(s: CliSession, a: Args) -> None:
    view = s.view
    s.stage(lambda cfg: setattr(_vrf(cfg, view), "load_balancing_igp_metric_ignore", False))


@command("synchronization", v.BGP, v.BGP_UNICAST)
def synchronization(s: CliSession, a: Args) -> None:
    s.stage(lambda cfg: setattr(_bgp(cfg).unicast, "synchronization", True))


@command("undo peer <ip:IPV4> description", v.BGP)
def undo_peer_description(s: CliSession, a: Args) -> None:
    ip = a.ip("ip")
    s.stage(lambda cfg: setattr(_peer(cfg, ip), "description", None))
