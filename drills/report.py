"""What a drill did and found: the record (``report.json``, the history) and the operator's view.

Every judgement is a :class:`vrpbook.results.CheckResult` with ``source="drill:<name>"``:
the expectations after the fault and after the restore (each with its measured
time, budget and how it was measured in ``evidence``), the restore itself
(``drill-fault-undone``), the recovery's overall time (``drill-recovered-within``)
and the snapshot comparison (``drill-config-restored``, ``drill-state-restored``).
The health check before the fault is kept apart (``before``): it decides whether
the fault may be injected at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vrpbook import clock
from vrpbook.results import CheckResult, Results, Status

#: Exit codes of ``vrpbook drill`` (as ``vrpbook run``'s): the fault was undone in every case
#: but 3 with ``restore-failed``.
EXIT = {"passed": 0, "failed": 4, "refused": 4, "error": 3, "restore-failed": 3}


@dataclass
class DrillReport:
    run_id: str
    drill: str
    inventory: str
    target: str
    timing: str
    started: str = field(default_factory=lambda: clock.now().isoformat(timespec="seconds"))
    finished: str = ""
    status: str = "running"  # passed | failed | refused | error | restore-failed | interrupted
    exit_code: int = 0
    failure: str | None = None
    fault: dict[str, Any] = field(default_factory=dict)
    restore: dict[str, Any] = field(default_factory=dict)
    recovery: dict[str, Any] = field(default_factory=dict)
    before: list[CheckResult] = field(default_factory=list)
    results: list[CheckResult] = field(default_factory=list)
    snapshot: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    artifacts: str = ""
    journal: str = ""

    def collection(self) -> Results:
        return Results(self.results)

    def phase(self, name: str) -> list[CheckResult]:
        return [r for r in self.results if r.evidence.get("phase") == name]

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "kind": "drill", "drill": self.drill, "inventory": self.inventory, "target": self.target,
            "timing": self.timing, "started": self.started, "finished": self.finished, "status": self.status,
            "exit_code": self.exit_code, "failure": self.failure, "fault": self.fault, "restore": self.restore,
            "recovery": self.recovery, "counts": self.collection().counts().model_dump(),
            "before": [r.model_dump(mode="json") for r in self.before],
            "results": [r.model_dump(mode="json") for r in self.results],
            "snapshot": self.snapshot, "artifacts": self.artifacts, "journal": self.journal,
        }


STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.ERROR: "yellow", Status.CHANGING: "cyan"}
#: Checks whose results are summed up in one line while they pass (the runbook's gates, the snapshot).
SNAPSHOT = ("drill-config-restored", "drill-state-restored")


def _value(v: Any) -> str:
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def _params(r: CheckResult) -> str:
    return " ".join(f"{k}={_value(v)}" for k, v in r.params.items())


def _table() -> Table:
    t = Table(box=None, show_header=True, pad_edge=False, padding=(0, 1))
    t.add_column("", no_wrap=True)
    t.add_column("router", no_wrap=True)
    t.add_column("expectation", overflow="fold")
    t.add_column("measured", justify="right", no_wrap=True)
    t.add_column("budget", justify="right", no_wrap=True)
    t.add_column("detail", overflow="fold")
    return t


def _row(table: Table, r: CheckResult) -> None:
    e = r.evidence
    measured = str(e.get("measured") or "-")
    budget = f"≤ {e['budget_ms']:g} ms" if e.get("budget_ms") is not None else "-"
    detail = r.message if r.status is not Status.PASS else str(e.get("timing") or r.message)
    table.add_row(f"[{STYLE[r.status]}]{r.status.value.upper()}[/]", escape(r.router), escape(f"{r.check} {_params(r)}".strip()),
                  escape(measured), budget, escape(detail))


def _summary(table: Table, rows: list[CheckResult], what: str) -> None:
    """One line for results that all passed (the gates, the snapshot), else one per result."""
    if not rows:
        return
    if all(r.passed for r in rows):
        measured = {str(r.evidence.get("measured")) for r in rows if r.evidence.get("measured")}
        table.add_row(f"[{STYLE[Status.PASS]}]PASS[/]", f"{len({r.router for r in rows})} routers", escape(what),
                      escape(measured.pop() if len(measured) == 1 else "-"), "-", f"{len(rows)} result(s)")
        return
    for r in rows:
        if not r.passed:
            _row(table, r)


def print_report(console: Console, report: DrillReport, runbook: str = "the runbook") -> None:
    """The operator's view: each expectation with its measured time and budget, the restore, the
    recovery, the snapshot comparison, then the verdict."""
    fault = report.phase("fault")
    if fault:
        console.print(f"after the fault ({escape(str(report.fault.get('what', '?')))}):", highlight=False)
        table = _table()
        for r in fault:
            _row(table, r)
        console.print(table)
    recovery = report.phase("recovery")
    if recovery:
        console.print("after the restore:", highlight=False)
        table = _table()
        _summary(table, [r for r in recovery if r.evidence.get("gate")], f"every gate of {runbook}")
        for r in recovery:
            if not r.evidence.get("gate"):
                _row(table, r)
        console.print(table)
    record = report.phase("record")
    if record:
        console.print("the record:", highlight=False)
        table = _table()
        for r in record:
            if r.check not in SNAPSHOT:
                _row(table, r)
        _summary(table, [r for r in record if r.check == SNAPSHOT[0]], "configuration equals the pre-drill snapshot")
        _summary(table, [r for r in record if r.check == SNAPSHOT[1]], "state equals the pre-drill snapshot")
        console.print(table)
    c = report.collection().counts()
    line = (f"drill {report.drill}: {report.status.upper()} (exit {report.exit_code}) — {c.passed} passed, {c.failed} failed, "
            f"{c.errors} could not be checked; timings: {report.timing}")
    style = "green" if report.status == "passed" else "red"
    console.print(f"[{style}]{escape(line)}[/]", highlight=False, soft_wrap=True)
    if report.failure:
        console.print(escape(report.failure), highlight=False, soft_wrap=True)
    if report.artifacts:
        console.print(f"record: {escape(report.artifacts)}", highlight=False, soft_wrap=True)
