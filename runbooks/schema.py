"""The runbook file format (YAML), validated with pydantic.

A runbook is an ordered list of stages. A stage either pushes configuration
(``action: push``: templates rendered per host, committed in trial mode, gated,
then confirmed) or saves it (``action: save``: ``save`` on every router whose
saved configuration differs from its running one). Stage order is the only serialisation; within a stage every router
is worked on at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator, model_validator

from vrpbook.checks.registry import CHECKS
from vrpbook.errors import RunbookError
from vrpbook.paths import named_yaml
from vrpbook.validation import Loc, error_lines


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Seconds = Annotated[float, Field(gt=0, le=3600)]
OnFailure = Literal["rollback-run", "rollback-stage"]


class GateSpec(_Strict):
    """One named check after a stage: which routers, its parameters, how long it may poll."""

    check: str
    hosts: list[str] | None = None  # groups or host names; default: the stage's hosts
    params: dict[str, Any] = Field(default_factory=dict)
    deadline: Seconds | None = None
    interval: Seconds | None = None

    @field_validator("check")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in CHECKS:
            raise ValueError(f"unknown gate {v!r}; known: {', '.join(sorted(CHECKS))}")
        return v

    @model_validator(mode="after")
    def _params(self) -> GateSpec:
        CHECKS[self.check].parse_params(self.params)  # the check's own parameter model
        return self


class Rollout(_Strict):
    """A canary rollout for a stage whose routers change independently (the same lines on many
    CEs): its routers are pushed, committed in trial and gated batch by batch (``runbooks/rollout.py``).

    ``batches``: sizes in order — a count (``1``), a share of the stage's routers (``"25%"``,
    rounded up), or ``rest`` (every router left; last only). After the listed batches the last
    size repeats until every router is done. ``max_failures``: how many routers may fail their
    gates over the whole stage (their trial is aborted, the others go on); one more stops the
    run, and it is undone per the stage's ``on_failure``."""

    batches: list[StrictInt | StrictStr] = Field(min_length=1)
    max_failures: Annotated[int, Field(ge=0)] = 0

    @field_validator("batches")
    @classmethod
    def _sizes(cls, v: list[int | str]) -> list[int | str]:
        for n, size in enumerate(v):
            where = f"batch {n + 1}"
            if isinstance(size, int):
                if size < 1:
                    raise ValueError(f"{where}: a batch holds at least 1 router, not {size}")
            elif size == "rest":
                if n != len(v) - 1:
                    raise ValueError(f"{where}: 'rest' (every router left) can only be the last batch")
            else:
                m = re.fullmatch(r"(\d+(?:\.\d+)?)%", size)
                if m is None or not 0 < float(m.group(1)) <= 100:
                    raise ValueError(f"{where}: {size!r} is not a count, a share such as '25%' (0-100%], or 'rest'")
        return v


class Stage(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9\-]{0,40}$")]
    description: str = ""
    action: Literal["push", "save"] = "push"
    hosts: list[str] = Field(default_factory=lambda: ["all"])
    templates: list[str] = Field(default_factory=list)
    gates: list[GateSpec] = Field(default_factory=list)
    on_failure: OnFailure | None = None
    rollout: Rollout | None = None

    @model_validator(mode="after")
    def _shape(self) -> Stage:
        if self.action == "push" and not self.templates:
            raise ValueError("a push stage needs templates")
        if self.action == "push" and not self.gates:
            # Fail closed: a stage is confirmed only on what its gates saw, so a
            # stage without a gate would be committed with nothing checked.
            raise ValueError("a push stage needs at least one gate (its trial commit is confirmed only when they pass)")
        if self.action == "save" and (self.templates or self.gates):
            raise ValueError("a save stage takes no templates or gates")
        if self.rollout is not None:
            if self.action != "push":
                raise ValueError("rollout: only a push stage is rolled out in batches")
            scoped = [g.check for g in self.gates if g.hosts is not None]
            if scoped:
                # Each batch is gated on its own routers: a gate with its own routers could judge
                # routers no batch has changed yet, or never judge a batch at all.
                raise ValueError(f"rollout: the gates of a canary stage judge each batch's routers; remove 'hosts' "
                                 f"from gate(s) {', '.join(scoped)}")
        return self


class Defaults(_Strict):
    gate_deadline: Seconds = 60
    gate_interval: Seconds = 0.5
    on_failure: OnFailure = "rollback-run"
    trial_seconds: Annotated[int, Field(ge=60, le=65535)] | None = None
    #: seconds a trial must still have (the router's count) for vrpbook to confirm it
    confirm_margin: Annotated[int, Field(ge=1, le=600)] = 10
    #: seconds a rollback and its verification may take: a change window must leave this much
    #: after a stage's gate deadlines, or the stage does not start (runbooks/window.py)
    rollback_seconds: Annotated[float, Field(ge=0, le=3600)] = 60


class Runbook(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9\-]{0,60}$")]
    description: str = ""
    defaults: Defaults = Field(default_factory=Defaults)
    stages: list[Stage] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Runbook:
        names = [s.name for s in self.stages]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"duplicate stage names: {sorted(dup)}")
        return self

    # filled by load_runbook: where the file was, for template lookup
    source: Path | None = None

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise RunbookError(f"runbook {self.name}: no stage {name!r} (stages: {', '.join(s.name for s in self.stages)})")

    def template_dirs(self) -> list[Path]:
        return [self.source.parent / "templates"] if self.source else []


def runbook_path(name_or_path: str) -> Path:
    """``bfd-static-vpn`` → ``runbooks/bfd_static_vpn.yaml``; a path is taken as is."""
    return named_yaml(name_or_path, Path(__file__).resolve().parent, "runbook", RunbookError)


def load_runbook(name_or_path: str) -> Runbook:
    path = runbook_path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise RunbookError(f"{path}: cannot read runbook: {exc}") from exc
    if not isinstance(raw, dict):
        raise RunbookError(f"{path}: expected a mapping")
    try:
        rb = Runbook.model_validate(raw)
    except ValidationError as exc:
        def stage_name(loc: Loc) -> str:
            stages = raw.get("stages")
            if isinstance(stages, list) and loc[:1] == ("stages",) and len(loc) > 1:
                idx = loc[1]
                if isinstance(idx, int) and idx < len(stages) and isinstance(stages[idx], dict):
                    return f" (stage {stages[idx].get('name', '?')!r})"
            return ""

        msgs = error_lines(path, exc, stage_name)
        raise RunbookError("invalid runbook:\n  " + "\n  ".join(msgs)) from None
    return rb.model_copy(update={"source": path})
