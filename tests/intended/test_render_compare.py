"""The intended configuration as VRP prints it, the managed scope, and the comparison."""

from __future__ import annotations

import pytest

from vrpbook.intended import compare, intended_config, managed_scope, remediation
from vrpbook.intended.tree import parse_display

ROUTERS = ["PE1", "PE2", "PE3", "CE1", "CE2"]


def _pe1_drift(text: str) -> str:
    """The issue's drift: a stray ``vpn-target 999:1 both`` and no global ``mpls ldp``."""
    text = text.replace(
        "  vpn-target 111:1 import-extcommunity\n",
        "  vpn-target 111:1 import-extcommunity\n  vpn-target 999:1 export-extcommunity\n  vpn-target 999:1 import-extcommunity\n",
    )
    assert "#\nmpls ldp\n" in text
    return text.replace("#\nmpls ldp\n", "")


@pytest.mark.parametrize("router", ROUTERS)
def test_intended_text_is_the_reference_file_without_port_state(router, net, reference):
    """Rendered from the typed intent alone, in VRP's print form: the reference's file
    minus ``undo shutdown`` (port state is not intent)."""
    expected = "\n".join(ln for ln in reference[router].splitlines() if ln != " undo shutdown") + "\n"
    assert intended_config(router, net).text == expected


@pytest.mark.parametrize("router", ROUTERS)
def test_reference_configuration_matches_its_intent(router, net, reference):
    ic = intended_config(router, net)
    assert compare(reference[router], ic) == []
    assert remediation(reference[router], ic) == []


def test_the_scope_drops_only_unmanaged_defaults_of_the_intended_text(net):
    """Everything the intended text holds is in scope except VRP's printed defaults that
    are not vrpbook's to set (``apply-label``, ``undo synchronization``)."""
    ic = intended_config("PE1", net)
    full = {" > ".join((*p, c.text)) for p, c in _walk(parse_display(ic.text))}
    scoped = {" > ".join((*p, c.text)) for p, c in _walk(ic.tree)}
    assert full - scoped == {
        "ip vpn-instance VPNA > ipv4-family > apply-label per-instance",
        "bgp 100 > ipv4-family unicast > undo synchronization",
    }


def _walk(tree, path=()):
    for c in tree.children:
        yield path, c
        yield from _walk(c, (*path, c.text))


def test_stray_target_and_missing_mpls_ldp_are_one_removal_and_one_addition(net, reference):
    diffs = compare(_pe1_drift(reference["PE1"]), intended_config("PE1", net))
    assert [(d.section, d.missing, d.unexpected) for d in diffs] == [
        ("ip vpn-instance VPNA", [], ["ipv4-family > vpn-target 999:1 both"]),
        ("mpls ldp", ["mpls ldp"], []),
    ]
    assert [ln for d in diffs for ln in d.lines()] == [
        "- ip vpn-instance VPNA > ipv4-family > vpn-target 999:1 both",
        "+ mpls ldp",
    ]


def test_unmanaged_sections_and_lines_are_never_compared(net, reference):
    """Lines outside the scope — other interfaces, other VPN instances and OSPF processes,
    descriptions, aaa, user-interface, snmp — are neither missing nor unexpected."""
    extra = (
        "#\naaa\n local-user admin password irreversible-cipher %^%#secret%^%#\n"
        "#\nip vpn-instance OTHER\n ipv4-family\n  route-distinguisher 9:9\n  vpn-target 9:9 export-extcommunity\n"
        "#\ninterface GigabitEthernet0/9/0\n ip address 192.0.2.1 255.255.255.0\n"
        "#\nospf 2\n area 0.0.0.1\n  network 192.0.2.0 0.0.0.255\n"
        "#\nsnmp-agent sys-info version v3\n#\nuser-interface vty 0 4\n authentication-mode aaa\n"
    )
    text = reference["PE1"].replace("#\nreturn\n", extra + "#\nreturn\n")
    text = text.replace("interface GigabitEthernet0/1/0\n", "interface GigabitEthernet0/1/0\n description to PE3\n")
    text = text.replace("ospf 1\n", "ospf 1 router-id 2.2.2.2\n")
    ic = intended_config("PE1", net)
    assert compare(text, ic) == []
    assert remediation(text, ic) == []


def test_a_section_of_another_bgp_as_is_unexpected_whole(net, reference):
    text = reference["CE2"].replace("bgp 65410", "bgp 65999")
    diffs = {d.section: d for d in compare(text, intended_config("CE2", net))}
    assert diffs["bgp 65999"].unexpected == [
        "peer 10.3.1.1 as-number 100", "ipv4-family unicast > import-route direct", "ipv4-family unicast > peer 10.3.1.1 enable",
    ]
    assert "peer 10.3.1.1 as-number 100" in diffs["bgp 65410"].missing


def test_factory_router_misses_everything_and_has_only_its_factory_sysname(net):
    factory = "#\nsysname HUAWEI\n#\ninterface GigabitEthernet0/1/0\n undo shutdown\n#\nreturn\n"
    diffs = compare(factory, intended_config("PE1", net))
    unexpected = [u for d in diffs for u in d.unexpected]
    assert unexpected == ["sysname HUAWEI"]
    assert sum(len(d.missing) for d in diffs) == 32


def test_scope_names_what_it_manages(net):
    ce1 = managed_scope("CE1", net["CE1"])
    assert ce1.rule_at(("interface LoopBack1",), "ip address 1.1.1.1 255.255.255.255") is not None
    assert ce1.rule_at((), "interface GigabitEthernet0/3/0") is None  # not in CE1's intent
    assert ce1.rule_at((), "bgp 100") is None  # CE1 has no BGP intent: never touched
    assert ce1.rule_at(("interface LoopBack1",), "description loopback") is None
    pe3 = managed_scope("PE3", net["PE3"])
    assert pe3.rule_at(("bgp 100", "ipv4-family vpn-instance VPNA"), "maximum load-balancing 2") is not None
    assert pe3.rule_at(("bgp 100", "ipv4-family vpn-instance VPNB"), "import-route direct") is None
    assert pe3.canonical(("ospf 1 router-id 4.4.4.4", "area 0.0.0.0")) == ("ospf 1", "area 0.0.0.0")
    assert any("ip route-static" in ln for ln in pe3.describe())
