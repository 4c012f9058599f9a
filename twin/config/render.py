"""Canonical text of a :class:`RouterConfig`, as ``display current-configuration`` prints it.

Why one renderer: the same text is what ``save`` writes, what a restart
replays, what ``display configuration candidate changes`` and the commit
history diff, so every one of those agrees with the running display by
construction. Block order and spellings follow the reference's configuration
files (sysname, ip vpn-instance, bfd, mpls lsr-id, mpls, mpls ldp, interfaces,
bgp, ospf, load-balance, ip route-static, bfd sessions, return).
"""

from __future__ import annotations

from ipaddress import IPv4Address

from vrpbook.vrp import interface_sort_key

from .model import BfdSession, Bgp, Interface, RouterConfig, StaticRoute, VpnInstance

Block = list[str]


def _mask(prefixlen: int) -> str:
    return str(IPv4Address((0xFFFFFFFF << (32 - prefixlen)) & 0xFFFFFFFF if prefixlen else 0))


def render_interface(ifc: Interface) -> Block:
    lines = [f"interface {ifc.name}"]
    if ifc.description:
        lines.append(f" description {ifc.description}")
    if ifc.physical:
        lines.append(" shutdown" if ifc.shutdown else " undo shutdown")
    elif ifc.shutdown:
        lines.append(" shutdown")
    if ifc.vpn_instance:
        lines.append(f" ip binding vpn-instance {ifc.vpn_instance}")
    if ifc.address is not None:
        lines.append(f" ip address {ifc.address.ip} {ifc.address.netmask}")
    # twin's choice: "ospf cost" after the address (no evidence for its position)
    if ifc.ospf_cost is not None:
        lines.append(f" ospf cost {ifc.ospf_cost}")
    if ifc.mpls:
        lines.append(" mpls")
    if ifc.mpls_ldp:
        lines.append(" mpls ldp")
    return lines


def render_vpn_instance(vpn: VpnInstance) -> Block:
    lines = [f"ip vpn-instance {vpn.name}"]
    if vpn.description:
        lines.append(f" description {vpn.description}")
    if vpn.ipv4_family:
        lines.append(" ipv4-family")
        if vpn.route_distinguisher:
            lines.append(f"  route-distinguisher {vpn.route_distinguisher}")
        lines.append(f"  apply-label {vpn.apply_label}")
        lines += [f"  vpn-target {rt} export-extcommunity" for rt in vpn.export_targets]
        lines += [f"  vpn-target {rt} import-extcommunity" for rt in vpn.import_targets]
    return lines


def render_bgp(bgp: Bgp) -> Block:
    lines = [f"bgp {bgp.as_number}"]
    if bgp.router_id is not None:
        lines.append(f" router-id {bgp.router_id}")
    for peer in bgp.peers.values():
        lines.append(f" peer {peer.address} as-number {peer.as_number}")
        if peer.description:
            lines.append(f" peer {peer.address} description {peer.description}")
        if peer.ebgp_max_hop is not None:
            lines.append(f" peer {peer.address} ebgp-max-hop {peer.ebgp_max_hop}")
        if peer.connect_interface:
            lines.append(f" peer {peer.address} connect-interface {peer.connect_interface}")
    lines += [" #", " ipv4-family unicast"]
    lines.append("  synchronization" if bgp.unicast.synchronization else "  undo synchronization")
    if bgp.unicast.cluster_id is not None:
        lines.append(f"  reflector cluster-id {bgp.unicast.cluster_id}")
    lines += [f"  import-route {r}" for r in bgp.unicast.import_routes]
    lines += _family_peers(bgp.unicast.enabled_peers, bgp.unicast.reflect_clients)
    if bgp.vpnv4 is not None:
        lines += [" #", " ipv4-family vpnv4"]
        if bgp.vpnv4.cluster_id is not None:
            lines.append(f"  reflector cluster-id {bgp.vpnv4.cluster_id}")
        # VRP prints its default ("policy vpn-target") and the undo of it.
        lines.append("  policy vpn-target" if bgp.vpnv4.policy_vpn_target else "  undo policy vpn-target")
        lines += _family_peers(bgp.vpnv4.enabled_peers, bgp.vpnv4.reflect_clients)
    for vrf in bgp.vrfs.values():
        lines += [" #", f" ipv4-family vpn-instance {vrf.vpn_instance}"]
        for peer in vrf.peers.values():
            lines.append(f"  peer {peer.address} as-number {peer.as_number}")
        lines += [f"  import-route {r}" for r in vrf.import_routes]
        if vrf.maximum_load_balancing is not None:
            lines.append(f"  maximum load-balancing {vrf.maximum_load_balancing}")
        # twin's choice: printed after "maximum load-balancing" (no evidence for its position)
        if vrf.load_balancing_igp_metric_ignore:
            lines.append("  load-balancing igp-metric-ignore")
    return lines


