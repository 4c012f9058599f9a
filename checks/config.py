"""Configuration read-back: lines a stage pushed that no protocol state reveals.

Some lines change nothing a protocol display shows while the network is
healthy: ``track bfd-session`` on a static route only matters when the BFD
session goes down, so a static route that lost its tracking (a trial the
router reverted, a partial commit) still looks installed. The stage's gates
must still see everything the stage changed, so this check reads the running
configuration back (``display current-configuration``) and requires each of
the stage's rendered lines that match the gate's patterns to be there, as the
router prints it. Templates of read-back lines therefore use the router's
canonical form (full keywords, masks as the router prints them); a line in
another form fails, it never passes by default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vrpbook.intent import NetworkIntent

from .api import Check, Observations, Read, Verdict, verdict
from .reads import CURRENT_CONFIGURATION


class ConfigLinesParams(BaseModel):
    """``match``: regexes; ``lines`` is filled by the runbook engine with the stage's rendered
    lines per router (not written in a runbook, not part of the result key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: list[str] = Field(min_length=1)
    lines: dict[str, tuple[str, ...]] = Field(default_factory=dict, exclude=True)

    @field_validator("match")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {p!r} ({exc})") from exc
        return patterns

    def expected(self, router: str) -> list[str]:
        """The router's rendered lines that must be read back."""
        rx = [re.compile(p) for p in self.match]
        return [ln for ln in self.lines.get(router, ()) if any(r.search(ln) for r in rx)]


class ConfigLinesPresent(Check[ConfigLinesParams]):
    name = "config-lines-present"
    description = "the stage's rendered lines matching the patterns are in the running configuration"
    requires = "a rendered line of this stage matching the gate's patterns"
    params_model = ConfigLinesParams
    #: the engine fills ``params.lines`` with the stage's rendered commands
    reads_stage_lines: ClassVar[bool] = True

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return False  # only with the stage's lines: see targets()

    def targets(self, routers: Sequence[str], net: NetworkIntent, params: BaseModel | None = None) -> list[str]:
        if not isinstance(params, ConfigLinesParams):
            return []
        return [r for r in routers if params.expected(r)]

    def reads(self, router: str, net: NetworkIntent, params: ConfigLinesParams) -> list[Read[Any]]:
        return [CURRENT_CONFIGURATION] if params.expected(router) else []

    def judge(self, router: str, net: NetworkIntent, params: ConfigLinesParams, obs: Observations) -> Verdict:
        config = obs[CURRENT_CONFIGURATION]
        expected = params.expected(router)
        present = {ln: config.has_line(ln) for ln in expected}
        missing = [ln for ln, ok in present.items() if not ok]
        failures = [f"not in the running configuration: {ln!r}" for ln in missing]
        return verdict(failures, f"{len(expected)} line(s) read back from the running configuration", present, expected)
