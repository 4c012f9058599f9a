"""Every check by name: the names runbooks' ``gates:`` and ``vrpbook check`` catalogs refer to.

``CHECKS`` holds vrpbook's gates, ``COMPLIANCE_CHECKS`` the checks only ``vrpbook
check`` runs. Others register through the
``vrpbook.checks`` entry-point group of any installed distribution, the way
Nornir finds connection plugins::

    [project.entry-points."vrpbook.checks"]
    interfaces-described = "netops_checks.describe:InterfacesDescribed"

The object an entry point names is a :class:`~vrpbook.checks.api.Check`
subclass (instantiated without arguments) or instance; its ``name`` must be
the entry point's name. :func:`all_checks` loads them; a broken plugin is a
one-line :class:`CheckPluginError` naming the entry point and distribution,
never a traceback and never a silently missing check.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

from vrpbook.errors import UsageError

from .api import Check
from .bfd import BfdDetectTime, BfdSessionsUp
from .bgp import EbgpPeersEstablished, Vpnv4PeersEstablished
from .config import ConfigCompliance, ConfigLinesPresent, SavedEqualsRunning
from .interfaces import InterfacesUp
from .ldp import LdpSessionsOperational
from .ospf import OspfLoopbackRoutes
from .session import NoPendingTrial, NoStaleConfigLock
from .static import StaticRoutesInstalled
from .vpn import VpnInstancesUp, VpnRouteEcmp, VpnStaticRoutes

ENTRY_POINT_GROUP = "vrpbook.checks"

#: The checks runbooks gate stages on (and ``vrpbook check`` runs too).
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

#: The checks only ``vrpbook check`` runs: judged on a network at rest. Mid-run they would
#: judge the run itself (its own pending trial, the configuration before its last stage,
#: not yet saved); ``interfaces-up`` and ``bfd-detect-time`` could gate a stage, no runbook asks yet.
COMPLIANCE_CHECKS: dict[str, Check[Any]] = {
    c.name: c
    for c in (
        InterfacesUp(),
        BfdDetectTime(),
        ConfigCompliance(),
        SavedEqualsRunning(),
        NoPendingTrial(),
        NoStaleConfigLock(),
    )
}


class CheckPluginError(UsageError):
    """An entry point of ``vrpbook.checks`` that does not give a usable check (exit 2)."""


def _where(ep: EntryPoint) -> str:
    dist = ep.dist.name if ep.dist is not None else "?"
    return f"entry point {ENTRY_POINT_GROUP}:{ep.name} = {ep.value} (distribution {dist})"


def load_entry_point(ep: EntryPoint) -> Check[Any]:
    """The check an entry point names, validated."""
    try:
        obj = ep.load()
    except Exception as exc:  # any import failure of third-party code: one line, no traceback
        raise CheckPluginError(f"{_where(ep)}: cannot load: {type(exc).__name__}: {exc}") from None
    if isinstance(obj, type) and issubclass(obj, Check):
        try:
            obj = obj()
        except Exception as exc:  # a constructor of third-party code
            raise CheckPluginError(f"{_where(ep)}: cannot instantiate: {type(exc).__name__}: {exc}") from None
    if not isinstance(obj, Check):
        what = obj.__name__ if isinstance(obj, type) else type(obj).__name__
        raise CheckPluginError(f"{_where(ep)}: is {what}, not a vrpbook.checks.Check")
    missing = [a for a in ("name", "description", "requires", "params_model") if not hasattr(obj, a)]
    if missing:
        raise CheckPluginError(f"{_where(ep)}: the check does not set {', '.join(missing)}")
    if obj.name != ep.name:
        raise CheckPluginError(f"{_where(ep)}: the check is named {obj.name!r}, not {ep.name!r}")
    return obj


def all_checks() -> dict[str, Check[Any]]:
    """vrpbook's checks plus every check registered under the ``vrpbook.checks`` entry points."""
    out = {**CHECKS, **COMPLIANCE_CHECKS}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name in out:
            raise CheckPluginError(f"{_where(ep)}: the name {ep.name!r} is already a check")
        out[ep.name] = load_entry_point(ep)
    return out
