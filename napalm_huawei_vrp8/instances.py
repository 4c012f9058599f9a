"""``get_network_instances``: VRP's VPN instances (``L3VRF``) and the public one (``default``).

From ``display ip vpn-instance verbose`` (name, route distinguisher of the
IPv4 family -- else of the IPv6 one --, bound interfaces) and ``display
interface brief`` (every interface; those bound to no VPN instance belong to
``default``). A VPN instance without a route distinguisher reports ``""``, as
does ``default`` (NAPALM's example shows None; its model says a string).
"""

from __future__ import annotations

from napalm.base import models

from vrpbook.parsers.interface_brief import InterfaceBrief
from vrpbook.parsers.vpn_instance import VpnInstance, VpnInstances

DEFAULT = "default"


def _rd(instance: VpnInstance) -> str:
    families = sorted(instance.address_families, key=lambda af: af.afi != "ipv4")
    return next((af.route_distinguisher for af in families if af.route_distinguisher), "")


def network_instances(vpns: VpnInstances, brief: InterfaceBrief, name: str = "") -> dict[str, models.NetworkInstanceDict]:
    """NAPALM's ``get_network_instances``; *name* selects one (unknown: ``{}``)."""
    out: dict[str, models.NetworkInstanceDict] = {}
    bound: set[str] = set()
    for instance in vpns.instances:
        bound.update(instance.interfaces)
        out[instance.name] = {
            "name": instance.name,
            "type": "L3VRF",
            "state": {"route_distinguisher": _rd(instance)},
            "interfaces": {"interface": {ifname: {} for ifname in instance.interfaces}},
        }
    out[DEFAULT] = {
        "name": DEFAULT,
        "type": "DEFAULT_INSTANCE",
        "state": {"route_distinguisher": ""},
        "interfaces": {"interface": {row.interface: {} for row in brief.interfaces if row.interface not in bound}},
    }
    if name:
        return {name: out[name]} if name in out else {}
    return out
