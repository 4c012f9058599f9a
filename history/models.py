"""What history queries return: typed rows, JSON-able, times in UTC ISO 8601."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from vrpbook.results import Status


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Transition(_Row):
    """One change of one (router, check, params): from the previous state to this one.

    ``at`` is when the new state was first observed; ``previous_seen_at`` the
    last time the previous state was still observed — the change happened in
    between. The first record of a subject has no previous state.
    """

    at: AwareDatetime
    router: str
    check: str
    params: dict[str, Any]
    status: Status
    observed: Any
    expected: Any
    message: str
    run_id: str | None
    previous_status: Status | None
    previous_observed: Any = None
    previous_seen_at: AwareDatetime | None


class StateAt(_Row):
    """The state one (router, check, params) was in at a given time, and since when."""

    router: str
    check: str
    params: dict[str, Any]
    status: Status
    since: AwareDatetime
    observed: Any
    expected: Any
    message: str
    last_seen_at: AwareDatetime


class RunRecord(_Row):
    """A run of check, run, drill, change or rehearse: when, what it found (``finished_at`` None while running)."""

    run_id: str
    kind: str
    what: str
    inventory: str
    started_at: AwareDatetime
    finished_at: AwareDatetime | None
    verdict: str | None
    passed: int | None
    failed: int | None
    errors: int | None
    changing: int | None
    vrpbook_version: str
    ticket: str | None = None  # change runs (and runs given --ticket)
    status: str | None = None  # the run's own word (ok, rolled-back, refused, window-closed, ...)
    exit_code: int | None = None
