"""Unit tests of the product pieces, without a lab: intent, runbook schema, gates,
channel, commit list, redaction, rendering, CLI argument handling."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from vrpbook.checks import CHECKS
from vrpbook.checks.polling import ScheduledCheck
from vrpbook.cli import app
from vrpbook.errors import CommandError, CommitError, IntentError, ReadError, RunbookError
from vrpbook.intent import NetworkIntent, load_intent
from vrpbook.parsers.bfd import BfdSessionsVerbose
from vrpbook.parsers.ldp import LdpSessions
from vrpbook.parsers.routing import RoutingTable, VpnRoutingTable
from vrpbook.parsers.vpn_instance import VpnInstances
from vrpbook.paths import PROJECT_ROOT
from vrpbook.runbooks.redact import Redactor
from vrpbook.runbooks.render import render_commands
from vrpbook.runbooks.report import GateOutcome
from vrpbook.runbooks.schema import load_runbook
from vrpbook.tasks.abort_trial import abort
from vrpbook.tasks.candidate import diff_is_empty
from vrpbook.tasks.channel import END_PATTERN, VrpChannel
from vrpbook.tasks.collect import Observation
from vrpbook.tasks.commit_list import read_commit_list
from vrpbook.tasks.commit_trial import trial_commit, validate_description, validate_label
from vrpbook.tasks.snapshot import normalise_config

LAB = PROJECT_ROOT / "inventory" / "lab"
SAMPLES = PROJECT_ROOT / "tests" / "fixtures" / "samples"


# --- intent -----------------------------------------------------------------------


def _edit(tmp_path: Path, h, edits: dict) -> Path:
    return h.copy_inventory(tmp_path, edits)


def test_lab_intent_loads_with_group_defaults_merged():
    intents = load_intent(LAB)
    assert list(intents) == ["PE1", "CE1", "PE2", "PE3", "CE2"]
    pe3 = intents["PE3"]
    assert pe3.bgp.as_number == "100"  # from groups.yaml
    assert pe3.vpn_instances["VPNA"].rd == "100:3"  # host
    assert pe3.vpn_instances["VPNA"].import_targets == ["111:1"]  # group, deep-merged
    assert str(intents["PE2"].ospf.areas[next(iter(intents["PE2"].ospf.areas))][0].network) == "33.33.33.0/24"


def test_production_example_shares_the_lab_intent():
    assert load_intent(PROJECT_ROOT / "inventory" / "production-example") == load_intent(LAB)


@pytest.mark.parametrize(
    ("edits", "file", "field"),
    [
        ({"PE1.data.sysnme": "PE1"}, "hosts.yaml", "sysnme"),
        ({"PE2.data.vpn_instances.VPNA.rd": "100-2"}, "hosts.yaml", "vpn_instances.VPNA.rd"),
        ({"PE3.data.interfaces.GigabitEthernet0/1/0.address": "11.11.11.300/24"}, "hosts.yaml", "interfaces.GigabitEthernet0/1/0.address"),
        ({"CE2.data.bgp.as_number": "sixty"}, "hosts.yaml", "bgp.as_number"),
        ({"PE1.data.static_routes": [{"vpn_instance": "VPNA", "prefix": "1.1.1.1/32", "nexthop": "10.1.1.1", "track_bfd_session": "nope"}]}, "hosts.yaml", "track_bfd_session"),
    ],
)
def test_invalid_intent_names_file_host_and_field(h, tmp_path, edits, file, field):
    inv = h.copy_inventory(tmp_path, edits)
    with pytest.raises(IntentError) as exc:
        load_intent(inv)
    msg = str(exc.value)
    host = next(iter(edits)).split(".")[0]
    assert str(inv / file) in msg and f"host {host}" in msg and field in msg, msg


def test_invalid_group_intent_names_groups_file(h, tmp_path):
    inv = h.copy_inventory(tmp_path)
    groups = yaml.safe_load((inv / "groups.yaml").read_text())
    groups["pe"]["data"]["vpn_instances"]["VPNA"]["export_targets"] = ["111"]
    (inv / "groups.yaml").write_text(yaml.safe_dump(groups))
    with pytest.raises(IntentError) as exc:
        load_intent(inv)
    msg = str(exc.value)
    assert str(inv / "groups.yaml") in msg and "host PE1" in msg and "vpn_instances.VPNA.export_targets" in msg


def test_missing_field_is_reported(h, tmp_path):
    inv = h.copy_inventory(tmp_path)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    del hosts["CE1"]["data"]["sysname"]
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    with pytest.raises(IntentError, match=r"hosts\.yaml: host CE1: field sysname: Field required"):
        load_intent(inv)


# --- runbook ----------------------------------------------------------------------


def test_runbook_name_maps_to_file_and_has_the_nine_steps_plus_save():
    rb = load_runbook("bfd-static-vpn")
    assert rb.source == PROJECT_ROOT / "runbooks" / "bfd_static_vpn.yaml"
    assert len(rb.stages) == 10 and rb.stages[-1].action == "save"


def test_runbook_with_unknown_gate_is_rejected(tmp_path):
    p = tmp_path / "rb.yaml"
    p.write_text("name: x\nstages:\n  - {name: one, templates: [01_ospf.j2], gates: [{check: ospf-loopbak-routes}]}\n")
    with pytest.raises(RunbookError, match=r"rb\.yaml: stages\.0\.gates\.0\.check \(stage 'one'\).*unknown gate"):
        load_runbook(str(p))


def test_runbook_not_found():
    with pytest.raises(RunbookError, match="not found"):
        load_runbook("no-such-runbook")


# --- rendering ---------------------------------------------------------------------


def test_rendering_follows_the_intent_not_the_reference(h, tmp_path):
    """Another network (other names, addresses, AS) renders its own commands."""
    inv = h.copy_inventory(tmp_path, {
        "PE1.data.sysname": "EDGE-A",
        "PE1.data.bgp.peers": [{"address": "3.3.3.3", "as_number": 100, "connect_interface": "LoopBack1"}],
        "PE1.data.bgp.vpnv4_peers": ["3.3.3.3"],
        "PE1.data.interfaces.GigabitEthernet0/1/0.address": "192.0.2.1/30",
    })
    intents = load_intent(inv)
    rb = load_runbook("bfd-static-vpn")
    ospf = render_commands(rb.stage("ospf").templates, intents["PE1"], "PE1", intents)
    assert ospf[0] == "sysname EDGE-A" and "ip address 192.0.2.1 30" in ospf
    bgp = render_commands(rb.stage("mp-ibgp").templates, intents["PE1"], "PE1", intents)
    assert bgp == ["bgp 100", "peer 3.3.3.3 as-number 100", "peer 3.3.3.3 connect-interface LoopBack1",
                   "ipv4-family vpnv4", "peer 3.3.3.3 enable", "quit", "quit"]


# --- gates ---------------------------------------------------------------------------
# A gate is a check (vrpbook.checks) judged on every router of its scope; these build
# typed parser models by hand and judge them as a stage's gate does.


def _route(dest, proto, nexthop):
    return {"destination": dest, "proto": proto, "pre": 10, "cost": 1, "nexthop": nexthop,
            "interface": "GigabitEthernet0/1/0", "flags": "D"}


class _Gate:
    """One gate over fixed observations: ``evaluate()`` judges every router in scope, like a poll."""

    def __init__(self, gate: str, hosts, observed, intents: NetworkIntent | None = None):
        c = CHECKS[gate]
        self.intents = intents or load_intent(LAB)
        self.scheduled = ScheduledCheck(gate, c, c.params_model(), list(hosts), deadline=1, interval=1)
        self.observed = observed

    def evaluate(self) -> GateOutcome:
        return GateOutcome.of(self.scheduled.name, self.scheduled.judge(self.intents, self.observed, None, 1))


def _obs(command: str, model, data) -> Observation:
    return Observation(command, "", parsed=model.model_validate(data))


def evaluate(g: _Gate, _ctx=None) -> GateOutcome:
    return g.evaluate()


def test_ospf_gate_passes_with_every_loopback_and_names_what_is_missing():
    table = {"routes": [_route("3.3.3.3/32", "OSPF", "33.33.33.2"), _route("4.4.4.4/32", "OSPF", "11.11.11.2")]}
    cmd = "display ip routing-table"
    g = _Gate("ospf-loopback-routes", ["PE1"], {"PE1": {cmd: _obs(cmd, RoutingTable, table)}})
    res = evaluate(g)
    assert res.status == "pass" and res.evidence["PE1"]["3.3.3.3/32"][0]["nexthop"] == "33.33.33.2"
    table["routes"] = table["routes"][:1] + [_route("4.4.4.4/32", "Static", "11.11.11.2")]
    g.observed = {"PE1": {cmd: _obs(cmd, RoutingTable, table)}}
    res = evaluate(g)
    assert res.status == "fail" and "PE3's loopback 4.4.4.4/32" in res.message and "Static" in res.message


def test_gate_fails_closed_on_unparsed_output():
    obs = Observation("display mpls ldp session", "garbage", error="parse failed: ParseError: line 1")
    g = _Gate("ldp-sessions-operational", ["PE1"], {"PE1": {"display mpls ldp session": obs}})
    res = evaluate(g)
    assert res.status == "error" and "parse failed" in res.message


def test_gate_with_nothing_to_judge_is_an_error_not_a_pass():
    g = _Gate("bfd-sessions-up", ["PE3"], {})  # PE3 has no BFD session in the intent
    assert evaluate(g).status == "error"


def test_ospf_gate_with_no_other_loopback_to_judge_is_an_error_not_a_pass():
    # Only PE1 in the intent: no other router's loopback to look for, so nothing is proven.
    table = {"routes": [_route("3.3.3.3/32", "OSPF", "33.33.33.2")]}
    cmd = "display ip routing-table"
    observed = {"PE1": {cmd: _obs(cmd, RoutingTable, table)}}
    g = _Gate("ospf-loopback-routes", ["PE1"], observed, load_intent(LAB).subset(["PE1"]))
    res = evaluate(g)
    assert res.status == "error" and "nothing to judge" in res.message


def _pe3_ecmp(vpn_routes, costs=None, imports=("111:1",)):
    """PE3's three reads for vpn-route-ecmp: its VPN table, its VPN instances (read back), and
    its public table with an OSPF route of cost ``costs[loopback]`` to each other PE's loopback."""
    vrf_cmd, vpn_cmd, rt_cmd = "display ip routing-table vpn-instance VPNA", "display ip vpn-instance verbose", "display ip routing-table"
    costs = costs or {"2.2.2.2": 2, "3.3.3.3": 2}
    public = {"routes": [{**_route(f"{lo}/32", "OSPF", "11.11.11.1"), "cost": c} for lo, c in costs.items()]}
    instances = {"instances": [{"name": "VPNA", "id": 1, "interfaces": ["GigabitEthernet0/3/0"], "address_families": [
        {"afi": "IPv4", "vrf_status": "UP", "route_distinguisher": "100:3", "export_vpn_targets": ["111:1"],
         "import_vpn_targets": list(imports)}]}]}
    return {"PE3": {
        vrf_cmd: _obs(vrf_cmd, VpnRoutingTable, {"vpn_instance": "VPNA", "routes": vpn_routes}),
        vpn_cmd: _obs(vpn_cmd, VpnInstances, instances),
        rt_cmd: _obs(rt_cmd, RoutingTable, public),
    }}


