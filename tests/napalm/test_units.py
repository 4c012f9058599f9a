"""The driver's pure parts without a router: values, the loader's reading of a text and its
climbing by prompts (on a scripted channel), route selection, BGP and instance mapping from
parsed displays (real sample outputs), and the structures they produce."""

from __future__ import annotations

import doctest
from dataclasses import dataclass, field

import pytest
from napalm.base import models

import napalm_huawei_vrp8
from napalm_huawei_vrp8 import bgp, instances, loader, routes, values
from vrpbook.errors import CommandError
from vrpbook.parsers import parse
from vrpbook.paths import PROJECT_ROOT
from vrpbook.tasks.channel import Reply

SAMPLES = PROJECT_ROOT / "tests" / "fixtures" / "samples"


@pytest.mark.parametrize("module", [values, loader, routes])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def test_the_package_exposes_exactly_one_network_driver():
    """NAPALM returns the first NetworkDriver subclass of the module (alphabetical): only one may be there."""
    from napalm.base import NetworkDriver

    found = [v for v in vars(napalm_huawei_vrp8).values() if isinstance(v, type) and issubclass(v, NetworkDriver)]
    assert [c.__name__ for c in found] == ["HuaweiVRP8Driver"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0 days, 0 hours, 0 minutes", 0.0), ("405 days, 12 hours, 9 minutes", 35035740.0), ("1 week, 1 day", 691200.0)],
)
def test_uptime(text, seconds):
    assert values.uptime_seconds(text) == seconds


@pytest.mark.parametrize("bad", ["", "soon", "3 fortnights", "5 days and more"])
def test_uptime_refuses_what_it_does_not_know(bad):
    with pytest.raises(ValueError, match="uptime not understood"):
        values.uptime_seconds(bad)


@pytest.mark.parametrize("bad", ["1d02h", "00:61", "never"])
def test_bgp_updown_refuses_unknown_forms(bad):
    with pytest.raises(ValueError):
        values.bgp_updown_seconds(bad)


def test_as_numbers_and_speeds():
    assert values.as_number("635.66") == 635 * 65536 + 66
    with pytest.raises(ValueError):
        values.as_number("AS100")
    assert values.speed_mbit("100G") == 100000.0 and values.speed_mbit("100M") == 100.0 and values.speed_mbit("x") == -1.0


# --- the loader ---------------------------------------------------------------------------


def test_config_lines_skip_structure_and_keep_depth():
    text = "!Software Version V800R012C10\n#\nsysname PE1\n#\nbgp 100\n #\n ipv4-family vpnv4\n  policy vpn-target\n#\nreturn\n"
    got = [(c.number, c.depth, c.command) for c in loader.config_lines(text)]
    assert got == [(3, 0, "sysname PE1"), (5, 0, "bgp 100"), (7, 1, "ipv4-family vpnv4"), (8, 2, "policy vpn-target")]
    assert [c.depth for c in loader.config_lines("interface X\n\tdescription tab\n")] == [0, 1]


def test_config_lines_refuse_commit():
    with pytest.raises(loader.LoadError, match="line 2 'commit trial 60'"):
        loader.config_lines("sysname A\ncommit trial 60\n")


@dataclass
class ScriptedChannel:
    """A channel whose router is a dict: command -> prompt it leads to (or an error)."""

    prompt: str
    moves: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    host: str = "R1"

    def __post_init__(self) -> None:
        self.last = Reply("", "", self.prompt)

    def state(self) -> Reply:
        return self.last

    def system_view(self) -> Reply:
        return self.last

    def run(self, command: str, timeout: float | None = None) -> Reply:
        self.sent.append(command)
        if command in self.errors:
            raise CommandError(self.host, command, self.errors[command], "")
        if command == "quit":
            view = self.last.end[2:-1]
            parent = view.rsplit("-", 1)[0] if view.count("-") > 1 and view.startswith("R1-bgp-") else "R1"
            self.last = Reply(command, "", f"[*{parent}]")
        elif command == "clear configuration candidate":
            self.last = Reply(command, "", "[~R1]")
        elif command == "return":
            self.last = Reply(command, "", "<R1>")
        else:
            self.last = Reply(command, "", self.moves.get(command, f"[*{self.last.end[2:-1]}]"))
        return self.last

    def user_view(self) -> Reply:
        return self.run("return")


