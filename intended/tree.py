"""The one boundary to hier_config: VRP configuration text as a tree, and VRP's undo forms.

hier_config (``Platform.HUAWEI_VRP``) parses ``display current-configuration``
by indentation, negates with ``undo`` and leaves sections with ``quit``. What
vrpbook adds on top, as hier_config driver rules rather than code around it:

- **idempotent lines** (a new value replaces the old one, no ``undo`` needed):
  ``sysname``, ``mpls lsr-id``, an interface's primary ``ip address``,
  ``ip binding vpn-instance``, ``ospf cost``, a BGP peer's ``as-number`` and
  ``connect-interface``, ``maximum load-balancing``, and a static route
  re-entered with the same (VPN instance, prefix, mask, next hop) — VRP
  replaces the route, which is how ``track bfd-session`` is added to it;
- **undo forms VRP accepts** where ``undo`` + the whole line is not one:
  ``undo bfd NAME`` (not ``undo bfd NAME bind …``), ``undo peer X`` (not
  ``… as-number N``), ``undo maximum load-balancing``, ``undo ospf cost``,
  ``undo mpls lsr-id``, ``undo reflector cluster-id``;
- **order** of top-level remediation lines: static routes stop being removed
  or re-tracked before BFD sessions go, BFD sessions before global ``bfd``,
  interface MPLS before global MPLS; a BFD session is (re)created after its
  old binding is undone; static routes are (re)entered last, after the BFD
  sessions they track;
- **views left**: ``bfd``, ``mpls``, ``mpls ldp`` and ``bfd NAME bind …`` enter a
  view even when nothing is typed in it; a ``quit`` follows them;
- **one line per route target**: VRP prints ``vpn-target X both`` as two lines
  (``export-extcommunity``, ``import-extcommunity``); a post-load callback
  folds such a pair back into ``vpn-target X both``, so a stray ``both`` target
  is one unexpected line and is removed with one ``undo``.

Configuration text in the form VRP prints it is read by the parsers' reader of
``display current-configuration`` and loaded into a hier_config tree
(:func:`parse_display`); rendered stage commands, which repeat sections and end
them with ``quit``, are merged into a tree by indentation (:func:`parse_commands`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from ipaddress import IPv4Network

from hier_config import HConfig, HConfigChild, MatchRule
from hier_config.models import IdempotentCommandsRule, NegationSubRule, OrderingRule, SectionalExitingRule
from hier_config.platforms.driver_base import HConfigDriverRules
from hier_config.platforms.huawei_vrp.driver import HConfigDriverHuaweiVrp

from vrpbook.parsers import parse
from vrpbook.parsers.config import CurrentConfiguration
from vrpbook.parsers.errors import ParseError
from vrpbook.vrp import CURRENT_CONFIGURATION

__all__ = ["ConfigParseError", "VrpDriver", "lines_of", "parse_commands", "parse_display", "walk"]

Node = HConfig | HConfigChild

_RT = re.compile(r"vpn-target (\S+) (export-extcommunity|import-extcommunity)")


class ConfigParseError(ValueError):
    """A configuration text that cannot be read (truncated, or not a configuration)."""


def _rule(*lineage: MatchRule) -> tuple[MatchRule, ...]:
    return tuple(lineage)


_BGP = MatchRule(startswith="bgp ")
_BGP_VRF = MatchRule(startswith="ipv4-family vpn-instance ")
_BGP_VPNV4 = MatchRule(equals="ipv4-family vpnv4")
_BGP_FAMILY = MatchRule(re_search=r"^ipv4-family (?:unicast|vpnv4)$")
_INTERFACE = MatchRule(startswith="interface ")


def _idempotent() -> list[IdempotentCommandsRule]:
    lineages = [
        _rule(MatchRule(startswith="sysname ")),
        _rule(MatchRule(startswith="mpls lsr-id ")),
        # the group is the key: any primary address replaces any other (a secondary "sub" does not)
        _rule(_INTERFACE, MatchRule(re_search=r"^(ip address) \S+ \S+$")),
        _rule(_INTERFACE, MatchRule(startswith="ip binding vpn-instance ")),
        _rule(_INTERFACE, MatchRule(startswith="ospf cost ")),
        _rule(_BGP, MatchRule(re_search=r"^peer (\S+) as-number ")),
        _rule(_BGP, MatchRule(re_search=r"^peer (\S+) connect-interface ")),
        _rule(_BGP, _BGP_VRF, MatchRule(re_search=r"^peer (\S+) as-number ")),
        _rule(_BGP, _BGP_VRF, MatchRule(startswith="maximum load-balancing ")),
        # a route reflector's cluster ID (either family): a new one replaces the old one
        _rule(_BGP, _BGP_FAMILY, MatchRule(startswith="reflector cluster-id ")),
        # "policy vpn-target" and its undo are one setting: entering either replaces the other
        _rule(_BGP, _BGP_VPNV4, MatchRule(re_search=r"^(?:undo )?(policy vpn-target)$")),
        # (VPN instance, destination, mask, next hop): VRP replaces a route entered again.
        _rule(MatchRule(re_search=r"^ip route-static (vpn-instance \S+ )?(\S+) (\S+) (\S+)")),
    ]
    return [IdempotentCommandsRule(match_rules=lineage) for lineage in lineages]


def _negation_forms() -> list[NegationSubRule]:
    return [
        NegationSubRule(match_rules=_rule(MatchRule(re_search=r"^bfd \S+ bind ")), search=r"^undo (bfd \S+) bind .*$",
                        replace=r"undo \1"),
        NegationSubRule(match_rules=_rule(_BGP, MatchRule(re_search=r"^peer \S+ as-number ")),
                        search=r"^undo (peer \S+) as-number .*$", replace=r"undo \1"),
        NegationSubRule(match_rules=_rule(_BGP, _BGP_VRF, MatchRule(re_search=r"^peer \S+ as-number ")),
                        search=r"^undo (peer \S+) as-number .*$", replace=r"undo \1"),
        NegationSubRule(match_rules=_rule(_BGP, _BGP_VRF, MatchRule(startswith="maximum load-balancing ")),
                        search=r"^undo maximum load-balancing .*$", replace="undo maximum load-balancing"),
        NegationSubRule(match_rules=_rule(_BGP, _BGP_FAMILY, MatchRule(startswith="reflector cluster-id ")),
                        search=r"^undo reflector cluster-id .*$", replace="undo reflector cluster-id"),
        NegationSubRule(match_rules=_rule(_INTERFACE, MatchRule(startswith="ospf cost ")),
                        search=r"^undo ospf cost .*$", replace="undo ospf cost"),
        NegationSubRule(match_rules=_rule(MatchRule(startswith="mpls lsr-id ")),
                        search=r"^undo mpls lsr-id .*$", replace="undo mpls lsr-id"),
        NegationSubRule(match_rules=_rule(MatchRule(startswith="sysname ")), search=r"^undo sysname .*$", replace="undo sysname"),
    ]


def _ordering() -> list[OrderingRule]:
    def top(weight: int, **match: str) -> OrderingRule:
        return OrderingRule(match_rules=(MatchRule(**match),), weight=weight)

    return [
        top(-20, startswith="undo ip route-static "),
        top(10, re_search=r"^undo bfd \S+$"),
        top(15, re_search=r"^bfd \S+ bind "),  # a session re-bound: its undo first
        top(20, equals="undo bfd"),
        top(20, re_search=r"^undo mpls( ldp| lsr-id)?$"),
        top(30, startswith="ip route-static "),
    ]


def _view_exits() -> list[SectionalExitingRule]:
    """Top-level lines that enter a view even with nothing typed in it: leave it with ``quit``
    (VRP does not let an ``undo`` typed there fall through to the system view)."""
    return [
        SectionalExitingRule(match_rules=_rule(MatchRule(re_search=r"^(bfd|mpls|mpls ldp)$")), exit_text="quit"),
        SectionalExitingRule(match_rules=_rule(MatchRule(re_search=r"^bfd \S+ bind ")), exit_text="quit"),
    ]


def merge_vpn_targets(config: HConfig) -> None:
    """Fold ``vpn-target X export-extcommunity`` + ``… import-extcommunity`` into ``vpn-target X both``."""
    for vpn in config.get_children(startswith="ip vpn-instance "):
        for family in vpn.get_children(startswith="ipv4-family"):
            seen: dict[str, set[str]] = {}
            for child in family.children:
                if m := _RT.fullmatch(child.text):
                    seen.setdefault(m[1], set()).add(m[2])
            both = {rt for rt, kinds in seen.items() if len(kinds) == 2}
            for child in list(family.children):
                m = _RT.fullmatch(child.text)
                if m and m[1] in both:
                    if m[2] == "export-extcommunity":
                        child.text = f"vpn-target {m[1]} both"
                    else:
                        child.delete()


class VrpDriver(HConfigDriverHuaweiVrp):
    """hier_config's Huawei VRP driver with the rules above."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        rules = HConfigDriverHuaweiVrp._instantiate_rules()
        rules.idempotent_commands.extend(_idempotent())
        rules.negation_sub.extend(_negation_forms())
        rules.ordering.extend(_ordering())
        rules.sectional_exiting.extend(_view_exits())
        rules.post_load_callbacks.append(merge_vpn_targets)
        return rules


