"""The managed scope: which sections of a router's configuration vrpbook owns, line by line.

vrpbook replaces configuration only inside this scope: a line in scope that the
intent does not hold is removed; anything outside it is never read into a
comparison and never touched. The scope is built per router from its intent:

=============================  ==============================================================
section                        lines vrpbook owns in it
=============================  ==============================================================
``sysname``                    the line
``ip vpn-instance V``          for each V the intent names: ``ipv4-family``, its
                               ``route-distinguisher`` and every ``vpn-target``
``bfd``                        the global switch
``mpls lsr-id``, ``mpls``,     the global lines
``mpls ldp``
``interface I``                for each interface the intent names (loopbacks included):
                               ``ip binding vpn-instance``, ``ip address`` (also ``sub``),
                               ``ospf cost``, ``mpls``, ``mpls ldp``
``bgp AS``                     when the intent has BGP: the section itself (another AS is
                               removed), every ``peer X as-number`` / ``connect-interface``;
                               ``ipv4-family unicast``: ``import-route``, ``peer X enable``,
                               ``reflector cluster-id``, ``peer X reflect-client``;
                               ``ipv4-family vpnv4``: the family, ``policy vpn-target`` or
                               ``undo policy vpn-target``, ``reflector cluster-id``,
                               ``peer X enable``, ``peer X reflect-client``;
                               ``ipv4-family vpn-instance V`` for each V
                               the intent names: the family, ``peer X as-number``,
                               ``import-route``, ``maximum load-balancing``,
                               ``load-balancing igp-metric-ignore``
``ospf P``                     the intent's process P: its ``area`` sections and their
                               ``network`` lines (``router-id`` is left as it is)
``load-balance``               the line
``ip route-static``            every static route, public and VPN
``bfd NAME bind …``            every static BFD session and its timers/discriminators
=============================  ==============================================================

Never in scope: interfaces the intent does not name, other VPN instances (and
their BGP families), other OSPF processes, BGP when the intent has none,
``description`` lines, ``shutdown`` / ``undo shutdown``, ``apply-label``,
``undo synchronization``, ``aaa``, ``user-interface``, ``snmp-agent``, and
every section not listed above.

Each managed line also has a **kind**: the lines that must change together
(an interface's binding and address — binding clears the address; global and
interface MPLS; a VPN instance's RD and targets). The runbook engine gives a
removal to the stage whose templates configure that kind (see
:mod:`vrpbook.runbooks.scope`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hier_config import HConfig, HConfigChild

from vrpbook.intent import HostIntent
from vrpbook.vrp import interface_sort_key

from .tree import Node, new_tree

__all__ = ["Managed", "Scope", "managed_scope"]


@dataclass(frozen=True)
class Managed:
    """A managed line at one level of the tree: the pattern its text fully matches,
    its kind, the managed lines inside it, and how the comparison names it."""

    pattern: str
    kind: str
    children: tuple[Managed, ...] = ()
    #: name of the section a top-level *leaf* line is reported under (``ip route-static``)
    section: str | None = None
    #: the text the line is compared as (``ospf 1 router-id X`` → ``ospf 1``)
    canonical: str | None = None
    _re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_re", re.compile(self.pattern))

    def matches(self, text: str) -> bool:
        return self._re.fullmatch(text) is not None

    def find(self, text: str) -> Managed | None:
        """The managed child line *text* is, or None (outside the scope)."""
        return next((c for c in self.children if c.matches(text)), None)


def _leaf(pattern: str, kind: str, section: str | None = None) -> Managed:
    return Managed(pattern, kind, section=section)


def _block(pattern: str, kind: str, *children: Managed, canonical: str | None = None) -> Managed:
    return Managed(pattern, kind, tuple(children), canonical=canonical)


@dataclass(frozen=True)
class Scope:
    """One router's managed scope: the top-level managed lines, in the order VRP prints them."""

    router: str
    lines: tuple[Managed, ...]

    @property
    def _root(self) -> Managed:
        return Managed("", "", self.lines)

    def rule_at(self, path: Sequence[str], text: str) -> Managed | None:
        """The managed line *text* is under *path* (the texts of its parents), or None."""
        rule = self._root
        for parent in path:
            found = rule.find(parent)
            if found is None:
                return None
            rule = found
        return rule.find(text)

    def canonical(self, path: Sequence[str]) -> tuple[str, ...]:
        """*path* with every line as it is compared (``ospf 1 router-id X`` → ``ospf 1``)."""
        out: list[str] = []
        rule = self._root
        for text in path:
            found = rule.find(text)
            if found is None:
                out.append(text)
                continue
            out.append(found.canonical or text)
            rule = found
        return tuple(out)

    def section_name(self, top: str) -> str:
        """How the comparison names the top-level section of line *top*."""
        rule = self._root.find(top)
        if rule is None:
            return top
        return rule.section or rule.canonical or top

    def filter(self, tree: HConfig) -> HConfig:
        """A new tree of *tree*'s managed lines only (canonical texts)."""
        out = new_tree()
        _copy(tree, out, self._root)
        return out

    def describe(self) -> list[str]:
        """The scope as readable lines (``plan`` prints it, tests read it)."""
        return list(_describe(self.lines, 0))


