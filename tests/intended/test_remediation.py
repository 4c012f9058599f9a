"""Remediation: typed changes and the commands VRP accepts, in an order it accepts."""

from __future__ import annotations

from vrpbook.intended import Change, commands, compare, intended_config, remediation


def _ic(net, router="PE1"):
    return intended_config(router, net)


def test_stray_target_and_missing_mpls_ldp(net, reference):
    text = reference["PE1"].replace(
        "  vpn-target 111:1 import-extcommunity\n", "  vpn-target 111:1 import-extcommunity\n  vpn-target 999:1 export-extcommunity\n"
        "  vpn-target 999:1 import-extcommunity\n").replace("#\nmpls ldp\n", "")
    changes = remediation(text, _ic(net))
    assert changes == [
        Change("remove", ("ip vpn-instance VPNA", "ipv4-family"), "vpn-target 999:1 both", "undo vpn-target 999:1 both"),
        Change("add", (), "mpls ldp", "mpls ldp"),
    ]
    # "mpls ldp" enters a view: it is left with quit, like every view entered.
    assert commands(changes) == ["ip vpn-instance VPNA", "ipv4-family", "undo vpn-target 999:1 both", "quit", "quit",
                                 "mpls ldp", "quit"]


def test_undo_forms_vrp_accepts(net, reference):
    text = reference["PE3"]
    text = text.replace("  maximum load-balancing 2\n", "  maximum load-balancing 2\n  load-balancing igp-metric-ignore\n")
    text = text.replace(" peer 3.3.3.3 connect-interface LoopBack1\n",
                        " peer 3.3.3.3 connect-interface LoopBack1\n peer 9.9.9.9 as-number 100\n")
    text = text.replace("interface LoopBack1\n ip address 4.4.4.4 255.255.255.255\n",
                        "interface LoopBack1\n ip address 4.4.4.4 255.255.255.255\n ospf cost 7\n")
    text = text.replace("mpls lsr-id 4.4.4.4", "mpls lsr-id 4.4.4.9")
    got = {(c.action, c.command) for c in remediation(text, _ic(net, "PE3"))}
    assert got == {
        ("remove", "undo load-balancing igp-metric-ignore"),
        ("remove", "undo peer 9.9.9.9"),  # not "undo peer 9.9.9.9 as-number 100"
        ("remove", "undo ospf cost"),
        ("add", "mpls lsr-id 4.4.4.4"),  # replaces: no undo first
    }


def test_values_that_replace_need_no_undo_but_rd_does(net, reference):
    text = reference["PE3"].replace("maximum load-balancing 2", "maximum load-balancing 4")
    text = text.replace("route-distinguisher 100:3", "route-distinguisher 100:33")
    text = text.replace("sysname PE3", "sysname HUAWEI")
    cmds = commands(remediation(text, _ic(net, "PE3")))
    assert cmds == [
        "sysname PE3",
        "ip vpn-instance VPNA", "ipv4-family", "undo route-distinguisher 100:33", "route-distinguisher 100:3", "quit", "quit",
        "bgp 100", "ipv4-family vpn-instance VPNA", "maximum load-balancing 2", "quit", "quit",
    ]


def test_tracking_goes_before_sessions_and_sessions_before_global_bfd(net, reference):
    """CE1 with a stray tracked route and its stray session: the route goes first, then the
    session; a re-bound session is undone before it is created again."""
    text = reference["CE1"].replace(
        "ip route-static 0.0.0.0 0.0.0.0 10.2.1.2\n",
        "ip route-static 0.0.0.0 0.0.0.0 10.2.1.2\nip route-static 9.9.9.0 255.255.255.0 10.1.1.2 track bfd-session stray\n")
    stray = "bfd stray bind peer-ip 10.1.1.2 interface GigabitEthernet0/1/0 source-ip 10.1.1.1 auto"
    text = text.replace("#\nreturn\n", f"#\n{stray}\n#\nreturn\n")
    text = text.replace("bfd ce1_to_pe2 bind peer-ip 10.2.1.2", "bfd ce1_to_pe2 bind peer-ip 10.2.1.9")
    cmds = commands(remediation(text, _ic(net, "CE1")))
    assert cmds == [
        "undo ip route-static 9.9.9.0 255.255.255.0 10.1.1.2 track bfd-session stray",
        "undo bfd ce1_to_pe2",
        "undo bfd stray",
        "bfd ce1_to_pe2 bind peer-ip 10.2.1.2 interface GigabitEthernet0/2/0 source-ip 10.2.1.1 auto", "quit",
    ]


def test_static_route_reentered_with_tracking_replaces_the_untracked_one(net, reference):
    text = reference["PE1"].replace(" track bfd-session pe1_to_ce1", "")
    ic = _ic(net)
    assert [ln for d in compare(text, ic) for ln in d.lines()] == [
        "- ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1",
        "+ ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session pe1_to_ce1",
    ]
    assert commands(remediation(text, ic)) == [
        "ip route-static vpn-instance VPNA 1.1.1.1 255.255.255.255 10.1.1.1 track bfd-session pe1_to_ce1"
    ]


def test_unbinding_an_interface_enters_its_address_again(net, reference):
    """VRP clears an interface's address when its binding changes: the same address,
    unchanged in the comparison, is typed again after the binding."""
    text = reference["PE1"].replace(" ip binding vpn-instance VPNA\n ip address 10.1.1.2", " ip address 10.1.1.2")
    assert commands(remediation(text, _ic(net))) == [
        "interface GigabitEthernet0/3/0", "ip binding vpn-instance VPNA", "ip address 10.1.1.2 255.255.255.0", "quit",
    ]


def test_a_new_primary_address_replaces_the_old_one(net, reference):
    text = reference["PE1"].replace("ip address 11.11.11.1 255.255.255.0", "ip address 11.11.11.9 255.255.255.0")
    assert commands(remediation(text, _ic(net))) == ["interface GigabitEthernet0/1/0", "ip address 11.11.11.1 255.255.255.0", "quit"]
