"""The --json document: schema'd, failures first, every count present, times with a zone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from vrpbook.reporters import json_report
from vrpbook.reporters.header import RunHeader
from vrpbook_tests_results import T0, NetworkResults, reference_intents  # type: ignore[import-not-found]

from vrpbook.results import Results


def _run(**faults):
    results = NetworkResults(reference_intents()).judge(**faults)
    header = RunHeader.describe(results, what="default catalog", inventory="inventory/lab", started_at=T0,
                                finished_at=T0 + timedelta(seconds=4))
    return header, results


def test_document_matches_its_published_schema_file():
    assert json_report.SCHEMA_FILE.read_text() == json_report.json_schema_text(), (
        "reporters/report.schema.json is stale: regenerate it (see json_report's docstring)"
    )


def test_link_down_document(tmp_path):
    header, results = _run(link_down=("CE1", "GigabitEthernet0/1/0"), unreachable=("CE2",))
    path = json_report.write(tmp_path / "report.json", header, results)
    doc = json.loads(path.read_text())
    assert doc["schema"] == "vrpbook.report/1"
    assert doc["run"]["verdict"] == "fail" and doc["run"]["exit_code"] == 1
    c = doc["counts"]
    assert set(c) == {"pass", "fail", "error", "changing", "total"}
    assert c["fail"] == 3 and c["error"] == 1 and c["total"] == len(results)
    statuses = [r["status"] for r in doc["results"]]
    assert statuses == sorted(statuses, key=["fail", "error", "changing", "pass"].index)  # failures first
    pe1 = next(r for r in doc["results"] if r["router"] == "PE1" and r["check"] == "bfd-sessions-up")
    assert pe1["differences"] == ["pe1_to_ce1: Down (expected Up)"]
    assert pe1["observed"] == {"pe1_to_ce1": "Down"} and pe1["name"] == "PE1 · bfd-sessions-up"
    assert [r["router"] for r in doc["routers"]][:2] == ["CE1", "PE1"]  # worst first
    assert next(r for r in doc["routers"] if r["router"] == "CE2")["worst"] == "error"
    for stamp in (doc["run"]["started_at"], pe1["finished_at"]):
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0)
    # a consumer can read it back with the published models
    back = json_report.ReportDoc.model_validate_json(path.read_text())
    assert back.counts.failed == 3 and len(back.results) == len(results)


def test_both_counts_present_when_zero_and_an_empty_run_is_not_a_pass():
    header, results = _run()
    doc = json.loads(json_report.render(header, results))
    assert doc["counts"]["fail"] == 0 and doc["counts"]["error"] == 0 and doc["run"]["verdict"] == "pass"
    empty = RunHeader.describe(Results(), what="w", inventory="i", started_at=T0, finished_at=T0)
    doc = json.loads(json_report.render(empty, Results()))
    assert doc["run"]["verdict"] == "error" and doc["run"]["exit_code"] == 2 and doc["counts"]["total"] == 0
