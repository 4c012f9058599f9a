"""Which builder assembles the result of which command (keys of ``commands.SPECS``)."""

from __future__ import annotations

from collections.abc import Callable

from vrpbook.parsers import (
    bfd,
    bgp,
    bgp_routes,
    commit_list,
    config,
    config_session,
    esn,
    interface_brief,
    ip_interface_brief,
    ldp,
    mpls_lsp,
    ospf,
    routing,
    trial_status,
    version,
    vpn_instance,
)
from vrpbook.parsers.base import Context, ParsedOutput
from vrpbook.parsers.grammar import Match

BUILDERS: dict[str, Callable[[list[Match], Context], ParsedOutput]] = {
    "bfd_session_all": bfd.build_brief,
    "bfd_session_all_verbose": bfd.build_verbose,
    "bgp_peer": bgp.build_bgp_peer,
    "bgp_vpnv4_all_peer": bgp.build_vpnv4_all,
    "bgp_vpnv4_vpn_instance_peer": bgp.build_vpn_instance,
    "ip_routing_table": routing.build_routing_table,
    "ip_routing_table_vpn_instance": routing.build_routing_table,
    "ip_routing_table_protocol_static": routing.build_static_table,
    "mpls_ldp_session": ldp.build,
    "ospf_peer_brief": ospf.build,
    "ip_vpn_instance_verbose": vpn_instance.build,
    "configuration_commit_list": commit_list.build_table,
    "configuration_commit_list_verbose": commit_list.build_verbose,
    "interface_brief": interface_brief.build,
    "ip_interface_brief": ip_interface_brief.build,
    "version": version.build,
    "mpls_lsp": mpls_lsp.build,
    "bgp_vpnv4_all_routing_table": bgp_routes.build_all,
    "bgp_vpnv4_vpn_instance_routing_table": bgp_routes.build_vpn_instance,
    "current_configuration": config.build,
    "saved_configuration": config.build,
    "configuration_trial_status": trial_status.build,
    "configuration_occupied_user": config_session.build_occupied,
    "esn": esn.build,
}
