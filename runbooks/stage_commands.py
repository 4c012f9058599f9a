"""Replace within the managed scope: each stage's commands, removals included.

A stage's templates say what the stage **adds** (the reference procedure's
steps, including intermediate forms such as step 6's untracked static route
that step 9 replaces with a tracked one). What a stage **pushes** to a router
is, in this order:

1. **removals**: the lines in the router's managed scope that its intent does
   not hold (:func:`vrpbook.intended.remediation`, computed from the running
   configuration read in preflight), for the kinds of line this stage's
   templates configure on that router — each removal goes to the *first* stage
   that configures its kind (see ownership below), so it is gone before any
   later stage builds on it;
2. the stage's **template** lines;
3. **intended lines no template writes** that the router lacks inside a section
   it already has (a ``policy vpn-target`` somebody removed, a ``peer X enable``
   dropped from the unicast family), at the *last* stage that configures their
   kind. A section the router does not have yet is created by the templates,
   and VRP fills in such default lines itself.

**Ownership** of a changed line, in order of preference: the stages whose
templates write a line of the same kind under the same parent lines (e.g. an
address on the same interface), else of the same kind anywhere on the router,
else anything in the same top-level section, else every push stage of the
router. "Kind" groups lines that must change together (an interface's binding
and address; global and interface MPLS; a VPN instance's RD and targets —
:mod:`vrpbook.intended.scope`).

So a second run pushes nothing new (no removal is left, the templates re-enter
what is there, and the router's own diff is empty), and drift inside the scope
is removed by the stage whose gates look at it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from hier_config import HConfig

from vrpbook.errors import ReadError
from vrpbook.intended import Change, IntendedConfig, SectionDiff, commands, compare, intended_config, remediation
from vrpbook.intended.tree import ConfigParseError, parse_commands, parse_display, walk
from vrpbook.intent import NetworkIntent

from .render import command_lines, render_text
from .schema import Runbook, Stage

__all__ = ["HostStages", "host_stages", "stage_commands"]


@dataclass
class _Written:
    """What one stage's templates write on one router, by the keys ownership looks up."""

    exact: set[tuple[tuple[str, ...], str]] = field(default_factory=set)  # (parent path, line)
    kinds_at: set[tuple[tuple[str, ...], str]] = field(default_factory=set)  # (parent path, kind)
    kinds: set[str] = field(default_factory=set)
    tops: set[str] = field(default_factory=set)  # top-level lines it writes in


@dataclass
class HostStages:
    """One router's stages: the commands each pushes, and the scope comparison behind them."""

    host: str
    commands: dict[str, list[str]] = field(default_factory=dict)  # stage -> commands (non-empty only)
    removals: dict[str, list[Change]] = field(default_factory=dict)  # stage -> removals it pushes
    additions: dict[str, list[Change]] = field(default_factory=dict)  # stage -> intended lines no template writes
    diff: list[SectionDiff] = field(default_factory=list)  # running vs intended, within the scope


def _written(intended: IntendedConfig, tree: HConfig) -> _Written:
    scope = intended.scope
    out = _Written()
    for path, child in walk(tree):
        if child.children:
            continue  # a section header written as context: what counts is what is written in it
        rule = scope.rule_at(path, child.text)
        if rule is None:
            continue
        canon = scope.canonical(path)
        out.exact.add((canon, child.text))
        out.kinds_at.add((canon, rule.kind))
        out.kinds.add(rule.kind)
        out.tops.add(canon[0] if canon else child.text)
    return out


def _owners(change: Change, intended: IntendedConfig, written: Mapping[str, _Written]) -> list[str]:
    rule = intended.scope.rule_at(change.path, change.line)
    kind = rule.kind if rule is not None else ""
    top = change.path[0] if change.path else change.line
    tests: tuple[Callable[[_Written], bool], ...] = (
        lambda w: (change.path, kind) in w.kinds_at,
        lambda w: kind in w.kinds,
        lambda w: top in w.tops,
    )
    for test in tests:
        found = [s for s, w in written.items() if test(w)]
        if found:
            return found
    return list(written)


def host_stages(
    rb: Runbook, intents: NetworkIntent, host: str, running: str, stages: Sequence[Stage]
) -> HostStages:
    """*host*'s commands for each of *stages* (the push stages that target it, in runbook order).
    A running configuration that is not one tree raises :class:`ReadError` naming *host*."""
    intended = intended_config(host, intents)
    texts = {s.name: render_text(s.templates, intents[host], host, intents, rb.template_dirs()) for s in stages}
    written = {name: _written(intended, parse_commands(text)) for name, text in texts.items()}
    try:
        have = intended.scope.filter(parse_display(running))
        out = HostStages(host, diff=compare(running, intended))
        changes = remediation(running, intended)
    except ConfigParseError as exc:
        raise ReadError(f"running configuration: {exc}", router=host) from None
    if not stages:
        return out
    for change in changes:
        owners = _owners(change, intended, written)
        if change.action == "remove":
            out.removals.setdefault(owners[0], []).append(change)
        elif any((change.path, change.line) in w.exact for w in written.values()):
            continue  # a template writes it
        elif _exists(have, change.path):
            out.additions.setdefault(owners[-1], []).append(change)
    for s in stages:
        cmds = [*commands(out.removals.get(s.name, [])), *command_lines(texts[s.name]), *commands(out.additions.get(s.name, []))]
        if cmds:
            out.commands[s.name] = cmds
    return out


def _exists(tree: HConfig, path: tuple[str, ...]) -> bool:
    node = tree
    for text in path:
        child = node.children.get(text)
        if child is None:
            return False
        node = child  # type: ignore[assignment]  # HConfigChild and HConfig share the children API
    return True


def stage_commands(
    rb: Runbook, intents: NetworkIntent, targets: Mapping[str, Sequence[str]], running: Mapping[str, str]
) -> dict[str, dict[str, list[str]]]:
    """stage -> router -> commands, for every push stage of *rb* and every router of *running*
    (its running configuration, read before the run). *targets*: the routers each stage targets.
    The one function the engine calls for a stage's commands."""
    push = [s for s in rb.stages if s.action == "push"]
    out: dict[str, dict[str, list[str]]] = {s.name: {} for s in push}
    for host, text in running.items():
        mine = [s for s in push if host in targets.get(s.name, ())]
        for stage, cmds in host_stages(rb, intents, host, text, mine).commands.items():
            out[stage][host] = cmds
    return out
