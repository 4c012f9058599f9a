"""What ``vrpbook check`` judges: the default catalog derived from the intent, and catalog files.

The **default catalog** has one entry per registered check (vrpbook's and the
``vrpbook.checks`` entry points) that the intent gives something to judge on
at least one router in scope and whose parameters all have defaults. Each
check decides per router whether it applies (``Check.applies``).

A **catalog file** (YAML) adds to it, narrows it or waives parts of it::

    default: true                 # start from the default catalog (default true)
    checks:
      - check: bfd-detect-time    # re-parameterised and narrowed to the PEs
        params: {budget_ms: 300}
        groups: [pe]
        tags: [sla]
      - check: vpn-route-ecmp     # a second instance: only these prefixes
        params: {prefixes: [10.1.1.0/24]}
      - check: saved-equals-running
        hosts: [CE2]
        waive: "CHG-1234: CE2 is saved in the next window"

Rules, in order:

1. A check named by any non-waive entry is **taken over** by the file: its
   default entry is dropped and the file's entries for it are used, so one
   entry narrows or re-parameterises a check and several entries add instances.
2. An entry's routers are ``hosts`` and the members of ``groups`` (both
   inventory names), or every router when it names neither; always within
   ``--hosts``. Within those, the check judges the routers it applies to; an
   entry that leaves it none is an ``error`` ("nothing to judge"), not a pass.
3. A ``waive:`` entry (a reason is required; no ``params``) removes the check
   from those routers, whatever entry brought it. Waived pairs are not run:
   they are listed with their reason in the terminal summary and the JSON
   report, and never counted as passes.

A malformed file is one line naming the file and the field
(``catalog.yaml: checks[1].params.budget_ms: Input should be …``), exit 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from nornir.core import Nornir
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vrpbook.checks.api import Check
from vrpbook.errors import UsageError
from vrpbook.intent import NetworkIntent
from vrpbook.results import params_key


class CatalogError(UsageError):
    """A catalog file that cannot be used; one line naming the file and the field (exit 2)."""


@dataclass(frozen=True)
class Entry:
    """One check to run: its parameters (validated), the routers in its scope, its tags."""

    check: Check[Any]
    params: BaseModel
    routers: tuple[str, ...]
    tags: tuple[str, ...]
    source: str  # "default" or "FILE: checks[N]"
    explicit: bool = False  # named routers/groups: a scope with nothing to judge is an error

    @property
    def name(self) -> str:
        return self.check.name

    def targets(self, net: NetworkIntent) -> list[str]:
        """The routers of the scope this check judges."""
        return self.check.targets(list(self.routers), net, self.params)


@dataclass(frozen=True)
class Waiver:
    """A check not run on some routers, and why."""

    check: str
    routers: tuple[str, ...]
    reason: str
    source: str


@dataclass
class Catalog:
    """The entries to run and the waivers, with what the catalog is called in reports."""

    entries: list[Entry]
    waivers: list[Waiver] = field(default_factory=list)
    what: str = "default catalog"


# --- the file's shape ---------------------------------------------------------------------


class _FileEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    hosts: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    waive: str | None = Field(default=None, min_length=1, description="the reason; the check is not run")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: bool = True
    checks: list[_FileEntry] = Field(default_factory=list)


def _loc(parts: Sequence[int | str]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _first_error(path: Path, exc: ValidationError, prefix: Sequence[int | str] = ()) -> CatalogError:
    errors = exc.errors()
    first = errors[0]
    where = _loc([*prefix, *first["loc"]]) or "(top level)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    msg = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
    return CatalogError(f"{path}: {where}: {msg}{more}")


# --- building ----------------------------------------------------------------------------


def default_tags(check: Check[Any]) -> tuple[str, ...]:
    """A check's tags: its category, its domain (the module it lives in), its own tags."""
    domain = type(check).__module__.rsplit(".", 1)[-1]
    return tuple(dict.fromkeys((check.category, domain, *check.tags)))


def _has_defaults(check: Check[Any]) -> bool:
    try:
        check.parse_params({})
    except ValidationError:
        return False
    return True


def default_catalog(checks: Mapping[str, Check[Any]], net: NetworkIntent, routers: Sequence[str]) -> Catalog:
    """One entry per check that applies to some router of *routers* and needs no parameters."""
    entries = [
        Entry(check=c, params=c.parse_params({}), routers=tuple(routers), tags=default_tags(c), source="default")
        for c in checks.values()
        if _has_defaults(c) and c.targets(list(routers), net)
    ]
    return Catalog(entries)


def load_catalog(
    path: str | Path,
    checks: Mapping[str, Check[Any]],
    net: NetworkIntent,
    nr: Nornir,
    routers: Sequence[str],
) -> Catalog:
    """Read a catalog file over the default catalog (module docstring); any fault is one line."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{p}: cannot read the catalog: {exc.strerror or exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise CatalogError(f"{p}: {line}not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{p}: not valid YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise CatalogError(f"{p}: (top level): expected a mapping with 'checks', got {type(raw).__name__}")
    try:
        spec = _File.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(p, exc) from None

    scope = list(routers)
    groups = set(nr.inventory.groups)
    hosts = nr.inventory.hosts
    base = default_catalog(checks, net, scope) if spec.default else Catalog([])
    owned = {e.check for e in spec.checks if e.waive is None}
    entries = [e for e in base.entries if e.name not in owned]
    waivers: list[Waiver] = []
    seen: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for i, fe in enumerate(spec.checks):
        where = f"checks[{i}]"
        check = checks.get(fe.check)
        if check is None:
            raise CatalogError(f"{p}: {where}.check: unknown check {fe.check!r} (known: {', '.join(sorted(checks))})")
        for j, host in enumerate(fe.hosts):
            if host not in hosts:
                raise CatalogError(f"{p}: {where}.hosts[{j}]: unknown host {host!r} (not in the inventory)")
        for j, group in enumerate(fe.groups):
            if group not in groups:
                raise CatalogError(f"{p}: {where}.groups[{j}]: unknown group {group!r} (not in the inventory)")
        named = bool(fe.hosts or fe.groups)
        members = [r for r in scope if not named or r in fe.hosts
                   or any(hosts[r].has_parent_group(g) for g in fe.groups)]
        source = f"{p}: {where}"
        if fe.waive is not None:
            if fe.params:
                raise CatalogError(f"{p}: {where}.params: a waiver takes no params (it waives the check on its routers)")
            waivers.append(Waiver(check.name, tuple(members), fe.waive, source))
            continue
        try:
            params = check.parse_params(fe.params)
        except ValidationError as exc:
            raise _first_error(p, exc, (where, "params")) from None
        key = (check.name, params_key(params.model_dump(mode="json")))
        if key in seen and seen[key][1] & set(members):
            first, overlap = seen[key][0], sorted(seen[key][1] & set(members))
            raise CatalogError(f"{p}: {where}: same check and params as checks[{first}] on {', '.join(overlap)}")
        seen.setdefault(key, (i, set()))[1].update(members)
        tags = tuple(dict.fromkeys((*default_tags(check), *fe.tags)))
        entries.append(Entry(check, params, tuple(members), tags, source, explicit=named))
    waived: dict[str, set[str]] = {}
    for w in waivers:
        waived.setdefault(w.check, set()).update(w.routers)
    narrowed = []
    for e in entries:
        left = tuple(r for r in e.routers if r not in waived.get(e.name, set()))
        if left:
            narrowed.append(Entry(e.check, e.params, left, e.tags, e.source, e.explicit))
    return Catalog(narrowed, waivers, what=f"catalog {p}")
