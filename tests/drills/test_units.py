"""Drills without a network: the file format, the timing rules, the snapshot comparison, the
route and BFD checks on real display text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from vrpbook.checks.api import Observations
from vrpbook.checks.registry import DRILL_CHECKS, all_checks
from vrpbook.checks.static import configured_statics
from vrpbook.cli import app
from vrpbook.drills.schema import DrillError, load_drill
from vrpbook.drills.timing import EventClock, Measured, PollClock, Window, event_filter
from vrpbook.intent import intent_of
from vrpbook.inventory import load_inventory
from vrpbook.lab import NetworkEvent
from vrpbook.parsers import parse
from vrpbook.paths import PROJECT_ROOT
from vrpbook.results import Status
from vrpbook.tasks.collect import Observation

REFERENCE = load_drill("bfd-ce1-pe1")


def _write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "drill.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _doc(**over: object) -> dict:
    raw = yaml.safe_load((PROJECT_ROOT / "runbooks" / "drills" / "bfd_ce1_pe1.yaml").read_text())
    raw.update(over)
    return raw


def test_reference_drill_is_the_documents_verification():
    d = REFERENCE
    assert (d.name, d.runbook, d.fault.kind, str(d.fault.port)) == ("bfd-ce1-pe1", "bfd-static-vpn", "shutdown", "CE1 GigabitEthernet0/1/0")
    assert [(e.check, e.hosts, e.within_ms) for e in d.expect] == [
        ("bfd-session-state", ["PE1"], 50), ("bfd-tracked-route", ["PE1"], 50), ("route-nexthops", ["PE3"], 1000),
        ("route-nexthops", ["CE1"], 50)]
    assert d.recovery.gates and d.recovery.snapshot
    assert 60 <= d.trial_seconds() <= 65535


@pytest.mark.parametrize(("edit", "message"), [
    ({"expect": [{"check": "no-such-check", "hosts": ["PE1"]}]}, "expect.0.check: Value error, unknown check 'no-such-check'"),
    ({"expect": [{"check": "bfd-session-state", "hosts": ["PE1"], "params": {"session": "x", "state": "Upp"}}]},
     "params.state: Input should be"),
    ({"expect": [{"check": "route-nexthops", "hosts": ["PE1"], "params": {"prefix": "1.1.1.1/32"}}]},
     "give either nexthops (the next hops the route must have) or absent: true"),
    ({"fault": {"shutdown": {"router": "CE1", "interface": "GE0/1/0"}, "cable": {"router": "CE1", "interface": "GE0/1/0"}}},
     "fault: Value error, give exactly one fault: shutdown or cable"),
    ({"fault": {"shutdown": {"router": "CE1", "interface": "Bogus9"}}}, "fault.shutdown.interface"),
    ({"expect": []}, "expect: List should have at least 1 item"),
    ({"surprise": 1}, "surprise: Extra inputs are not permitted"),
])
def test_a_bad_drill_is_one_line_naming_file_and_field(tmp_path, edit, message):
    path = _write(tmp_path, _doc(**edit))
    with pytest.raises(DrillError) as exc:
        load_drill(str(path))
    assert any(line.startswith(f"{path}: ") and message in line for line in exc.value.lines()), exc.value.lines()


def test_an_expectation_and_a_recovery_check_with_the_same_params_are_refused(tmp_path):
    doc = _doc()
    doc["recovery"]["expect"].append(dict(doc["expect"][0]))
    with pytest.raises(DrillError, match="the same check with the same params appears twice"):
        load_drill(str(_write(tmp_path, doc)))


def test_the_cli_refuses_an_unknown_drill_and_a_production_drill_without_its_flags(tmp_path):
    res = CliRunner().invoke(app, ["drill", "no-such-drill"])
    assert res.exit_code == 2 and "drill 'no-such-drill' not found" in res.output and "bfd-ce1-pe1" in res.output
    prod = str(PROJECT_ROOT / "inventory" / "production-example")
    for extra in ([], ["--production"], ["--change", str(tmp_path / "change.yaml")]):
        res = CliRunner().invoke(app, ["drill", "bfd-ce1-pe1", "--inventory", prod, *extra])
        assert res.exit_code == 2, res.output
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and "needs an approved change file and --production" in lines[0], res.output


# --- timing ------------------------------------------------------------------------------------


def test_event_log_budgets_are_exact():
    assert Measured(30.0, 30.0, "bfd-down", True).judge(50) == (Status.PASS, "")
    status, why = Measured(80.0, 80.0, "bfd-down", True).judge(50)
    assert status is Status.FAIL and why == "took 80 ms (budget 50 ms)"
    assert Measured(None, None, "not logged", True).judge(50)[0] is Status.ERROR


def test_polling_states_its_resolution_and_never_passes_what_it_cannot_resolve():
    # fault sent at 10.000 s, commit returned at 10.020 s; last poll that did not see it started at
    # 10.050 s, the first that did ended at 10.150 s: true between 30 ms and 150 ms after the fault
    m = PollClock.measure(10.0, 10.02, Window(10.12, 10.15), Window(10.05, 10.08))
    assert (m.low_ms, m.ms, m.resolution_ms) == (30.0, 150.0, 120.0)
    assert m.describe() == "30–150 ms"
    assert m.judge(200)[0] is Status.PASS
    assert m.judge(20)[0] is Status.FAIL
    status, why = m.judge(50)
    assert status is Status.ERROR and "cannot tell whether the budget of 50 ms held" in why
    first_poll = PollClock.measure(10.0, 10.02, Window(10.03, 10.09), None)
    assert (first_poll.low_ms, first_poll.ms) == (0.0, 90.0)
    assert PollClock.measure(10.0, 10.02, None, Window(10.03, 10.09)).judge(50)[0] is Status.ERROR


def test_event_clock_times_an_expectation_by_its_own_last_event():
    log = [
        NetworkEvent(1000.0, "CE1", "config-changed", "running configuration changed"),
        NetworkEvent(1000.0, "PE1", "link-down", "GigabitEthernet0/3/0 physical down"),
        NetworkEvent(1000.0, "PE1", "route-withdrawn", "VPNA 1.1.1.1/32 Static via 10.1.1.1 GigabitEthernet0/3/0"),
        NetworkEvent(1000.0, "CE1", "route-withdrawn", "_public_ 0.0.0.0/0 Static via 10.1.1.2 GigabitEthernet0/1/0"),
        NetworkEvent(1030.0, "PE1", "bfd-down", "pe1_to_ce1 Down (detect time 30 ms)"),
        NetworkEvent(1030.0, "CE1", "bfd-down", "ce1_to_pe1 Down (detect time 30 ms)"),
    ]
    clock = EventClock(lambda: list(log), "test log")
    assert clock.instant(0, "CE1", ("config-changed",)) == 1000.0
    clock.events()
    bfd = clock.measure(0, 6, 1000.0, event_filter("bfd-session-state", "PE1", {"session": "pe1_to_ce1", "state": "Down"}), "x")
    assert (bfd.ms, bfd.exact) == (30.0, True) and "pe1_to_ce1 Down" in bfd.how
    route = event_filter("bfd-tracked-route", "PE1", {"session": "pe1_to_ce1", "prefix": "1.1.1.1/32", "vpn_instance": "VPNA"})
    assert clock.measure(0, 6, 1000.0, route, "x").ms == 0.0
    default = event_filter("route-nexthops", "CE1", {"prefix": "0.0.0.0/0"})
    assert default is not None and default(log[3]) and not default(log[2])
    assert clock.measure(0, 6, 1000.0, None, "network").ms == 30.0  # a gate: the last event anywhere
    up = event_filter("bfd-session-state", "PE1", {"session": "pe1_to_ce1", "state": "Up"})
    assert "no bfd-session-state event logged" in clock.measure(0, 6, 1000.0, up, "bfd-session-state").how


# --- the checks on display text ----------------------------------------------------------------

NET = intent_of(load_inventory(PROJECT_ROOT / "inventory" / "lab"))

PE1_CONFIG = """\
#
sysname PE1
#
ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session pe1_to_ce1
ip route-static 0.0.0.0 0.0.0.0 GigabitEthernet0/1/0 11.11.11.2 preference 70
ip route-static 9.9.9.0 24 NULL0
#
return
"""

PE1_VPNA = """\
Route Flags: R - relay, D - download to fib, T - to vpn-instance, B - black hole route
------------------------------------------------------------------------------
Routing Table: VPNA
         Destinations : 2        Routes : 2

