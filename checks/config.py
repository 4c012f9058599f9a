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
"""

from __future__ import annotations

from typing import Any

from vrpbook import vrp
from vrpbook.errors import ReadError
from vrpbook.intended import ConfigParseError, SectionDiff, compare, intended_config
from vrpbook.intent import NetworkIntent
from vrpbook.parsers import parse
from vrpbook.parsers.config import ConfigDrift, CurrentConfiguration

from .api import Check, NoParams, Observations, Read, Verdict


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


class ConfigCompliance(Check[NoParams]):
    name = "config-compliance"
    description = "the running configuration holds exactly what the intent renders, in the sections vrpbook manages"
    requires = "an intent"
    params_model = NoParams
    category = "config"

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return True

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


class SavedEqualsRunning(Check[NoParams]):
    name = "saved-equals-running"
    description = "the saved configuration equals the running one (a reload brings back what runs)"
    requires = "nothing (every router)"
    params_model = NoParams
    category = "config"

    def applies(self, router: str, net: NetworkIntent) -> bool:
        return True

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
