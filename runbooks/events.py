"""The typed events a run publishes (on :class:`vrpbook.events.EventBus`).

The engine decides; it never draws, writes a file or formats a report. The
live progress display (:mod:`.progress`), the artifacts writer
(:mod:`.artifacts`) and whatever comes next (a run journal, history) subscribe
to these. Each event says what happened to which stage and router, with the
values an observer needs (no untyped keyword bags).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vrpbook.events import Event
from vrpbook.tasks.collect import Observation

if TYPE_CHECKING:
    from .report import Failure, GateOutcome, RunReport, StageReport


@dataclass(frozen=True, kw_only=True)
class StageEvent(Event):
    """Base of events about one stage (``index`` is 1-based, as in ``stages/NN-name``)."""

    stage: str
    index: int

    @property
    def folder(self) -> str:
        return f"stages/{self.index:02d}-{self.stage}"


@dataclass(frozen=True, kw_only=True)
class Rendered(StageEvent):
    host: str
    commands: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PreflightStarted(Event):
    hosts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class HostPrepared(Event):
    """Locked, snapshot and commit list read (before anything changes)."""

    host: str
    config: str
    commit_list: str


@dataclass(frozen=True, kw_only=True)
class PlanComputed(Event):
    """The router's own diff of every stage together (``None``: nothing rendered for it)."""

    host: str
    diff: str | None


@dataclass(frozen=True, kw_only=True)
class PreflightDone(Event):
    converged: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class LockWaiting(Event):
    """The routers are held by another change (history lock table): the run waits for them."""

    holders: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class StageStarted(StageEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class BatchStarted(StageEvent):
    """A canary stage starts its batch ``batch`` of ``of`` on ``hosts`` (``runbooks/rollout.py``)."""

    batch: int
    of: int
    hosts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class BatchTolerated(StageEvent):
    """Routers of a canary batch failed within the stage's failure budget: their trials were aborted."""

    batch: int
    hosts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Pushing(StageEvent):
    hosts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class HostPushed(StageEvent):
    """The stage's lines went into the candidate (or were rejected: ``diff`` is None)."""

    host: str
    transcript: tuple[str, ...]
    diff: str | None


@dataclass(frozen=True, kw_only=True)
class HostCommitted(StageEvent):
    host: str
    commit_id: str
    label: str
    trial_seconds: int
    description: str


@dataclass(frozen=True, kw_only=True)
class HostStatus(StageEvent):
    """A router's status in a stage changed (trial, confirmed, aborted, saved...)."""

    host: str
    status: str


@dataclass(frozen=True, kw_only=True)
class GatePolling(StageEvent):
    gate: str


@dataclass(frozen=True, kw_only=True)
class GateDone(StageEvent):
    """A gate reached its verdict; ``observed`` is the last observation of each router it read."""

    outcome: GateOutcome
    observed: dict[str, dict[str, Observation]]


@dataclass(frozen=True, kw_only=True)
class HostSaved(StageEvent):
    host: str
    output: str


@dataclass(frozen=True, kw_only=True)
class StageFinished(StageEvent):
    report: StageReport


@dataclass(frozen=True, kw_only=True)
class RunFailed(Event):
    failure: Failure


@dataclass(frozen=True, kw_only=True)
class RollbackStarted(Event):
    hosts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RollbackDone(Event):
    rolled_back: tuple[str, ...]
    verified: tuple[str, ...]
    errors: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class StateObserved(Event):
    """Protocol state before (``pre``) or after (``post``) the run, as the gates read it."""

    host: str
    tag: str
    observation: Observation


@dataclass(frozen=True, kw_only=True)
class ConfigAfter(Event):
    host: str
    config: str


@dataclass(frozen=True, kw_only=True)
class Transcript(Event):
    host: str
    lines: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RunStarted(Event):
    """The run began: ``report.json`` exists from here on (status ``running``), so a controller
    killed at any later instant leaves a record that says so."""

    report: RunReport


@dataclass(frozen=True, kw_only=True)
class RunFinished(Event):
    report: RunReport