def test_the_loader_climbs_back_on_dedent_and_types_flat_scripts_as_written():
    moves = {"bgp 100": "[*R1-bgp]", "ipv4-family vpn-instance V": "[*R1-bgp-V]", "interface LoopBack1": "[*R1-LoopBack1]"}
    chan = ScriptedChannel("[~R1]", moves)
    text = "bgp 100\n ipv4-family vpn-instance V\n  import-route direct\n#\nundo ip route-static 1.1.1.1 32 2.2.2.2\n"
    assert loader.load_text(chan, text) == 4  # type: ignore[arg-type]
    assert chan.sent == ["bgp 100", "ipv4-family vpn-instance V", "import-route direct", "quit", "quit",
                         "undo ip route-static 1.1.1.1 32 2.2.2.2"]
    flat = ScriptedChannel("[~R1]", moves)
    loader.load_text(flat, "interface LoopBack1\ndescription x\nquit\nquit\nsysname A\n")  # type: ignore[arg-type]
    assert flat.sent == ["interface LoopBack1", "description x", "quit", "sysname A"]  # the 2nd quit would leave system view
    assert flat.state().end == "[*R1]"


def test_a_refused_line_discards_and_names_line_and_token():
    chan = ScriptedChannel("[~R1]", {}, errors={"ip route-static 9.9.9.0 24 NULL0": "Error: Wrong parameter found at '^' position."})
    with pytest.raises(loader.LoadError) as err:
        loader.load_text(chan, "sysname A\n#\nip route-static 9.9.9.0 24 NULL0\n")  # type: ignore[arg-type]
    assert str(err.value) == ("R1: line 3 'ip route-static 9.9.9.0 24 NULL0' rejected: "
                              "Error: Wrong parameter found at '^' position. (candidate discarded)")
    assert chan.sent[-2:] == ["clear configuration candidate", "return"]


def test_pointed_names_the_token_under_the_caret():
    out = "      ^\nError: Unrecognized command found at '^' position."
    assert loader.pointed("ip adress 1.1.1.1 32", "[*R1]", out) == " at 'ip'"
    assert loader.pointed("ip address 1.2.3", "[*R1-LoopBack1]", " " * 32 + "^") == " at the end of the line"
    assert loader.pointed("x", "[*R1]", "no caret") == ""


# --- routes ---------------------------------------------------------------------------------


PUBLIC = """Route Flags: R - relay, D - download to fib, T - to vpn-instance, B - black hole route
------------------------------------------------------------------------------
Routing Table: _public_
         Destinations : 4        Routes : 5

Destination/Mask    Proto  Pre  Cost     Flags NextHop         Interface

         0.0.0.0/0  Static 60   0          RD  10.1.1.2        GigabitEthernet0/1/0
                    Static 60   0          RD  10.2.1.2        GigabitEthernet0/2/0
       10.1.0.0/16  OSPF   10   3           D  10.1.1.2        GigabitEthernet0/1/0
       10.1.1.0/24  Direct 0    0           D  10.1.1.1        GigabitEthernet0/1/0
       10.1.1.9/32  EBGP   255  0           D  10.1.1.2        GigabitEthernet0/1/0
"""


def test_route_to_longest_match_exact_longer_and_protocol():
    table = parse("display ip routing-table", PUBLIC)
    got = routes.route_to([table], "10.1.1.77")
    assert list(got) == ["10.1.1.0/24"] and got["10.1.1.0/24"][0]["protocol"] == "Direct"
    assert list(routes.route_to([table], "192.0.2.1")) == ["0.0.0.0/0"]
    assert [r["next_hop"] for r in routes.route_to([table], "192.0.2.1")["0.0.0.0/0"]] == ["10.1.1.2", "10.2.1.2"]
    assert list(routes.route_to([table], "10.1.0.0/16")) == ["10.1.0.0/16"]
    assert sorted(routes.route_to([table], "10.1.0.0/16", longer=True)) == ["10.1.0.0/16", "10.1.1.0/24", "10.1.1.9/32"]
    assert list(routes.route_to([table], "10.1.0.0/16", protocol="bgp", longer=True)) == ["10.1.1.9/32"]
    assert list(routes.route_to([table], "", protocol="connected")) == ["10.1.1.0/24"]
    route = routes.route_to([table], "10.1.1.9")["10.1.1.9/32"][0]
    assert route == {
        "protocol": "EBGP", "current_active": True, "last_active": True, "age": -1, "next_hop": "10.1.1.2",
        "outgoing_interface": "GigabitEthernet0/1/0", "selected_next_hop": True, "preference": 255,
        "inactive_reason": "", "routing_table": "_public_", "protocol_attributes": {"metric": 0},
    }
    with pytest.raises(ValueError):
        routes.route_to([table], "not-an-address")


