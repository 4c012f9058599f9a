"""Checks a commit must pass: what VRP refuses at commit time.

Why at commit: two sessions' candidates merge onto the *current* running
configuration, so only at commit is the final configuration known. A refused
commit changes nothing and the session keeps its candidate (VRP8.md 2). No
public sample shows these texts: they are the twin's choice, in VRP's
``Error: <sentence>.`` shape.
"""

from __future__ import annotations

from ipaddress import IPv4Interface

from .model import RouterConfig


class CommitError(Exception):
    """A commit VRP refuses: the message is the full ``Error: ...`` line."""


def validate_commit(old: RouterConfig, new: RouterConfig) -> None:
    """Raise :class:`CommitError` naming the first problem in an operator's
    commit from *old* to *new*: the transition rules, then consistency."""
    validate_transition(old, new)
    validate_config(new)


def validate_transition(old: RouterConfig, new: RouterConfig) -> None:
    """Rules on how an operator may change a value (VRP wants the old RD undone
    before a new one is set). They do not apply to a rollback or a trial revert,
    which restore a configuration that was itself committed: VRP's rollback
    sequences the undo/redo itself."""
    for name, vpn in new.vpn_instances.items():
        before = old.vpn_instances.get(name)
        if before and before.route_distinguisher and vpn.route_distinguisher not in (None, before.route_distinguisher):
            # twin's choice text
            raise CommitError(
                f"Error: The route-distinguisher of VPN instance {name} cannot be changed; "
                f"undo the existing one ({before.route_distinguisher}) first."
            )


def validate_config(new: RouterConfig) -> None:
    """Consistency rules every running configuration must satisfy."""
    for ifc in new.interfaces.values():
        if ifc.vpn_instance and ifc.vpn_instance not in new.vpn_instances:
            raise CommitError(f"Error: The VPN instance {ifc.vpn_instance} does not exist.")  # twin's choice
    for route in new.static_routes:
        if route.vpn_instance and route.vpn_instance not in new.vpn_instances:
            raise CommitError(f"Error: The VPN instance {route.vpn_instance} does not exist.")  # twin's choice
        if route.track_bfd_session and route.track_bfd_session not in new.bfd_sessions:
            # twin's choice text
            raise CommitError(f"Error: The BFD session {route.track_bfd_session} does not exist.")
    for sess in new.bfd_sessions.values():
        if sess.vpn_instance and sess.vpn_instance not in new.vpn_instances:
            raise CommitError(f"Error: The VPN instance {sess.vpn_instance} does not exist.")  # twin's choice
        if not new.bfd_enabled:
            raise CommitError("Error: BFD is not enabled globally.")  # twin's choice
    if new.bgp:
        for vrf in new.bgp.vrfs:
            if vrf not in new.vpn_instances:
                raise CommitError(f"Error: The VPN instance {vrf} does not exist.")  # twin's choice
    _check_overlaps(new)


def _check_overlaps(cfg: RouterConfig) -> None:
    seen: list[tuple[str | None, IPv4Interface, str]] = []
    for ifc in cfg.interfaces.values():
        if ifc.address is None:
            continue
        for vrf, addr, other in seen:
            if vrf == ifc.vpn_instance and (addr.network.overlaps(ifc.address.network)):
                # twin's choice text
                raise CommitError(
                    f"Error: The address {ifc.address.ip}/{ifc.address.network.prefixlen} of "
                    f"{ifc.name} overlaps with the address of {other}."
                )
        seen.append((ifc.vpn_instance, ifc.address, ifc.name))
