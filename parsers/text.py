"""Turn raw terminal text into clean, numbered lines.

Device output arrives with CRLF endings, pager remnants (``---- More ----``
followed by ``ESC[42D`` cursor moves), tabs, trailing blanks and sometimes the
prompt + command line before it and a bare prompt after it.  Everything that
is terminal noise is removed here, once, so that the grammars only ever see
what the router printed.  Line numbers are kept relative to the input so a
:class:`ParseError` can point at the original line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>78DEHMc]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PAGER = re.compile(r"^\s*-{2,}\s*More\s*-{2,}\s*")
# VRP's pager: "  ---- More ----", cursor back N, N blanks, cursor back N, then the line
# (whose own indentation counts: interface members, configuration nesting).
_PAGER_ERASE = re.compile(r"[ \t]*-{2,}[ \t]*More[ \t]*-{2,}\x1b\[(\d+)D[ \t]*\x1b\[\1D")
# VRP user view <host>, system view [host] / VRP8 [~host] [*host], optional
# HRP_M/HRP_S prefix of a firewall pair.  No spaces inside the brackets.
_PROMPT = re.compile(r"^\s*(?:HRP_[AMS])?(?P<prompt><[^<>\s]+>|\[[~*]?[^\[\]\s]+\])(?P<rest>.*)$")
# System-view prompts carry the view after the host name ([~PE1-bgp],
# [*HUAWEI-GigabitEthernet0/1/4], [~PE1-vpn-instance-VPNA-af-ipv4]); the split is
# made only before a known view keyword or interface type, so host names with
# dashes ([~S-PE], [~CORE-R1]) stay whole.
_VIEW_SUFFIX = re.compile(
    r"-(?=(?:bgp|ospf|ospfv3|isis|mpls|bfd|vpn-instance|aaa|ui|route-policy|acl|ip-prefix|"
    r"rip|lldp|ldp|vlan|tunnel-policy|segment-routing|evpn|l2vpn|vsi)(?:$|-)"
    r"|(?:[A-Za-z]*GigabitEthernet|GE|\d+GE|Eth-Trunk|LoopBack|Vlanif|Tunnel|NULL|Ethernet|"
    r"Virtual-Template|Virtual-Ethernet|Pos|Serial|Global-VE|MEth|Dialer|Vbdif|Nve)\d[\d/.:]*(?:$|-))"
)


@dataclass(frozen=True)
class Prompt:
    """A VRP prompt split into its parts (as the samples' JSON shows them)."""

    prompt: str
    hostname: str
    candidate_state: str | None
    view: str | None


class Line(NamedTuple):
    """One cleaned line, its 1-based number in the input and its printed width.

    ``width`` is the length before trailing blanks were dropped: a line a terminal
    wrapped is as wide as the terminal (80 columns), whatever its text ends with.
    """

    no: int
    text: str
    width: int = 0


def clean(text: str) -> list[Line]:
    """Strip terminal noise; keep every line (blank ones too) with its number."""
    text = text.replace("\r\n", "\n").replace("\r", "")
    if "More" in text:
        text = _PAGER_ERASE.sub("", text)
    text = _ANSI.sub("", text)
    text = _CONTROL.sub("", text)
    if "\t" not in text and "More" not in text:  # the common case, without a per-line test
        return [Line(no, raw.rstrip(), len(raw)) for no, raw in enumerate(text.split("\n"), start=1)]
    out: list[Line] = []
    append = out.append
    for no, raw in enumerate(text.split("\n"), start=1):
        if "More" in raw:
            raw = _PAGER.sub("", raw)
        if "\t" in raw:
            raw = raw.expandtabs(8)
        append(Line(no, raw.rstrip(), len(raw)))
    return out


def split_prompt(line: str) -> tuple[Prompt, str] | None:
    """Return (prompt, rest of the line) when ``line`` starts with a VRP prompt."""
    m = _PROMPT.match(line)
    if m is None:
        return None
    raw = m.group("prompt")
    inner = raw[1:-1]
    state: str | None = None
    # VRP8 marks a dirty candidate with "*" and a clean one with "~" inside the brackets; the
    # NE40E documentation also prints "<~DeviceA>" (samples2/bgp_peer/04) -- never part of the name.
    if inner[:1] in ("~", "*") and len(inner) > 1:
        state, inner = inner[0], inner[1:]
    view: str | None = None
    if raw.startswith("["):
        vm = _VIEW_SUFFIX.search(inner)
        if vm is not None:
            inner, view = inner[: vm.start()], inner[vm.end() :]
    return Prompt(prompt=raw, hostname=inner, candidate_state=state, view=view), m.group("rest").strip()


def is_bare_prompt(line: str) -> bool:
    """True for a line that is only a prompt (what a router prints when done)."""
    split = split_prompt(line)
    return split is not None and split[1] == ""