def _copy(src: Node, dst: Node, rule: Managed) -> None:
    for child in src.children:
        found = rule.find(child.text)
        if found is None:
            continue
        copy: HConfigChild = dst.add_child(found.canonical or child.text, return_if_present=True)
        if found.children:
            _copy(child, copy, found)


def _describe(rules: Iterable[Managed], depth: int) -> Iterable[str]:
    for r in rules:
        yield "  " * depth + f"{r.canonical or r.pattern}  [{r.kind}]"
        yield from _describe(r.children, depth + 1)


def _esc(name: str) -> str:
    return re.escape(name)


def managed_scope(router: str, it: HostIntent) -> Scope:
    """The managed scope of *router* (see the module doc for the table)."""
    lines: list[Managed] = [_leaf(r"sysname \S+", "sysname", "sysname")]
    for vpn in it.vpn_instances:
        lines.append(_block(
            rf"ip vpn-instance {_esc(vpn)}", "vpn-instance",
            _block("ipv4-family", "vpn-instance",
                   _leaf(r"route-distinguisher \S+", "vpn-instance"),
                   _leaf(r"vpn-target \S+ (?:both|export-extcommunity|import-extcommunity)", "vpn-instance")),
        ))
    lines += [
        _leaf("bfd", "bfd", "bfd"),
        _leaf(r"mpls lsr-id \S+", "mpls", "mpls lsr-id"),
        _leaf("mpls", "mpls", "mpls"),
        _leaf("mpls ldp", "mpls", "mpls ldp"),
    ]
    names = sorted({*it.loopbacks, *it.interfaces}, key=interface_sort_key)
    for name in names:
        lines.append(_block(
            rf"interface {_esc(name)}", "interface",
            # binding and address are one kind: binding (or unbinding) clears the address
            _leaf(r"ip binding vpn-instance \S+", "interface"),
            _leaf(r"ip address \S+ \S+(?: sub)?", "interface"),
            _leaf(r"ospf cost \d+", "ospf"),
            _leaf("mpls", "mpls"),
            _leaf("mpls ldp", "mpls"),
        ))
    if it.bgp:
        peer = (_leaf(r"peer \S+ as-number \S+", "bgp"), _leaf(r"peer \S+ connect-interface \S+", "bgp"))
        unicast = (_leaf(r"import-route .+", "bgp"), _leaf(r"peer \S+ enable", "bgp"),
                   _leaf(r"reflector cluster-id \S+", "bgp"), _leaf(r"peer \S+ reflect-client", "bgp"))
        vrfs = [
            _block(rf"ipv4-family vpn-instance {_esc(vpn)}", "bgp-vpn-instance",
                   _leaf(r"peer \S+ as-number \S+", "bgp-vpn-instance"),
                   _leaf(r"import-route .+", "bgp-vpn-instance"),
                   _leaf(r"maximum load-balancing \d+", "bgp-vpn-instance"),
                   _leaf("load-balancing igp-metric-ignore", "bgp-vpn-instance"))
            for vpn in it.vpn_instances
        ]
        lines.append(_block(
            r"bgp \S+", "bgp",
            *peer,
            _block("ipv4-family unicast", "bgp", *unicast),
            _block("ipv4-family vpnv4", "bgp-vpnv4", _leaf("(?:undo )?policy vpn-target", "bgp-vpnv4"),
                   _leaf(r"reflector cluster-id \S+", "bgp-vpnv4"), _leaf(r"peer \S+ enable", "bgp-vpnv4"),
                   _leaf(r"peer \S+ reflect-client", "bgp-vpnv4")),
            *vrfs,
        ))
    if it.ospf:
        p = it.ospf.process
        lines.append(_block(
            rf"ospf {p}(?: router-id \S+)?", "ospf",
            _block(r"area \S+", "ospf", _leaf(r"network \S+ \S+", "ospf")),
            canonical=f"ospf {p}",
        ))
    lines += [
        _leaf(r"load-balance .+", "load-balance", "load-balance"),
        _leaf(r"ip route-static (?!vpn-instance ).+", "static", "ip route-static"),
        _leaf(r"ip route-static vpn-instance .+", "static-vpn", "ip route-static"),
        _block(r"bfd \S+ bind .+", "bfd",
               _leaf(r"(?:min-tx-interval|min-rx-interval|detect-multiplier) \d+", "bfd"),
               _leaf(r"discriminator (?:local|remote) \d+", "bfd")),
    ]
    return Scope(router, tuple(lines))