# --- BGP ------------------------------------------------------------------------------------


def _sample(folder: str, name: str) -> str:
    return (SAMPLES / folder / name).read_text()


def test_bgp_neighbors_from_sample_tables_conform(conforms):
    peer_files = sorted((SAMPLES / "bgp_peer").glob("*.txt"))
    assert peer_files
    for path in peer_files:
        public = parse("display bgp peer", path.read_text())
        tables = bgp.BgpTables(public, None, {})
        settings = {("global", public.peers[0].peer): bgp.PeerSettings(description="first")} if public.peers else {}
        result = bgp.neighbors(tables, settings)
        assert conforms(dict[str, models.BGPStateNeighborsPerVRFDict], result) == [], path.name
        for peer in public.peers:
            entry = result["global"]["peers"][peer.peer]
            assert entry["is_up"] == (peer.state == "Established")
            assert entry["address_family"]["ipv4"]["received_prefixes"] == peer.pref_rcv
            assert entry["uptime"] == (values.bgp_updown_seconds(peer.up_down) if peer.state == "Established" else -1)
        if public.peers:
            assert result["global"]["peers"][public.peers[0].peer]["description"] == "first"
        detail = bgp.neighbors_detail(tables, {})
        assert conforms(dict[str, dict[int, list[models.PeerDetailsDict]]], detail) == [], path.name


def test_no_bgp_process_is_an_empty_answer():
    assert bgp.neighbors(bgp.BgpTables(None, None, {}), {}) == {}
    assert bgp.neighbors_detail(bgp.BgpTables(None, None, {}), {}) == {}


# --- network instances ----------------------------------------------------------------------


def test_network_instances_from_sample(conforms):
    path = next((SAMPLES / "ip_vpn_instance_verbose").glob("*.txt"))
    vpns = parse("display ip vpn-instance verbose", path.read_text())
    brief = parse(
        "display interface brief",
        "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors\n"
        + "".join(f"{name:<28}up    up           0%     0%          0          0\n"
                  for v in vpns.instances for name in v.interfaces)
        + "LoopBack0                   up    up(s)        0%     0%          0          0\n",
    )
    got = instances.network_instances(vpns, brief)
    assert conforms(dict[str, models.NetworkInstanceDict], got) == []
    assert got["default"]["interfaces"]["interface"] == {"LoopBack0": {}}
    for v in vpns.instances:
        assert got[v.name]["type"] == "L3VRF" and set(got[v.name]["interfaces"]["interface"]) == set(v.interfaces)
    one = vpns.instances[0].name
    assert list(instances.network_instances(vpns, brief, one)) == [one]
    assert instances.network_instances(vpns, brief, "no-such-instance") == {}


def test_sanitize_filters_remove_vrp_cipher_text_and_plain_passwords():
    from napalm.base.helpers import sanitize_configs

    from napalm_huawei_vrp8.driver import SANITIZE_FILTERS

    config = (
        "aaa\n local-user admin password irreversible-cipher %^%#a$b%c^d%^%#\n"
        " local-user ops password cipher %@%@xyz%@%@\n"
        "bgp 100\n peer 1.1.1.1 password simple Secret123\n"
    )
    clean = sanitize_configs({"running": config, "startup": "", "candidate": ""}, SANITIZE_FILTERS)["running"]
    assert "%^%#" not in clean and "%@%@" not in clean and "Secret123" not in clean
    assert " local-user admin password irreversible-cipher <removed>" in clean
    assert " peer 1.1.1.1 password simple <removed>" in clean


def test_optional_args_flags_from_napalms_cli():
    from napalm_huawei_vrp8.driver import flag

    assert [flag(v) for v in ("true", "False", "1", "", True, 0)] == [True, False, True, False, True, False]
    with pytest.raises(ValueError, match="not a yes/no value"):
        flag("maybe")
