"""``vrpbook change plan``: the change file, with each router's own diff.

The diff is the one ``vrpbook plan`` shows and ``vrpbook run`` computes in its
preflight: every stage's commands (templates plus the managed scope's removals
and additions, from the router's running configuration) loaded into the
candidate, the router's ``display configuration candidate changes`` read, the
candidate cleared — nothing committed (:func:`vrpbook.runbooks.runner.plan_with_target`).
Diffs are stored redacted (credentials and VRP cipher text never reach a
file that is mailed around for approval).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from vrpbook import clock
from vrpbook.errors import DeviceError, UsageError
from vrpbook.intent import NetworkIntent
from vrpbook.runbooks.runner import Target, plan_with_target, runbook_sha256
from vrpbook.runbooks.schema import Runbook
from vrpbook.runbooks.window import Window

from .model import ChangeFile, InventoryRef, Policy, RouterPlan, RunbookRef, WindowSpec, diff_sha256, normalise_diff


def intent_sha256(intents: NetworkIntent) -> str:
    """SHA-256 of the whole validated intent (canonical JSON): "the network this change was planned for"."""
    body = {h: i.model_dump(mode="json") for h, i in sorted(intents.items())}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def runbook_ref(rb: Runbook, given: str) -> RunbookRef:
    """What the change file records of its runbook: name, where it was found, its hash."""
    source = str(rb.source.resolve()) if rb.source is not None else given
    return RunbookRef(name=rb.name, source=source, sha256=runbook_sha256(rb))


def plan_change(
    rb: Runbook,
    intents: NetworkIntent,
    target: Target,
    *,
    runbook: RunbookRef,
    window: Window,
    ticket: str,
    requester: str,
    hosts: list[str] | None = None,
    policy: Policy | None = None,
    redact: Callable[[str], str] = lambda s: s,
) -> ChangeFile:
    """Ask every router for its diff and seal the change file (refuses a window already closed)."""
    now = clock.now()
    if now >= window.end:
        raise UsageError(f"the window {window} has already closed (now {now.isoformat(timespec='seconds')})")
    plans = plan_with_target(rb, intents, target, hosts)
    errors = {h: p.error for h, p in plans.items() if p.error}
    if errors:
        raise DeviceError("change not planned: routers could not compute their diff", routers=errors)
    routers: dict[str, RouterPlan] = {}
    for h, p in plans.items():
        diff = normalise_diff(redact(p.diff or "")) if p.changed else ""
        routers[h] = RouterPlan(changes=bool(p.changed), diff=diff, diff_sha256=diff_sha256(diff),
                                notes=[redact(n) for n in p.notes])
    change = ChangeFile(
        ticket=ticket, requester=requester, planned_at=now, window=WindowSpec(start=window.start, end=window.end),
        policy=policy or Policy(), runbook=runbook,
        inventory=InventoryRef(path=str(target.inventory.path.resolve()), intent_sha256=intent_sha256(intents)),
        hosts=sorted(hosts) if hosts else None, routers=routers,
    )
    return change.sealed()


__all__ = ["intent_sha256", "plan_change", "runbook_ref"]
