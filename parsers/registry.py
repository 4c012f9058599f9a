"""Which builder assembles the result of which command (keys of ``commands.SPECS``)."""

from __future__ import annotations

from collections.abc import Callable

from vrpbook.parsers import bfd, bgp, commit_list, config_state, interface_brief, ldp, ospf, routing, vpn_instance
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
    "configuration_trial_status": config_state.build_trial_status,
    "configuration_occupied_user": config_state.build_configuration_lock,
    "current_configuration": config_state.build_current_configuration,
}