def test_vpn_route_ecmp_expects_one_path_per_originating_pe_at_equal_igp_cost():
    one = [_route("1.1.1.1/32", "IBGP", "2.2.2.2")]
    g = _Gate("vpn-route-ecmp", ["PE3"], _pe3_ecmp(one))
    res = evaluate(g)
    assert res.status == "fail" and "1 IBGP path(s)" in res.message and "intended 2" in res.message
    g.observed = _pe3_ecmp([*one, _route("1.1.1.1/32", "IBGP", "3.3.3.3")])
    ok = evaluate(g)
    assert ok.status == "pass"
    assert ok.results[0].expected["VPNA 1.1.1.1/32"]["igp_cost"] == {"2.2.2.2": 2, "3.3.3.3": 2}


def test_vpn_route_ecmp_counts_next_hops_not_rows():
    """One BGP path whose next hop the IGP reaches over two equal links prints two rows (one
    per outgoing interface): still one path, so one path expected via the cheaper PE passes."""
    via_two_links = [_route("1.1.1.1/32", "IBGP", "2.2.2.2"),
                     {**_route("1.1.1.1/32", "IBGP", "2.2.2.2"), "interface": "GigabitEthernet0/2/0"}]
    g = _Gate("vpn-route-ecmp", ["PE3"], _pe3_ecmp(via_two_links, costs={"2.2.2.2": 2, "3.3.3.3": 3}))
    assert evaluate(g).status == "pass"
    g.observed = _pe3_ecmp(via_two_links, costs={"2.2.2.2": 2, "3.3.3.3": 2})
    res = evaluate(g)
    assert res.status == "fail" and "1 IBGP path(s)" in res.message and "intended 2" in res.message


