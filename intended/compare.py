"""Running versus intended, within the managed scope: what differs, and the commands that fix it.

:func:`compare` (read-only; the compliance check uses it too) reports, per
section, the intended lines the router lacks (``missing``) and the lines it has
that the intent does not hold (``unexpected``). :func:`remediation` turns the
same difference into typed changes — removals with the ``undo`` form VRP
accepts, additions — in an order VRP accepts (:mod:`.tree`), and
:func:`commands` turns changes into the lines to type.

A line is named by its path below its section, parents first, joined by
``" > "`` (``ipv4-family > vpn-target 999:1 both`` in ``ip vpn-instance VPNA``);
a top-level line is named by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from hier_config import HConfig, HConfigChild
from pydantic import BaseModel, ConfigDict, Field

from .render import IntendedConfig
from .tree import Node, lines_of, new_tree, parse_display

__all__ = ["Change", "SectionDiff", "commands", "compare", "remediation"]

SEP = " > "


class SectionDiff(BaseModel):
    """One managed section that differs: what the router lacks and what it has in excess."""

    model_config = ConfigDict(frozen=True)

    section: str = Field(description="the section's top-level line, or its name for one-line sections (ip route-static)")
    missing: list[str] = Field(default_factory=list, description="intended lines the router lacks, as paths below the section")
    unexpected: list[str] = Field(default_factory=list, description="lines the router has that the intent does not hold")

    def lines(self) -> list[str]:
        """``- `` / ``+ `` lines for a terminal: removals first, each with its section."""
        def full(item: str) -> str:
            # a one-line section's items are whole lines (ip route-static …); a block's are paths in it
            one_line = item == self.section or item.startswith(f"{self.section} ")
            return item if one_line else f"{self.section}{SEP}{item}"

        return [f"- {full(u)}" for u in self.unexpected] + [f"+ {full(m)}" for m in self.missing]


def _leaves(tree: Node, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], str]]:
    for child in tree.children:
        if child.children:
            yield from _leaves(child, (*path, child.text))
        else:
            yield path, child.text


def _name(path: tuple[str, ...], text: str) -> tuple[str, str]:
    """(top-level line, the item's name below it)."""
    if not path:
        return text, text
    return path[0], SEP.join((*path[1:], text))


def compare(running: str, intended: IntendedConfig) -> list[SectionDiff]:
    """Per managed section (in VRP's order), the intended lines missing from *running*
    and the lines of *running* the intent does not hold. Empty: the router matches."""
    scope = intended.scope
    have = scope.filter(parse_display(running))
    want = intended.tree
    found: dict[str, tuple[list[str], list[str]]] = {}
    for child in [*want.children, *have.children]:
        found.setdefault(scope.section_name(child.text), ([], []))
    for path, text in _leaves(want.difference(have)):
        top, item = _name(path, text)
        found[scope.section_name(top)][0].append(item)
    for path, text in _leaves(have.difference(want)):
        top, item = _name(path, text)
        found[scope.section_name(top)][1].append(item)
    # hier_config's difference skips lines that start with "undo " (it treats them as
    # negations, not configuration); VRP prints some settings that way (``undo policy
    # vpn-target``), so they are compared here as the lines they are.
    for tree, other, side in ((want, have, 0), (have, want, 1)):
        for path, text in _leaves(tree):
            if text.startswith("undo ") and _at(other, (*path, text)) is None:
                top, item = _name(path, text)
                found[scope.section_name(top)][side].append(item)
    return [SectionDiff(section=s, missing=m, unexpected=u) for s, (m, u) in found.items() if m or u]


@dataclass(frozen=True)
class Change:
    """One line to change: removed (typed as ``command``, VRP's undo form) or added."""

    action: Literal["remove", "add"]
    path: tuple[str, ...]  # the parent lines, as compared (``ospf 1``, not ``ospf 1 router-id …``)
    line: str  # the line removed (as the router has it) or added (as intended)
    command: str  # what is typed in the view *path* leads to

    def __str__(self) -> str:
        return ("- " if self.action == "remove" else "+ ") + SEP.join((*self.path, self.line))


def _negated(path: tuple[str, ...], text: str) -> str:
    """*text*'s undo form under *path*, as the driver's rules make it."""
    node = new_tree().add_children_deep([*path, text])
    return node.negate().text


def _at(tree: Node, path: Sequence[str]) -> Node | None:
    node: Node | None = tree
    for text in path:
        node = node.children.get(text) if node is not None else None
    return node


def _walk(delta: Node, have: HConfig, path: tuple[str, ...], out: list[Change]) -> None:
    for child in sorted(delta.children):
        if child.new_in_config:
            out.extend(Change("add", (*path, *sub), text, text) for sub, text in _leaves_of(child))
        elif child.children:
            _walk(child, have, (*path, child.text), out)
        else:
            source = _at(have, path)
            removed = next((c.text for c in (source.children if source is not None else ())
                            if _negated(path, c.text) == child.text), None)
            if removed is None:  # pragma: no cover - hier_config negates only what running has
                raise AssertionError(f"removal {child.text!r} under {path} matches no running line")
            out.append(Change("remove", path, removed, child.text))


def _leaves_of(child: HConfigChild) -> list[tuple[tuple[str, ...], str]]:
    if not child.children:
        return [((), child.text)]
    return [((child.text, *sub), text) for sub, text in _leaves(child)]


def _rebind(changes: list[Change], want: HConfig) -> list[Change]:
    """Binding an interface to a VPN instance (or unbinding it) clears its address on VRP:
    re-enter the intended address after a binding change that does not already."""
    out: list[Change] = []
    for i, ch in enumerate(changes):
        out.append(ch)
        if len(ch.path) != 1 or not ch.path[0].startswith("interface ") or not ch.line.startswith("ip binding vpn-instance "):
            continue
        later = changes[i + 1:]
        if any(c.path == ch.path and c.action == "add" and c.line.startswith("ip address ") for c in later):
            continue
        itf = want.children.get(ch.path[0])
        address = next((c.text for c in itf.children if c.text.startswith("ip address ")), None) if itf else None
        if address:
            out.append(Change("add", ch.path, address, address))
    return out


def remediation(running: str, intended: IntendedConfig) -> list[Change]:
    """The changes that take *running* to *intended* within the scope: removals and additions,
    in the order they are to be typed (an empty list: nothing to change)."""
    have = intended.scope.filter(parse_display(running))
    want = intended.tree
    delta = have.config_to_get_to(want).set_order_weight()
    out: list[Change] = []
    _walk(delta, have, (), out)
    return _rebind(out, want)


def commands(changes: Iterable[Change]) -> list[str]:
    """*changes* as the lines to type, each view entered and left with ``quit``."""
    tree = new_tree()
    for ch in changes:
        tree.add_children_deep([*ch.path, ch.command])
    return lines_of(tree)