_DRIVER = VrpDriver()


def new_tree() -> HConfig:
    return HConfig(_DRIVER)


def parse_display(text: str) -> HConfig:
    """``display current-configuration`` (with or without its ``!`` header) as a tree.

    Read by the project's one reader of that display (``vrpbook.parsers``,
    ``config.CurrentConfiguration``: fails closed on a truncated text, redacts
    secrets), then loaded into hier_config with the driver's post-load rules."""
    try:
        parsed = parse(CURRENT_CONFIGURATION, text)
    except ParseError as exc:
        raise ConfigParseError(f"configuration text not readable: {exc}") from None
    assert isinstance(parsed, CurrentConfiguration)
    tree = new_tree()
    for section in parsed.sections:
        for path, line in section.walk():
            tree.add_children_deep([*path, line])
    for callback in _DRIVER.rules.post_load_callbacks:
        callback(tree)
    return tree


_PREFIXLEN = re.compile(r"^(ip address \S+ |ip route-static (?:vpn-instance \S+ )?\S+ )(\d{1,2})(?=$| )")
#: typed in the bgp view itself, these lines belong to the IPv4 unicast family (VRP prints them there)
_UNICAST_IN_BGP = re.compile(r"^(?:import-route .+|peer \S+ enable|undo synchronization)$")


