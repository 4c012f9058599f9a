"""What a run reports: typed results until the edge (CLI, report.json).

Every decision carries its evidence: a stage report holds each router's status
and commit ID, and each gate result holds the parsed values it judged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import IntEnum
from typing import Any, Callable

from .gates import GateResult


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2  # bad arguments, runbook or intent
    DEVICE = 3  # a router could not be read, refused a command, or a display did not parse
    GATE = 4  # a gate failed (the run was rolled back)


Emit = Callable[..., None]
"""The engine's event callback (the CLI's live progress display)."""


def new_run_id(runbook: str) -> str:
    """``20261125T020501Z-bfd-static-vpn-1a2b``: sortable, unique, valid in a VRP label."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{runbook}-{secrets.token_hex(2)}"


@dataclass
class HostStage:
    host: str
    status: str = "pending"  # skipped|unchanged|trial|confirmed|aborted|failed|saved
    commands: int = 0
    commit_id: str | None = None
    diff: str = ""
    error: str | None = None


@dataclass
class StageReport:
    name: str
    index: int
    status: str = "pending"  # passed|failed|skipped
    hosts: dict[str, HostStage] = field(default_factory=dict)
    gates: list[GateResult] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Failure:
    stage: str
    kind: str  # push|commit|gate|read|confirm|save
    host: str | None
    gate: str | None
    message: str
    evidence: Any = None


@dataclass
class RunReport:
    run_id: str
    runbook: str
    started: str
    finished: str = ""
    exit_code: int = 0
    status: str = "running"  # ok|failed|rolled-back|rollback-failed
    stages: list[StageReport] = field(default_factory=list)
    failure: Failure | None = None
    converged_before: list[str] = field(default_factory=list)
    changed_hosts: list[str] = field(default_factory=list)
    rollback: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0



def describe_error(exc: BaseException) -> str:
    """One line for a report: the exception's text with its lines joined (netmiko puts the
    cause on the second line), without netmiko's generic troubleshooting advice."""
    text = str(exc).split("Common causes of this problem")[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    joined = " ".join(lines) or type(exc).__name__
    return joined if len(joined) <= 400 else joined[:397] + "..."