def test_vpn_route_ecmp_expects_only_the_lowest_igp_cost_next_hop():
    """maximum load-balancing 2, but PE2's loopback costs more from PE3 than PE1's: BGP
    load-balances over equal IGP cost only, so one path, via PE1 — as the router reports costs."""
    costs = {"2.2.2.2": 2, "3.3.3.3": 3}
    g = _Gate("vpn-route-ecmp", ["PE3"], _pe3_ecmp([_route("1.1.1.1/32", "IBGP", "2.2.2.2")], costs))
    res = evaluate(g)
    assert res.status == "pass", res.message
    assert res.results[0].expected["VPNA 1.1.1.1/32"]["via"] == ["2.2.2.2"]
    both = [_route("1.1.1.1/32", "IBGP", "2.2.2.2"), _route("1.1.1.1/32", "IBGP", "3.3.3.3")]
    g.observed = _pe3_ecmp(both, costs)
    res = evaluate(g)
    assert res.status == "fail" and "intended 1 via ['2.2.2.2']" in res.message and "3.3.3.3 cost 3" in res.message


def test_vpn_route_ecmp_ignores_igp_cost_when_the_intent_says_so():
    intents = load_intent(LAB)
    pe3 = intents["PE3"]
    vrf = pe3.bgp.vpn_instances["VPNA"].model_copy(update={"load_balancing_igp_metric_ignore": True})
    bgp = pe3.bgp.model_copy(update={"vpn_instances": {"VPNA": vrf}})
    net = NetworkIntent({**{h: intents[h] for h in intents}, "PE3": pe3.model_copy(update={"bgp": bgp})})
    both = [_route("1.1.1.1/32", "IBGP", "2.2.2.2"), _route("1.1.1.1/32", "IBGP", "3.3.3.3")]
    g = _Gate("vpn-route-ecmp", ["PE3"], _pe3_ecmp(both, {"2.2.2.2": 2, "3.3.3.3": 3}), net)
    assert evaluate(g).status == "pass"


