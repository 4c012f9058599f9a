"""Prometheus metrics for node_exporter's textfile collector.

Series (all gauges, each labelled with the ``inventory`` so two scheduled
checks of two inventories can share one collector directory):

``vrpbook_check_results{check, status}``
    how many (router, params) judgements of each check ended in each status;
    every status of every check is written, zeros included, so a series never
    vanishes when a failure clears (alerts see 0, not "no data").
``vrpbook_check_last_run_results{status}``
    the run's totals by status.
``vrpbook_check_last_run_timestamp_seconds`` / ``..._duration_seconds``
    when the last run finished (Unix time) and how long it took.
``vrpbook_check_last_run_success``
    1 when the verdict is pass (no failure, no error, something checked), else 0.
``vrpbook_check_router_results{router, status}``
    only with ``per_router=True``: one series per router and status. Off by
    default to keep cardinality low (a 500-router sweep would add 2,000 series).

The text is produced by ``prometheus_client`` (names, escaping, HELP/TYPE)
and written atomically (temporary file + rename) so the collector never reads
half a file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vrpbook.results import Results, Status

from .files import write_atomic
from .header import RunHeader, Verdict

PREFIX = "vrpbook_check"
STATUSES = tuple(Status)


class _RunCollector(Collector):
    """Yields one run's metric families (a fresh registry per render: no global state)."""

    def __init__(self, header: RunHeader, results: Results, per_router: bool) -> None:
        self.header = header
        self.results = results
        self.per_router = per_router

    def collect(self) -> Iterator[Metric]:
        inv = self.header.inventory
        by_check = GaugeMetricFamily(
            f"{PREFIX}_results", "Judgements of each check in the last run, by status.",
            labels=["inventory", "check", "status"],
        )
        counts = Counter((r.check, r.status) for r in self.results)
        for check in sorted({r.check for r in self.results}):
            for status in STATUSES:
                by_check.add_metric([inv, check, status.value], counts[(check, status)])
        yield by_check

        totals = GaugeMetricFamily(
            f"{PREFIX}_last_run_results", "Judgements in the last run, by status.", labels=["inventory", "status"],
        )
        c = self.header.counts
        for status, n in ((Status.PASS, c.passed), (Status.FAIL, c.failed), (Status.ERROR, c.errors),
                          (Status.CHANGING, c.changing)):
            totals.add_metric([inv, status.value], n)
        yield totals

        for name, doc, value in (
            ("last_run_timestamp_seconds", "When the last run finished (Unix time).",
             self.header.finished_at.timestamp()),
            ("last_run_duration_seconds", "How long the last run took.", self.header.duration),
            ("last_run_success", "1 if the last run's verdict was pass (no failure, no error), else 0.",
             1.0 if self.header.verdict is Verdict.PASS else 0.0),
        ):
            g = GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=["inventory"])
            g.add_metric([inv], value)
            yield g

        if self.per_router:
            per = GaugeMetricFamily(
                f"{PREFIX}_router_results", "Judgements per router in the last run, by status.",
                labels=["inventory", "router", "status"],
            )
            rc = Counter((r.router, r.status) for r in self.results)
            for router in sorted(set(self.header.hosts) | set(self.results.routers())):
                for status in STATUSES:
                    per.add_metric([inv, router, status.value], rc[(router, status)])
            yield per


def render(header: RunHeader, results: Results, *, per_router: bool = False) -> str:
    """The Prometheus text exposition of one run."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_RunCollector(header, results, per_router))
    return generate_latest(registry).decode("utf-8")


def write(path: str | Path, header: RunHeader, results: Results, *, per_router: bool = False) -> Path:
    """Write the metrics file atomically (name it ``*.prom`` for the textfile collector)."""
    return write_atomic(path, render(header, results, per_router=per_router))
