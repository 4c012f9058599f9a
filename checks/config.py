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

Both read whole configuration texts. Those are not tables for
``vrpbook.parsers``: :func:`read_configuration` is their reader (a typed
:class:`~vrpbook.checks.api.Read` with ``reader=``), failing closed on a device
error or a text cut before its final ``return``.
"""

from __future__ import annotations

import difflib
from typing import Any

from vrpbook import vrp
from vrpbook.errors import ReadError
from vrpbook.intended import ConfigParseError, SectionDiff, compare, intended_config
from vrpbook.intent import NetworkIntent
from vrpbook.parsers import ParseError
from vrpbook.parsers.base import ParsedOutput
from vrpbook.parsers.errors import ParseErrorKind

from .api import Check, NoParams, Observations, Read, Verdict


class ConfigurationText(ParsedOutput):
    """A configuration as the router printed it (``present`` False: the router printed nothing)."""

    text: str
    present: bool = True

    def normalised(self) -> list[str]:
        """Its lines without the ``!`` header lines, trailing blanks and blank lines."""
        return [ln.rstrip() for ln in self.text.splitlines() if ln.strip() and not ln.startswith("!")]


def read_configuration(command: str, text: str, *, empty_ok: bool = False) -> ConfigurationText:
    """A whole configuration display, trusted only if it ends with ``return`` and carries no
    device error (``empty_ok``: an empty output means "none", as for a never-saved router)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for no, line in enumerate(lines, 1):
        if vrp.ERROR_LINE.match(line):
            raise ParseError(f"device error: {line.strip()}", command=command, kind=ParseErrorKind.DEVICE_ERROR,
                             line_no=no, line=line)
    body = [ln.rstrip() for ln in lines if ln.strip()]
    if not body:
        if empty_ok:
            return ConfigurationText(text="", present=False)
        raise ParseError("empty output", command=command, kind=ParseErrorKind.EMPTY)
    if body[-1].strip() != vrp.CONFIG_END:
        raise ParseError(f"does not end with {vrp.CONFIG_END!r} (truncated)", command=command,
                         kind=ParseErrorKind.STRUCTURE, line=body[-1])
    return ConfigurationText(text="\n".join(lines))


def _read_saved(command: str, text: str) -> ConfigurationText:
    # twin's choice: a router that never saved prints nothing (no public sample of that output)
    return read_configuration(command, text, empty_ok=True)


RUNNING = Read(vrp.CURRENT_CONFIGURATION, ConfigurationText, reader=read_configuration)
SAVED = Read(vrp.SAVED_CONFIGURATION, ConfigurationText, reader=_read_saved)


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
        running = obs[RUNNING]
        intended = intended_config(router, net)
        try:
            diffs = compare(running.text, intended)
            everything = {d.section: d.missing for d in compare("", intended)}  # every intended item, by section
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


def _context(lines: list[str], index: int) -> str:
    """The section a line belongs to: the nearest top-level line at or above it."""
    for ln in reversed(lines[: index + 1]):
        if ln and not ln.startswith(" ") and ln != "#":
            return ln
    return ""


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
        running, saved = obs[RUNNING].normalised(), obs[SAVED]
        if not saved.present:
            return Verdict(False, "nothing saved: a reload would boot without this configuration",
                           {"saved": None}, {"saved": "the running configuration"})
        lines = saved.normalised()
        if lines == running:
            return Verdict(True, "saved configuration equals the running one", {"differences": []}, {"differences": []})
        unsaved: list[str] = []
        stale: list[str] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=lines, b=running, autojunk=False).get_opcodes():
            stale += [_named(lines, i) for i in range(i1, i2)] if op in ("replace", "delete") else []
            unsaved += [_named(running, j) for j in range(j1, j2)] if op in ("replace", "insert") else []
        parts = ([f"running but not saved: {', '.join(unsaved)}"] if unsaved else []) + (
            [f"saved but no longer running: {', '.join(stale)}"] if stale else [])
        # observed / expected as lists: the reports show "missing" (saved lacks) and "unexpected"
        return Verdict(False, "; ".join(parts), {"saved": stale}, {"saved": unsaved})


def _named(lines: list[str], i: int) -> str:
    """A line with its section: ``interface GigabitEthernet0/1/0 > shutdown``."""
    line = lines[i]
    if not line.startswith(" "):
        return line
    return f"{_context(lines, i)} > {line.strip()}"