def _family_peers(enabled: list[IPv4Address], clients: list[IPv4Address]) -> list[str]:
    """``peer X enable`` per peer, each followed by its ``peer X reflect-client``.

    twin's choice: no source shows a route reflector's configuration file; the
    per-peer lines follow the peer's ``enable`` (VRP groups a peer's lines),
    and ``reflector cluster-id`` opens the family block.
    """
    lines: list[str] = []
    for p in enabled:
        lines.append(f"  peer {p} enable")
        if p in clients:
            lines.append(f"  peer {p} reflect-client")
    lines += [f"  peer {p} reflect-client" for p in clients if p not in enabled]
    return lines


def render_static_route(route: StaticRoute) -> str:
    parts = ["ip route-static"]
    if route.vpn_instance:
        parts += ["vpn-instance", route.vpn_instance]
    parts += [str(route.prefix.network_address), str(route.prefix.netmask)]
    if route.interface:
        parts.append(route.interface)
    if route.nexthop is not None:
        parts.append(str(route.nexthop))
    if route.preference is not None:
        parts += ["preference", str(route.preference)]
    if route.track_bfd_session:
        parts += ["track", "bfd-session", route.track_bfd_session]
    if route.description:
        parts += ["description", route.description]
    return " ".join(parts)


def render_bfd_session(sess: BfdSession) -> Block:
    parts = [f"bfd {sess.name} bind peer-ip {sess.peer_ip}"]
    if sess.vpn_instance:
        parts.append(f"vpn-instance {sess.vpn_instance}")
    if sess.interface:
        parts.append(f"interface {sess.interface}")
    if sess.source_ip is not None:
        parts.append(f"source-ip {sess.source_ip}")
    if sess.auto:
        parts.append("auto")
    lines = [" ".join(parts)]
    if sess.local_discriminator is not None:
        lines.append(f" discriminator local {sess.local_discriminator}")
    if sess.remote_discriminator is not None:
        lines.append(f" discriminator remote {sess.remote_discriminator}")
    # Defaults (10/10/3) are not printed, like every VRP default.
    if sess.min_tx_interval != 10:
        lines.append(f" min-tx-interval {sess.min_tx_interval}")
    if sess.min_rx_interval != 10:
        lines.append(f" min-rx-interval {sess.min_rx_interval}")
    if sess.detect_multiplier != 3:
        lines.append(f" detect-multiplier {sess.detect_multiplier}")
    if sess.description:
        lines.append(f" description {sess.description}")
    return lines


def render_blocks(cfg: RouterConfig) -> list[Block]:
    """The configuration as ``#``-separated blocks, in VRP's order."""
    blocks: list[Block] = [[f"sysname {cfg.sysname}"]]
    blocks += [render_vpn_instance(v) for v in cfg.vpn_instances.values()]
    if cfg.bfd_enabled:
        blocks.append(["bfd"])
    if cfg.mpls_lsr_id is not None:
        blocks.append([f"mpls lsr-id {cfg.mpls_lsr_id}"])
    if cfg.mpls_enabled:
        blocks.append(["mpls"])
    if cfg.mpls_ldp_enabled:
        blocks.append(["mpls ldp"])
    for name in sorted(cfg.interfaces, key=interface_sort_key):
        blocks.append(render_interface(cfg.interfaces[name]))
    if cfg.bgp is not None:
        blocks.append(render_bgp(cfg.bgp))
    for ospf in cfg.ospf.values():
        head = f"ospf {ospf.process_id}"
        if ospf.router_id is not None:
            head += f" router-id {ospf.router_id}"
        lines = [head]
        for area in ospf.areas.values():
            lines.append(f" area {area.area_id}")
            lines += [f"  network {n.address} {n.wildcard}" for n in area.networks]
        blocks.append(lines)
    if cfg.load_balance_packet_all:
        blocks.append(["load-balance packet all"])
    if cfg.static_routes:
        blocks.append([render_static_route(r) for r in cfg.static_routes])
    blocks += [render_bfd_session(s) for s in cfg.bfd_sessions.values()]
    return blocks


def frame(blocks: list[Block]) -> list[str]:
    """Blocks as VRP prints a configuration: each after a ``#``, then ``#``, ``return``."""
    lines: list[str] = []
    for block in blocks:
        lines.append("#")
        lines += block
    lines += ["#", "return"]
    return lines


def render_body(cfg: RouterConfig) -> list[str]:
    """From the first ``#`` to ``return`` (what the reference's files show)."""
    return frame(render_blocks(cfg))


def render_header(version: str, updated_at: str) -> list[str]:
    """The ``!`` lines a real VRP8 prints before the first ``#`` (VRP8.md 5)."""
    return [f"!Software Version {version}", f"!Last configuration was updated at {updated_at}"]
