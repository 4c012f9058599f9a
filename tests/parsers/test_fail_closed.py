"""Anything the parsers cannot read fails, naming where; valid empty tables stay valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vrpbook.parsers import ParseError, ParseErrorKind, parse

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
_SAME_FORMAT = [
    {"ip_routing_table", "ip_routing_table_vpn_instance"},
    {"bgp_peer", "bgp_vpnv4_all_peer", "bgp_vpnv4_vpn_instance_peer"},
]
FAMILY_COMMAND = {
    "bfd_session_all": "display bfd session all",
    "bfd_session_all_verbose": "display bfd session all verbose",
    "bgp_peer": "display bgp peer",
    "bgp_vpnv4_all_peer": "display bgp vpnv4 all peer",
    "bgp_vpnv4_vpn_instance_peer": "display bgp vpnv4 vpn-instance vpna peer",
    "ip_routing_table": "display ip routing-table",
    "ip_routing_table_vpn_instance": "display ip routing-table vpn-instance vpna",
    "ip_routing_table_protocol_static": "display ip routing-table protocol static",
    "mpls_ldp_session": "display mpls ldp session",
    "ospf_peer_brief": "display ospf peer brief",
    "ip_vpn_instance_verbose": "display ip vpn-instance verbose",
    "commit_rollback": "display configuration commit list verbose",
}


def _family_samples() -> list[tuple[str, Path]]:
    out = []
    for family in FAMILY_COMMAND:
        for txt in sorted((SAMPLES / family).glob("*.txt")):
            expected = json.loads(txt.with_name(txt.stem + ".expected.json").read_text(encoding="utf-8"))
            if family == "commit_rollback" and "commit list" not in (expected.get("command") or ""):
                continue
            out.append((family, txt))
    return out


CROSS = [
    (family, txt, other)
    for family, txt in _family_samples()
    for other in FAMILY_COMMAND
    if other != family and not any({family, other} <= group for group in _SAME_FORMAT)
]


@pytest.mark.parametrize(("family", "txt", "other"), CROSS, ids=[f"{f}/{t.stem}->{o}" for f, t, o in CROSS])
def test_output_of_another_command_is_refused(family: str, txt: Path, other: str) -> None:
    text = txt.read_text(encoding="utf-8")
    with pytest.raises(ParseError):
        parse(FAMILY_COMMAND[other], text)
    body = text.split("\n", 1)[1] if text.lstrip().startswith(("<", "[")) else text
    with pytest.raises(ParseError):
        parse(FAMILY_COMMAND[other], body)  # without the prompt line: the grammar alone refuses it


def test_random_text_names_the_first_line_not_understood() -> None:
    with pytest.raises(ParseError) as info:
        parse("display ip routing-table", "Routing Table: _public_\nhello world\nfoo")
    assert info.value.kind is ParseErrorKind.UNKNOWN_LINE
    assert (info.value.line_no, info.value.line) == (2, "hello world")
    assert "line 2" in str(info.value) and "display ip routing-table" in str(info.value)


def test_empty_output_is_not_an_empty_table() -> None:
    for text in ("", "\n\n", "<PE1> display bfd session all\n", "<PE1> display bfd session all\n<PE1>"):
        with pytest.raises(ParseError) as info:
            parse("display bfd session all", text)
        assert info.value.kind is ParseErrorKind.EMPTY


def test_bfd_table_without_sessions_is_a_valid_empty_result() -> None:
    text = (
        "<PE1> display bfd session all\n(w): State in WTR\n(*): State is invalid\n" + "-" * 80
        + "\nLocal Remote     PeerIpAddr      State     Type        InterfaceName\n" + "-" * 80
        + "\n" + "-" * 80 + "\n     Total UP/DOWN Session Number : 0/0\n<PE1>"
    )
    result = parse("display bfd session all", text).model_dump()
    assert (result["sessions"], result["total_up"], result["total_down"]) == ([], 0, 0)


def test_header_only_bfd_table_is_truncated() -> None:
    text = "(w): State in WTR\n(*): State is invalid\n" + "-" * 80 + "\nLocal Remote PeerIpAddr State Type InterfaceName\n"
    with pytest.raises(ParseError, match="truncated"):
        parse("display bfd session all", text)


def test_bfd_row_cut_before_its_last_column_fails_on_that_line() -> None:
    text = (
        "Local      Remote     PeerIpAddr      State     Type        InterfaceName\n"
        "16385      16385      10.0.0.2        Up        D/IP-IF      GE1/0/0\n"
        "16386      16386      10.0.0.6        Up"
    )
    with pytest.raises(ParseError) as info:
        parse("display bfd session all", text)
    assert info.value.line_no == 3


def test_wrapped_bfd_row_without_its_second_line_fails() -> None:
    text = "Local Remote PeerIpAddr State Type InterfaceName\n16387 33686018 2001:DB8:40::\n" + "-" * 80
    with pytest.raises(ParseError, match="wrapped"):
        parse("display bfd session all", text)


def test_wrapped_interface_without_its_tail_fails() -> None:
    text = (
        "Routing Table : VPN1\nSummary Count : 1\n"
        "Destination/Mask    Proto   Pre  Cost      Flags NextHop         Interface\n"
        "        0.0.0.0/0   IBGP    255  0          RD   172.16.1.1      GigabitEthernet"
    )
    with pytest.raises(ParseError, match="truncated"):
        parse("disp ip rou vpn-instance VPN1 0.0.0.0", text)


def test_ldp_table_without_total_line_is_truncated() -> None:
    text = (
        " PeerID             Status      LAM  SsnRole  SsnAge      KASent/Rcv\n"
        " 1.1.1.9:0          Operational DU   Active   000:00:14   57/57\n"
    )
    with pytest.raises(ParseError, match="total"):
        parse("display mpls ldp session", text)


BFD_BLOCK = (
    "  (One Hop) State : Up   Name : s1\n" + "-" * 40 + "\n"
    "  Local Discriminator    : 1                Remote Discriminator   : 2\n"
    "  Session Detect Mode    : Asynchronous Mode Without Echo Function\n"
    "  BFD Bind Type          : Interface(GigabitEthernet0/1/0)\n"
    "  Bind Session Type      : Static\n"
    "  Min Tx Interval (ms)   : 10               Min Rx Interval (ms)   : 10\n"
    "  Actual Tx Interval (ms): 10               Actual Rx Interval (ms): 10\n"
    "  Local Detect Multi     : 3                Detect Interval (ms)   : 30\n"
    "  Destination Port       : 3784             TTL                    : 255\n"
    "  Last Local Diagnostic  : No Diagnostic\n"
    "  Bind Application       : No Application Bind\n"
)
BFD_VERBOSE = BFD_BLOCK + "-" * 40 + "\n  Total UP/DOWN Session Number : 1/0\n"


def test_bfd_verbose_unknown_key_is_kept_under_extra_with_a_warning() -> None:
    text = BFD_VERBOSE.replace("  Bind Application", "  Brand New Field        : 7\n  Bind Application")
    result = parse("display bfd session all verbose", text).model_dump()
    (session,) = result["sessions"]
    assert session["extra"] == {"Brand New Field": "7"} and session["bind_application"] == "No Application Bind"
    assert result["warnings"] == ["line 12: field 'Brand New Field' is not one vrpbook knows; kept under extra"]


def test_bfd_verbose_block_cut_short_is_truncated() -> None:
    text = "  (One Hop) State : Up   Name : s1\n" + "-" * 40 + "\n  Local Discriminator    : 1                Remote Discriminator   : 2\n"
    with pytest.raises(ParseError, match="truncated"):
        parse("display bfd session all verbose", text)


def test_integer_field_with_a_word_fails_closed() -> None:
    text = BFD_VERBOSE.replace("TTL                    : 255", "TTL                    : many")
    with pytest.raises(ParseError) as info:
        parse("display bfd session all verbose", text)
    assert info.value.kind is ParseErrorKind.VALUE and info.value.line_no == 10


@pytest.mark.parametrize(
    "text",
    [
        "<PE1>display ip routing-table\n       ^\nError: Unrecognized command found at '^' position.\n<PE1>",
        "Error:Too many parameters found at '^' position.",
        "Error[1]: The configuration is locked by other user. [Session ID = 407]",
        "                 ^",
    ],
)
def test_device_errors_raise(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse("display ip routing-table", text)
    assert info.value.kind is ParseErrorKind.DEVICE_ERROR


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("dis bfd ses all verb", "display bfd session all verbose"),
        ("dis bfd se al", "display bfd session all"),
        ("disp ip rou pro static", "display ip routing-table protocol static"),
        ("DIS   IP  ROU", "display ip routing-table"),
        ("d ip vpn-instance verbose", "display ip vpn-instance verbose"),
        ("dis configuration com li", "display configuration commit list"),
        ("dis configuration tr st", "display configuration trial status"),
        ("dis configuration-o u", "display configuration-occupied user"),
        ("dis cur", "display current-configuration"),
        ("dis int br", "display interface brief"),
        ("dis ospf pe br", "display ospf peer brief"),
        ("dis mpls ldp se", "display mpls ldp session"),
    ],
)
def test_abbreviations_resolve(typed: str, canonical: str) -> None:
    from vrpbook.parsers.commands import resolve

    assert resolve(typed).spec.canonical == canonical


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("dis b peer", ParseErrorKind.AMBIGUOUS_COMMAND),  # bfd or bgp
        ("dis conf com li", ParseErrorKind.AMBIGUOUS_COMMAND),  # configuration or configuration-occupied
        ("display ip routing-table vpn-instance", ParseErrorKind.UNKNOWN_COMMAND),
        ("display interface counters", ParseErrorKind.UNKNOWN_COMMAND),
        ("display current-configuration configuration", ParseErrorKind.UNKNOWN_COMMAND),
        ("display bfd session", ParseErrorKind.UNKNOWN_COMMAND),
        ("", ParseErrorKind.UNKNOWN_COMMAND),
    ],
)
def test_bad_commands_raise(typed: str, kind: ParseErrorKind) -> None:
    with pytest.raises(ParseError) as info:
        parse(typed, "anything")
    assert info.value.kind is kind


def test_arguments_come_from_the_command() -> None:
    text = (SAMPLES / "bgp_vpnv4_vpn_instance_peer" / "01-ne40e-rr-access-3peers.txt").read_text(encoding="utf-8")
    body = text.split("\n", 1)[1]
    result = parse("dis bgp vpnv4 vpn-instance vpna peer", body).model_dump()
    assert result["vpn_instance"] == "vpna" and {p["vpn_instance"] for p in result["peers"]} == {"vpna"}
    assert result["command"] is None and result["prompt"] is None


def test_table_of_another_vpn_instance_is_refused() -> None:
    text = (SAMPLES / "ip_routing_table_vpn_instance" / "03-ne40e-two-rrs-ecmp.txt").read_text(encoding="utf-8")
    body = text.split("\n", 1)[1]
    assert parse("display ip routing-table vpn-instance vpna", body).model_dump()["vpn_instance"] == "vpna"
    with pytest.raises(ParseError, match="vpnb"):
        parse("display ip routing-table vpn-instance vpnb", body)


@pytest.mark.parametrize(
    ("line", "prompt", "hostname", "command"),
    [
        ("<PE1> display bgp peer", "<PE1>", "PE1", "display bgp peer"),
        ("[~PE1]display bgp peer", "[~PE1]", "PE1", "display bgp peer"),
        ("[*PE1-bgp]dis bgp pe", "[*PE1-bgp]", "PE1", "dis bgp pe"),
        ("[~S-PE]display bgp peer   ", "[~S-PE]", "S-PE", "display bgp peer"),
        ("<HUAWEI-Lab_1>display bgp peer", "<HUAWEI-Lab_1>", "HUAWEI-Lab_1", "display bgp peer"),
    ],
)
def test_prompt_line_and_trailing_prompt(line: str, prompt: str, hostname: str, command: str) -> None:
    text = (SAMPLES / "bgp_peer" / "07-ntc-templates-real-asdot.txt").read_text(encoding="utf-8")
    result = parse("display bgp peer", f"{line}\n{text}\n{prompt}\n")
    assert (result.prompt, result.hostname, result.command) == (prompt, hostname, command)
    assert len(result.peers) == 4  # type: ignore[attr-defined]


def test_prompt_line_of_another_command_is_refused() -> None:
    text = (SAMPLES / "bgp_peer" / "07-ntc-templates-real-asdot.txt").read_text(encoding="utf-8")
    with pytest.raises(ParseError, match="not of the command asked"):
        parse("display bgp peer", "<PE1> display bgp vpnv4 all peer\n" + text)


INTERFACE_BRIEF = """PHY: Physical
*down: administratively down
^down: standby
(l): loopback
(s): spoofing
(E): E-Trunk down
(b): BFD down
(B): Bit-error-detection down
(e): ETHOAM down
(d): Dampening Suppressed
(p): port alarm down
(ld): loop-detect trigger down
(mf): mac-flapping blocked
(c): CFM down
(sd): STP instance discarding
InUti/OutUti: input utility/output utility
Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors
Eth-Trunk10                 down  down         0%     0%          0          0
Eth-Trunk10.25              down  down         0%     0%          0          0
GigabitEthernet0/0/0        *down down         0%     0%          0          0
GigabitEthernet1/0/0(10G)   up    up        0.01%  0.01%          0          0
GigabitEthernet1/0/1(10G)   up    up        0.01%  0.01%          0          0
GigabitEthernet1/0/1.50(10G) up    down         0%     0%          0          0
LoopBack0                   up    up(s)        0%     0%          0          0"""


def test_interface_brief_vrp8_md_section_6() -> None:
    result = parse("display interface brief", INTERFACE_BRIEF).model_dump()
    rows = result["interfaces"]
    assert len(rows) == 7
    assert rows[2] == {
        "interface": "GigabitEthernet0/0/0", "speed_tag": None, "port_flag": None, "member_of": None,
        "phy": "*down", "protocol": "down", "in_uti": "0%", "out_uti": "0%", "in_errors": 0, "out_errors": 0,
    }
    assert (rows[5]["interface"], rows[5]["speed_tag"], rows[5]["protocol"]) == ("GigabitEthernet1/0/1.50", "10G", "down")
    assert rows[6]["protocol"] == "up(s)"


COMMIT_LIST = "\n".join([
    "-" * 131,
    'No.  CommitId     Label                                                            User            TimeStamp',
    "-" * 131,
    '1    1000000741   -                                                                azryve-nocauth  2020-08-26 11:34:42+03:00',
    '2    1000000740   -                                                                azryve-nocauth  2020-08-26 11:34:41+03:00',
])


def test_commit_list_table_vrp8_md_section_3_5() -> None:
    result = parse("display configuration commit list", COMMIT_LIST).model_dump()
    assert [(c["index"], c["commit_id"], c["label"], c["user"], c["timestamp"]) for c in result["commits"]] == [
        (1, "1000000741", None, "azryve-nocauth", "2020-08-26 11:34:42+03:00"),
        (2, "1000000740", None, "azryve-nocauth", "2020-08-26 11:34:41+03:00"),
    ]
    row = "1    1000000583    -                    850106          2016-05-04 16:32:38+07:00"
    other = parse("display configuration commit list", COMMIT_LIST.split("\n", 3)[1] + "\n" + row).model_dump()
    assert other["commits"][0]["user"] == "850106"


def test_commit_list_verbose_block_cut_short_is_truncated() -> None:
    text = "1) CommitId: 1000000114\n        Label: -\n        User: Huawei\n        User-Intf: VTY 0\n        Type: CLI\n"
    with pytest.raises(ParseError, match="truncated"):
        parse("display configuration commit list verbose", text)


@pytest.mark.parametrize(
    ("prompt", "hostname", "state", "view"),
    [
        ("[*HUAWEI-GigabitEthernet0/1/4]", "HUAWEI", "*", "GigabitEthernet0/1/4"),
        ("[~PE1-vpn-instance-VPNA-af-ipv4]", "PE1", "~", "vpn-instance-VPNA-af-ipv4"),
        ("[~PE1-ospf-1-area-0.0.0.0]", "PE1", "~", "ospf-1-area-0.0.0.0"),
        ("[~DeviceA-100GE1/0/1.100]", "DeviceA", "~", "100GE1/0/1.100"),
        ("[~PE1-Eth-Trunk10]", "PE1", "~", "Eth-Trunk10"),
        ("[~CORE-R1]", "CORE-R1", "~", None),
        ("[sw1]", "sw1", None, None),
        ("<S-PE>", "S-PE", None, None),
    ],
)
def test_prompt_parts(prompt: str, hostname: str, state: str | None, view: str | None) -> None:
    from vrpbook.parsers.text import split_prompt

    split = split_prompt(prompt + "display bgp peer")
    assert split is not None
    parts, rest = split
    assert (parts.prompt, parts.hostname, parts.candidate_state, parts.view, rest) == (prompt, hostname, state, view, "display bgp peer")


def test_one_header_tables_refuse_lines_out_of_place() -> None:
    """Interface brief and commit list share one rule: rows only after exactly one column header."""
    head, _, rows = INTERFACE_BRIEF.partition("Interface                   PHY")
    header = "Interface                   PHY" + rows.split("\n", 1)[0]
    first_row = rows.split("\n")[1]
    cases = [
        ("display interface brief", INTERFACE_BRIEF + "\n" + header, "second column header"),
        ("display interface brief", head + first_row + "\n" + header, "interface row before the column header"),
        ("display interface brief", INTERFACE_BRIEF + "\n(s): spoofing", "legend line inside the table"),
        ("display configuration commit list", COMMIT_LIST + "\n" + COMMIT_LIST.split("\n")[1], "second column header"),
        ("display configuration commit list", COMMIT_LIST.split("\n")[3] + "\n" + COMMIT_LIST, "commit row before the column header"),
    ]
    for command, text, message in cases:
        with pytest.raises(ParseError, match=message) as info:
            parse(command, text)
        assert info.value.kind is ParseErrorKind.STRUCTURE
    framed = parse("display configuration commit list", COMMIT_LIST + "\n" + "-" * 40).model_dump()
    assert len(framed["commits"]) == 2  # the closing dashed line belongs to the table


@pytest.mark.parametrize("digits", ["7\u00b2", "\u0661\u0660"])  # "7²" passes str.isdigit, Arabic-Indic "10" passes \d
def test_non_ascii_digits_in_free_text_values_are_a_value_error(digits: str) -> None:
    """Not a bare ValueError from int(): every failure is a ParseError naming the line."""
    bfd = (SAMPLES / "bfd_session_all_verbose" / "01-ne40e-multihop-up.txt").read_text(encoding="utf-8")
    vpn = (SAMPLES / "ip_vpn_instance_verbose" / "01-ne40e-dual-stack-dcn.txt").read_text(encoding="utf-8")
    cases = [
        ("display bfd session all verbose", bfd.replace("TOS-EXP                : 7", f"TOS-EXP                : {digits}"), 13),
        ("display ip vpn-instance verbose", vpn.replace("Per-Instance Label : 48123", f"Per-Instance Label : {digits}"), 27),
    ]
    for command, text, line_no in cases:
        assert digits in text
        with pytest.raises(ParseError, match="is not an integer") as info:
            parse(command, text)
        assert (info.value.kind, info.value.line_no) == (ParseErrorKind.VALUE, line_no)


def test_non_ascii_digits_matched_by_the_grammar_are_a_value_error() -> None:
    r"""``\d`` in a template also matches ``١٠``: a counter (Context.int) and a row value (pydantic) both fail closed."""
    routes = (SAMPLES / "ip_routing_table" / "01-ne40e-ospf-lb-3way.txt").read_text(encoding="utf-8")
    for text in (
        routes.replace("Destinations : 15", "Destinations : \u0661\u0665"),
        routes.replace("Direct 0    0 ", "Direct \u0660    0 ", 1),
    ):
        assert text != routes
        with pytest.raises(ParseError) as info:
            parse("display ip routing-table", text)
        assert info.value.kind is ParseErrorKind.VALUE, str(info.value)
