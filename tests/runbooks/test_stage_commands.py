"""Which stage pushes which removal (and which intended line no template writes), offline."""

from __future__ import annotations

import pytest

from vrpbook.intent import load_intent
from vrpbook.runbooks.render import render_commands
from vrpbook.runbooks.schema import load_runbook
from vrpbook.runbooks.stage_commands import host_stages, stage_commands


@pytest.fixture(scope="module")
def setup(h):
    rb = load_runbook("bfd-static-vpn")
    net = load_intent(h.LAB_INVENTORY)
    return rb, net, h.reference_configs()


def _stages(rb, role):
    return [s for s in rb.stages if s.action == "push" and ({"all", role} & set(s.hosts))]


def _moved(hs):
    return ({s: [str(c) for c in cs] for s, cs in hs.removals.items()}, {s: [str(c) for c in cs] for s, cs in hs.additions.items()})


def test_a_converged_router_gets_its_templates_only(setup):
    rb, net, ref = setup
    hs = host_stages(rb, net, "PE1", ref["PE1"], _stages(rb, "pe"))
    assert hs.diff == [] and _moved(hs) == ({}, {})
    for s in _stages(rb, "pe"):
        assert hs.commands.get(s.name, []) == render_commands(s.templates, net["PE1"], "PE1", net)


def test_a_factory_router_gets_its_templates_only(setup):
    """Nothing to remove; every intended line is written by a template (VRP adds the defaults)."""
    rb, net, _ref = setup
    factory = "#\nsysname HUAWEI\n#\ninterface GigabitEthernet0/1/0\n undo shutdown\n#\nreturn\n"
    hs = host_stages(rb, net, "PE3", factory, _stages(rb, "pe"))
    assert _moved(hs) == ({}, {})
    assert len(hs.diff) > 5


def test_each_removal_goes_to_the_first_stage_that_configures_its_kind(setup):
    rb, net, ref = setup
    text = ref["PE1"]
    text = text.replace("  vpn-target 111:1 import-extcommunity\n",
                        "  vpn-target 111:1 import-extcommunity\n  vpn-target 999:1 export-extcommunity\n")
    text = text.replace(" ip address 33.33.33.1 255.255.255.0\n", " ip address 33.33.33.1 255.255.255.0\n ospf cost 9\n")
    text = text.replace("  import-route static\n", "  import-route static\n  maximum load-balancing 3\n")
    text = text.replace("  policy vpn-target\n", "")
    text = text.replace("#\nreturn\n", "#\nbfd stray bind peer-ip 10.1.1.9 interface GigabitEthernet0/3/0 source-ip 10.1.1.2 auto\n#\nreturn\n")
    hs = host_stages(rb, net, "PE1", text, _stages(rb, "pe"))
    removals, additions = _moved(hs)
    assert removals == {
        "ospf": ["- interface GigabitEthernet0/2/0 > ospf cost 9"],
        "vpn-instances": ["- ip vpn-instance VPNA > ipv4-family > vpn-target 999:1 export-extcommunity"],
        "vpn-static-routes": ["- bgp 100 > ipv4-family vpn-instance VPNA > maximum load-balancing 3"],
        "bfd-sessions": ["- bfd stray bind peer-ip 10.1.1.9 interface GigabitEthernet0/3/0 source-ip 10.1.1.2 auto"],
    }
    # a default VRP prints that somebody removed: no template writes it, its section exists
    assert additions == {"mp-ibgp": ["+ bgp 100 > ipv4-family vpnv4 > policy vpn-target"]}
    mp_ibgp = hs.commands["mp-ibgp"]
    assert mp_ibgp[-5:] == ["bgp 100", "ipv4-family vpnv4", "policy vpn-target", "quit", "quit"]
    assert hs.commands["bfd-sessions"][0] == "undo bfd stray"


def test_lines_typed_in_the_bgp_view_count_as_the_unicast_family(setup):
    """CE2's template types import-route in the bgp view; VRP prints it in ipv4-family
    unicast: the template writes it, so nothing extra is pushed."""
    rb, net, ref = setup
    text = ref["CE2"].replace("  import-route direct\n", "")
    hs = host_stages(rb, net, "CE2", text, _stages(rb, "ce"))
    assert [ln for d in hs.diff for ln in d.lines()] == ["+ bgp 65410 > ipv4-family unicast > import-route direct"]
    assert _moved(hs) == ({}, {})


def test_stage_commands_cover_every_push_stage_and_only_targeted_routers(setup):
    rb, net, ref = setup
    targets = {s.name: [h for h in net if {"all", net[h].role, h} & set(s.hosts)] for s in rb.stages}
    out = stage_commands(rb, net, targets, ref)
    assert set(out) == {s.name for s in rb.stages if s.action == "push"}
    assert set(out["mpls-ldp"]) == {"PE1", "PE2", "PE3"}
    assert set(out["ce-default-routes"]) == {"CE1"}


def test_a_truncated_running_configuration_is_a_read_error_naming_the_router(setup):
    """Fail closed: a configuration cut before ``return`` is never read as "nothing there"."""
    from vrpbook.errors import ReadError

    rb, net, ref = setup
    cut = ref["CE2"][: ref["CE2"].index("bgp 65410")]
    with pytest.raises(ReadError, match=r"CE2: running configuration: .*truncated"):
        host_stages(rb, net, "CE2", cut, _stages(rb, "ce"))
