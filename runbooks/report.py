"""What a run reports: stages, per-router status, gate outcomes built from the result model.

Gates produce one :class:`~vrpbook.results.CheckResult` per router; a
:class:`GateOutcome` groups a gate's results for a stage (it passes when every
router's result passes). ``report.json`` is built by :func:`report_json` from
these and the run's facts, and carries every result with its evidence.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from vrpbook import clock
from vrpbook.errors import ExitCode
from vrpbook.results import CheckResult, Results, Status

__all__ = ["ExitCode", "Failure", "GateOutcome", "HostStage", "RunFacts", "RunReport", "StageReport", "new_run_id", "report_json"]


def new_run_id(runbook: str) -> str:
    """``20261125T020501Z-bfd-static-vpn-1a2b``: sortable, unique, valid in a VRP label."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{runbook}-{secrets.token_hex(2)}"


@dataclass
class HostStage:
    host: str
    status: str = "pending"  # skipped|unchanged|trial|confirmed|aborted|abort-failed|failed|saved
    commands: int = 0
    commit_id: str | None = None
    diff: str = ""
    error: str | None = None


@dataclass
class GateOutcome:
    """One gate of one stage: its per-router results and their verdict together."""

    gate: str
    results: list[CheckResult]
    polls: int = 0
    elapsed: float = 0.0

    @classmethod
    def of(cls, gate: str, results: Sequence[CheckResult]) -> GateOutcome:
        polls = max((r.polls for r in results), default=0)
        elapsed = max((r.elapsed for r in results), default=0.0)
        return cls(gate, list(results), polls, round(elapsed, 3))

    @property
    def status(self) -> str:
        """``error`` if any router could not be checked, else ``fail`` if any failed, else ``pass``."""
        statuses = {r.status for r in self.results}
        if not self.results or Status.ERROR in statuses:
            return Status.ERROR.value
        if statuses != {Status.PASS}:
            return Status.FAIL.value
        return Status.PASS.value

    @property
    def passed(self) -> bool:
        return self.status == Status.PASS.value

    def failing(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is not Status.PASS]

    @property
    def message(self) -> str:
        bad = self.failing()
        if bad:
            return "; ".join(f"{r.router}: {r.message}" for r in bad)
        messages = sorted({r.message for r in self.results})
        return f"{'; '.join(messages)} on {', '.join(r.router for r in self.results)}"

    @property
    def evidence(self) -> dict[str, Any]:
        """What each router showed (``observed``), by router."""
        return {r.router: r.observed for r in self.results}

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": self.gate, "status": self.status, "message": self.message, "polls": self.polls,
            "elapsed": self.elapsed, "results": [r.model_dump(mode="json") for r in self.results],
        }


@dataclass
class StageReport:
    name: str
    index: int
    status: str = "pending"  # passed|failed|skipped
    hosts: dict[str, HostStage] = field(default_factory=dict)
    gates: list[GateOutcome] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Failure:
    """Why the run stopped: where, what kind, and a message per affected router."""

    stage: str
    kind: str  # usage|connect|busy|read|push|commit|gate|confirm|save|interrupted|internal
    host: str | None
    gate: str | None
    message: str
    evidence: Any = None
    routers: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One line per affected router (or the message when no router is named)."""
        if self.routers:
            return [m if m.startswith(f"{r}:") else f"{r}: {m}" for r, m in self.routers.items()]
        return [self.message]


@dataclass
class RunFacts:
    """Who ran what against which network: the record's header (issue 12)."""

    ticket: str | None = None
    operator: str = ""
    inventory: str = ""
    runbook_sha256: str = ""
    vrpbook_version: str = ""
    journal: str | None = None
    artifacts: str = ""
    #: the history lock table's holder words (None: not taken, an in-process --lab run)
    lock_holder: str | None = None
    #: change runs: the window, the change file and its content hash (changes/)
    window: str | None = None
    change_file: str | None = None
    change_sha256: str | None = None


@dataclass
class RunReport:
    run_id: str
    runbook: str
    started: str
    finished: str = ""
    exit_code: int = 0
    status: str = "running"  # running|ok|failed|rolled-back|rollback-failed|interrupted
    stages: list[StageReport] = field(default_factory=list)
    failure: Failure | None = None
    converged_before: list[str] = field(default_factory=list)
    changed_hosts: list[str] = field(default_factory=list)
    rollback: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    facts: RunFacts = field(default_factory=RunFacts)
    #: per router, the state the run left it in: pre-run | post-run | partial | unknown
    end_state: dict[str, str] = field(default_factory=dict)
    #: per router, one line saying how it ended (printed on an interrupted run)
    outcome: dict[str, str] = field(default_factory=dict)
    unsaved_before: list[str] = field(default_factory=list)
    waited: float = 0.0
    #: the post-change proof (vrpbook.snapshots): what differs after the run and why, or None
    proof: dict[str, Any] | None = None
    #: canary stages: per stage, the routers whose failed gates the failure budget absorbed
    tolerated: dict[str, list[str]] = field(default_factory=dict)

    def results(self) -> Results:
        """Every gate result of the run (one per router, gate and parameters)."""
        return Results(r for s in self.stages for g in s.gates for r in g.results)


def report_json(report: RunReport) -> dict[str, Any]:
    """``report.json``: the run's facts plus every result (with its evidence) and the counts."""
    results = report.results()
    return {
        "run_id": report.run_id,
        "runbook": report.runbook,
        **asdict(report.facts),
        "started": report.started,
        "finished": report.finished,
        "exit_code": report.exit_code,
        "status": report.status,
        "seconds": report.seconds,
        "stages": [
            {
                "name": s.name, "index": s.index, "status": s.status, "seconds": s.seconds,
                "hosts": {h: asdict(hs) for h, hs in s.hosts.items()},
                "gates": [g.to_json() for g in s.gates],
            }
            for s in report.stages
        ],
        "failure": asdict(report.failure) if report.failure else None,
        "converged_before": report.converged_before,
        "changed_hosts": report.changed_hosts,
        "rollback": report.rollback,
        "end_state": report.end_state,
        "outcome": report.outcome,
        "unsaved_before": report.unsaved_before,
        "waited_for_routers": report.waited,
        "tolerated_failures": report.tolerated,
        "proof": report.proof,
        "counts": results.counts().model_dump(),
        "results": results.to_json(),
    }
