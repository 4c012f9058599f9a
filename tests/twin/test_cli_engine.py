"""Unit level: the CLI engine without SSH (grammar, errors, views, diff, render)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from vrpbook.twin.cli.grammar import CliSyntaxError, compile_spec, match
from vrpbook.twin.cli.session import CliSession
from vrpbook.twin.config.model import RouterConfig
from vrpbook.twin.state import Router

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
PORTS = ["GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "GigabitEthernet0/3/0"]


def new_session(name: str = "R1") -> CliSession:
    cfg = RouterConfig.factory(PORTS)
    cfg.sysname = name
    router = Router(name, "NE40E", PORTS, cfg, boot_time=time.time())
    return CliSession(router, None, "tester")


def run(s: CliSession, line: str) -> list[str]:
    """Output lines of *line* (the trailing prompt removed)."""
    out = s.handle_line(line).split("\r\n")
    out.pop()
    return out


def test_error_caret_matches_real_samples() -> None:
    s = new_session()
    run(s, "system-view")
    run(s, "sysname TST2PE6")
    run(s, "commit")
    run(s, "return")
    assert s.prompt() == "<TST2PE6>"
    # samples/cli_errors/01: caret at column 17 under the unknown 2nd keyword
    want = (SAMPLES / "cli_errors" / "01-netmiko609-ne40e-vrp5-display-current.txt").read_text().splitlines()
    assert run(s, "display transceiver") == want
    # samples/cli_errors/02: unknown first keyword, caret at column 9
    want = (SAMPLES / "cli_errors" / "02-netmiko609-ne40e-vrp5-screen-length.txt").read_text().splitlines()
    assert run(s, "screen-width 0 temporary") == want[1:3]


@pytest.mark.parametrize(
    ("line", "kind", "col"),
    [
        # prompt "[~R1-GigabitEthernet0/1/0]" is 26 characters
        ("ip addr 200.200.200.200.254", "Wrong parameter", 26 + 8),
        ("ip address 119.1.1.2", "Incomplete command", 26 + 21),
        ("ip address 10.0.0.1 24 extra", "Too many parameters", 26 + 23),
        ("ip adress 10.0.0.1 24", "Unrecognized command", 26 + 3),
        ("shutdown now", "Too many parameters", 26 + 9),
        ("ip address 10.0.0.1 33", "Wrong parameter", 26 + 20),
        ("ip binding vpn-instance", "Incomplete command", 26 + 24),
        ("undo ip vpn-instance", "Unrecognized command", 26 + 8),
    ],
)
def test_error_kinds_and_columns(line: str, kind: str, col: int) -> None:
    s = new_session()
    run(s, "system-view")
    run(s, "interface GigabitEthernet0/1/0")
    assert s.prompt() == "[~R1-GigabitEthernet0/1/0]"
    out = run(s, line)
    assert out == [" " * col + "^", f"Error: {kind} found at '^' position."]
    assert s.prompt() == "[~R1-GigabitEthernet0/1/0]"


def test_ambiguous_and_too_many() -> None:
    s = new_session()
    run(s, "system-view")
    assert run(s, "i") == [" " * 5 + "^", "Error: Ambiguous command found at '^' position."]  # interface / ip
    assert run(s, "sysname A B") == [" " * 15 + "^", "Error: Too many parameters found at '^' position."]


def test_abbreviations_and_interface_forms() -> None:
    s = new_session()
    assert run(s, "sys") == ["Enter system view, return user view with return command."]
    for form in ("int g 0/1/0", "interface gigabitethernet0/1/0", "INTERFACE GigabitEthernet0/1/0", "int GE0/1/0"):
        run(s, "quit") if s.view.kind != "system" else None
        assert run(s, form) == []
        assert s.prompt() == "[~R1-GigabitEthernet0/1/0]"
    run(s, "ip add 10.9.9.1 255.255.255.0")
    run(s, "q")
    run(s, "int loop 7")
    assert s.prompt() == "[*R1-LoopBack7]"
    run(s, "ip address 7.7.7.7 32")
    run(s, "commit")
    cfg = s.router.running
    assert str(cfg.interfaces["GigabitEthernet0/1/0"].address) == "10.9.9.1/24"
    assert str(cfg.interfaces["LoopBack7"].address) == "7.7.7.7/32"
    dis = run(s, "dis cur | inc ^interface")
    assert dis == ["interface GigabitEthernet0/1/0", "interface GigabitEthernet0/2/0",
                   "interface GigabitEthernet0/3/0", "interface LoopBack7"]


def test_unknown_interface_is_wrong_parameter() -> None:
    s = new_session()
    run(s, "system-view")
    assert run(s, "interface GigabitEthernet0/9/0") == [" " * 15 + "^", "Error: Wrong parameter found at '^' position."]


def test_fall_through_to_parent_views_but_not_for_undo() -> None:
    s = new_session()
    run(s, "system-view")
    run(s, "ospf")
    run(s, "area 0")
    assert s.prompt() == "[*R1-ospf-1-area-0.0.0.0]"
    run(s, "interface loopback 1")  # unknown in area and ospf views: runs in system view
    assert s.prompt() == "[*R1-LoopBack1]"
    run(s, "bfd")
    assert s.prompt() == "[*R1-bfd]"
    out = run(s, "undo sysname")  # undo never falls through
    assert out[-1] == "Error: Unrecognized command found at '^' position."
    assert s.prompt() == "[*R1-bfd]"
    run(s, "quit")
    assert s.prompt() == "[*R1]"


def test_candidate_changes_format() -> None:
    s = new_session()
    run(s, "system-view")
    run(s, "interface GigabitEthernet0/2/0")
    run(s, "ip address 10.1.1.1 24")
    run(s, "commit")
    run(s, "ip address 10.1.2.1 24")
    run(s, "shutdown")
    assert run(s, "display configuration candidate changes") == [
        "Building configuration",
        "  #",
        "  interface GigabitEthernet0/2/0",
        "-  undo shutdown",
        "-  ip address 10.1.1.1 255.255.255.0",
        "+  shutdown",
        "+  ip address 10.1.2.1 255.255.255.0",
        "  #",
    ]
    run(s, "clear configuration candidate")
    assert s.prompt() == "[~R1]"
    assert run(s, "display configuration candidate changes") == ["Building configuration"]


def test_commit_rejects_netmiko_comment_and_keeps_candidate() -> None:
    s = new_session()
    run(s, "system-view")
    run(s, "sysname X1")
    out = run(s, 'commit comment "from netmiko"')
    assert out[-1] == "Error: Unrecognized command found at '^' position."
    assert out[0] == " " * (len("[*R1]") + 7) + "^"
    assert s.prompt() == "[*R1]"
    assert s.router.running.sysname == "R1"


def test_grammar_expansion_and_match() -> None:
    seqs = compile_spec("a [b <x:INT(1-5)>] {c | d}")
    assert len(seqs) == 4
    owner, args = match("a b 3 d", [("cmd", seqs)])
    assert owner == "cmd" and args["x"] == 3 and args.has("d")
    with pytest.raises(CliSyntaxError) as exc:
        match("a b 9 c", [("cmd", seqs)])
    assert (exc.value.kind, exc.value.offset) == ("Wrong parameter", 4)


class FakeNetwork:
    """Records what the device side asks the network side for."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __getattr__(self, name: str):
        if not name.startswith(("display_", "ping", "tracert")):
            raise AttributeError(name)

        def method(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return f"\n{name} output\n"

        return method


@pytest.mark.parametrize(
    ("line", "call"),
    [
        ("display ip routing-table", ("display_ip_routing_table", ("R1", None, None), {})),
        ("dis ip rou vpn-instance VPNA", ("display_ip_routing_table", ("R1", "VPNA", None), {})),
        ("disp ip rou pro static", ("display_ip_routing_table", ("R1", None, "static"), {})),
        ("display ip vpn-instance verbose", ("display_ip_vpn_instance_verbose", ("R1",), {})),
        ("display interface brief", ("display_interface_brief", ("R1",), {})),
        ("display ospf peer brief", ("display_ospf_peer_brief", ("R1",), {})),
        ("display mpls ldp session", ("display_mpls_ldp_session", ("R1",), {})),
        ("display bgp peer", ("display_bgp_peer", ("R1", "ipv4"), {})),
        ("display bgp vpnv4 all peer", ("display_bgp_peer", ("R1", "vpnv4_all"), {})),
        ("display bgp vpnv4 vpn-instance VPNA peer", ("display_bgp_peer", ("R1", "vpn_instance", "VPNA"), {})),
        ("display bgp vpnv4 all routing-table", ("display_bgp_vpnv4_routing_table", ("R1",), {})),
        ("display bfd session all", ("display_bfd_session", ("R1", False), {})),
        ("display bfd session all verbose", ("display_bfd_session", ("R1", True), {})),
        ("ping -vpn-instance VPNA 10.1.1.1", ("ping", ("R1", "10.1.1.1"),
                                              {"vpn_instance": "VPNA", "count": 5, "size": 56, "source": None})),
        ("ping -t 2000 -s 100 -c 2 -a 10.1.1.2 10.1.1.1", ("ping", ("R1", "10.1.1.1"),
                                                           {"vpn_instance": None, "count": 2, "size": 100, "source": "10.1.1.2"})),
        ("tracert -vpn-instance VPNA 10.3.1.2", ("tracert", ("R1", "10.3.1.2"), {"vpn_instance": "VPNA"})),
    ],
)
def test_network_displays_dispatch(line: str, call: tuple) -> None:
    s = new_session()
    s.network = FakeNetwork()
    assert run(s, line) == ["", f"{call[0]} output"]
    assert s.network.calls == [call]


def test_ping_errors_point_at_the_bad_token() -> None:
    s = new_session()
    s.network = FakeNetwork()
    assert run(s, "ping -c x 1.1.1.1") == [" " * 12 + "^", "Error: Wrong parameter found at '^' position."]
    assert run(s, "ping  -q 1.1.1.1") == [" " * 10 + "^", "Error: Unrecognized command found at '^' position."]
    assert run(s, "ping") == [" " * 9 + "^", "Error: Incomplete command found at '^' position."]
    assert s.network.calls == []


def test_missing_network_method_fails_closed() -> None:
    s = new_session()
    s.network = object()
    out = run(s, "display bgp peer")
    assert len(out) == 1 and out[0].startswith("Error: ")


def test_bgp_semantics() -> None:
    s = new_session()
    run(s, "system-view")
    run(s, "bgp 100")
    assert s.prompt() == "[*R1-bgp]"
    run(s, "peer 2.2.2.2 as-number 100")
    run(s, "import-route direct")  # typed in the bgp view: unicast family
    run(s, "commit")
    run(s, "quit")
    run(s, "bgp 100")  # existing, same AS: stays clean
    assert s.prompt() == "[~R1-bgp]"
    run(s, "quit")
    out = run(s, "bgp 200")
    assert len(out) == 1 and out[0].startswith("Error: ") and s.prompt() == "[~R1]"
    bgp = s.router.running.bgp
    assert bgp is not None and [str(p) for p in bgp.unicast.enabled_peers] == ["2.2.2.2"]
    assert bgp.unicast.import_routes == ["direct"]
    run(s, "bgp 100")
    run(s, "ipv4-family unicast")
    run(s, "undo peer 2.2.2.2 enable")
    run(s, "undo import-route direct")
    run(s, "commit")
    assert s.router.running.bgp.unicast.enabled_peers == []
    assert s.router.running.bgp.unicast.import_routes == []


def test_undo_restores_factory_rendering() -> None:
    s = new_session()
    factory = s.router.config_text(header=False)
    for line in ["system-view", "interface loopback 1", "ip address 1.1.1.1 32", "quit", "mpls lsr-id 1.1.1.1",
                 "mpls", "quit", "mpls ldp", "quit", "interface GigabitEthernet0/1/0", "mpls", "mpls ldp",
                 "description uplink", "shutdown", "ip address 10.0.0.1 30", "quit", "ip vpn-instance V",
                 "ipv4-family", "route-distinguisher 1:1", "vpn-target 1:1", "quit", "quit", "bfd", "quit",
                 "bfd b1 bind peer-ip 10.0.0.2", "discriminator local 10", "discriminator remote 20", "quit",
                 "ip route-static 0.0.0.0 0 10.0.0.2 preference 70", "load-balance packet all", "commit"]:
        out = run(s, line)
        assert not [o for o in out if "Error" in o], (line, out)
    assert s.router.config_text(header=False) != factory
    for line in ["undo bfd b1", "undo bfd", "undo ip route-static 0.0.0.0 0 10.0.0.2", "undo load-balance packet all",
                 "undo ip vpn-instance V", "interface GigabitEthernet0/1/0", "undo ip address", "undo shutdown",
                 "undo description", "undo mpls ldp", "undo mpls", "quit", "undo mpls ldp", "undo mpls",
                 "undo mpls lsr-id", "undo interface loopback 1", "commit"]:
        out = run(s, line)
        assert not [o for o in out if "Error" in o], (line, out)
    assert s.router.config_text(header=False) == factory


def test_overlong_line_is_refused() -> None:
    s = new_session()
    out = run(s, "display " + "x" * 4000)
    assert out == [" " * (4 + 3100) + "^", "Error: Too many parameters found at '^' position."]


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF), max_size=60), max_size=8))
def test_any_input_answers_with_a_prompt(lines: list[str]) -> None:
    s = new_session()
    for line in ["system-view"] + lines:
        text = s.handle_line(line)
        if s.closed:  # "quit" from user view logged out: nothing follows
            assert not text.endswith((">", "]")), text
            break
        tail = text.split("\r\n")[-1]
        assert tail == s.prompt() or tail.endswith(("[Y/N]:", "(cancel)]:", "[Y/N/C]:")), (line, text)
        assert "Error: Failed to execute" not in text, (line, text)  # no handler crashed