def test_vpn_route_ecmp_with_an_unmatched_import_target_is_settled_at_once():
    """The target read back from the router matches no exporter: the route can never arrive,
    and the failure says so and is marked settled (polling stops)."""
    g = _Gate("vpn-route-ecmp", ["PE3"], _pe3_ecmp([], imports=("999:1",)))
    res = evaluate(g)
    assert res.status == "fail" and "can never arrive" in res.message and "999:1" in res.message
    assert res.results[0].tags == ("settled",)


def test_vpn_route_ecmp_waits_for_an_igp_route_to_a_next_hop():
    g = _Gate("vpn-route-ecmp", ["PE3"], _pe3_ecmp([], {"2.2.2.2": 2}))
    res = evaluate(g)
    assert res.status == "fail" and "no IGP route yet" in res.message and "3.3.3.3" in res.message
    assert res.results[0].tags == ()  # the IGP may still converge: keep polling


def test_poll_stops_a_settled_gate_at_its_first_poll(monkeypatch):
    """A settled failure ends the poll at once instead of waiting out the deadline."""
    from vrpbook.checks import polling

    observed = _pe3_ecmp([], imports=("999:1",))
    c = CHECKS["vpn-route-ecmp"]
    sched = ScheduledCheck("vpn-route-ecmp", c, c.params_model(), ["PE3"], deadline=3600, interval=1)
    sleeps: list[float] = []
    monkeypatch.setattr(polling, "read_all", lambda nr, plan: observed)
    [results] = polling.poll(None, load_intent(LAB), [sched], sleep=sleeps.append)
    assert sleeps == [] and results[0].polls == 1
    assert results[0].message.startswith("cannot pass by waiting (stopped after 1 poll(s)")


