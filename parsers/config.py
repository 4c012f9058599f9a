"""``display current-configuration`` read into sections, for compliance checks and drift.

The model
---------
:class:`CurrentConfiguration` holds the ``!`` header facts and ``sections``: every
top-level configuration line in printed order (``sysname PE1``, ``interface
GigabitEthernet0/1/0``, ``bgp 100``, each ``ip route-static ...``), each a
:class:`ConfigNode` whose ``children`` are the lines indented under it, in order,
recursively (``bgp 100`` > ``ipv4-family vpnv4`` > ``peer 3.3.3.3 enable``).
``#`` separators and ``return`` are structure, not nodes.  A node's ``line`` is
the text without its indentation, exactly as printed except that VRP cipher
text (``%^%#...%^%#`` and the other marker pairs) and a password given after
``simple``/``plain`` are replaced by ``<secret sha256:...>`` (a fingerprint:
equal secrets compare equal, nothing secret is kept).

Questions it answers
--------------------
- ``cfg.section("interface GigabitEthernet0/1/0")`` -> the node (or None);
  ``cfg.sections_starting("interface ")`` -> every interface block.
- ``cfg.missing_lines("interface GigabitEthernet0/1/0", [" undo shutdown", "mpls"])``
  and ``cfg.unexpected_lines(...)``: compliance of one section against the lines
  it must hold (sub-lines given with their indentation under the section).
- ``cfg.drift(other)`` -> :class:`ConfigDrift` items (path, line, ``missing`` or
  ``unexpected``) between an intended configuration and this one, section by
  section and level by level.  Order inside a level does not count (VRP prints
  its own canonical order); a repeated line counts as often as it is printed.

An intended configuration is read the same way: ``parse("display
current-configuration", text)`` accepts a configuration file (no prompt, no
header).  Truncation: the display ends with ``return``; without it the output
was cut (unless a ``| include``-style filter was typed, whose output has none).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Literal

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record
from vrpbook.parsers.grammar import Match

_CIPHER = re.compile(r"(%\^%#|%@%@|%\$%\$|%#%#)(.*?)\1")
_PLAIN = re.compile(r"(?P<key>\b(?:simple|plain)\s+)(?P<secret>\S+)")
_HEAD_VERSION = re.compile(r"!Software Version\s+(?P<v>\S+)")
_HEAD_UPDATED = re.compile(r"!Last configuration was updated at\s+(?P<t>.+?)(?:\s+by\s+(?P<by>.+))?")
_HEAD_SAVED = re.compile(r"!Last configuration was saved at\s+(?P<t>.+)")


def _fingerprint(secret: str) -> str:
    return f"<secret sha256:{hashlib.sha256(secret.encode()).hexdigest()[:12]}>"


def redact(line: str) -> str:
    """Replace VRP cipher text and plain passwords by a fingerprint (nothing secret is kept)."""
    if "%" in line:
        line = _CIPHER.sub(lambda m: _fingerprint(m.group(0)), line)
    if "simple" in line or "plain" in line:
        line = _PLAIN.sub(lambda m: m.group("key") + _fingerprint(m.group("secret")), line)
    return line


class ConfigNode(Record):
    """One configuration line and the lines indented under it."""

    line: str
    children: list[ConfigNode] = Field(default_factory=list)

    def walk(self, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
        """(path of parent lines, line) of this node and everything under it, in order."""
        yield path, self.line
        for child in self.children:
            yield from child.walk((*path, self.line))


class ConfigDrift(Record):
    """One line that differs: under ``path`` (parent lines), ``line`` is missing or unexpected."""

    path: list[str]
    line: str
    change: Literal["missing", "unexpected"]


class CurrentConfiguration(ParsedOutput):
    """``display current-configuration`` as a tree of sections (module docstring)."""

    software_version: str | None = None
    last_updated: str | None = None
    last_updated_by: str | None = None
    last_saved: str | None = None
    header_lines: list[str] = Field(default_factory=list)
    sections: list[ConfigNode] = Field(default_factory=list)
    complete: bool = False  # ended with "return"

    def section(self, line: str) -> ConfigNode | None:
        """The top-level section whose line is exactly ``line`` (blanks collapsed)."""
        want = " ".join(line.split())
        return next((s for s in self.sections if s.line == want), None)

    def sections_starting(self, prefix: str) -> list[ConfigNode]:
        """Top-level sections whose line starts with ``prefix`` (``"interface "``, ``"bgp"``)."""
        return [s for s in self.sections if s.line.startswith(prefix)]

    def lines(self) -> list[str]:
        """Every line, indented one blank per level as VRP prints it (no ``#``/``return``)."""
        return [" " * len(path) + line for s in self.sections for path, line in s.walk()]

    def has_line(self, line: str) -> bool:
        """True when *line* (blanks collapsed, indentation ignored) is one of the configuration's
        lines, at any level: a stage's rendered line read back (the ``config-lines-present`` gate)."""
        wanted = redact(" ".join(line.split()))
        return any(" ".join(ln.split()) == wanted for s in self.sections for _path, ln in s.walk())

    def missing_lines(self, section: str, expected: Iterable[str]) -> list[str]:
        """Lines of ``expected`` (sub-lines of ``section``, indented under it) the section lacks."""
        want = _tree(section, expected)
        got = self.section(section)
        return [_show(d) for d in _diff([want], [got] if got else []) if d.change == "missing"]

    def unexpected_lines(self, section: str, expected: Iterable[str]) -> list[str]:
        """Lines the section holds that ``expected`` does not."""
        want = _tree(section, expected)
        got = self.section(section)
        return [_show(d) for d in _diff([want], [got] if got else []) if d.change == "unexpected"]

    def drift(self, intended: CurrentConfiguration) -> list[ConfigDrift]:
        """What this (running) configuration lacks or has beyond ``intended``, level by level."""
        return _diff(intended.sections, self.sections)


def _show(d: ConfigDrift) -> str:
    return " " * (len(d.path) - 1) + d.line if d.path else d.line


def _tree(section: str, lines: Iterable[str]) -> ConfigNode:
    """A section node from its sub-lines, indented one blank deeper per level under it."""
    root = ConfigNode(line=" ".join(section.split()))
    stack: list[tuple[int, ConfigNode]] = [(-1, root)]
    for raw in lines:
        if not raw.strip() or raw.strip() == "#":
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        node = ConfigNode(line=redact(" ".join(raw.split())))
        while stack[-1][0] >= indent:
            stack.pop()
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


def _diff(want: list[ConfigNode], got: list[ConfigNode], path: tuple[str, ...] = ()) -> list[ConfigDrift]:
    out: list[ConfigDrift] = []
    have: dict[str, list[ConfigNode]] = {}
    for node in got:
        have.setdefault(node.line, []).append(node)
    counts = Counter(n.line for n in want)
    used: Counter[str] = Counter()
    for node in want:
        matches = have.get(node.line, [])
        if used[node.line] < len(matches):
            out.extend(_diff(node.children, matches[used[node.line]].children, (*path, node.line)))
        else:
            out.extend(ConfigDrift(path=list(p), line=line, change="missing") for p, line in node.walk(path))
        used[node.line] += 1
    for line, nodes in have.items():
        for node in nodes[counts[line]:]:
            out.extend(ConfigDrift(path=list(p), line=ln, change="unexpected") for p, ln in node.walk(path))
    return out


def build(matches: list[Match], ctx: Context) -> CurrentConfiguration:
    """The tree from indentation; ``return`` closes the display and nothing may follow it."""
    result = CurrentConfiguration()
    stack: list[tuple[int, ConfigNode]] = []
    body_seen = False
    for m in matches:
        kind = m.kind
        if result.complete:
            raise ctx.fail(f"{kind} line after 'return'", m)
        if kind == "header":
            if body_seen:
                raise ctx.fail("'!' header line inside the configuration", m)
            _header(result, m.values["text"])
        elif kind == "separator":
            body_seen = True
            if not m.values["indent"]:
                stack.clear()
        elif kind == "end":
            result.complete = True
        else:
            body_seen = True
            indent = len(m.values["indent"])
            node = ConfigNode(line=redact(m.values["text"]))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if stack:
                stack[-1][1].children.append(node)
            elif indent:
                raise ctx.fail("indented configuration line with no section above it", m)
            else:
                result.sections.append(node)
            stack.append((indent, node))
    if not result.complete and ctx.output_filter is None:
        raise ctx.fail("configuration does not end with 'return' (truncated)")
    return result


def _header(result: CurrentConfiguration, text: str) -> None:
    result.header_lines.append(text)
    if m := _HEAD_VERSION.fullmatch(text):
        result.software_version = m.group("v")
    elif m := _HEAD_UPDATED.fullmatch(text):
        result.last_updated, result.last_updated_by = m.group("t"), m.group("by")
    elif m := _HEAD_SAVED.fullmatch(text):
        result.last_saved = m.group("t")
