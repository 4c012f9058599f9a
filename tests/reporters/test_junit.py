"""JUnit read back by a real consumer (junitparser): counts, types, unique stable names."""

from __future__ import annotations

from datetime import timedelta

import junitparser
from vrpbook.reporters import junit
from vrpbook.reporters.header import RunHeader
from vrpbook_tests_results import T0, NetworkResults, reference_intents, ring_intents  # type: ignore[import-not-found]

from vrpbook.results import CheckResult, Results, Status


def _write(tmp_path, results, name="junit.xml", at=T0):
    header = RunHeader.describe(results, what="default catalog", inventory="inventory/lab", started_at=at,
                                finished_at=at + timedelta(seconds=3))
    return junitparser.JUnitXml.fromfile(str(junit.write(tmp_path / name, header, results)))


def _cases(xml):
    return [(suite.name, case) for suite in xml for case in suite]


def test_counts_and_outcomes(tmp_path):
    results = NetworkResults(reference_intents()).judge(
        link_down=("CE1", "GigabitEthernet0/1/0"), unreachable=("CE2",), changing=("PE3",))
    xml = _write(tmp_path, results)
    c = results.counts()
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (c.total, c.failed, c.errors, c.changing)
    assert (c.failed, c.errors) == (3, 1) and c.changing > 0
    suites = {s.name: s for s in xml}
    assert sorted(suites) == ["CE1", "CE2", "PE1", "PE2", "PE3"]  # one suite per router
    assert suites["PE1"].failures == 2 and suites["CE2"].errors == 1 and suites["PE3"].skipped == c.changing
    by_name = {case.name: case for _, case in _cases(xml)}
    failure = by_name["PE1 · bfd-sessions-up"].result[0]
    assert isinstance(failure, junitparser.Failure) and failure.message == "pe1_to_ce1 Down"
    assert "pe1_to_ce1: Down (expected Up)" in failure.text
    assert isinstance(by_name["CE2 · ebgp-peers-established"].result[0], junitparser.Error)
    skipped = [case for s, case in _cases(xml) if s == "PE3"]
    assert all(isinstance(case.result[0], junitparser.Skipped) for case in skipped)
    assert by_name["PE2 · bfd-sessions-up"].is_passed


def test_names_unique_and_stable_across_runs(tmp_path):
    nr = NetworkResults(reference_intents())
    first = _write(tmp_path, nr.judge(), "a.xml")
    second = _write(tmp_path, nr.judge(at=T0 + timedelta(hours=1), link_down=("PE2", "GigabitEthernet0/3/0")),
                    "b.xml", at=T0 + timedelta(hours=1))
    names_a = [(case.classname, case.name) for _, case in _cases(first)]
    names_b = [(case.classname, case.name) for _, case in _cases(second)]
    assert len(set(names_a)) == len(names_a)
    assert sorted(names_a) == sorted(names_b)
    # parameters make distinct, stable cases of the same check on one router
    section = sorted(n for _, n in names_a if "config-section" in n)
    assert [n.split(" · ")[0] for n in section] == ["PE1", "PE2", "PE3"]
    assert all(n.endswith("]") and "[" in n for n in section)  # parameter digest in the name


def test_same_check_different_params_are_distinct_cases(tmp_path):
    results = Results([
        CheckResult(router="r1.example.net", check="route-present", params={"prefix": p}, status=s, message=p)
        for p, s in (("10.0.0.0/8", Status.PASS), ("192.0.2.0/24", Status.FAIL))
    ])
    xml = _write(tmp_path, results)
    cases = [case for _, case in _cases(xml)]
    assert len({c.name for c in cases}) == 2 and xml.failures == 1
    assert {c.classname for c in cases} == {"vrpbook.check.r1_example_net"}


def test_garbage_from_a_router_does_not_break_the_xml(tmp_path):
    results = Results([CheckResult(router="R1", check="c", status=Status.ERROR,
                                   message="unparsed line: \x1b[0m\x07 garbage <&>")])
    xml = _write(tmp_path, results)
    err = next(iter(next(iter(xml)))).result[0]
    assert "garbage <&>" in err.message


def test_a_forty_router_network(tmp_path):
    results = NetworkResults(ring_intents(40)).judge(link_down=("R07", "GigabitEthernet0/1/0"))
    xml = _write(tmp_path, results)
    assert xml.tests == len(results) and xml.failures == 2 and len(list(xml)) == 40
