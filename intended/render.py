"""A router's intended configuration, as ``display current-configuration`` prints it.

Declarative Jinja2 templates, one per section (``intended/templates/``), fed
the router's typed intent. The text has VRP's shape: each block after a ``#``
line, blocks in the order VRP prints them (sysname, VPN instances, bfd, mpls
lsr-id, mpls, mpls ldp, interfaces, bgp, ospf, load-balance, static routes, BFD
sessions), then ``#`` and ``return``; lines in VRP's spelling (dotted masks,
``vpn-target X export-extcommunity`` / ``import-extcommunity``, the defaults
VRP prints such as ``apply-label per-instance``, ``undo synchronization``,
``policy vpn-target``, and the ``peer X enable`` VRP adds to the unicast family
for every peer). Only what the intent says is rendered: on the reference
network the text equals the reference's configuration file without its
``undo shutdown`` lines (the intent does not describe port state).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Interface
from pathlib import Path

import jinja2
from hier_config import HConfig

from vrpbook.intent import HostIntent, InterfaceIntent, NetworkIntent
from vrpbook.vrp import interface_sort_key

from .scope import Scope, managed_scope
from .tree import parse_display

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The section templates, in the order VRP prints the sections.
SECTIONS = (
    "sysname.j2",
    "vpn_instances.j2",
    "globals.j2",
    "interfaces.j2",
    "bgp.j2",
    "ospf.j2",
    "load_balance.j2",
    "static_routes.j2",
    "bfd_sessions.j2",
)

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    undefined=jinja2.StrictUndefined,  # a missing intent field is an error, not an empty line
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,
)


@dataclass(frozen=True)
class _Loopback:
    """A loopback seen by the interface template: an address and nothing else."""

    address: IPv4Interface
    vpn_instance: None = None
    ospf_cost: None = None
    mpls_ldp: bool = False


@dataclass(frozen=True)
class IntendedConfig:
    """One router's intended configuration: the text, its tree, and the scope it covers."""

    router: str
    text: str
    scope: Scope

    @property
    def tree(self) -> HConfig:
        """The intended configuration as a tree (a new one each time: callers may change it)."""
        return self.scope.filter(parse_display(self.text))


def render_intended(router: str, it: HostIntent) -> str:
    """The intended ``display current-configuration`` of *router*, from ``#`` to ``return``."""
    interfaces: dict[str, InterfaceIntent | _Loopback] = {n: _Loopback(a) for n, a in it.loopbacks.items()}
    interfaces.update(it.interfaces)
    ordered = sorted(interfaces.items(), key=lambda kv: interface_sort_key(kv[0]))
    text = "".join(_ENV.get_template(name).render(i=it, router=router, interfaces=ordered) for name in SECTIONS)
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    return "\n".join([*lines, "#", "return"]) + "\n"


def intended_config(router: str, net: NetworkIntent) -> IntendedConfig:
    """*router*'s intended configuration within its managed scope."""
    it = net[router]
    return IntendedConfig(router, render_intended(router, it), managed_scope(router, it))
