"""Every check by name: the names runbooks' ``gates:`` (and ``vrpbook check``) refer to."""

from __future__ import annotations

from typing import Any

from .api import Check
from .bfd import BfdSessionsUp
from .bgp import EbgpPeersEstablished, Vpnv4PeersEstablished
from .config import ConfigLinesPresent
from .ldp import LdpSessionsOperational
from .ospf import OspfLoopbackRoutes
from .static import StaticRoutesInstalled
from .vpn import VpnInstancesUp, VpnRouteEcmp, VpnStaticRoutes

CHECKS: dict[str, Check[Any]] = {
    c.name: c
    for c in (
        OspfLoopbackRoutes(),
        LdpSessionsOperational(),
        VpnInstancesUp(),
        Vpnv4PeersEstablished(),
        StaticRoutesInstalled(),
        VpnStaticRoutes(),
        EbgpPeersEstablished(),
        VpnRouteEcmp(),
        BfdSessionsUp(),
        ConfigLinesPresent(),
    )
}
