"""CLI views: what the prompt shows after the sysname, and which view is the parent.

Why explicit objects: the prompt suffix, ``quit`` (up one level) and parent-view
fall-through all follow from the parent chain, and handlers read their context
(interface name, OSPF process, VPN instance ...) from the view they run in.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

USER = "user"
SYSTEM = "system"
INTERFACE = "interface"
OSPF = "ospf"
OSPF_AREA = "ospf-area"
VPN = "vpn-instance"
VPN_AF = "vpn-instance-af"
BGP = "bgp"
BGP_UNICAST = "bgp-af-ipv4"
BGP_VPNV4 = "bgp-af-vpnv4"
BGP_VRF = "bgp-vrf"
BFD = "bfd"
BFD_SESSION = "bfd-session"
MPLS = "mpls"
MPLS_LDP = "mpls-ldp"

CONFIG_VIEWS = (
    SYSTEM, INTERFACE, OSPF, OSPF_AREA, VPN, VPN_AF, BGP, BGP_UNICAST, BGP_VPNV4, BGP_VRF,
    BFD, BFD_SESSION, MPLS, MPLS_LDP,
)


@dataclass(frozen=True)
class View:
    kind: str
    suffix: str = ""
    parent: View | None = None
    name: str | None = None  # interface / vpn instance / bfd session name
    number: int | None = None  # ospf process id
    area: IPv4Address | None = None

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else 1 + self.parent.depth

    def chain(self) -> list[View]:
        """This view and its parents up to (excluding) the user view."""
        out: list[View] = []
        v: View | None = self
        while v is not None and v.kind != USER:
            out.append(v)
            v = v.parent
        return out


USER_VIEW = View(USER)
SYSTEM_VIEW = View(SYSTEM, "", USER_VIEW)


def interface_view(name: str) -> View:
    return View(INTERFACE, f"-{name}", SYSTEM_VIEW, name=name)


def ospf_view(pid: int) -> View:
    return View(OSPF, f"-ospf-{pid}", SYSTEM_VIEW, number=pid)


def ospf_area_view(pid: int, area: IPv4Address) -> View:
    return View(OSPF_AREA, f"-ospf-{pid}-area-{area}", ospf_view(pid), number=pid, area=area)


def vpn_view(name: str) -> View:
    return View(VPN, f"-vpn-instance-{name}", SYSTEM_VIEW, name=name)


def vpn_af_view(name: str) -> View:
    return View(VPN_AF, f"-vpn-instance-{name}-af-ipv4", vpn_view(name), name=name)


BGP_VIEW = View(BGP, "-bgp", SYSTEM_VIEW)
BGP_UNICAST_VIEW = View(BGP_UNICAST, "-bgp-af-ipv4", BGP_VIEW)
BGP_VPNV4_VIEW = View(BGP_VPNV4, "-bgp-af-vpnv4", BGP_VIEW)
BFD_VIEW = View(BFD, "-bfd", SYSTEM_VIEW)
MPLS_VIEW = View(MPLS, "-mpls", SYSTEM_VIEW)
MPLS_LDP_VIEW = View(MPLS_LDP, "-mpls-ldp", SYSTEM_VIEW)


def bgp_vrf_view(name: str) -> View:
    return View(BGP_VRF, f"-bgp-{name}", BGP_VIEW, name=name)


def bfd_session_view(name: str) -> View:
    return View(BFD_SESSION, f"-bfd-session-{name}", SYSTEM_VIEW, name=name)
