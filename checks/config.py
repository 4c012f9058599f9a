"""Configuration: the running configuration holds exactly the intent, and it is saved.

``config-compliance``: within the sections vrpbook manages (``vrpbook.intended``'s
scope), the running configuration holds exactly what the intent renders — the
intended lines it lacks (``missing``) and the lines it has that the intent does not
hold (``unexpected``), per section. An extra ``vpn-target`` or a removed
``mpls ldp`` both show. The intended configuration and the comparison are
``vrpbook.intended``'s (the same the runbook engine plans from); this module only
reads the router and words the verdict.

``saved-equals-running``: ``display saved-configuration`` equals ``display
current-configuration`` once both are normalised (the ``!`` header lines, which
carry times, and trailing blanks dropped), so a reload brings back what runs.

Both read the configurations through ``vrpbook.parsers`` (``CurrentConfiguration``:
a tree of sections, refused when cut before its final ``return`` or carrying a
device error); the saved one through :func:`read_saved`, a typed
:class:`~vrpbook.checks.api.Read` with its own ``reader=`` for the one output the
parser does not take: nothing at all.

``config-lines-present`` (a runbook gate, in ``CHECKS``): lines a stage pushed
that no protocol state reveals. Some lines change nothing a protocol display
shows while the network is healthy: ``track bfd-session`` on a static route
only matters when the BFD session goes down, so a static route that lost its
tracking (a trial the router reverted, a partial commit) still looks installed.
The stage's gates must still see everything the stage changed, so this check
reads the running configuration back and requires each of the stage's rendered
lines that match the gate's patterns to be there, as the router prints it.
Templates of read-back lines therefore use the router's canonical form (full
keywords, masks as the router prints them); a line in another form fails, it
never passes by default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vrpbook import vrp
from vrpbook.errors import ReadError
from vrpbook.intended import ConfigParseError, SectionDiff, compare, intended_config
from vrpbook.intent import NetworkIntent
from vrpbook.parsers import parse
from vrpbook.parsers.config import ConfigDrift, CurrentConfiguration

from .api import Check, EveryRouter, NoParams, Observations, Read, Verdict, verdict


class SavedConfiguration(CurrentConfiguration):
    """``display saved-configuration``; ``present`` False when the router printed nothing."""

    present: bool = True


def read_saved(command: str, text: str) -> SavedConfiguration:
    """The saved configuration through ``vrpbook.parsers`` (fail closed: cut, device error),
    except that an empty output means "nothing saved" — twin's choice: a router that never
    saved prints nothing (no public sample of that output)."""
    if not text.strip():
        return SavedConfiguration(present=False)
    return SavedConfiguration.model_validate(parse(command, text).model_dump())


RUNNING = Read(vrp.CURRENT_CONFIGURATION, CurrentConfiguration)
SAVED = Read(vrp.SAVED_CONFIGURATION, SavedConfiguration, reader=read_saved)


def _items(diff: SectionDiff, intended: list[str]) -> list[str]:
    """What the router has in a section, as compare names it: the intended items it does
    not lack, and the unexpected ones."""
    return [i for i in intended if i not in diff.missing] + list(diff.unexpected)


class ConfigCompliance(EveryRouter, Check[NoParams]):
    name = "config-compliance"
    description = "the running configuration holds exactly what the intent renders, in the sections vrpbook manages"
    requires = "an intent"
    params_model = NoParams
    category = "config"

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [RUNNING]

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        # the display again, as VRP prints it (one blank per level, secrets fingerprinted), for
        # vrpbook.intended, which reads it through the same parser
        running = "\n".join([*obs[RUNNING].lines(), vrp.CONFIG_END])
        intended = intended_config(router, net)
        try:
            diffs = compare(running, intended)
            # every intended item by section: what a configuration with nothing in it lacks
            everything = {d.section: d.missing for d in compare(vrp.CONFIG_END, intended)}
        except ConfigParseError as exc:
            raise ReadError(f"{vrp.CURRENT_CONFIGURATION!r} not read as one configuration: {exc}", router=router) from exc
        # per differing section, the items as compare names them: observed (what the router has)
        # against expected (what the intent renders) — the reports list missing / unexpected
        observed = {d.section: _items(d, everything.get(d.section, [])) for d in diffs}
        expected = {d.section: everything.get(d.section, []) for d in diffs}
        if not diffs:
            return Verdict(True, "the running configuration matches the intent in every managed section", {}, {})
        parts = []
        for d in diffs:
            words = [f"unexpected {u!r}" for u in d.unexpected] + [f"missing {m!r}" for m in d.missing]
            parts.append(f"{d.section}: {', '.join(words)}")
        return Verdict(False, "; ".join(parts), observed, expected)


class SavedEqualsRunning(EveryRouter, Check[NoParams]):
    name = "saved-equals-running"
    description = "the saved configuration equals the running one (a reload brings back what runs)"
    params_model = NoParams
    category = "config"

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [RUNNING, SAVED]

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        running, saved = obs[RUNNING], obs[SAVED]
        if not saved.present:
            return Verdict(False, "nothing saved: a reload would boot without this configuration",
                           {"saved": None}, {"saved": "the running configuration"})
        drift = running.drift(saved)  # level by level; VRP prints both in its own order
        unsaved = [_named(d) for d in drift if d.change == "unexpected"]
        stale = [_named(d) for d in drift if d.change == "missing"]
        if not drift:
            return Verdict(True, "saved configuration equals the running one", {"saved": []}, {"saved": []})
        parts = ([f"running but not saved: {', '.join(unsaved)}"] if unsaved else []) + (
            [f"saved but no longer running: {', '.join(stale)}"] if stale else [])
        # as lists, so the reports show what the saved file lacks ("missing") and what it has
        # that no longer runs ("unexpected")
        return Verdict(False, "; ".join(parts), {"saved": stale}, {"saved": unsaved})


def _named(d: ConfigDrift) -> str:
    """A line with its section: ``interface GigabitEthernet0/1/0 > shutdown``."""
    return " > ".join([*d.path, d.line])


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
    category = "config"
    #: the engine fills ``params.lines`` with the stage's rendered commands
    reads_stage_lines: ClassVar[bool] = True

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return False  # only with the stage's lines: see targets()

    def targets(self, routers: Sequence[str], net: NetworkIntent, params: BaseModel | None = None) -> list[str]:
        if not isinstance(params, ConfigLinesParams):
            return []
        return [r for r in routers if params.expected(r)]

    def reads(self, router: str, net: NetworkIntent, params: ConfigLinesParams) -> list[Read[Any]]:
        return [RUNNING] if params.expected(router) else []

    def judge(self, router: str, net: NetworkIntent, params: ConfigLinesParams, obs: Observations) -> Verdict:
        config = obs[RUNNING]
        expected = params.expected(router)
        present = {ln: config.has_line(ln) for ln in expected}
        missing = [ln for ln, ok in present.items() if not ok]
        failures = [f"not in the running configuration: {ln!r}" for ln in missing]
        return verdict(failures, f"{len(expected)} line(s) read back from the running configuration", present, expected)
