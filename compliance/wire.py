"""What travels through the broker between ``vrpbook check --distributed`` and ``vrpbook worker``.

Both directions are pydantic models sent as JSON (Celery's ``json``
serializer; pickle is never accepted):

- :class:`ShardTask`, coordinator → worker: *where* the inventory and catalog
  are (paths; every worker host holds the same files, e.g. a checkout of one
  repository) and *which* routers — never their content, never a credential.
  Workers read credentials from their own environment or credentials file.
  A :func:`fingerprint` of the plan (each router's intent and the checks,
  parameters and displays planned for it) lets a worker whose copy of the
  inventory or catalog differs refuse its shard instead of judging against
  another intent.
- :class:`ShardReport`, worker → coordinator: per router, the typed
  :class:`~vrpbook.results.CheckResult` records and the holders the device
  showed; the coordinator merges them exactly as a local sweep does
  (:func:`.sweep.merge`). Results are keyed ``(router, check, params)``, so a
  shard run twice (its first worker died) never yields a row twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from vrpbook import __version__
from vrpbook.intent import NetworkIntent
from vrpbook.results import CheckResult, params_key

from .holders import Holder
from .sweep import RouterOutcome, RouterWork, SweepOptions

#: The one task ``vrpbook worker`` runs.
TASK_NAME = "vrpbook.check_shard"


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OptionsDoc(_Wire):
    """A shard's sweep options (the coordinator's ``--max-sessions``, ``--login-rate``, ``--settle``)."""

    max_sessions: int = Field(ge=1)
    login_rate: float = Field(ge=0)
    settle: float = Field(ge=0)
    settle_interval: float = Field(gt=0)

    @classmethod
    def of(cls, options: SweepOptions) -> OptionsDoc:
        return cls(max_sessions=options.max_sessions, login_rate=options.login_rate, settle=options.settle,
                   settle_interval=options.settle_interval)

    def options(self) -> SweepOptions:
        return SweepOptions(max_sessions=self.max_sessions, login_rate=self.login_rate, settle=self.settle,
                            settle_interval=self.settle_interval)


class ShardTask(_Wire):
    """One shard to check: paths, names and numbers only (module docstring)."""

    shard: str = Field(description="the shard's name: its queue and place, e.g. 'mgmt-east 2/3'")
    inventory: str = Field(description="absolute path of the inventory directory on every worker host")
    catalog: str | None = Field(default=None, description="absolute path of the catalog file, if any")
    selectors: list[str] = Field(description="the coordinator's --hosts selectors (the catalog's scope)")
    routers: list[str] = Field(description="the routers this shard checks")
    held: list[str] = Field(default_factory=list,
                            description="routers of the shard held by a run or window (known to the coordinator)")
    options: OptionsDoc
    fingerprint: str = Field(description="sha256 of the plan the coordinator made for these routers")
    vrpbook_version: str = __version__


class OutcomeDoc(_Wire):
    """One router's outcome, as a local sweep has it (:class:`.sweep.RouterOutcome`)."""

    router: str
    results: list[CheckResult]
    holders: list[Holder] = Field(default_factory=list)
    polls: int = 1
    connect_error: str | None = None

    @classmethod
    def of(cls, outcome: RouterOutcome) -> OutcomeDoc:
        return cls(router=outcome.router, results=outcome.results, holders=outcome.holders, polls=outcome.polls,
                   connect_error=outcome.connect_error)

    def outcome(self) -> RouterOutcome:
        return RouterOutcome(self.router, list(self.results), list(self.holders), self.polls, self.connect_error)


class ShardReport(_Wire):
    """What a worker sends back for one shard."""

    shard: str
    worker: str = Field(description="the Celery node name of the worker that checked the shard")
    outcomes: list[OutcomeDoc] = Field(default_factory=list)
    refused: str | None = Field(default=None, description="why the worker did not check the shard (nothing was connected to)")
    elapsed_s: float = 0.0


def intent_digest(net: NetworkIntent) -> str:
    """sha256 of every router's intent (checks compare a router against its neighbours' too)."""
    h = hashlib.sha256()
    for name in net:
        h.update(json.dumps([name, net[name].model_dump(mode="json")], sort_keys=True, default=str).encode())
    return h.hexdigest()


def fingerprint(intent: str, work: Mapping[str, RouterWork], routers: Iterable[str]) -> str:
    """sha256 of what judging *routers* depends on: the network's :func:`intent_digest` and, per
    router, the checks, parameters, tags and displays planned for it."""
    h = hashlib.sha256(intent.encode())
    for router in sorted(routers):
        w = work.get(router)
        planned = [] if w is None else [
            [i.entry.name, params_key(i.entry.params.model_dump(mode="json")), list(i.entry.tags), list(i.commands)]
            for i in w.items
        ]
        h.update(json.dumps([router, planned, [] if w is None else list(w.commands)], sort_keys=True).encode())
    return h.hexdigest()
