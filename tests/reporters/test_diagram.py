"""The diagram model from intent + topology + results, and its deterministic layout."""

from __future__ import annotations

import math

import pytest
from vrpbook.reporters.diagram import DiagramError, build_diagram
from vrpbook.reporters.layout import spring_layout
from vrpbook.reporters.svg import NODE_R, canvas_size, render_svg
from vrpbook_tests_results import (  # type: ignore[import-not-found]
    NetworkResults,
    load_topology,
    reference_intents,
    ring_intents,
)

from vrpbook.results import CheckResult, Results, Status


def _pairs(links):
    return sorted(tuple(sorted(((lk.a.router, lk.a.interface), (lk.b.router, lk.b.interface)))) for lk in links)


def test_inferred_links_are_the_topology_cables():
    intents = reference_intents()
    results = NetworkResults(intents).judge()
    from_topo = build_diagram(intents, results, load_topology())
    inferred = build_diagram(intents, results)
    assert from_topo.links_from == "topology" and inferred.links_from == "subnets"
    assert len(from_topo.links) == 6
    assert _pairs(inferred.links) == _pairs(from_topo.links)
    subnets = sorted(lk.subnet for lk in inferred.links)
    assert subnets == ["10.1.1.0/24", "10.2.1.0/24", "10.3.1.0/24", "11.11.11.0/24", "22.22.22.0/24", "33.33.33.0/24"]


def test_sessions_pair_both_sides_and_take_their_states():
    intents = reference_intents()
    d = build_diagram(intents, NetworkResults(intents).judge(link_down=("CE1", "GigabitEthernet0/1/0")))
    bfd = {(s.a, s.b): s for s in d.sessions if s.kind == "bfd"}
    bgp = {(s.a, s.b): s for s in d.sessions if s.kind == "bgp"}
    assert sorted(bfd) == [("CE1", "PE1"), ("CE1", "PE2")]
    assert sorted(bgp) == [("CE2", "PE3"), ("PE1", "PE2"), ("PE1", "PE3"), ("PE2", "PE3")]
    down = bfd[("CE1", "PE1")]
    assert down.health == "down" and {e.name: e.state for e in down.ends} == {"ce1_to_pe1": "Down", "pe1_to_ce1": "Down"}
    assert bfd[("CE1", "PE2")].health == "up"
    assert all(s.health == "up" and len(s.ends) == 2 for s in bgp.values())
    routers = {r.name: r for r in d.routers}
    assert routers["PE1"].status is Status.FAIL and routers["PE2"].status is Status.PASS
    links = {tuple(sorted((lk.a.router, lk.b.router))): lk for lk in d.links}
    assert links[("CE1", "PE1")].health == "down" and "BFD" in links[("CE1", "PE1")].reason
    assert links[("PE1", "PE2")].health == "unknown"  # nothing observed it: not claimed up


def test_unreachable_router_is_unknown_not_up_and_external_peers_are_drawn():
    intents = reference_intents()
    intents["PE3"]["bgp"]["vpn_instances"]["VPNA"]["peers"].append({"address": "192.0.2.9", "as_number": 65999})
    d = build_diagram(intents, NetworkResults(intents).judge(unreachable=("CE2",)))
    s = next(s for s in d.sessions if {s.a, s.b} == {"CE2", "PE3"})
    assert {e.router: e.health for e in s.ends} == {"CE2": "unknown", "PE3": "up"}
    ext = next(r for r in d.routers if r.name == "192.0.2.9")
    ext_session = next(s for s in d.sessions if "192.0.2.9" in (s.a, s.b))
    assert ext.external and [e.router for e in ext_session.ends] == ["PE3"]  # only PE3's side is configured
    assert ext_session.health == "up"  # PE3 observed it Established
    assert next(r for r in d.routers if r.name == "CE2").status is Status.ERROR


def test_interface_observations_colour_links_and_missing_expected_is_down():
    intents = {
        "A": {"interfaces": {"Eth1": {"address": "192.0.2.1/30"}}},
        "B": {"interfaces": {"Eth1": {"address": "192.0.2.2/30"}}},
    }
    results = Results([
        CheckResult(router="A", check="interfaces-up", status=Status.FAIL, message="Eth1 down",
                    observed={"Eth1": "Down"}, expected={"Eth1": "Up"}),
        CheckResult(router="B", check="interfaces-up", status=Status.PASS, message="ok",
                    observed={"Eth1": "Up"}, expected={"Eth1": "Up"}),
    ])
    d = build_diagram(intents, results)
    assert d.links[0].health == "down" and "A Eth1 Down (interfaces-up)" in d.links[0].reason


def test_bad_topology_is_a_clear_error():
    intents = reference_intents()
    with pytest.raises(DiagramError, match="cables\\[0\\]"):
        build_diagram(intents, Results(), {"cables": [["PE1-GE0/1/0", "PE3:GE0/1/0"]]})
    with pytest.raises(DiagramError, match="NOPE"):
        build_diagram(intents, Results(), {"cables": [["NOPE:GE0/1/0", "PE3:GE0/1/0"]]})


@pytest.mark.parametrize("n", [2, 5, 12, 40])
def test_layout_is_deterministic_and_readable(n):
    intents = ring_intents(n, prefix="core-")
    results = NetworkResults(intents).judge()
    d = build_diagram(intents, results)
    assert len(d.links) == n if n > 2 else len(d.links) == 2
    assert render_svg(d) == render_svg(build_diagram(intents, results))
    width, height = canvas_size(len(d.routers))
    pos = spring_layout([r.name for r in d.routers], [(lk.a.router, lk.b.router) for lk in d.links],
                        width=width, height=height)
    assert all(NODE_R <= x <= width - NODE_R and NODE_R <= y <= height - NODE_R for x, y in pos.values())
    pts = list(pos.values())
    closest = min(math.dist(p, q) for i, p in enumerate(pts) for q in pts[i + 1:])
    assert closest > 2.5 * NODE_R, f"nodes overlap: {closest:.1f}"


def test_ring_with_a_link_down():
    intents = ring_intents(12)
    d = build_diagram(intents, NetworkResults(intents).judge(link_down=("R03", "GigabitEthernet0/1/0")))
    down = [lk for lk in d.links if lk.health == "down"]
    assert [(lk.a.router, lk.b.router) for lk in down] == [("R03", "R04")]
    assert sum(s.health == "down" for s in d.sessions) == 1
    assert sum(s.kind == "bgp" for s in d.sessions) == 11
