"""The one result model: every gate, check, drill expectation and rehearsal verdict.

A result is keyed by ``(router, check, params)``: the router judged, the name of
the check, and the parameters it was judged with. Runs (stage gates), ``check``
(compliance), drills and rehearsals all produce :class:`CheckResult` records, and
every reporter (terminal, ``report.json``, JUnit, HTML, Prometheus metrics, the
history database) reads only this model — never the engine's internals.

Status is one of four, and never defaults to a pass:

``pass``      the check read the router and what it saw matches what was expected;
``fail``      the check read the router and what it saw does not match;
``error``     the check could not judge (unreachable, auth, host key, a display that
              did not parse, a timeout): "could not check", never a pass;
``changing``  the router is held by an active run or change window (its lock), so a
              compliance verdict would be meaningless; reported, not judged.

Every result carries its evidence: what was observed (parsed values, not raw
text) and what was expected, so a failure says what the router reported.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vrpbook import clock


class Status(StrEnum):
    """Outcome of one (router, check, params) judgement."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    CHANGING = "changing"

    def __str__(self) -> str:
        return self.value


#: Order used to list results "failures first" (reporters) and to pick the worst.
SEVERITY: dict[Status, int] = {Status.FAIL: 0, Status.ERROR: 1, Status.CHANGING: 2, Status.PASS: 3}


def now() -> datetime:
    """The time results are stamped with (UTC, timezone-aware)."""
    return clock.now()


def params_key(params: Mapping[str, Any]) -> str:
    """Canonical text of a check's parameters: sorted-key JSON, ``{}`` when none.

    Two judgements with the same parameters get the same key whatever the order
    the parameters were written in, so history and JUnit names stay stable
    across runs.

    >>> params_key({"b": 1, "a": [2]})
    '{"a":[2],"b":1}'
    >>> params_key({})
    '{}'
    """
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


class CheckResult(BaseModel):
    """One judgement of one check on one router, with its evidence.

    ``observed`` and ``expected`` are JSON-able values (parsed model dumps,
    lists of peers, route rows...). ``message`` is one line a person can read:
    for a failure, what was seen against what was intended.
    ``source`` says what produced it: ``run:<run-id>/<stage>``, ``check``,
    ``drill:<name>``, ``rehearse:<id>``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    router: str
    check: str
    params: dict[str, Any] = Field(default_factory=dict)
    status: Status
    message: str
    observed: Any = None
    expected: Any = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    source: str = ""
    started_at: datetime = Field(default_factory=now)
    finished_at: datetime = Field(default_factory=now)
    polls: int = 1
    tags: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        """``(router, check, params_key)``: the identity of this judgement across runs."""
        return (self.router, self.check, params_key(self.params))

    @property
    def name(self) -> str:
        """A unique, stable, human-readable name: ``PE1 · bfd-sessions-up`` plus a short
        parameter digest when there are parameters (JUnit test-case names)."""
        if not self.params:
            return f"{self.router} · {self.check}"
        digest = hashlib.sha1(params_key(self.params).encode()).hexdigest()[:8]
        return f"{self.router} · {self.check} [{digest}]"

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    @property
    def elapsed(self) -> float:
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


class Counts(BaseModel):
    """How many results of each status; reports always carry every count."""

    model_config = ConfigDict(frozen=True)

    passed: int = 0
    failed: int = 0
    errors: int = 0
    changing: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.changing


class Results:
    """An ordered collection of :class:`CheckResult` with the queries reporters need.

    Adding a result whose key is already present replaces it (a re-run of a
    shard, a gate polled again): keys are unique.
    """

    def __init__(self, results: Iterable[CheckResult] = ()) -> None:
        self._by_key: dict[tuple[str, str, str], CheckResult] = {}
        for r in results:
            self.add(r)

    def add(self, result: CheckResult) -> None:
        self._by_key[result.key] = result

    def extend(self, results: Iterable[CheckResult]) -> None:
        for r in results:
            self.add(r)

    def __iter__(self) -> Iterator[CheckResult]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def counts(self) -> Counts:
        c = Counter(r.status for r in self)
        return Counts(
            passed=c[Status.PASS], failed=c[Status.FAIL], errors=c[Status.ERROR], changing=c[Status.CHANGING]
        )

    def routers(self) -> list[str]:
        return sorted({r.router for r in self})

    def for_router(self, router: str) -> list[CheckResult]:
        return [r for r in self if r.router == router]

    def with_status(self, *statuses: Status) -> list[CheckResult]:
        return [r for r in self if r.status in statuses]

    def failures_first(self) -> list[CheckResult]:
        """Failures, then errors, then changing, then passes; each by router and check."""
        return sorted(self, key=lambda r: (SEVERITY[r.status], r.router, r.check, params_key(r.params)))

    def worst(self) -> Status | None:
        """The most severe status present (``None`` when empty)."""
        return min((r.status for r in self), key=SEVERITY.__getitem__, default=None)

    def to_json(self) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json") for r in self]
