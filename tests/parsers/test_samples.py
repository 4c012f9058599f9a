"""Every parser-family sample parses to its expected JSON; device errors never parse.

One test walks ``tests/fixtures/samples`` (both sets: ``shared/samples`` and
``shared/samples2``, README-set2.md): a sample added later is tested without
new code.  The command comes from the sample's first line when the sample shows
it, else from the folder name.  Every key of the expected JSON (``_meta`` /
``notes`` aside) must be in the result with exactly that value and JSON type,
every list must have the same length; keys the parser adds (``extra``,
``port_flag``, ``member_of`` ...) are allowed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vrpbook.parsers import ParseError, ParseErrorKind, parse, supported_commands
from vrpbook.parsers.api import _split_header
from vrpbook.parsers.commands import resolve
from vrpbook.parsers.grammar import WRAP_WIDTH, load_grammar
from vrpbook.parsers.text import clean

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
FOLDER_COMMAND = {
    "bfd_session_all": "display bfd session all",
    "bfd_session_all_verbose": "display bfd session all verbose",
    "bgp_peer": "display bgp peer",
    "bgp_vpnv4_all_peer": "display bgp vpnv4 all peer",
    "bgp_vpnv4_vpn_instance_peer": None,  # the instance name is only in the sample's command line
    "ip_routing_table": "display ip routing-table",
    "ip_routing_table_vpn_instance": None,
    "ip_routing_table_protocol_static": "display ip routing-table protocol static",
    "mpls_ldp_session": "display mpls ldp session",
    "ospf_peer_brief": "display ospf peer brief",
    "ip_vpn_instance_verbose": "display ip vpn-instance verbose",
    "interface_brief": "display interface brief",
    "ip_interface_brief": "display ip interface brief",
    "version": "display version",
    "mpls_lsp": "display mpls lsp",
    "bgp_vpnv4_all_routing_table": "display bgp vpnv4 all routing-table",
}
NOT_METADATA = ("_meta", "notes")


def _supported(command: str | None) -> bool:
    if not command:
        return False
    try:
        resolve(command)
    except ParseError:
        return False
    return True


def _cases() -> list[tuple[Path, str, dict]]:
    cases = []
    for txt in sorted(SAMPLES.glob("*/*.txt")):
        if txt.parent.name == "cli_errors":
            continue
        expected = json.loads(txt.with_name(txt.stem + ".expected.json").read_text(encoding="utf-8"))
        command = expected.get("command") or FOLDER_COMMAND.get(txt.parent.name)
        if txt.parent.name in FOLDER_COMMAND:
            assert command, f"{txt}: no command for a display sample"
            cases.append((txt, command, expected))
        elif _supported(command):  # e.g. commit_rollback/06: display configuration commit list verbose
            cases.append((txt, command, expected))
    return cases


CASES = _cases()
ERRORS = sorted((SAMPLES / "cli_errors").glob("*.txt"))


def _subset(expected: object, got: object, path: str = "$") -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{path}: expected an object, got {got!r}"]
        out: list[str] = []
        for key, value in expected.items():
            if key in NOT_METADATA:
                continue
            if key not in got:
                out.append(f"{path}.{key}: missing")
            else:
                out.extend(_subset(value, got[key], f"{path}.{key}"))
        return out
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {got!r}"]
        return [d for i, (e, g) in enumerate(zip(expected, got, strict=False)) for d in _subset(e, g, f"{path}[{i}]")]
    if type(expected) is not type(got) or expected != got:
        return [f"{path}: expected {expected!r}, got {got!r}"]
    return []


def test_fixture_walk_covers_every_display_family() -> None:
    families = {txt.parent.name for txt, _, _ in CASES}
    assert set(FOLDER_COMMAND) <= families
    assert "commit_rollback" in families  # 06: commit list verbose
    assert len(CASES) >= 90  # 45 of the first set's display samples + the 50 of the second set


@pytest.mark.parametrize(("txt", "command", "expected"), CASES, ids=[f"{t.parent.name}/{t.stem}" for t, _, _ in CASES])
def test_sample_parses_to_expected_json(txt: Path, command: str, expected: dict) -> None:
    got = parse(command, txt.read_text(encoding="utf-8")).model_dump()
    assert _subset(expected, got) == []


@pytest.mark.parametrize("txt", ERRORS, ids=[t.stem for t in ERRORS])
@pytest.mark.parametrize("command", supported_commands())
def test_device_errors_never_parse(txt: Path, command: str) -> None:
    command = command.replace("<vpn_instance>", "VPNA").replace("<prefix>", "10.0.0.0")
    with pytest.raises(ParseError) as info:
        parse(command, txt.read_text(encoding="utf-8"))
    assert info.value.kind is ParseErrorKind.DEVICE_ERROR
    assert info.value.line is not None and ("Error" in info.value.line or "^" in info.value.line)


def _body(command: str, text: str) -> list:
    return _split_header(resolve(command), clean(text), command)[1]


@pytest.mark.parametrize(("txt", "command", "expected"), CASES, ids=[f"{t.parent.name}/{t.stem}" for t, _, _ in CASES])
def test_plain_ttp_and_the_line_walker_agree(txt: Path, command: str, expected: dict) -> None:
    """The fast path reads exactly what the TTP template reads, line rule by line rule.

    TTP gets the lines the walker read (a line a terminal wrapped at 80 columns is one
    line there, joined by the walker); on a sample with no wrapped line and no line
    before the output that a rule would also match (timestamps, the prompt line of a
    display whose detail lines take any text), TTP on the raw sample, as a user of the
    template alone would run it, reads the same too.
    """
    grammar = load_grammar(resolve(command).spec.template)
    raw = txt.read_text(encoding="utf-8")
    body = _body(command, raw)
    matches = grammar.scan(body, command)
    walked: dict[str, list[dict]] = {}
    for match in matches:
        walked.setdefault(match.kind, []).append(match.values)
    logical = "\n".join(match.text for match in matches)
    assert grammar.ttp_parse(logical) == walked
    assert grammar.ambiguous_kinds(logical) == []
    joined = len(matches) != sum(1 for line in body if line.text.strip())
    skipped = [line.text for line in clean(raw) if line.text.strip() and line.no not in {m.no for m in matches}]
    if not joined and not any(grammar.ambiguous_kinds(t) or _matches_any(grammar, t) for t in skipped):
        assert grammar.ttp_parse(raw) == walked


def _matches_any(grammar: object, text: str) -> bool:
    return any(rule.regex.fullmatch(text) for rule in grammar.rules)  # type: ignore[attr-defined]


def _noisy(text: str) -> str:
    """CRLF endings, pager escapes, tabs for spaces and trailing blanks, as terminals deliver.

    A line exactly as wide as an 80-column terminal (a wrapped one, joined by the walker)
    keeps its width: a terminal that wrapped it printed it that wide.
    """
    out = []
    for i, line in enumerate(text.split("\n")):
        if i % 4 == 2 and len(line.expandtabs(8)) != WRAP_WIDTH:
            line = line.replace("    ", "\t", 1) + " \t "
        if i % 3 == 1:
            line = "  ---- More ----\x1b[42D" + " " * 42 + "\x1b[42D" + line
        out.append(line)
    return "\r\n".join(out) + "\r\n"


@pytest.mark.parametrize(("txt", "command", "expected"), CASES, ids=[f"{t.parent.name}/{t.stem}" for t, _, _ in CASES])
def test_terminal_noise_changes_nothing(txt: Path, command: str, expected: dict) -> None:
    text = txt.read_text(encoding="utf-8")
    clean_result = parse(command, text).model_dump()
    assert parse(command, _noisy(text)).model_dump() == clean_result


FIRST_OF_FAMILY = list({txt.parent.name: (txt, command) for txt, command, _ in reversed(CASES)}.values())


@pytest.mark.parametrize(("txt", "command"), FIRST_OF_FAMILY, ids=[t.parent.name for t, _ in FIRST_OF_FAMILY])
def test_templates_work_through_netmiko_use_ttp(txt: Path, command: str) -> None:
    """netmiko's ``use_ttp=True`` helper reads the shipped template file and gets the same records."""
    from importlib import resources

    from netmiko.utilities import get_structured_data_ttp

    name = resolve(command).spec.template
    path = resources.files("vrpbook.parsers").joinpath("templates", name)
    raw = txt.read_text(encoding="utf-8")
    via_netmiko = get_structured_data_ttp(raw, str(path))[0][0]
    assert via_netmiko == load_grammar(name).ttp_parse(raw)
    assert via_netmiko  # found records
