"""Configuration diffs in VRP8's format (``display configuration candidate changes``,
``display configuration commit changes``).

Why a tree diff: VRP prints a changed line with its parent lines as context
(VRP8.md 3.4): marker column (``+``/``-``/space), one space, then the config
line with its own indentation; ``#`` lines separate top-level items. Diffing
the rendered text by indentation tree gives exactly that and stays consistent
with ``display current-configuration`` because both come from the renderer.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .model import RouterConfig
from .render import render_blocks


@dataclass
class Node:
    line: str
    children: list[Node] = field(default_factory=list)


def to_tree(lines: list[str]) -> list[Node]:
    """Indentation tree of config lines; ``#`` separators are dropped."""
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []
    for line in lines:
        if line.strip() in ("#", "", "return") or line.startswith("!"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        node = Node(line)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        (stack[-1][1].children if stack else roots).append(node)
        stack.append((indent, node))
    return roots


def _all(node: Node, mark: str) -> list[str]:
    out = [f"{mark} {node.line}"]
    for child in node.children:
        out += _all(child, mark)
    return out


def _diff_sections(old: list[Node], new: list[Node]) -> list[list[str]]:
    """One section per changed sibling: an unchanged parent with its changed
    children as context, or a removed (``-``) / added (``+``) subtree."""
    sections: list[list[str]] = []
    sm = difflib.SequenceMatcher(a=[n.line for n in old], b=[n.line for n in new], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                inner = [line for section in _diff_sections(a.children, b.children) for line in section]
                if inner:
                    sections.append([f"  {a.line}", *inner])
            continue
        sections += [_all(a, "-") for a in old[i1:i2]]
        sections += [_all(b, "+") for b in new[j1:j2]]
    return sections


def diff_lines(old: RouterConfig, new: RouterConfig) -> list[str]:
    """Changed top-level items, each between ``  #`` lines (empty list: no change)."""
    old_tree = to_tree([ln for block in render_blocks(old) for ln in block])
    new_tree = to_tree([ln for block in render_blocks(new) for ln in block])
    out: list[str] = []
    for section in _diff_sections(old_tree, new_tree):
        out.append("  #")
        out += section
    if out:
        out.append("  #")
    return out


def changed_blocks(old: RouterConfig, new: RouterConfig) -> list[str]:
    """``display configuration candidate``: the candidate's blocks that differ
    from running, printed as configuration (twin's choice: whole blocks; the
    doc example shows one changed block printed plainly)."""
    old_blocks = {tuple(b) for b in render_blocks(old)}
    out: list[str] = []
    for block in render_blocks(new):
        if tuple(block) not in old_blocks:
            out += ["#", *block] if out else block
    return out