def _display_spelling(words: str) -> str:
    """A command in the spelling VRP prints it: masks as dotted quads (``24`` → ``255.255.255.0``)."""
    m = _PREFIXLEN.match(words)
    if m and int(m[2]) <= 32:
        mask = str(IPv4Network(f"0.0.0.0/{m[2]}").netmask)
        return f"{m[1]}{mask}{words[m.end():]}"
    return words


def parse_commands(text: str) -> HConfig:
    """Indented VRP commands (a rendered stage template) as a tree in display form:
    ``quit`` ends a section, a section entered twice (``interface X`` in two places) is
    one, masks are dotted, targets folded (``vpn-target X both``), and lines typed in
    the bgp view sit in ``ipv4-family unicast`` where VRP prints them."""
    tree = new_tree()
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        word = line.strip()
        if not word or word.startswith(("#", "!")):
            continue
        indent = len(line) - len(line.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if word in ("quit", "return"):
            continue
        stack.append((indent, _display_spelling(" ".join(word.split()))))
        path = [words for _i, words in stack]
        if len(path) == 2 and path[0].startswith("bgp ") and _UNICAST_IN_BGP.match(path[1]):
            path.insert(1, "ipv4-family unicast")
        tree.add_children_deep(path)
    merge_vpn_targets(tree)
    return tree


def walk(node: Node, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], HConfigChild]]:
    """Every line with the texts of its parents, depth first, in tree order."""
    for child in node.children:
        yield path, child
        yield from walk(child, (*path, child.text))


def lines_of(tree: HConfig, sectional_exiting: bool = True) -> list[str]:
    """The tree as commands, one per line, without indentation (``quit`` leaves each section)."""
    return [ln.strip() for ln in tree.dump_simple(sectional_exiting=sectional_exiting)]
