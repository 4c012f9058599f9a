"""What differs between two snapshots of a router: configuration lines and state objects.

Configuration: each line with its parents (``("interface GigabitEthernet0/3/0",
"ip address 10.1.1.2 255.255.255.0")``), read by indentation as VRP prints it
(``#`` separators and ``!`` header lines aside); a line present after but not
before is ``added``, the reverse ``removed``. A changed value is a removal and an
addition, as VRP's own diff shows it.

State: per section, objects present on one side only are ``added`` or
``removed``; an object on both sides is ``changed`` when a field differs —
"since" times (:mod:`.normalise`) only when they differ by more than their
resolution plus the tolerance. Counters are never compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .collect import RouterSnapshot
from .normalise import SINCE_TOLERANCE, is_since, same_since

Change = Literal["added", "removed", "changed"]
Path = tuple[str, ...]


@dataclass(frozen=True)
class Difference:
    """One thing that differs on one router."""

    router: str
    kind: Literal["config", "state"]
    section: str  # config: the parent lines (" > " joined, "" at top level); state: the section
    key: str  # config: the line; state: the object
    change: Change
    before: Any = None
    after: Any = None
    fields: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        """A configuration difference's line with its parents."""
        return (*(p for p in self.section.split(" > ") if p), self.key)

    def line(self) -> str:
        if self.kind == "config":
            where = f"{self.section} > " if self.section else ""
            return f"{self.router}: config {'+' if self.change == 'added' else '-'} {where}{self.key}"
        if self.change == "changed":
            what = ", ".join(f"{f} {_show(self.before.get(f))} -> {_show(self.after.get(f))}" for f in self.fields)
            return f"{self.router}: {self.section} {self.key}: {what}"
        return f"{self.router}: {self.section} {self.key} {self.change}"

    def to_json(self) -> dict[str, Any]:
        return {"router": self.router, "kind": self.kind, "section": self.section, "key": self.key, "change": self.change,
                "before": self.before, "after": self.after, "fields": list(self.fields), "line": self.line()}


def _show(value: Any) -> str:
    if is_since(value):
        return f"since {value['at']}"
    return "-" if value is None else str(value)


def config_paths(text: str, *, marked: bool = False) -> list[tuple[str, Path]]:
    """Every line of a configuration (or, *marked*, of a VRP diff: ``+``/``-``/`` `` then one
    space, then the line with its own indentation) with its parents: ``[(marker, path)]``."""
    out: list[tuple[str, Path]] = []
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines():
        marker = " "
        line = raw.rstrip()
        if marked:
            if len(line) < 2 or line[0] not in "+- " or line[1] != " ":
                continue  # "Building configuration", blank lines
            marker, line = line[0], line[2:]
        body = line.strip()
        if not body or body == "#" or body.startswith("!") or body == "return":
            continue
        indent = len(line) - len(line.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        out.append((marker, (*(s for _i, s in stack), body)))
        stack.append((indent, body))
    return out


def config_diff(router: str, before: str, after: str) -> list[Difference]:
    pre = {p for _m, p in config_paths(before)}
    post = {p for _m, p in config_paths(after)}
    out = [Difference(router, "config", " > ".join(p[:-1]), p[-1], "removed") for p in sorted(pre - post)]
    out += [Difference(router, "config", " > ".join(p[:-1]), p[-1], "added") for p in sorted(post - pre)]
    return out


def _differs(a: Any, b: Any, tolerance: float) -> bool:
    if is_since(a) and is_since(b):
        return not same_since(a, b, tolerance)
    return bool(a != b)


def state_diff(router: str, before: dict[str, dict[str, dict[str, Any]]], after: dict[str, dict[str, dict[str, Any]]],
               tolerance: float = SINCE_TOLERANCE, sections: Iterable[str] | None = None) -> list[Difference]:
    """Objects added, removed or changed per section (only *sections*, when given)."""
    out: list[Difference] = []
    names = sorted(set(before) | set(after)) if sections is None else sorted(sections)
    for section in names:
        pre, post = before.get(section, {}), after.get(section, {})
        for key in sorted(set(pre) | set(post)):
            if key not in post:
                out.append(Difference(router, "state", section, key, "removed", pre[key], None))
            elif key not in pre:
                out.append(Difference(router, "state", section, key, "added", None, post[key]))
            else:
                changed = tuple(f for f in sorted(set(pre[key]) | set(post[key]))
                                if _differs(pre[key].get(f), post[key].get(f), tolerance))
                if changed:
                    out.append(Difference(router, "state", section, key, "changed", pre[key], post[key], changed))
    return out


def diff(pre: RouterSnapshot, post: RouterSnapshot, tolerance: float = SINCE_TOLERANCE) -> list[Difference]:
    """Configuration then state differences of one router. A section whose display could not
    be read on either side is left out (the caller reports it as not compared)."""
    unread = {s for snap in (pre, post) for cmd in snap.errors for s in _sections_of(cmd)}
    sections = (set(pre.state) | set(post.state)) - unread
    return config_diff(pre.router, pre.config, post.config) + state_diff(pre.router, pre.state, post.state, tolerance, sections)


def _sections_of(command: str) -> list[str]:
    """The state sections a display fills (to leave out the ones it could not read)."""
    words = command.split()
    if words[:3] == ["display", "ip", "routing-table"]:
        return [f"routes {words[4]}" if len(words) > 4 else "routes _public_"]
    table = {"display interface brief": "interfaces", "display bgp peer": "bgp peers",
             "display bgp vpnv4 all peer": "bgp vpnv4 peers", "display ospf peer brief": "ospf peers",
             "display mpls ldp session": "ldp sessions", "display bfd session all": "bfd sessions",
             "display ip vpn-instance verbose": "vpn instances"}
    return [table[command]] if command in table else []


__all__ = ["Difference", "config_diff", "config_paths", "diff", "state_diff"]