def _bfd(name, state):
    return {"name": name, "state": state, "hop_type": "Single"}


def test_bfd_gate_compares_states_case_insensitively():
    cmd = "display bfd session all verbose"
    parsed = {"sessions": [_bfd("ce1_to_pe1", "Up"), _bfd("ce1_to_pe2", "Down")]}
    g = _Gate("bfd-sessions-up", ["CE1"], {"CE1": {cmd: _obs(cmd, BfdSessionsVerbose, parsed)}})
    res = evaluate(g)
    assert res.status == "fail" and "ce1_to_pe2 is Down" in res.message
    parsed["sessions"][1]["state"] = "UP"
    g.observed = {"CE1": {cmd: _obs(cmd, BfdSessionsVerbose, parsed)}}
    assert evaluate(g).status == "pass"


def test_a_display_parsed_as_another_model_is_a_read_error_not_a_pass():
    """Typed reads: the LDP check reading a routing table cannot judge it."""
    cmd = "display mpls ldp session"
    g = _Gate("ldp-sessions-operational", ["PE1"], {"PE1": {cmd: _obs(cmd, RoutingTable, {"routes": []})}})
    res = evaluate(g)
    assert res.status == "error" and "RoutingTable" in res.message and LdpSessions.__name__ in res.message


def test_a_table_shorter_than_its_own_counter_is_a_read_error_for_a_gate():
    """A real parse of an excerpt (15 routes announced, 2 listed) keeps its rows for a person,
    but a gate must not judge it: the route it looks for may be the one left out."""
    from vrpbook.parsers import parse

    text = (
        "Route Flags: R - relay, D - download to fib, T - to vpn-instance, B - black hole route\n"
        "------------------------------------------------------------------------------\n"
        "Routing Tables: Public\n"
        "         Destinations : 15       Routes : 15\n"
        "\n"
        "Destination/Mask    Proto   Pre  Cost        Flags NextHop         Interface\n"
        "\n"
        "        3.3.3.3/32  OSPF    10   2             D   33.33.33.2      GigabitEthernet0/2/0\n"
        "        4.4.4.4/32  OSPF    10   1             D   11.11.11.2      GigabitEthernet0/1/0\n"
    )
    parsed = parse("display ip routing-table", text)
    assert parsed.incomplete and len(parsed.routes) == 2 and "incomplete" not in parsed.model_dump()
    cmd = "display ip routing-table"
    g = _Gate("ospf-loopback-routes", ["PE1"], {"PE1": {cmd: Observation(cmd, text, parsed=parsed)}})
    res = evaluate(g)
    assert res.status == "error" and "fewer records than it announces" in res.message


# --- channel ------------------------------------------------------------------------