def test_corrupt_saved_configuration_names_file_and_line(tmp_path) -> None:
    from vrpbook.paths import PROJECT_ROOT
    from vrpbook.twin.cli.replay import BootError
    from vrpbook.lab import boot_lab

    (tmp_path / "CE2").mkdir()
    (tmp_path / "CE2" / "vrpcfg.cfg").write_text("#\nsysname CE2\n#\ninterface GigabitEthernet0/1/0\n ip adress 1.1.1.1 24\n#\nreturn\n")
    with pytest.raises(BootError) as exc:
        boot_lab(PROJECT_ROOT / "inventory" / "lab", state_dir=tmp_path)
    msg = str(exc.value)
    assert str(tmp_path / "CE2") in msg and ":5:" in msg and "Unrecognized command" in msg


def test_filters_and_sections() -> None:
    s = new_session()
    for line in ["system-view", "interface loopback 1", "ip address 1.1.1.1 32", "quit", "ospf 2", "area 1",
                 "network 1.1.1.1 0.0.0.0", "commit", "return"]:
        run(s, line)
    assert run(s, "display current-configuration | exclude interface|undo|network|area") == [
        "#", "sysname R1", "#", "#", "#", "#", " ip address 1.1.1.1 255.255.255.255", "#", "ospf 2", "#", "return"]
    assert run(s, "display current-configuration | begin ospf") == [
        "ospf 2", " area 0.0.0.1", "  network 1.1.1.1 0.0.0.0", "#", "return"]
    assert run(s, "display current-configuration | count") == ["Total lines: 20."]
    assert run(s, "display current-configuration configuration ospf") == [
        "#", "ospf 2", " area 0.0.0.1", "  network 1.1.1.1 0.0.0.0", "#", "return"]
    assert run(s, "display current-configuration interface loopback 1") == [
        "#", "interface LoopBack1", " ip address 1.1.1.1 255.255.255.255", "#", "return"]
    assert run(s, "display current-configuration | foo x")[-1] == "Error: Unrecognized command found at '^' position."
    assert run(s, "system-view | include x")[-1] == "Error: Unrecognized command found at '^' position."


