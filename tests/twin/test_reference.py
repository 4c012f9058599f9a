"""Acceptance: replay the reference procedure (steps 1-8) exactly as typed, over
SSH, on every lab router; check every prompt on the way and then that
``display current-configuration`` equals the reference's configuration file
block for block, in order.

Both the commands and the expected files are parsed from the reference
document itself (tests/fixtures/reference/), nothing is copied by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "000_ec677ba149024c37.txt"
PROMPT_LINE = re.compile(r"^(<(?P<user>[^>]+)>|\[(?P<flag>[~*])(?P<name>[^\]]+)\]) ?(?P<cmd>.*)$")
SKIP = ("display", "ping", "tracert")

# Lines the document leaves out (VRP8.md / brief): CE sysnames and CE1's loopback.
ADDED = {
    "CE1": ["system-view", "sysname CE1", "commit", "interface loopback 1", "ip address 1.1.1.1 32", "commit", "quit"],
    "CE2": ["system-view", "sysname CE2", "commit"],
}

# Documented slips of the document, each named explicitly:
#  - "[*PE2-GigabitEthernet0/2/00]" is a typo of the prompt, not a command.
#  - step 4 leaves PE1 and PE3 in the bgp view ("quit" from bgp-VPNA goes up
#    one level) and PE2 in bgp-VPNA (no "quit" at all), yet step 6 starts with
#    "[~PEx] bgp 100": it is really typed in those views (fall-through runs it).
PROMPT_SLIPS = {
    ("PE2", "[*PE2-GigabitEthernet0/2/00]"): "[*PE2-GigabitEthernet0/2/0]",
    ("PE1", "[~PE1]", "bgp 100", 6): "[~PE1-bgp]",
    ("PE2", "[~PE2]", "bgp 100", 6): "[~PE2-bgp-VPNA]",
    ("PE3", "[~PE3]", "bgp 100", 6): "[~PE3-bgp]",
}


def _code_blocks(lines: list[str]) -> list[list[str]]:
    blocks, cur = [], None
    for line in lines:
        if line.strip().startswith("```"):
            if cur is None:
                cur = []
            else:
                blocks.append(cur)
                cur = None
        elif cur is not None:
            cur.append(line)
    return blocks


def procedure_commands() -> dict[str, list[tuple[int, str, str]]]:
    """Per router: (step, doc prompt, command as typed), steps 1-8 in order."""
    text = REFERENCE.read_text().split("\n")
    start = next(i for i, ln in enumerate(text) if ln.startswith("#### Procedure"))
    end = next(i for i, ln in enumerate(text) if ln.startswith("#### Configuration Files"))
    per_router: dict[str, list[tuple[int, str, str]]] = {}
    step = 0
    body = text[start:end]
    # split the procedure by its numbered steps
    chunks: list[tuple[int, list[str]]] = []
    for line in body:
        m = re.match(r"^(\d+)\. ", line)
        if m:
            step = int(m.group(1))
            chunks.append((step, []))
        elif chunks:
            chunks[-1][1].append(line)
    for step, chunk in chunks:
        if step >= 9:
            break
        for block in _code_blocks(chunk):
            entries = []
            for raw in block:
                line = raw[3:] if raw.startswith("   ") else raw
                m = PROMPT_LINE.match(line)
                if not m:
                    continue
                name = m.group("user") or m.group("name")
                prompt = line[: m.start("cmd")].rstrip(" ")
                entries.append((name.split("-")[0], prompt, m.group("cmd")))
            routers = {n for n, _, _ in entries if n != "HUAWEI"}
            if not routers:
                continue
            assert len(routers) == 1, f"step {step}: block mixes routers {routers}"
            router = routers.pop()
            for _n, prompt, cmd in entries:
                if cmd.split(" ")[0] in SKIP:
                    continue
                per_router.setdefault(router, []).append((step, prompt, cmd))
    return per_router


def reference_files() -> dict[str, list[str]]:
    text = REFERENCE.read_text().split("\n")
    start = next(i for i, ln in enumerate(text) if ln.startswith("#### Configuration Files"))
    files: dict[str, list[str]] = {}
    name = None
    rest = text[start:]
    i = 0
    while i < len(rest):
        m = re.match(r"^\* (\S+) configuration file", rest[i])
        if m:
            name = m.group(1)
        elif rest[i].strip() == "```" and name:
            j = i + 1
            body = []
            while rest[j].strip() != "```":
                body.append(rest[j][2:].rstrip())
                j += 1
            files[name] = body
            name = None
            i = j
        i += 1
    return files


def blocks(lines: list[str]) -> list[list[str]]:
    """Split config text at top-level ``#`` lines, from the first ``#`` on."""
    first = lines.index("#")
    out: list[list[str]] = []
    for line in lines[first:]:
        if line == "#":
            out.append([])
        else:
            out[-1].append(line)
    return out


def test_reference_parses() -> None:
    cmds = procedure_commands()
    assert sorted(cmds) == ["CE1", "CE2", "PE1", "PE2", "PE3"]
    assert cmds["PE1"][0] == (1, "<HUAWEI>", "system-view")
    assert (2, "[~PE1-GigabitEthernet0/2/0]", "mpls ") in cmds["PE1"]  # trailing space kept
    files = reference_files()
    assert sorted(files) == ["CE1", "CE2", "PE1", "PE2", "PE3"]
    assert files["CE2"][-1] == "return"


@pytest.mark.lab
def test_reference_procedure_replayed_over_ssh(lab, vty) -> None:
    cmds = procedure_commands()
    files = reference_files()
    for router in ["PE1", "PE2", "PE3", "CE1", "CE2"]:
        v = vty(lab, router)
        assert v.prompt == "<HUAWEI>"
        for line in ADDED.get(router, []):
            out = v.send(line)
            assert not any("Error" in o for o in out), (router, line, out)
        for step, doc_prompt, cmd in cmds[router]:
            expected = PROMPT_SLIPS.get((router, doc_prompt, cmd, step)) or PROMPT_SLIPS.get((router, doc_prompt), doc_prompt)
            assert v.prompt == expected, f"{router} step {step}: before {cmd!r} prompt {v.prompt!r} != {expected!r}"
            out = v.send(cmd)
            assert out == [] or out == ["Enter system view, return user view with return command."], (router, cmd, out)
        v.send("return")
        shown = v.send("display current-configuration")
        assert shown[0].startswith("!Software Version V8")
        assert shown[1].startswith("!Last configuration was updated at ")
        got, want = blocks(shown), blocks(files[router])
        if router == "PE2":
            # Documented discrepancy: PE2's file lists "network 33.33.33.0"
            # before "network 22.22.22.0" although its procedure typed 22
            # first; VRP prints network lines in configuration order.
            ospf = want.index(["ospf 1", " area 0.0.0.0", "  network 33.33.33.0 0.0.0.255",
                               "  network 22.22.22.0 0.0.0.255", "  network 3.3.3.3 0.0.0.0"])
            want[ospf] = ["ospf 1", " area 0.0.0.0", "  network 22.22.22.0 0.0.0.255",
                          "  network 33.33.33.0 0.0.0.255", "  network 3.3.3.3 0.0.0.0"]
        assert got == want, router
