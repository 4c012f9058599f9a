"""The change file's rules: who may approve, when a run may start, whether the network drifted.

All pure (the time is given), so every rule is tested without a router:

- :func:`approve`: the content must still match its hash (an edited plan is
  refused: plan again); the window must not have closed; the requester cannot
  approve their own change unless the file's policy says ``self_approval: true``
  — judged on the name given (``--by``) *and* on the account the approval is
  recorded from, so nobody approves their own change under another name; one
  approval per person.
- :func:`refusals`: why a run may not start now — an edited file, outside the
  window (before it opens or after it closes), fewer valid approvals than the
  policy requires (void ones named with the reason), a runbook or an intent
  that is not the one approved (their hashes).
- :func:`drift_check`: the engine's plan check (``runbooks/hooks.py``): under the
  routers' locks, each router's live diff must equal the approved one, else the
  router is named with the difference (a unified diff, approved → live).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from datetime import datetime

from vrpbook.errors import ChangeRefused
from vrpbook.runbooks.hooks import PlanCheck

from .model import Approval, ChangeFile, normalise_diff, significant


def approve(change: ChangeFile, *, by: str, operator: str, now: datetime) -> ChangeFile:
    """*change* with one more approval, or :class:`ChangeRefused` saying why not."""
    edited = change.edited()
    if edited:
        raise ChangeRefused(f"ticket {change.ticket}: not approved: {edited}")
    window = change.window.window()
    if now >= window.end:
        raise ChangeRefused(f"ticket {change.ticket}: not approved: {window.refusal(now)}; an approval must come "
                            "before the window closes")
    if not change.policy.self_approval and (change.is_self(by) or change.is_self(operator)):
        who = by if change.is_self(by) else f"{by} (recorded from {operator}'s account)"
        raise ChangeRefused(f"ticket {change.ticket}: not approved: {who} requested this change and the change's policy "
                            "does not allow self-approval (policy.self_approval: false)")
    if any(a.by.casefold() == by.strip().casefold() and a.content_sha256 == change.content_sha256 for a in change.approvals):
        raise ChangeRefused(f"ticket {change.ticket}: {by} has already approved this change")
    approval = Approval(by=by.strip(), operator=operator, at=now, content_sha256=change.content_sha256)
    return change.model_copy(update={"approvals": [*change.approvals, approval]})


def refusals(change: ChangeFile, now: datetime, *, runbook_sha256: str | None = None, intent_sha256: str | None = None) -> list[str]:
    """Why *change* may not run at *now* (empty: it may); the hashes are those of the runbook
    and intent about to be used (None: not checked)."""
    edited = change.edited()
    if edited:
        return [edited]  # nothing else in the file can be trusted
    out: list[str] = []
    outside = change.window.window().refusal(now)
    if outside:
        out.append(f"outside its window: {outside}")
    missing = change.missing_approvals()
    if missing:
        valid = [a.by for a in change.valid_approvals()]
        void = "; ".join(f"{a.by}'s is void: {why}" for a, why in change.void_approvals())
        out.append(f"{missing} approval(s) missing: {change.policy.approvals_required} required, "
                   f"{len(valid)} valid ({', '.join(valid) or 'none'})" + (f"; {void}" if void else ""))
    if runbook_sha256 is not None and runbook_sha256 != change.runbook.sha256:
        out.append(f"the runbook {change.runbook.name} ({change.runbook.source}) changed since the change was planned "
                   f"(sha256 {runbook_sha256[:12]}…, approved {change.runbook.sha256[:12]}…)")
    if intent_sha256 is not None and intent_sha256 != change.inventory.intent_sha256:
        out.append(f"the intent of {change.inventory.path} changed since the change was planned "
                   f"(sha256 {intent_sha256[:12]}…, approved {change.inventory.intent_sha256[:12]}…)")
    return out


def difference(approved: str, live: str) -> str:
    """The approved diff against the live one, as a unified diff (one line per change, ``|`` joined
    for a one-line message)."""
    lines = difflib.unified_diff(significant(approved), significant(live), "approved", "live", lineterm="", n=0)
    return " | ".join(ln for ln in lines if not ln.startswith("@@"))


def drift_check(change: ChangeFile, redact: Callable[[str], str] = lambda s: s) -> PlanCheck:
    """The engine's plan check for *change*: every router's live diff equals the approved one."""

    def check(live: Mapping[str, str]) -> Mapping[str, str]:
        out: dict[str, str] = {}
        for router in sorted(set(live) | set(change.routers)):
            plan = change.routers.get(router)
            if plan is None:
                out[router] = "not in the approved change: it would be changed without approval"
                continue
            if router not in live:
                continue  # outside this run (the change's --hosts): nothing pushed there
            now = normalise_diff(redact(live[router]))
            if significant(now) != significant(plan.diff):
                what = "would now change" if now and not plan.diff else "would now change nothing" if plan.diff and not now \
                    else "would now change differently"
                out[router] = (f"the network drifted since approval: this router {what} "
                               f"({difference(plan.diff, now)}); plan and approve the change again")
        return out

    return check


__all__ = ["approve", "difference", "drift_check", "refusals"]
