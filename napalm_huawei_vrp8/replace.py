"""``load_replace_candidate`` as vrpbook's replace within the managed scope.

A NAPALM replace says "the router's configuration becomes this text". On VRP8 a
literal replace is unsafe: the text would have to carry every line the router
needs and nobody manages (``aaa``, ``user-interface``, default blocks), and a
line missing by accident would be removed. vrpbook owns a **managed scope** per
router (``vrpbook.intended``: which sections, and which lines in them, the
router's intent covers), so the driver replaces exactly that:

- within the scope the router ends up with the text's lines: scoped lines the
  router has and the text lacks are removed (VRP's ``undo`` forms), the text's
  scoped lines the router lacks are added -- ``vrpbook.intended.remediation``
  (hier_config), typed into the candidate by the loader, so ``compare_config``
  shows the router's own diff and ``commit_config`` commits it like a merge;
- outside the scope nothing is touched; a line of the text outside the scope
  that the router does not already have is refused (``ReplaceConfigException``
  naming it): silently dropping it would lose what the caller asked for, and
  adding it would not be a replace. Lines VRP prints by itself inside a section
  the replace creates (``undo synchronization``, ``apply-label per-instance``) are
  not refused.

The scope comes from a vrpbook inventory: ``optional_args`` ``intent_inventory``
(its directory) and ``intent_host`` (this router's name there; default: the
sysname in the router's prompt).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vrpbook.errors import VrpbookError
from vrpbook.intended import ConfigParseError, IntendedConfig, Scope, commands, managed_scope, remediation
from vrpbook.intended.tree import Node, parse_display
from vrpbook.intent import load_intent


class ReplaceError(ValueError):
    """A replace that cannot be prepared (no scope, unreadable text, lines outside the scope)."""


@dataclass(frozen=True)
class ScopeSource:
    """Where the managed scope comes from: a vrpbook inventory and the router's name in it."""

    inventory: Path
    host: str | None = None

    def scope(self, prompt_name: str | None) -> Scope:
        host = self.host or prompt_name
        try:
            net = load_intent(self.inventory)
        except VrpbookError as exc:
            raise ReplaceError(f"intent_inventory {self.inventory}: {exc}") from exc
        if not host or host not in net:
            raise ReplaceError(
                f"router {host!r} is not a host of intent_inventory {self.inventory} "
                f"(hosts: {', '.join(net)}); set optional_args intent_host"
            )
        return managed_scope(host, net[host])


def _leaves(node: Node, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], str]]:
    for child in node.children:
        if child.children:
            yield from _leaves(child, (*path, child.text))
        else:
            yield path, child.text


def _exists(tree: Node, path: tuple[str, ...]) -> bool:
    node: Node | None = tree
    for text in path:
        node = node.children.get(text) if node is not None else None
    return node is not None


def outside_scope(text: str, running: str, scope: Scope) -> list[str]:
    """Lines of *text* the router does not have and the replace would not add, as ``a > b > line``.

    A line the scope does not cover is one of them when it is top-level, in a section the
    scope does not cover, or in a section the router already has (it would have to be added
    there). Inside a scoped section the replace creates, VRP prints lines of its own
    (``undo synchronization`` under a new ``ipv4-family unicast``, ``apply-label
    per-instance`` under a new VPN instance's ``ipv4-family``): those are left to VRP."""
    have = parse_display(running)
    added = parse_display(text).difference(have)
    out: list[str] = []
    for path, line in _leaves(added):
        if scope.rule_at(path, line) is not None:
            continue
        if not path or scope.rule_at((), path[0]) is None or _exists(have, path):
            out.append(" > ".join((*path, line)))
    return out


def replacement_commands(text: str, running: str, scope: Scope) -> list[str]:
    """The lines to type so that, within *scope*, *running* becomes *text* (empty: nothing differs)."""
    try:
        foreign = outside_scope(text, running, scope)
        if foreign:
            shown = "; ".join(foreign[:5]) + (f"; … ({len(foreign)} lines)" if len(foreign) > 5 else "")
            raise ReplaceError(
                f"the replacement holds lines outside the managed scope of {scope.router} that the router lacks: "
                f"{shown} (a replace changes only the scope; merge them with load_merge_candidate)"
            )
        return commands(remediation(running, IntendedConfig(scope.router, text, scope)))
    except ConfigParseError as exc:
        raise ReplaceError(f"the replacement is not a VRP configuration: {exc}") from exc