def test_commit_changes_at_since_and_candidate() -> None:
    s = new_session()
    run(s, "system-view")
    run(s, "sysname A1")
    run(s, "commit")
    run(s, "interface loopback 3")
    assert run(s, "display configuration candidate") == ["interface LoopBack3"]
    run(s, "ip address 3.3.3.3 32")
    run(s, "commit description second one")
    assert run(s, "display configuration commit changes at 1000000001") == [
        "Building configuration", "  #", "- sysname R1", "  #", "+ sysname A1", "  #"]
    assert run(s, "display configuration commit changes since 1000000002") == [
        "Building configuration", "  #", "+ interface LoopBack3", "+  ip address 3.3.3.3 255.255.255.255", "  #"]
    full = run(s, "display configuration commit changes")
    assert full[0] == "Building configuration"
    assert [ln.split()[4] for ln in full if ln.startswith("Commit changes of commitId")] == ["1000000002", "1000000001"]
    verbose = run(s, "display configuration commit list verbose")
    assert "        Description: second one" in verbose
    assert run(s, "display configuration commit changes at 1000000009")[-1] == (
        "Error: Wrong parameter found at '^' position.")


def test_ip_binding_clears_the_address_and_static_route_key_replaces() -> None:
    s = new_session()
    for line in ["system-view", "ip vpn-instance VPNA", "ipv4-family", "route-distinguisher 1:1", "quit", "quit",
                 "interface GigabitEthernet0/3/0", "ip address 10.1.1.2 24", "commit"]:
        run(s, line)
    run(s, "ip binding vpn-instance VPNA")
    run(s, "commit")
    ifc = s.router.running.interfaces["GigabitEthernet0/3/0"]
    assert ifc.vpn_instance == "VPNA" and ifc.address is None
    run(s, "quit")
    run(s, "ip route-static vpn-instance VPNA 1.1.1.1 32 10.1.1.1")
    run(s, "bfd")
    run(s, "bfd s1 bind peer-ip 10.1.1.1 vpn-instance VPNA")
    run(s, "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session s1")
    run(s, "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.9")
    assert run(s, "commit") == []
    routes = s.router.running.static_routes
    assert [(str(r.nexthop), r.track_bfd_session) for r in routes] == [("10.1.1.1", "s1"), ("10.1.1.9", None)]


