"""The typed check API: what a check reads, which routers it applies to, how it judges one.

A check declares

- its **parameter model** (pydantic; validated when a runbook or a check
  command is loaded, never ``Any`` at the judge),
- the **displays it reads** on a router, each a typed :class:`Read` pairing the
  command with the parser model it returns, so ``observations[read]`` is that
  model (or raises :class:`~vrpbook.errors.ReadError`: "could not check"),
- **which routers** of a scope it applies to, from the intent,
- a **judge** of ONE router that reads typed values and returns a
  :class:`Verdict`: passed or not, one line, what was observed and expected.

:func:`evaluate` turns a verdict into the shared result model
(:class:`~vrpbook.results.CheckResult`), failing closed: a display that could
not be read or parsed is ``error``, never a pass, and a scope with nothing to
judge is ``error`` too (:func:`nothing_to_judge`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from vrpbook.errors import ReadError
from vrpbook.intent import NetworkIntent
from vrpbook.parsers.base import ParsedOutput
from vrpbook.results import CheckResult, Status, now
from vrpbook.tasks.collect import Observation

M = TypeVar("M", bound=ParsedOutput)
P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class Read(Generic[M]):
    """A display command and the parser model its output is read into.

    ``reader`` (``(command, text) -> model``, raising ``ParseError`` on anything it does not
    trust) replaces :func:`vrpbook.parsers.parse` for a display whose model is not a parser
    table: the configuration texts the configuration checks compare (``checks/config.py``)."""

    command: str
    model: type[M]
    reader: Callable[[str, str], M] | None = field(default=None, compare=False)


class Observations:
    """What was read on one router, by command; indexed by :class:`Read` for typed access."""

    def __init__(self, router: str, by_command: Mapping[str, Observation]) -> None:
        self.router = router
        self._by_command = by_command

    def __getitem__(self, read: Read[M]) -> M:
        obs = self._by_command.get(read.command)
        if obs is None:
            raise ReadError(f"{read.command!r} was not collected", router=self.router)
        if obs.error:
            raise ReadError(f"{read.command!r}: {obs.error}", router=self.router)
        if not isinstance(obs.parsed, read.model):
            got = type(obs.parsed).__name__
            raise ReadError(f"{read.command!r} parsed as {got}, not {read.model.__name__}", router=self.router)
        if obs.parsed.incomplete:
            # An excerpt (fewer rows than its own counter, or an elision line) may lack the
            # very row a judge looks for: "could not check", never a fail or a pass on it.
            why = "; ".join(obs.parsed.warnings) or "records left out"
            raise ReadError(f"{read.command!r}: the output lists fewer records than it announces ({why})", router=self.router)
        return obs.parsed


#: Tag of a failing result whose outcome cannot change by waiting: the configuration the
#: check read back contradicts what it expects (polling stops at once; see :mod:`.polling`).
SETTLED = "settled"


@dataclass(frozen=True)
class Verdict:
    """A judge's answer for one router: JSON-able observed/expected values, one line, and any
    further evidence (JSON-able; what the judgement rested on besides the compared values).

    ``settled``: a failure that waiting cannot change (e.g. the VPN instance imports
    targets no exporter exports: the route can never arrive)."""

    passed: bool
    message: str
    observed: Any = None
    expected: Any = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    settled: bool = False


def verdict(failures: Sequence[str], held: str, observed: Any, expected: Any = None, settled: Sequence[str] = ()) -> Verdict:
    """Fail naming every failure (*settled* ones first: they cannot change by waiting), or
    pass saying what held."""
    if settled or failures:
        return Verdict(False, "; ".join([*settled, *failures]), observed, expected, settled=bool(settled))
    return Verdict(True, held, observed, expected)


class NoParams(BaseModel):
    """The parameters of a check that takes none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(Generic[P]):
    """Base of every check. Subclasses set the class attributes and implement the three methods."""

    name: str
    description: str
    #: what a router's intent must have for the check to apply (for "nothing to judge")
    requires: str
    params_model: type[P]
    #: ``state``: protocol state, which may still be settling (``vrpbook check --settle``
    #: re-polls it); ``config``: the configuration, which does not settle by itself.
    category: ClassVar[Literal["state", "config"]] = "state"
    #: labels a catalog can select on and reports carry (``CheckResult.tags``)
    tags: ClassVar[tuple[str, ...]] = ()

    def applies(self, router: str, net: NetworkIntent) -> bool:
        raise NotImplementedError

    def reads(self, router: str, net: NetworkIntent, params: P) -> list[Read[Any]]:
        raise NotImplementedError

    def judge(self, router: str, net: NetworkIntent, params: P, obs: Observations) -> Verdict:
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------

    def parse_params(self, raw: Mapping[str, Any]) -> P:
        """Validate a runbook's ``params:`` against the check's model."""
        return self.params_model.model_validate(dict(raw))

    #: True when the check judges the lines its stage rendered: the runbook engine then
    #: passes them in the parameters (see ``checks/config.py``).
    reads_stage_lines: ClassVar[bool] = False

    def targets(self, routers: Sequence[str], net: NetworkIntent, params: BaseModel | None = None) -> list[str]:
        """The routers of *routers* this check judges (*params*: for checks whose scope
        depends on them; the default asks :meth:`applies`)."""
        return [r for r in routers if self.applies(r, net)]


class EveryRouter:
    """Mixin (listed before :class:`Check`) for a check every router answers: its own state —
    a pending trial, a lock, what it saved, its routing table — needs nothing from the intent."""

    requires = "nothing (every router)"

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return True


def params_dict(params: BaseModel) -> dict[str, Any]:
    """A check's parameters as the result key records them (defaults left out)."""
    return params.model_dump(mode="json", exclude_defaults=True)


def evaluate(
    check: Check[P],
    router: str,
    net: NetworkIntent,
    params: P,
    observed: Mapping[str, Observation],
    *,
    source: str = "",
    started_at: datetime | None = None,
    polls: int = 1,
) -> CheckResult:
    """Judge *router* once. A read failure is ``error``. Any other exception is a bug in the
    check: it propagates (the engine treats it as an internal error), never a pass."""
    try:
        v = check.judge(router, net, params, Observations(router, observed))
    except ReadError as exc:
        return CheckResult(
            router=router, check=check.name, params=params_dict(params), status=Status.ERROR,
            message=exc.message, source=source, started_at=started_at or now(), polls=polls,
        )
    return CheckResult(
        router=router, check=check.name, params=params_dict(params),
        status=Status.PASS if v.passed else Status.FAIL, message=v.message,
        observed=v.observed, expected=v.expected, evidence=dict(v.evidence), source=source,
        started_at=started_at or now(), polls=polls, tags=(SETTLED,) if v.settled and not v.passed else (),
    )


def nothing_to_judge(check: Check[P], routers: Sequence[str], params: P, source: str = "") -> list[CheckResult]:
    """Fail closed when no router in scope has what the check judges: an ``error`` per router."""
    message = f"nothing to judge: no router in scope has {check.requires} in its intent"
    return [
        CheckResult(router=r, check=check.name, params=params_dict(params), status=Status.ERROR, message=message, source=source)
        for r in routers
    ]
