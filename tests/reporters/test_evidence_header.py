"""Observed vs expected in words, and the verdict a run's counts earn."""

from __future__ import annotations

from datetime import timedelta

from vrpbook.reporters.evidence import differences, result_differences
from vrpbook.reporters.header import RunHeader, Verdict, verdict_of
from vrpbook_tests_results import T0  # type: ignore[import-not-found]

from vrpbook.results import CheckResult, Counts, Results, Status


def test_mapping_differences_name_each_key():
    assert differences({"a": "Down", "b": "Up"}, {"a": "Up", "b": "Up", "c": "Up"}) == [
        "a: Down (expected Up)", "c: absent (expected Up)",
    ]
    assert differences({"a": "Up", "x": "Up"}, {"a": "Up"}) == ["x: unexpected Up"]


def test_states_compare_case_insensitively_and_nested_paths_are_named():
    assert differences({"VPNA": {"10.3.1.2": "ESTABLISHED"}}, {"VPNA": {"10.3.1.2": "Established"}}) == []
    assert differences({"VPNA": ["1.1.1.1/32"]}, {"VPNA": ["1.1.1.1/32", "9.9.9.9/32"]}) == ["VPNA: missing: 9.9.9.9/32"]


def test_lists_are_collections_and_scalars_values():
    assert differences(["mpls", "vpn-target 999:1 both"], ["mpls ldp", "mpls"]) == [
        "missing: mpls ldp", "unexpected: vpn-target 999:1 both",
    ]
    assert differences(1, 2) == ["1 (expected 2)"]
    assert differences(None, 2) == ["absent (expected 2)"]
    assert differences({"a": 1}, None) == []


def test_an_error_claims_nothing_about_the_router():
    r = CheckResult(router="R1", check="c", status=Status.ERROR, message="timeout", expected={"s": "Up"})
    assert result_differences(r) == []
    assert differences(r.observed, r.expected) == ["absent (expected {\"s\": \"Up\"})"]


def test_verdict_fail_beats_error_beats_pass_and_nothing_checked_is_an_error():
    assert verdict_of(Counts(passed=3, failed=1, errors=2)) is Verdict.FAIL
    assert verdict_of(Counts(passed=3, errors=1)) is Verdict.ERROR
    assert verdict_of(Counts(passed=3, changing=2)) is Verdict.PASS
    assert verdict_of(Counts()) is Verdict.ERROR
    assert [v.exit_code for v in (Verdict.PASS, Verdict.FAIL, Verdict.ERROR)] == [0, 1, 2]


def test_header_counts_are_the_results_counts():
    results = Results([
        CheckResult(router="A", check="x", status=Status.FAIL, message="m"),
        CheckResult(router="B", check="x", status=Status.ERROR, message="m"),
        CheckResult(router="B", check="y", status=Status.PASS, message="m"),
    ])
    h = RunHeader.describe(results, what="w", inventory="inv", started_at=T0, finished_at=T0 + timedelta(seconds=2.5))
    assert (h.counts.failed, h.counts.errors, h.counts.passed, h.counts.total) == (1, 1, 1, 3)
    assert h.hosts == ("A", "B") and h.duration == 2.5 and h.verdict is Verdict.FAIL
    assert "-check-" in h.run_id