def test_foreign_lock_refuses_lock_unlock_and_rollback_with_the_commit_text() -> None:
    a = new_session()
    b = CliSession(a.router, None, "other")
    run(a, "system-view")
    run(a, "sysname LOCKED")
    run(a, "commit")
    run(a, "configuration exclusive")
    refusal = [f"Error: The configuration is locked by other user. [Session ID = {a.sid}]"]
    assert run(b, "configuration exclusive") == refusal
    assert run(b, "undo configuration exclusive") == refusal
    assert b.handle_line("rollback configuration last 1").endswith("[Y/N]:")
    assert run(b, "y") == refusal
    assert a.router.running.sysname == "LOCKED" and a.router.lock_holder == a.sid
    run(b, "configuration exclusive")  # still refused: holder unchanged
    assert a.router.lock_holder == a.sid
    run(a, "undo configuration exclusive")
    assert a.router.lock_holder is None
    assert run(b, "undo configuration exclusive") == []  # nobody holds it: nothing to say
    assert b.handle_line("rollback configuration last 1").endswith("[Y/N]:")
    assert run(b, "y")[-1] == "Please use 'display configuration commit changes last 1' to view the changes."
    assert a.router.running.sysname == "R1"


def test_block_selection_matches_whole_words_only() -> None:
    """``interface LoopBack1`` is not ``interface LoopBack10``, ``ospf 1`` not ``ospf 10``."""
    s = new_session()
    run(s, "system-view")
    for line in ("interface LoopBack1", "ip address 1.1.1.1 32", "quit", "interface LoopBack10",
                 "ip address 1.1.1.10 32", "quit", "ospf 1", "quit", "ospf 10", "quit",
                 "ip vpn-instance A", "quit", "ip vpn-instance AB", "quit", "commit"):
        run(s, line)
    lo1 = ["#", "interface LoopBack1", " ip address 1.1.1.1 255.255.255.255", "#", "return"]
    assert run(s, "display current-configuration interface LoopBack1") == lo1
    run(s, "interface LoopBack1")
    assert run(s, "display this") == lo1
    run(s, "quit")
    run(s, "ospf 1")
    assert run(s, "display this") == ["#", "ospf 1", "#", "return"]
    run(s, "quit")
    run(s, "ip vpn-instance A")
    assert run(s, "display this") == ["#", "ip vpn-instance A", "#", "return"]
    run(s, "quit")
    # the section form still selects every block of its kind
    assert run(s, "display current-configuration configuration ospf") == ["#", "ospf 1", "#", "ospf 10", "#", "return"]


