"""One twin router's device state: running config, commit history, lock, trial, save.

Why separate from the CLI: several SSH sessions share one router. Sessions
own their candidate and view; the router owns what they share and what must
survive them (running configuration, commit points, the exclusive lock, the
trial timer, the saved configuration on disk). Every method runs on the lab's
event-loop thread, so no locking is needed here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config.model import RouterConfig
from .config.render import render_body, render_header
from .config.validate import CommitError, validate_commit, validate_config

log = logging.getLogger(__name__)

FIRST_COMMIT_ID = 1000000001
MAX_COMMIT_POINTS = 50  # NE40E keeps 50 (VRP8.md 3.5)
MAX_VTY = 21  # "The max number of VTY users is 21" (VRP8.md 1)
SOFTWARE_VERSION = "V800R012C10"  # the NE40E release of the reference documentation
SAVED_CONFIG_NAME = "vrpcfg.cfg"
HOST_KEY_NAME = "ssh_host_ed25519_key"


def timestamp(t: float) -> str:
    """VRP's commit-list time format (``2012-07-03 20:20:40``), local time."""
    return dt.datetime.fromtimestamp(t, dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def timestamp_tz(t: float) -> str:
    """VRP8's header time format with offset (``2018-02-24 09:19:01+00:00``)."""
    return dt.datetime.fromtimestamp(t).astimezone().isoformat(sep=" ", timespec="seconds")


@dataclass
class CommitPoint:
    """One entry of ``display configuration commit list``, with both configs so
    rollback restores exactly and ``commit changes`` can diff."""

    commit_id: int
    label: str | None
    user: str
    user_intf: str
    type: str  # CLI / ROLLBACK / SYSTEM
    time: float
    description: str
    before: RouterConfig
    after: RouterConfig


@dataclass
class Trial:
    session_id: int
    point: CommitPoint
    deadline: float
    handle: asyncio.TimerHandle | None = None


@dataclass
class Router:
    """Device state of one router (keyed by its topology name, never its sysname)."""

    name: str
    model: str
    physical_interfaces: list[str]
    running: RouterConfig
    notify: Callable[[str], None] = lambda router: None
    state_dir: Path | None = None
    trial_time_scale: float = 1.0
    clock: Callable[[], float] = field(default=__import__("time").time)
    history: list[CommitPoint] = field(default_factory=list)  # newest first
    next_commit_id: int = FIRST_COMMIT_ID
    lock_holder: int | None = None
    trial: Trial | None = None
    vty_in_use: dict[int, int] = field(default_factory=dict)  # session id -> VTY index
    sessions: dict[int, Any] = field(default_factory=dict)  # session id -> CliSession
    next_session_id: int = 1
    boot_time: float = 0.0
    last_change: float = 0.0
    saved_text: str | None = None

    # ------------------------------------------------------------ sessions

    def open_session(self) -> tuple[int, int]:
        """Allocate a session id and the lowest free VTY index."""
        sid = self.next_session_id
        self.next_session_id += 1
        used = set(self.vty_in_use.values())
        vty = next(i for i in range(MAX_VTY + 1) if i not in used)
        self.vty_in_use[sid] = vty
        return sid, vty

    def close_session(self, sid: int) -> None:
        """Logout: frees the VTY and releases the exclusive lock (VRP8.md 3.8)."""
        self.vty_in_use.pop(sid, None)
        self.sessions.pop(sid, None)
        if self.lock_holder == sid:
            self.lock_holder = None

    def drop_sessions(self) -> int:
        """Cut every SSH session of this router (fault injection: a lost line, a router-side
        kill). Each session then logs out as on any disconnect (its lock is released; a
        pending trial keeps running). Returns how many sessions were cut."""
        cut = 0
        for session in list(self.sessions.values()):
            hangup = getattr(session, "hangup", None)
            if hangup is not None:
                hangup()
                cut += 1
        return cut

    @property
    def users_online(self) -> int:
        return len(self.vty_in_use)

    # ------------------------------------------------------------ commit

    def check_lock(self, sid: int) -> None:
        if self.lock_holder is not None and self.lock_holder != sid:
            raise CommitError(f"Error: The configuration is locked by other user. [Session ID = {self.lock_holder}]")

    def commit(
        self,
        new: RouterConfig,
        *,
        user: str,
        user_intf: str,
        sid: int | None,
        label: str | None = None,
        description: str = "",
        kind: str = "CLI",
    ) -> CommitPoint | None:
        """Validate *new*, make it running and record a commit point.

        Returns None when *new* equals running (nothing to commit: no point)."""
        if sid is not None:
            self.check_lock(sid)
        if kind == "ROLLBACK":
            validate_config(new)  # restores a committed configuration: no transition rules
        else:
            validate_commit(self.running, new)
        if label is not None and self.labelled(label) is not None:
            raise CommitError(f"Error: The label {label} already exists.")  # twin's choice text
        if new == self.running and kind == "CLI":
            return None
        point = CommitPoint(
            commit_id=self.next_commit_id,
            label=label,
            user=user,
            user_intf=user_intf,
            type=kind,
            time=self.clock(),
            description=description,
            before=self.running,
            after=new.clone(),
        )
        self.next_commit_id += 1
        self.history.insert(0, point)
        del self.history[MAX_COMMIT_POINTS:]
        self.running = point.after
        self.last_change = point.time
        try:
            self.notify(self.name)
        except Exception:  # the network side must not break the device's commit
            log.exception("network.config_changed(%s) failed", self.name)
        return point

    def point(self, commit_id: int) -> CommitPoint | None:
        return next((p for p in self.history if p.commit_id == commit_id), None)

    def labelled(self, label: str) -> CommitPoint | None:
        return next((p for p in self.history if p.label == label), None)

    # ------------------------------------------------------------ trial

    def start_trial(self, sid: int, point: CommitPoint, seconds: int) -> None:
        self.cancel_trial()
        delay = seconds * self.trial_time_scale
        trial = Trial(sid, point, self.clock() + delay)
        loop = asyncio.get_running_loop()
        trial.handle = loop.call_later(delay, self.expire_trial)
        self.trial = trial

    def cancel_trial(self) -> None:
        if self.trial and self.trial.handle:
            self.trial.handle.cancel()
        self.trial = None

    def expire_trial(self) -> None:
        """Trial not confirmed in time: revert (twin's choice: silent, recorded as
        a ROLLBACK commit point by SYSTEM, since no public text exists)."""
        trial = self.trial
        if trial is None:
            return
        self.trial = None
        try:
            self.revert_to(trial.point.before, user="SYSTEM", user_intf="-")
        except CommitError as exc:  # never silently: the trial's change stays in force
            log.error("%s: trial %s expired but could not be reverted: %s",
                      self.name, trial.point.commit_id, exc)

    def revert_to(self, target: RouterConfig, *, user: str, user_intf: str) -> CommitPoint | None:
        # commit() stores its own copy of *target* (CommitPoint.after): no clone here.
        return self.commit(target, user=user, user_intf=user_intf, sid=None, kind="ROLLBACK")

    def trial_time_left(self) -> int:
        if self.trial is None:
            return 0
        left = (self.trial.deadline - self.clock()) / (self.trial_time_scale or 1.0)
        return max(0, int(left + 0.999))

    # ------------------------------------------------------------ text

    def config_text(self, cfg: RouterConfig | None = None, header: bool = True) -> list[str]:
        cfg = cfg or self.running
        lines = render_body(cfg)
        if header:
            lines = render_header(SOFTWARE_VERSION, timestamp_tz(self.last_change or self.boot_time)) + lines
        return lines

    def save(self) -> None:
        """``save``: the rendered running configuration becomes the startup one."""
        self.saved_text = "\n".join(self.config_text()) + "\n"
        if self.state_dir is not None:
            path = self.state_dir / SAVED_CONFIG_NAME
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(self.saved_text)
            tmp.replace(path)

    def load_saved_text(self) -> str | None:
        if self.state_dir is None:
            return None
        path = self.state_dir / SAVED_CONFIG_NAME
        return path.read_text() if path.exists() else None