class FakeConn:
    """Plays back VRP8 replies: each write produces the next scripted output."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.written: list[str] = []
        self.pending = ""

    def write_channel(self, data):
        self.written.append(data)
        self.pending += self.replies.pop(0)

    def read_channel(self):
        assert re.search(END_PATTERN, self.pending), self.pending  # a scripted reply always ends the answer
        out, self.pending = self.pending, ""
        return out

    def clear_buffer(self):
        pass


def test_end_pattern_matches_vrp_prompts_and_questions_only():
    for text in ("x\r\n<PE1>", "x\n[~PE1-GigabitEthernet0/1/0]", "x\n[*HUAWEI-bgp-af-vpnv4]",
                 "Warning: The current configuration will be written to the device. Continue? [Y/N]:",
                 "x\nWarning: Uncommitted configurations found, commit them before exiting? [Y(yes)/N(no)/C(cancel)]:"):
        assert re.search(END_PATTERN, text), text
    for text in ("x\n Routing Table: VPNA", "x\n[V200R009C00]", "x\n<PE1> ", "peer 1.1.1.1 [~"):
        assert not re.search(END_PATTERN, text), text


def test_channel_reports_device_errors_with_the_command():
    conn = FakeConn(["\r\n<PE1>", "system-view\r\nEnter system view, return user view with return command.\r\n[~PE1]",
                     "ip address 300.1.1.1 32\r\n                  ^\r\nError: Wrong parameter found at '^' position.\r\n[~PE1]"])
    chan = VrpChannel(conn, "PE1")
    assert chan.sync().view == "user"
    assert chan.system_view().hostname == "PE1"
    with pytest.raises(CommandError) as exc:
        chan.run("ip address 300.1.1.1 32")
    assert exc.value.command == "ip address 300.1.1.1 32" and exc.value.message.startswith("Error: Wrong parameter")


def test_channel_answers_the_save_question():
    conn = FakeConn(["save\r\nWarning: The current configuration will be written to the device. Continue? [Y/N]:",
                     "y\r\nNow saving the current configuration to the slot 1 .\r\nInfo: Save the configuration successfully.\r\n<PE1>"])
    chan = VrpChannel(conn, "PE1")
    reply = chan.confirm("save")
    assert conn.written == ["save\n", "y\n"] and "successfully" in reply.output and reply.view == "user"


def test_dirty_prompt_blocks_leaving_system_view():
    conn = FakeConn(["\r\n[*PE1-LoopBack1]"])
    chan = VrpChannel(conn, "PE1")
    assert chan.sync().dirty
    with pytest.raises(Exception, match="uncommitted"):
        chan.user_view()


# --- commit, diff, snapshot, redaction -------------------------------------------------


def _commit_list_reply(text: str) -> FakeConn:
    body = text.replace("\n", "\r\n")
    return FakeConn([f"display configuration commit list verbose\r\n{body}\r\n<PE1>"])


def test_commit_list_parses_the_ne40e_sample():
    """The commit list is read by the parsers' CommitList model (one parser per display)."""
    text = (SAMPLES / "commit_rollback" / "06-ne40e-commit-list-after-rollback.txt").read_text().split("\n", 1)[1]
    expected = json.loads((SAMPLES / "commit_rollback" / "06-ne40e-commit-list-after-rollback.expected.json").read_text())
    chan = VrpChannel(_commit_list_reply(text), "PE1")
    got = read_commit_list(_user_view(chan))
    assert [(c.commit_id, c.label, c.type) for c in got] == [(c["commit_id"], c["label"], c["type"]) for c in expected["commits"]]
    with pytest.raises(ReadError):
        read_commit_list(_user_view(VrpChannel(_commit_list_reply(text + "\nsomething unexpected\n"), "PE1")))


def _user_view(chan: VrpChannel) -> VrpChannel:
    """A channel that already knows it sits at the user-view prompt."""
    from vrpbook.tasks.channel import Reply

    chan.last = Reply("", "", "<PE1>")
    return chan