def test_expired_trial_reverts_even_across_an_rd_change_by_another_session() -> None:
    """A trial revert restores a committed configuration: the operator rule
    "undo the old RD before setting a new one" must not block it (found in
    review: the revert was refused and the unconfirmed change silently stayed).
    The operator rule itself still applies to CLI commits."""
    import asyncio

    async def scenario() -> None:
        a = new_session()
        a.router.trial_time_scale = 0.001
        b = CliSession(a.router, None, "other")
        for line in ["system-view", "ip vpn-instance V", "ipv4-family", "route-distinguisher 100:1", "commit",
                     "undo route-distinguisher", "commit trial 60"]:
            assert not any(l.startswith("Error") for l in run(a, line)), line
        for line in ["system-view", "ip vpn-instance V", "ipv4-family", "route-distinguisher 100:2", "commit"]:
            assert not any(l.startswith("Error") for l in run(b, line)), line
        # the operator rule still refuses an in-place RD change typed at the CLI
        refused = run(b, "route-distinguisher 100:3") + run(b, "commit")
        assert any("cannot be changed" in l for l in refused)
        assert a.router.running.vpn_instances["V"].route_distinguisher == "100:2"
        assert a.router.trial is not None
        await asyncio.sleep(0.2)  # 60 s x 0.001 = 60 ms
        assert a.router.trial is None
        assert a.router.running.vpn_instances["V"].route_distinguisher == "100:1"
        assert a.router.history[0].type == "ROLLBACK" and a.router.history[0].user == "SYSTEM"

    asyncio.run(scenario())


