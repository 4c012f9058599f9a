"""The run header every report carries: what was checked, when, for how long, by which vrpbook.

Counts are part of the header and are computed from the results it describes
(:meth:`RunHeader.describe`), so a report can never carry counts that
disagree with its own rows; fail and error counts are always both present.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vrpbook import __version__
from vrpbook.results import Counts, Results

#: What kind of work produced the results (the history database records the same kinds).
RunKind = Literal["check", "run", "drill", "change", "rehearse"]


class Verdict(StrEnum):
    """The one-word outcome of a whole run, from its counts.

    ``fail`` when any check failed; else ``error`` when any could not be
    checked — or when nothing was checked at all (an empty sweep is not a
    compliant network); else ``pass``. ``changing`` results are reported, not
    judged, so they do not spoil a pass.
    """

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value

    @property
    def exit_code(self) -> int:
        """``vrpbook check``'s exit code for this verdict: 0 pass, 1 fail, 2 error."""
        return {Verdict.PASS: 0, Verdict.FAIL: 1, Verdict.ERROR: 2}[self]


def verdict_of(counts: Counts) -> Verdict:
    """The verdict a set of counts earns (see :class:`Verdict`)."""
    if counts.failed:
        return Verdict.FAIL
    if counts.errors or counts.total == 0:
        return Verdict.ERROR
    return Verdict.PASS


def new_run_id(kind: str) -> str:
    """``20261125T020501Z-check-1a2b``: sortable, unique enough for one scheduler."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{kind}-{secrets.token_hex(2)}"


class Waived(BaseModel):
    """A check a catalog waived on some routers: not run, never counted, listed with its reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: str
    routers: tuple[str, ...]
    reason: str


class RunHeader(BaseModel):
    """What a report is about. Build it with :meth:`describe` so the counts are the results'."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    kind: RunKind = "check"
    what: str = Field(description="what was checked, in words: catalog, runbook or drill name")
    inventory: str = Field(description="the inventory the routers came from (as given)")
    hosts: tuple[str, ...] = Field(description="the routers in scope, sorted")
    started_at: AwareDatetime
    finished_at: AwareDatetime
    vrpbook_version: str = __version__
    counts: Counts
    waived: tuple[Waived, ...] = ()

    @classmethod
    def describe(
        cls,
        results: Results,
        *,
        what: str,
        inventory: str,
        started_at: datetime,
        finished_at: datetime,
        kind: RunKind = "check",
        run_id: str | None = None,
        hosts: tuple[str, ...] | list[str] | None = None,
        waived: tuple[Waived, ...] | list[Waived] = (),
    ) -> RunHeader:
        """A header for *results*; *hosts* defaults to the routers the results name."""
        return cls(
            run_id=run_id or new_run_id(kind),
            kind=kind,
            what=what,
            inventory=inventory,
            hosts=tuple(sorted(hosts if hosts is not None else results.routers())),
            started_at=started_at,
            finished_at=finished_at,
            counts=results.counts(),
            waived=tuple(waived),
        )

    @property
    def duration(self) -> float:
        """Seconds from start to finish (never negative)."""
        return max(0.0, (self.finished_at - self.started_at).total_seconds())

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.counts)
