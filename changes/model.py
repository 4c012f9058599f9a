"""The change file: one YAML document that *is* the change — what, where, when, who approved.

```yaml
vrpbook_change: 1
ticket: CHG-1234
requester: alice                       # $VRPBOOK_OPERATOR, else the login name; --requester overrides
planned_at: '2026-03-01T18:02:11+00:00'
window: {start: '2026-03-01T22:00:00+01:00', end: '2026-03-02T02:00:00+01:00'}
policy: {approvals_required: 1, self_approval: false}
runbook: {name: bfd-static-vpn, source: /…/runbooks/bfd_static_vpn.yaml, sha256: …}   # file + templates
inventory: {path: /…/inventory/lab, intent_sha256: …}
hosts: null                            # or the routers --hosts named
routers:                               # per router: the diff the router itself computed (redacted)
  PE1: {changes: true, diff: "…", diff_sha256: …, notes: []}   # notes: a pending trial, a lock, unsaved, ...
  CE2: {changes: false, diff: '', diff_sha256: …, notes: []}
content_sha256: …                      # over everything above (not the approvals)
approvals:
- {by: bob, operator: bob, at: '2026-03-01T19:10:00+00:00', content_sha256: …}
```

**Integrity**: ``content_sha256`` is the SHA-256 of the canonical JSON of the
file without ``approvals`` and without itself. Each approval records the hash it
approved. So an edited plan (a window moved, a diff touched, a policy relaxed)
no longer matches its recorded hash — the file is refused until planned again —
and an approval given to other content is void. This is integrity, not
authenticity: names are what people type (and the account they ran from);
signing is out of scope.

Parsing is strict (unknown keys are errors, times must carry a zone); every
error names the file and the field.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from vrpbook.errors import UsageError
from vrpbook.runbooks.window import Window
from vrpbook.validation import error_lines

FORMAT = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WindowSpec(_Strict):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _order(self) -> WindowSpec:
        if self.end <= self.start:
            raise ValueError("the window ends before it starts")
        return self

    def window(self) -> Window:
        return Window(self.start, self.end)


class Policy(_Strict):
    """Who must agree: how many approvals, and whether the requester may give one."""

    approvals_required: Annotated[int, Field(ge=1, le=10)] = 1
    self_approval: bool = False


class RunbookRef(_Strict):
    name: str
    source: str  # the runbook file (absolute path), or a packaged runbook's name
    sha256: str  # runbook file + every template it uses (runbooks/runner.py: runbook_sha256)


class InventoryRef(_Strict):
    path: str
    intent_sha256: str


class RouterPlan(_Strict):
    """What one router computed for the change: its ``display configuration candidate changes``."""

    changes: bool
    diff: str = ""
    diff_sha256: str
    notes: list[str] = Field(default_factory=list)  # what the router was in the middle of when planned


class Approval(_Strict):
    by: str = Field(min_length=1)
    operator: str  # the account the approval was recorded from
    at: AwareDatetime
    content_sha256: str


class ChangeFile(_Strict):
    vrpbook_change: Annotated[int, Field(ge=FORMAT, le=FORMAT)] = FORMAT
    ticket: Annotated[str, Field(min_length=1, max_length=60)]
    requester: Annotated[str, Field(min_length=1)]
    planned_at: AwareDatetime
    window: WindowSpec
    policy: Policy = Field(default_factory=Policy)
    runbook: RunbookRef
    inventory: InventoryRef
    hosts: list[str] | None = None
    routers: dict[str, RouterPlan]
    content_sha256: str = ""
    approvals: list[Approval] = Field(default_factory=list)

    # -- integrity -----------------------------------------------------------------------

    def computed_sha256(self) -> str:
        """SHA-256 of the content: everything but the approvals and this hash itself."""
        body = self.model_dump(mode="json", exclude={"approvals", "content_sha256"})
        return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def sealed(self) -> ChangeFile:
        """This content with its hash recorded (a freshly planned file has no approvals)."""
        return self.model_copy(update={"content_sha256": self.computed_sha256()})

    def edited(self) -> str | None:
        """Why the content no longer matches its recorded hash (one line), or None."""
        actual = self.computed_sha256()
        if actual != self.content_sha256:
            return (f"the change file was edited after it was planned (content hash {actual[:12]}…, recorded "
                    f"{self.content_sha256[:12] or 'none'}…): its approvals are void; plan the change again")
        return None

    # -- approvals -----------------------------------------------------------------------

    def is_self(self, who: str) -> bool:
        return who.strip().casefold() == self.requester.strip().casefold()

    def valid_approvals(self) -> list[Approval]:
        """Approvals of this content, given inside the rules (one per approver)."""
        seen: set[str] = set()
        out: list[Approval] = []
        for a in self.approvals:
            if a.content_sha256 != self.content_sha256 or a.at >= self.window.end:
                continue
            if not self.policy.self_approval and (self.is_self(a.by) or self.is_self(a.operator)):
                continue
            if a.by.casefold() in seen:
                continue
            seen.add(a.by.casefold())
            out.append(a)
        return out

    def void_approvals(self) -> list[tuple[Approval, str]]:
        """Approvals that do not count, and why."""
        valid = {id(a) for a in self.valid_approvals()}
        out = []
        for a in self.approvals:
            if id(a) in valid:
                continue
            if a.content_sha256 != self.content_sha256:
                why = "given to other content (the file changed since)"
            elif a.at >= self.window.end:
                why = "given after the window closed"
            elif not self.policy.self_approval and (self.is_self(a.by) or self.is_self(a.operator)):
                why = "the requester's own"
            else:
                why = "a second approval by the same person"
            out.append((a, why))
        return out

    def missing_approvals(self) -> int:
        return max(0, self.policy.approvals_required - len(self.valid_approvals()))

    def changed_routers(self) -> list[str]:
        return [r for r, p in self.routers.items() if p.changes]


def diff_sha256(diff: str) -> str:
    return hashlib.sha256(diff.encode()).hexdigest()


# --- the YAML file ------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the routers' diffs) as literal blocks, readable in review."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(change: ChangeFile) -> str:
    data = change.model_dump(mode="json")
    # literal blocks cannot carry trailing spaces: a diff is kept exactly as the router printed it,
    # so lines are stripped of trailing blanks when planned (changes/plan.py: normalise_diff)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def save(change: ChangeFile, path: Path) -> None:
    """Write atomically (a reviewer never reads half a file), owner and group readable."""
    path = Path(path)
    text = dump(change)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ChangeFileError(UsageError):
    """A change file that cannot be read (names the file and the field)."""


def load(path: Path) -> ChangeFile:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ChangeFileError(f"{path}: cannot read the change file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ChangeFileError(f"{path}: not YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(raw, dict):
        raise ChangeFileError(f"{path}: a change file is a mapping (vrpbook_change, ticket, window, ...)")
    try:
        return ChangeFile.model_validate(raw)
    except ValidationError as exc:
        raise ChangeFileError("invalid change file:\n  " + "\n  ".join(error_lines(path, exc))) from None


def normalise_diff(diff: str) -> str:
    """A router's diff as the change file keeps it: trailing blanks and empty lines dropped,
    the ``Building configuration`` header kept (it is what the router printed)."""
    lines = [ln.rstrip() for ln in diff.splitlines()]
    return "\n".join(ln for ln in lines if ln) + ("\n" if any(lines) else "")


def significant(diff: str) -> list[str]:
    """The lines that carry the change (marker lines and their context), header dropped:
    what two diffs are compared on."""
    return [ln for ln in normalise_diff(diff).splitlines() if not re.match(r"Building configuration", ln.strip())]


__all__ = ["Approval", "ChangeFile", "ChangeFileError", "InventoryRef", "Policy", "RouterPlan", "RunbookRef", "WindowSpec",
           "diff_sha256", "dump", "load", "normalise_diff", "save", "significant"]
