"""The configuration sessions: no trial commit left pending, no stale ``configuration exclusive``.

Both read what VRP shows about *other* sessions' work in progress (VRP8.md 3.2, 3.8):

- ``display configuration trial status``: a ``commit trial`` not yet confirmed.
  The running configuration reverts by itself when its timer ends, silently
  undoing the change, so a pending trial nobody is holding the router for is
  a finding (``no-pending-trial``). A trial under a lock holder (a vrpbook run
  holds ``configuration exclusive`` for its whole run) is a change in progress:
  ``vrpbook check`` reports that router as ``changing`` instead.
- ``display configuration-occupied user``: the session holding ``configuration
  exclusive``. VRP releases the lock at logout or after its idle timeout, so a
  lock held for longer than ``max_age_s`` is a session that forgot to let go
  (``no-stale-config-lock``); a younger one is someone changing the router now
  (``changing``).

**Another session's uncommitted candidate** is not visible on VRP8: candidates
are per session (``display configuration candidate`` shows only the asking
session's own), no display lists them, and VRP drops a candidate with its
session at logout. So no check claims to judge it; what outlives a session (its
trial, its lock) is what these two checks judge.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vrpbook.intent import NetworkIntent
from vrpbook.parsers.config_session import ConfigurationOccupied, LockHolder
from vrpbook.tasks.device_state import describe_holder

from .api import Check, EveryRouter, NoParams, Observations, Read, Verdict
from .reads import LOCK_HOLDERS, TRIAL_STATUS

#: Default ``max_age_s``: a lock held for an hour without a window or run claiming the router.
STALE_LOCK_AFTER_S = 3600


class NoPendingTrial(EveryRouter, Check[NoParams]):
    name = "no-pending-trial"
    description = "no commit trial waiting for confirmation (it would revert the running configuration by itself)"
    params_model = NoParams
    category = "config"

    def reads(self, router: str, net: NetworkIntent, params: NoParams) -> list[Read[Any]]:
        return [TRIAL_STATUS]

    def judge(self, router: str, net: NetworkIntent, params: NoParams, obs: Observations) -> Verdict:
        trial = obs[TRIAL_STATUS]
        observed = {"trial_status": trial.status, "time_left_s": trial.time_left}
        expected = {"trial_status": "INACTIVE"}
        if trial.active:
            return Verdict(False, f"a commit trial is pending: the running configuration reverts in "
                                  f"{trial.time_left} s unless confirmed", observed, expected)
        return Verdict(True, "no commit trial pending", observed, expected)


class LockAge(BaseModel):
    """``max_age_s``: how long a ``configuration exclusive`` may be held before it is stale;
    ``utc_offset`` (``+08:00``): the zone of the router's clock when it prints local times
    without one (default: the controller's local zone — keep routers on NTP)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_age_s: int = Field(default=STALE_LOCK_AFTER_S, ge=1)
    utc_offset: str | None = None

    @field_validator("utc_offset")
    @classmethod
    def _offset(cls, v: str | None) -> str | None:
        if v is not None:
            zone_of(v)
        return v


def zone_of(offset: str) -> timezone:
    """``+08:00`` / ``-03:00`` / ``Z`` as a fixed zone."""
    if offset in ("Z", "UTC", "+00:00", "-00:00"):
        return UTC
    sign, rest = offset[:1], offset[1:]
    hours, sep, minutes = rest.partition(":")
    if sign not in "+-" or not sep or not (hours.isdigit() and minutes.isdigit()) or int(hours) > 14 or int(minutes) > 59:
        raise ValueError(f"not a UTC offset (+HH:MM): {offset!r}")
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(delta if sign == "+" else -delta)


def device_time(printed: str, utc_offset: str | None) -> datetime:
    """A time the router printed (``2013-03-06 21:09:36`` [+08:00]) as an aware datetime."""
    t = datetime.fromisoformat(printed)
    if t.tzinfo is not None:
        return t
    if utc_offset is not None:
        return t.replace(tzinfo=zone_of(utc_offset))
    return t.astimezone()  # naive = the controller's local time


def lock_age_s(holder: LockHolder, params: LockAge, now: datetime | None = None) -> float:
    """Seconds the lock has been held (never negative: a router clock ahead reads as 0)."""
    locked = device_time(holder.locked_time, params.utc_offset)
    return max(0.0, ((now or datetime.now(UTC)) - locked).total_seconds())


def stale_holders(occupied: ConfigurationOccupied, params: LockAge, now: datetime | None = None) -> list[LockHolder]:
    """The lock holders past ``max_age_s``."""
    return [h for h in occupied.holders if lock_age_s(h, params, now) > params.max_age_s]


class NoStaleConfigLock(EveryRouter, Check[LockAge]):
    name = "no-stale-config-lock"
    description = "no session has held configuration exclusive longer than max_age_s"
    params_model = LockAge
    category = "config"

    def reads(self, router: str, net: NetworkIntent, params: LockAge) -> list[Read[Any]]:
        return [LOCK_HOLDERS]

    def judge(self, router: str, net: NetworkIntent, params: LockAge, obs: Observations) -> Verdict:
        occupied = obs[LOCK_HOLDERS]
        now = datetime.now(UTC)
        observed = {"locked": occupied.locked,
                    "holders": [{**h.model_dump(), "held_s": round(lock_age_s(h, params, now))} for h in occupied.holders]}
        expected = {"max_age_s": params.max_age_s}
        stale = stale_holders(occupied, params, now)
        if stale:
            why = "; ".join(f"configuration exclusive held by {describe_holder(h)} "
                            f"({round(lock_age_s(h, params, now))} s, over {params.max_age_s} s)" for h in stale)
            return Verdict(False, f"stale lock: {why}", observed, expected)
        if occupied.locked:
            return Verdict(True, "configuration exclusive held, not stale: "
                                 + "; ".join(describe_holder(h) for h in occupied.holders), observed, expected)
        return Verdict(True, "configuration not locked", observed, expected)
