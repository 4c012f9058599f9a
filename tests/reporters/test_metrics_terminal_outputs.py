"""Prometheus textfile read back by prometheus_client's parser; the terminal summary;
report files written independently and atomically."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from vrpbook.reporters import ReportTargets, metrics, terminal, write_reports
from vrpbook.reporters.files import write_atomic
from vrpbook.reporters.header import RunHeader
from vrpbook_tests_results import T0, NetworkResults, reference_intents  # type: ignore[import-not-found]


@pytest.fixture
def link_down():
    results = NetworkResults(reference_intents()).judge(link_down=("CE1", "GigabitEthernet0/1/0"), unreachable=("CE2",))
    header = RunHeader.describe(results, what="default catalog", inventory="inventory/lab", started_at=T0,
                                finished_at=T0 + timedelta(seconds=4.25))
    return header, results


def _samples(text):
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out, {f.name: f.type for f in text_string_to_metric_families(text)}


def test_metrics_parse_and_count(link_down):
    header, results = link_down
    samples, types = _samples(metrics.render(header, results))
    assert set(types.values()) == {"gauge"}
    inv = ("inventory", "inventory/lab")

    def value(name, **labels):
        return samples[(name, tuple(sorted([inv, *labels.items()])))]

    assert value("vrpbook_check_results", check="bfd-sessions-up", status="fail") == 2
    assert value("vrpbook_check_results", check="bfd-sessions-up", status="pass") == 1
    assert value("vrpbook_check_results", check="ebgp-peers-established", status="error") == 1
    assert value("vrpbook_check_results", check="vpnv4-peers-established", status="fail") == 0  # zeros kept
    assert value("vrpbook_check_last_run_results", status="fail") == 3
    assert value("vrpbook_check_last_run_results", status="error") == 1
    assert value("vrpbook_check_last_run_timestamp_seconds") == header.finished_at.timestamp()
    assert value("vrpbook_check_last_run_duration_seconds") == 4.25
    assert value("vrpbook_check_last_run_success") == 0
    assert not any(name == "vrpbook_check_router_results" for name, _ in samples)  # not asked for
    checks = {r.check for r in results}
    assert sum(1 for n, _ in samples if n == "vrpbook_check_results") == 4 * len(checks)


def test_per_router_series_only_when_asked_and_success_flag(link_down, tmp_path):
    header, results = link_down
    samples, _ = _samples(metrics.render(header, results, per_router=True))
    per = {dict(lbl)["router"]: v for (n, lbl), v in samples.items()
           if n == "vrpbook_check_router_results" and dict(lbl)["status"] == "fail"}
    assert per == {"CE1": 1, "CE2": 0, "PE1": 2, "PE2": 0, "PE3": 0}
    ok = NetworkResults(reference_intents()).judge()
    ok_header = RunHeader.describe(ok, what="w", inventory="inventory/lab", started_at=T0, finished_at=T0)
    path = metrics.write(tmp_path / "vrpbook.prom", ok_header, ok)
    samples, _ = _samples(path.read_text())
    assert samples[("vrpbook_check_last_run_success", (("inventory", "inventory/lab"),))] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["vrpbook.prom"]  # no temporary file left


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "vrpbook.prom"
    write_atomic(target, "old\n")

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["vrpbook.prom"]


def test_terminal_summary_failures_first_with_both_counts(link_down):
    header, results = link_down
    console = Console(record=True, width=200, color_system=None)
    terminal.render(console, header, results)
    text = console.export_text()
    lines = [ln for ln in text.splitlines() if "│" in ln]
    first_rows = " ".join(lines[:4])
    assert "fail" in first_rows and "pe1_to_ce1: Down (expected Up)" in text
    assert text.index("fail") < text.index("error") < text.index("pass")
    assert "VPNA: missing: 1.1.1.1/32" in text and "could not check" in text
    assert "3 failed · 1 error · 0 changing" in text.splitlines()[-1]
    assert "pe2_to_ce1" not in text  # passes folded into one row per router unless asked
    console = Console(record=True, width=200, color_system=None)
    terminal.render(console, header, results, show_passed=True)
    assert console.export_text().count("PE2") >= 5


def test_each_report_is_written_on_its_own(link_down, tmp_path):
    header, results = link_down
    targets = ReportTargets(json=tmp_path / "r.json", junit=tmp_path / "missing-dir" / "j.xml",
                            html=tmp_path / "r.html", metrics=tmp_path / "m.prom")
    written, errors = write_reports(header, results, targets)
    assert sorted(p.name for p in written) == ["m.prom", "r.html", "r.json"]
    assert len(errors) == 1 and errors[0].kind == "JUnit"
    assert "\n" not in str(errors[0]) and "missing-dir/j.xml" in str(errors[0])