def test_undo_bfd_timers_restores_the_factory_values() -> None:
    """`undo min-tx-interval` / `min-rx-interval` / `detect-multiplier` put the
    session back exactly as a freshly bound one (compared with a session that
    never had the timers set, not with literals)."""
    s = new_session()
    for line in ["system-view", "bfd", "quit",
                 "bfd fresh bind peer-ip 10.9.9.9 source-ip 10.9.9.8 auto", "quit",
                 "bfd tuned bind peer-ip 10.9.9.9 source-ip 10.9.9.8 auto",
                 "min-tx-interval 100", "min-rx-interval 200", "detect-multiplier 7", "commit"]:
        assert not any(l.startswith("Error") for l in run(s, line)), line
    tuned = s.router.running.bfd_sessions["tuned"]
    assert (tuned.min_tx_interval, tuned.min_rx_interval, tuned.detect_multiplier) == (100, 200, 7)
    for line in ["undo min-tx-interval", "undo min-rx-interval", "undo detect-multiplier", "commit"]:
        assert not any(l.startswith("Error") for l in run(s, line)), line
    fresh, tuned = s.router.running.bfd_sessions["fresh"], s.router.running.bfd_sessions["tuned"]
    assert (tuned.min_tx_interval, tuned.min_rx_interval, tuned.detect_multiplier) == (
        fresh.min_tx_interval, fresh.min_rx_interval, fresh.detect_multiplier)