_TRIAL = "commit trial 60 label run-01 description ticket"
_ABORT = ["system-view\r\nEnter system view, return user view with return command.\r\n[~PE1]",
          "abort trial\r\nWarning: The trial configuration will be rolled back. Continue? [Y/N]:"]


def test_trial_that_cannot_be_identified_is_aborted_not_left_running():
    # The commit list does not show our label: the trial is reverted at once, then the commit fails.
    conn = FakeConn([f"{_TRIAL}\r\nInfo: The system enters the trial configuration mode.\r\n[~PE1]",
                     "return\r\n<PE1>",
                     ("display configuration commit list verbose\r\n1) CommitId: 1000000001\r\n        Label: other\r\n        User: root\r\n"
                      "        User-Intf: VTY 0\r\n        Type: TRIAL\r\n        TimeStamp: 2026-11-29 10:00:00\r\n        Description: x\r\n<PE1>"),
                     *_ABORT,
                     "y\r\nInfo: The trial configuration rollback succeeded.\r\n[~PE1]",
                     "return\r\n<PE1>"])
    with pytest.raises(CommitError, match="run-01 not found.*trial aborted"):
        trial_commit(VrpChannel(conn, "PE1"), 60, "run-01", "ticket")
    assert "abort trial\n" in conn.written and "y\n" in conn.written


def test_abort_trial_without_the_success_message_fails():
    conn = FakeConn(["\r\n<PE1>", *_ABORT, "y\r\n[~PE1]"])
    with pytest.raises(CommitError, match="did not report success"):
        abort(VrpChannel(conn, "PE1"))


def test_labels_and_descriptions_follow_vrp_rules():
    assert validate_label("vrpbook-20261125T020501Z-bfd-static-vpn-1a2b-01-ospf")
    for bad in ("1abc", "-abc", "has space", "x" * 257, ""):
        with pytest.raises(ValueError):
            validate_label(bad)
    assert validate_description("CHG-1234 BFD for static VPN routes")
    with pytest.raises(ValueError):
        validate_description("x" * 61)


def test_diff_emptiness_is_judged_by_the_marker_column():
    assert diff_is_empty("Building configuration")
    assert diff_is_empty("Building configuration\n  #\n")
    assert not diff_is_empty("Building configuration\n  #\n  interface 10GE0/0/38\n-  shutdown\n  #")
    with pytest.raises(ReadError):
        diff_is_empty("Error: something else entirely")


def test_snapshot_ignores_the_timestamp_header():
    a = "!Software Version V800R012C10\n!Last configuration was updated at 2018-02-24 09:19:01+00:00\n#\nsysname PE1\n#\nreturn"
    b = a.replace("09:19:01", "10:00:00")
    assert normalise_config(a) == normalise_config(b) == "#\nsysname PE1\n#\nreturn\n"


def test_redaction_masks_credentials_and_cipher_blobs():
    r = Redactor(["Lab@123"])
    text = "password Lab@123\n local-user admin password irreversible-cipher %^%#a$b1`c%^%# level 3"
    out = r(text)
    assert "Lab@123" not in out and "%^%#" not in out and out.count("<redacted>") == 2


# --- CLI -----------------------------------------------------------------------------


def test_cli_invalid_intent_fails_before_connecting(h, tmp_path):
    inv = h.copy_inventory(tmp_path, {"PE2.data.bgp.vpnv4_peers": ["4.4.4.400"]})
    result = CliRunner().invoke(app, ["run", "bfd-static-vpn", "--inventory", str(inv), "--yes", "--artifacts", str(tmp_path / "a")])
    assert result.exit_code == 2
    out = result.output
    assert "hosts.yaml" in out and "host PE2" in out and "bgp.vpnv4_peers" in out
    assert not (tmp_path / "a").exists()  # nothing ran