Destination/Mask    Proto  Pre  Cost        Flags NextHop         Interface

        1.1.1.1/32  IBGP   255  0             RD  3.3.3.3         GigabitEthernet0/2/0
      10.2.1.0/24  IBGP   255  0             RD  3.3.3.3         GigabitEthernet0/2/0
"""


def _obs(router: str, **texts: str) -> Observations:
    return Observations(router, {cmd: Observation(cmd, text, parse(cmd, text)) for cmd, text in texts.items()})


def test_static_routes_are_read_back_with_their_tracking():
    routes = configured_statics(parse("display current-configuration", PE1_CONFIG))
    assert [(r.vpn_instance, str(r.prefix), r.interface, r.nexthop, r.track_bfd_session) for r in routes] == [
        ("VPNA", "1.1.1.1/32", None, "10.1.1.1", "pe1_to_ce1"),
        (None, "0.0.0.0/0", "GigabitEthernet0/1/0", "11.11.11.2", None),
        (None, "9.9.9.0/24", "NULL0", None, None)]


def test_tracked_route_withdrawn_passes_only_when_the_route_tracks_the_session():
    check = DRILL_CHECKS["bfd-tracked-route"]
    params = check.parse_params({"session": "pe1_to_ce1", "prefix": "1.1.1.1/32", "vpn_instance": "VPNA", "installed": False})
    obs = _obs("PE1", **{"display current-configuration": PE1_CONFIG, "display ip routing-table vpn-instance VPNA": PE1_VPNA})
    v = check.judge("PE1", NET, params, obs)
    assert v.passed, v.message
    untracked = PE1_CONFIG.replace(" track bfd-session pe1_to_ce1", "")
    obs = _obs("PE1", **{"display current-configuration": untracked, "display ip routing-table vpn-instance VPNA": PE1_VPNA})
    v = check.judge("PE1", NET, params, obs)
    assert not v.passed and v.settled
    assert "does not track BFD session pe1_to_ce1" in v.message
    installed = check.parse_params({"session": "pe1_to_ce1", "prefix": "1.1.1.1/32", "vpn_instance": "VPNA", "installed": True})
    obs = _obs("PE1", **{"display current-configuration": PE1_CONFIG, "display ip routing-table vpn-instance VPNA": PE1_VPNA})
    v = check.judge("PE1", NET, installed, obs)
    assert not v.passed and not v.settled and "via ['10.1.1.1'] not installed" in v.message


def test_route_nexthops_counts_next_hops_not_rows():
    check = DRILL_CHECKS["route-nexthops"]
    obs = _obs("PE3", **{"display ip routing-table vpn-instance VPNA": PE1_VPNA})
    ok = check.parse_params({"vpn_instance": "VPNA", "prefix": "1.1.1.1/32", "protocol": "IBGP", "nexthops": ["3.3.3.3"]})
    assert check.judge("PE3", NET, ok, obs).passed
    two = check.parse_params({"vpn_instance": "VPNA", "prefix": "1.1.1.1/32", "nexthops": ["2.2.2.2", "3.3.3.3"]})
    v = check.judge("PE3", NET, two, obs)
    assert not v.passed and "via ['3.3.3.3'] (expected via ['2.2.2.2', '3.3.3.3'])" in v.message
    gone = check.parse_params({"vpn_instance": "VPNA", "prefix": "10.2.1.0/24", "absent": True})
    assert not check.judge("PE3", NET, gone, obs).passed


def test_bfd_session_state_targets_only_routers_with_the_session():
    check = DRILL_CHECKS["bfd-session-state"]
    params = check.parse_params({"session": "pe1_to_ce1", "state": "Down"})
    assert check.targets(["PE1", "PE2", "CE1"], NET, params) == ["PE1"]
    assert set(DRILL_CHECKS) <= set(all_checks())
