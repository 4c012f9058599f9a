"""The drill file format (YAML beside the runbooks, ``runbooks/drills/``), validated with pydantic.

A drill is data: one **fault**, the **expectations** the network must meet after it
(typed checks of :mod:`vrpbook.checks` with their parameters, each within a time
budget), the **restore** (implied by the fault: the committed change is undone, the
cable plugged back), and the **recovery**: the runbook's gates pass again, optional
further expectations, and the configuration and state equal the pre-drill snapshot.

```yaml
name: bfd-ce1-pe1
runbook: bfd-static-vpn          # converges a --lab lab first; its gates say "healthy"
fault:
  shutdown: {router: CE1, interface: GigabitEthernet0/1/0}   # or cable: {...} (--lab only)
expect:
  - check: bfd-session-state
    hosts: [PE1]
    params: {session: pe1_to_ce1, state: Down}
    within_ms: 50
recovery:
  gates: true
  within_ms: 10000
  expect: []
  snapshot: true
defaults: {deadline: 10, interval: 0.1}
```

Every error is one line naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vrpbook.checks.registry import all_checks
from vrpbook.errors import RunbookError
from vrpbook.paths import named_yaml
from vrpbook.results import params_key
from vrpbook.validation import error_lines
from vrpbook.vrp import canonical_interface_name

#: Where drills live: ``runbooks/drills/<name with - → _>.yaml``.
DRILLS_DIR = Path(__file__).resolve().parent.parent / "runbooks" / "drills"

Seconds = Annotated[float, Field(gt=0, le=3600)]
Millis = Annotated[float, Field(ge=0, le=3_600_000)]


class DrillError(RunbookError):
    """A drill file that cannot be used (exit 2, one line per problem, naming file and field)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expectation(_Strict):
    """One check the network must pass, on some routers, within a time budget."""

    check: str
    hosts: list[str] = Field(min_length=1)  # routers or groups of the inventory
    params: dict[str, Any] = Field(default_factory=dict)
    #: the budget: from the fault (or the restore) to the state the check saw, in milliseconds
    within_ms: Millis | None = None
    #: seconds to poll over SSH before the expectation fails (default: the drill's)
    deadline: Seconds | None = None

    @field_validator("check")
    @classmethod
    def _known(cls, v: str) -> str:
        checks = all_checks()
        if v not in checks:
            raise ValueError(f"unknown check {v!r}; known: {', '.join(sorted(checks))}")
        return v

    @model_validator(mode="after")
    def _params(self) -> Expectation:
        try:
            all_checks()[self.check].parse_params(self.params)  # the check's own parameter model
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise ValueError(f"params{'.' + where if where else ''}: {first['msg']}") from None
        return self

    def key(self) -> tuple[str, str]:
        return (self.check, params_key(self.params))


class Port(_Strict):
    """A router's port, by inventory name and interface name (canonicalised)."""

    router: str = Field(min_length=1)
    interface: str

    @field_validator("interface")
    @classmethod
    def _canonical(cls, v: str) -> str:
        try:
            return canonical_interface_name(v)
        except ValueError as exc:
            raise ValueError(str(exc)) from exc

    def __str__(self) -> str:
        return f"{self.router} {self.interface}"


class Fault(_Strict):
    """Exactly one of: ``shutdown`` (a committed configuration change on the router: the port is
    shut in a ``commit trial``, so the router reverts it by itself if the drill dies), ``cable``
    (the cable at that port pulled: only on a lab in this process)."""

    shutdown: Port | None = None
    cable: Port | None = None

    @model_validator(mode="after")
    def _one(self) -> Fault:
        if (self.shutdown is None) == (self.cable is None):
            raise ValueError("give exactly one fault: shutdown or cable")
        return self

    @property
    def port(self) -> Port:
        port = self.shutdown or self.cable
        assert port is not None
        return port

    @property
    def kind(self) -> str:
        return "shutdown" if self.shutdown is not None else "cable"

    def describe(self) -> str:
        return f"{self.port.router} {self.port.interface} shut down" if self.shutdown else f"cable at {self.port} pulled"


class Recovery(_Strict):
    """After the restore: every gate of the runbook passes again (``gates``), the further
    expectations, and (``snapshot``) each router's configuration and state equal the pre-drill
    snapshot; ``within_ms``: the budget for the whole recovery, from the restore."""

    gates: bool = True
    within_ms: Millis | None = None
    expect: list[Expectation] = Field(default_factory=list)
    snapshot: bool = True


class Defaults(_Strict):
    deadline: Seconds = 10.0  # s an expectation may poll before it fails
    interval: Annotated[float, Field(ge=0.01, le=60)] = 0.1  # s between polls
    #: seconds added to the longest deadline for the fault's trial commit: if the drill dies, the
    #: router reverts the fault by itself at the latest this long after the expectations' deadlines
    trial_margin: Annotated[int, Field(ge=30, le=3600)] = 60


class Drill(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9\-]{0,60}$")]
    description: str = ""
    runbook: str = Field(min_length=1)
    fault: Fault
    expect: list[Expectation] = Field(min_length=1)
    recovery: Recovery = Field(default_factory=Recovery)
    defaults: Defaults = Field(default_factory=Defaults)

    # filled by load_drill: where the file was
    source: Path | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Drill:
        # A result is keyed by (router, check, params): an expectation of the fault and one of
        # the recovery with the same check and parameters would be one result.
        keys = [e.key() for e in (*self.expect, *self.recovery.expect)]
        dup = sorted({k[0] for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"the same check with the same params appears twice: {dup} (a result is keyed by router, check, params)")
        return self

    def deadline(self, e: Expectation) -> float:
        return e.deadline or self.defaults.deadline

    def trial_seconds(self) -> int:
        """The fault's trial time: long enough for every expectation, the restore and the margin
        (``commit trial`` takes 60-65535 s)."""
        longest = max([self.deadline(e) for e in self.expect] + [0.0])
        return int(min(65535, max(60, longest + self.defaults.trial_margin)))


def drill_path(name_or_path: str) -> Path:
    """``bfd-ce1-pe1`` → ``runbooks/drills/bfd_ce1_pe1.yaml``; a path is taken as is."""
    return named_yaml(name_or_path, DRILLS_DIR, "drill", DrillError)


def load_drill(name_or_path: str) -> Drill:
    path = drill_path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise DrillError(f"{path}: cannot read drill: {exc}") from exc
    if not isinstance(raw, dict):
        raise DrillError(f"{path}: expected a mapping")
    try:
        drill = Drill.model_validate(raw)
    except ValidationError as exc:
        raise DrillError("\n".join(error_lines(path, exc))) from None
    return drill.model_copy(update={"source": path})