def test_cli_refuses_without_confirmation_when_there_is_no_terminal(tmp_path):
    result = CliRunner().invoke(app, ["run", "bfd-static-vpn", "--artifacts", str(tmp_path / "a")])
    assert result.exit_code == 2 and "--yes" in result.output
    assert not (tmp_path / "a").exists()


def test_cli_production_inventory_needs_credentials_from_env(monkeypatch):
    monkeypatch.delenv("VRPBOOK_USERNAME", raising=False)
    monkeypatch.delenv("VRPBOOK_PASSWORD", raising=False)
    result = CliRunner().invoke(app, ["plan", "bfd-static-vpn", "--inventory", str(PROJECT_ROOT / "inventory" / "production-example")])
    assert result.exit_code == 2 and "VRPBOOK_USERNAME" in result.output


def test_cli_plan_offline_renders_every_stage():
    result = CliRunner().invoke(app, ["plan", "bfd-static-vpn", "--offline", "--hosts", "PE1"])
    assert result.exit_code == 0, result.output
    assert "bfd-static-routes" in result.output
    assert "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session pe1_to_ce1" in result.output


def test_every_gate_is_documented_and_every_template_exists():
    readme = (PROJECT_ROOT / "runbooks" / "README.md").read_text()
    assert [g for g in CHECKS if f"`{g}`" not in readme] == []
    rb = load_runbook("bfd-static-vpn")
    templates = {t for s in rb.stages for t in s.templates}
    assert {p.name for p in (PROJECT_ROOT / "runbooks" / "templates").glob("*.j2")} == templates
    assert {g.check for s in rb.stages for g in s.gates} == set(CHECKS)  # every gate is used by the reference runbook


def test_lab_inventory_refuses_non_loopback_hosts(tmp_path):
    """Lab credentials live in a file, so a lab inventory may only target loopback."""
    import shutil

    import pytest

    from vrpbook.paths import PROJECT_ROOT
    from vrpbook.inventory import InventoryError, load_inventory

    inv = tmp_path / "lab"
    shutil.copytree(PROJECT_ROOT / "inventory/lab", inv)
    assert load_inventory(inv).is_lab
    hosts = inv / "hosts.yaml"
    hosts.write_text(hosts.read_text().replace("PE2:\n  hostname: 127.0.0.1", "PE2:\n  hostname: 192.0.2.10", 1))
    with pytest.raises(InventoryError, match=r"hosts\.yaml: host PE2: hostname '192\.0\.2\.10' is not a loopback"):
        load_inventory(inv)


def test_production_inventory_refuses_a_password_on_a_host_or_group(tmp_path):
    """No password may sit in any file of a production inventory, not only defaults.yaml."""
    import shutil

    import pytest

    from vrpbook.paths import PROJECT_ROOT
    from vrpbook.inventory import InventoryError, load_inventory

    import yaml

    for file, entry, kind in (("hosts.yaml", "PE3", "host PE3"), ("groups.yaml", "pe", "group pe")):
        inv = tmp_path / file / "prod"
        shutil.copytree(PROJECT_ROOT / "inventory/production-example", inv)
        assert not load_inventory(inv).is_lab
        target = inv / file
        entries = yaml.safe_load(target.read_text())
        entries[entry] = {**(entries[entry] or {}), "password": "s3cret"}
        target.write_text(yaml.safe_dump(entries))
        with pytest.raises(InventoryError, match=rf"{file}: {kind}: a production inventory must not hold a password"):
            load_inventory(inv)


def test_a_push_stage_without_gates_is_refused(tmp_path):
    """A stage is confirmed only on what its gates saw: no gate, no stage."""
    from vrpbook.errors import RunbookError
    from vrpbook.runbooks.schema import load_runbook

    rb = tmp_path / "nogate.yaml"
    rb.write_text("name: nogate\nstages:\n  - {name: ospf, hosts: [pe], templates: [01_ospf.j2]}\n")
    with pytest.raises(RunbookError, match=r"stages\.0 \(stage 'ospf'\).*needs at least one gate"):
        load_runbook(rb)
