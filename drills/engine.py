"""The drill engine: health check, snapshot, fault, expectations, restore, recovery, record.

1. **Lock and register**: every router of the drill held in the history database's lock
   table (:mod:`vrpbook.runbooks.locking`; not for a lab in this process, as for a run), a
   change window checked (a production drill's change file: the drill must end inside it);
   for a ``shutdown`` fault, the run journal (:mod:`vrpbook.runbooks.journal`) refuses a
   router another run is changing or left unfinished and records this drill before
   anything changes.
2. **Preflight** the fault's router: ``configuration exclusive`` and its state (pending
   trial, commits, configuration: :func:`vrpbook.runbooks.preflight.prepare`); a busy
   router is refused; its pre-drill commit and configuration go to the journal.
3. **Snapshot** every router (configuration and the parsed state the drill reads).
4. **Healthy?** Every gate of the drill's runbook must pass before the fault: a drill on
   a broken network proves nothing, and nothing is injected.
5. **Fault**: the port shut in a ``commit trial`` labelled ``vrpbook-<run>-fault`` (the
   router reverts it by itself if this process dies; ``vrpbook recover RUN`` finishes it
   sooner), or the cable pulled (a lab in this process).
6. **Expectations**, polled over SSH until each holds, errors, cannot pass, or its
   deadline; each then timed (:mod:`.timing`) and judged against its budget.
7. **Restore**, whatever happened (a failed expectation, an error, Ctrl+C / SIGTERM /
   SIGHUP): ``abort trial`` then the configuration proven equal to its pre-drill
   snapshot (:func:`vrpbook.runbooks.recovery.restore`, rolling back if it must), or
   the cable plugged back. The record says which, and whether it was verified.
8. **Recovery**: the gates pass again, the recovery expectations hold, and every router's
   configuration and state equal the snapshot (polled until equal or the deadline).
9. **Record**: the results (``source="drill:<name>"``), the journal's end, the locks released.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nornir.core import Nornir
from nornir.core.task import Result, Task

from vrpbook import clock
from vrpbook.checks.polling import ScheduledCheck
from vrpbook.checks.registry import all_checks
from vrpbook.errors import ExitCode, Interrupted, VrpbookError, WindowClosed, describe_error, signal_name
from vrpbook.intent import NetworkIntent
from vrpbook.inventory import Inventory, select_hosts
from vrpbook.lab import NetworkEvent
from vrpbook.results import CheckResult, Status
from vrpbook.runbooks import journal
from vrpbook.runbooks.gating import schedule
from vrpbook.runbooks.locking import RouterHold
from vrpbook.runbooks.preflight import prepare
from vrpbook.runbooks.recovery import PreRun, Restored, restore_all
from vrpbook.runbooks.render import render_commands
from vrpbook.runbooks.runner import operator
from vrpbook.runbooks.schema import Runbook
from vrpbook.runbooks.signals import Interruption, leave
from vrpbook.runbooks.steps import run_step
from vrpbook.runbooks.window import WindowGuard
from vrpbook.snapshots import RouterSnapshot, compare
from vrpbook.snapshots import take as take_snapshots
from vrpbook.snapshots.normalise import is_since
from vrpbook.tasks import commit_trial, push_config, unlock

from .expect import Watch, poll_watches
from .history import DrillHistory
from .report import EXIT, DrillReport
from .schema import Drill, Expectation
from .timing import EventClock, Measured, PollClock, event_filter

log = logging.getLogger(__name__)

Mode = Literal["lab", "lab-up", "production"]


@dataclass
class DrillTarget:
    """Where a drill runs: the inventory's Nornir (connected), how to time, how to pull a cable.

    ``events``: the twin's event log (a lab in this process, or a ``vrpbook lab up`` lab's
    file), else None (timed by polling); ``cable``: pulls and plugs a cable (a lab in this
    process only); ``in_process``: the journal lives in the artifacts (the routers die with
    the process)."""

    nr: Nornir
    inventory: Inventory
    mode: Mode
    events: Callable[[], list[NetworkEvent]] | None = None
    events_source: str = ""
    cable: Callable[[str, str, bool], None] | None = None
    in_process: bool = False


class DrillStop(VrpbookError):
    """Internal: the drill stops before (or instead of) its fault; the report says why."""

    def __init__(self, status: str, message: str, code: ExitCode, routers: Mapping[str, str] | None = None) -> None:
        super().__init__(message, routers=routers)
        self.drill_status = status
        self.code = code


@dataclass
class FaultState:
    injected: bool = False
    restored: bool = False
    commit_id: str | None = None
    label: str = ""
    pre: PreRun | None = None
    sent: float = 0.0
    done: float = 0.0
    restore_sent: float = 0.0
    restore_done: float = 0.0
    mark_before: int = 0
    mark_after: int = 0
    mark_restore: int = 0
    t_fault_ms: float | None = None
    t_restore_ms: float | None = None
    events: list[NetworkEvent] = field(default_factory=list)


def _inject(task: Task, commands: list[str], seconds: int, label: str, description: str) -> Result:
    """Grouped task: push the fault's lines, then commit them in trial (nothing to commit: no fault)."""
    pushed = task.run(task=push_config, commands=commands).result
    if not pushed.changed:
        return Result(host=task.host, result=None, changed=False)
    cid = task.run(task=commit_trial, seconds=seconds, label=label, description=description).result
    return Result(host=task.host, result=cid, changed=True)


class DrillRun:
    """Runs one drill once over one target. Not reusable."""

    def __init__(
        self,
        drill: Drill,
        runbook: Runbook,
        intents: NetworkIntent,
        target: DrillTarget,
        *,
        run_id: str,
        cancel: Interruption | None = None,
        journal_dir: Path | None = None,
        say: Callable[[str], None] = lambda line: None,
        redact: Callable[[str], str] = lambda text: text,
        ticket: str | None = None,
        hold: RouterHold | None = None,
        wait_lock: float = 0.0,
        window: WindowGuard | None = None,
        history: DrillHistory | None = None,
        artifacts: str = "",
    ) -> None:
        self.drill = drill
        self.rb = runbook
        self.intents = intents
        self.target = target
        self.nr = target.nr
        self.run_id = run_id
        self.cancel = cancel or Interruption()
        self.journal_dir = journal_dir
        self.journal: journal.Journal | None = None
        self.say = say
        self.redact = redact
        self.ticket = ticket
        self.hold = hold
        self.wait_lock = wait_lock
        self.window = window
        self.history = history
        self.locked: list[str] = []
        self.source = f"drill:{drill.name}"
        self.fault = FaultState()
        self.clock: EventClock | None = (EventClock(target.events, target.events_source) if target.events is not None else None)
        self.report = DrillReport(run_id, drill.name, str(target.inventory.path), target.mode,
                                  self.clock.source if self.clock else PollClock.source, artifacts=artifacts)
        self.routers = list(self.nr.inventory.hosts)
        self.pre: dict[str, RouterSnapshot | str] = {}
        self.post: dict[str, RouterSnapshot | str] = {}

    # -- the pieces ------------------------------------------------------------------------

    @property
    def port(self) -> tuple[str, str]:
        p = self.drill.fault.port
        return p.router, p.interface

    def _select(self, selectors: list[str]) -> list[str]:
        return select_hosts(selectors, self.nr)

    def _gates(self, phase: str) -> list[Watch]:
        """Every gate of the runbook, on the routers its stage names (the network at its intent)."""
        if not self.drill.recovery.gates:
            return []
        watches = []
        for stage in self.rb.stages:
            if stage.action != "push":
                continue
            hosts = self._select(stage.hosts)
            rendered = {h: render_commands(stage.templates, self.intents[h], h, self.intents, self.rb.template_dirs())
                        for h in hosts}
            for sc in schedule(self.rb, stage, hosts, self._select, rendered, f"{self.source}/{phase}"):
                watches.append(Watch(phase, ScheduledCheck(sc.name, sc.check, sc.params, sc.routers,
                                                           self.drill.defaults.deadline, self.drill.defaults.interval,
                                                           sc.source), gate=True))
        return watches

    def _expectations(self, phase: str, specs: list[Expectation]) -> list[Watch]:
        checks = all_checks()
        out = []
        for e in specs:
            check = checks[e.check]
            out.append(Watch(phase, ScheduledCheck(e.check, check, check.parse_params(e.params), self._select(e.hosts),
                                                   self.drill.deadline(e), self.drill.defaults.interval,
                                                   f"{self.source}/{phase}"), within_ms=e.within_ms))
        return out

    def _sleep(self, seconds: float) -> None:
        """Wait between polls, unless a signal arrives or the change window closes (then raise:
        the fault is undone at once)."""
        self.cancel.sleep(seconds)
        if self.window is not None:
            self.window.check("while the drill's fault was in")

    def _budget(self, before: list[Watch], fault: list[Watch], recovery: list[Watch]) -> float:
        """The drill's worst case, in seconds: every phase polled to its deadline, the snapshot
        compared to its own, plus the margin its fault's trial keeps."""
        longest = [max((w.scheduled.deadline for w in ws), default=0.0) for ws in (before, fault, recovery)]
        return sum(longest) + self.drill.defaults.deadline + self.drill.defaults.trial_margin

    def _record(self, kind: str, **values: object) -> None:
        if self.journal is not None:
            self.journal.append(kind, **values)

    def _address(self, host: str) -> str:
        h = self.nr.inventory.hosts[host]
        return f"{h.hostname}:{h.port or 22}"

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> DrillReport:
        self.cancel.on_abandon = self._abandon
        try:
            self._run()
        except DrillStop as exc:
            self.report.status, self.report.exit_code = exc.drill_status, int(exc.code)
            self.report.failure = exc.message
            if exc.routers:
                self.report.failure = "; ".join(f"{r}: {m}" for r, m in exc.routers.items())
        except Interrupted as exc:
            self.report.status, self.report.exit_code = "interrupted", exc.status
            self.report.failure = f"interrupted by {signal_name(exc.signum)}"
        except WindowClosed as exc:
            self.report.status, self.report.exit_code = "window-closed", exc.status
            self.report.failure = describe_error(exc)
        except VrpbookError as exc:
            self.report.status, self.report.exit_code = "error", exc.status
            self.report.failure = describe_error(exc)
        except Exception as exc:  # a bug: record it, and still undo the fault
            log.exception("internal error")
            self.report.status, self.report.exit_code = "error", int(ExitCode.INTERNAL)
            self.report.failure = f"internal error: {type(exc).__name__}: {describe_error(exc)}"
        finally:
            self._undo()
            self._finish()
        return self.report

    def _run(self) -> None:
        router, interface = self.port
        if router not in self.nr.inventory.hosts:
            raise DrillStop("error", f"the fault's router {router} is not in the inventory {self.target.inventory.path}", ExitCode.USAGE)
        if self.drill.fault.cable is not None and self.target.cable is None:
            raise DrillStop("error", f"the fault pulls a cable ({router} {interface}): only a lab in this process can (--lab)",
                            ExitCode.USAGE)
        before = self._gates("before")
        fault = self._expectations("fault", self.drill.expect)
        recovery = self._gates("recovery") + self._expectations("recovery", self.drill.recovery.expect)

        if self.window is not None:
            self.window.before(f"drill {self.drill.name}", self._budget(before, fault, recovery))
        if self.hold is not None:
            self.hold.take(wait=self.wait_lock, sleep=self.cancel.sleep,
                           on_wait=lambda held: self.say(f"waiting up to {self.wait_lock:g} s for {', '.join(sorted(held))}"))
        if self.history is not None:
            self.history.begin()
        if self.drill.fault.shutdown is not None:
            self._register([router])
            self._preflight(router)
        self.cancel.check()

        self.say(f"snapshot of {len(self.routers)} router(s) before the fault")
        self.pre = take_snapshots(self.nr, self.routers, "pre", self.redact)
        unread = {r: (s if isinstance(s, str) else "; ".join(f"{w}: {why}" for w, why in s.errors.items()))
                  for r, s in self.pre.items() if isinstance(s, str) or s.errors}
        if unread:
            raise DrillStop("error", "the pre-drill snapshot could not be read: nothing was injected", ExitCode.DEVICE, unread)
        if self.history is not None:
            self.history.snapshots("pre", self.pre)

        if before:
            poll_watches(self.nr, self.intents, before, self.drill.defaults.interval, self.cancel.sleep)
            self.report.before = [r for w in before for r in w.results]
            bad = [r for r in self.report.before if r.status is not Status.PASS]
            if bad:
                code = ExitCode.DEVICE if all(r.status is Status.ERROR for r in bad) else ExitCode.GATE
                raise DrillStop("refused", f"the network is not healthy before the drill ({len(bad)} gate result(s) not passing): "
                                "nothing was injected", code, {f"{r.router} {r.check}": r.message for r in bad[:8]})
            self.say(f"healthy before the fault: {len(self.report.before)} gate result(s) pass")
        self.cancel.check()

        self._inject()
        try:
            poll_watches(self.nr, self.intents, fault, self.drill.defaults.interval, self._sleep)
        finally:
            if self.clock is not None:
                self.fault.mark_after = self.clock.mark()
        self._restore()
        self.cancel.check()
        poll_watches(self.nr, self.intents, recovery, self.drill.defaults.interval, self.cancel.sleep)
        differences = self._compare_snapshots() if self.drill.recovery.snapshot else {}
        if self.history is not None and self.post:
            self.history.snapshots("post", self.post)
        if self.clock is not None:
            self.clock.events()
        self._judge(fault, recovery, differences)

    # -- register, preflight -------------------------------------------------------------------

    def _register(self, routers: list[str]) -> None:
        if self.journal_dir is None:
            return
        header = {"runbook": f"drill {self.drill.name}", "drill": self.drill.name, "inventory": str(self.target.inventory.path.resolve()),
                  "ticket": self.ticket, "operator": operator(), "pid": os.getpid(),
                  "machine": socket.gethostname(), "started": self.report.started, "on_failure": "rollback-run",
                  "artifacts": self.report.artifacts}
        try:
            opened, found = journal.register(self.journal_dir, self.run_id, {r: self._address(r) for r in routers}, header)
        except OSError as exc:
            raise DrillStop("error", f"cannot write the run journal in {self.journal_dir}: {describe_error(exc)}", ExitCode.USAGE) from exc
        if opened is None:
            raise DrillStop("error", "another run holds the fault's router", ExitCode.DEVICE,
                            {r: c.message() for c in found for r in c.routers})
        self.journal = opened
        self.report.journal = str(opened.path)

    def _preflight(self, router: str) -> None:
        found = prepare(self.nr, [router])
        self.locked = list(found.locked)
        if found.errors:
            raise DrillStop("error", "preflight", ExitCode.DEVICE, {h: describe_error(e) for h, e in found.errors.items()})
        if found.busy:
            raise DrillStop("error", "the fault's router is busy", ExitCode.DEVICE, found.busy)
        seen = found.states[router]
        pre_sha = journal.sha256(seen.config)
        commit = seen.commits[0].commit_id if seen.commits else None
        self.fault.pre = PreRun(commit=commit, config_sha256=pre_sha, saved_sha256=journal.sha256(seen.saved),
                                own_label=f"vrpbook-{self.run_id}-")
        self._record("router", name=router, address=self._address(router), pre_commit=commit, pre_config_sha256=pre_sha,
                     pre_saved_sha256=journal.sha256(seen.saved), pre_config=self.redact(seen.config))

    # -- fault and restore ---------------------------------------------------------------------

    def _inject(self) -> None:
        router, interface = self.port
        what = self.drill.fault.describe()
        self.report.fault = {"kind": self.drill.fault.kind, "router": router, "interface": interface, "what": what}
        if self.clock is not None:
            self.fault.mark_before = self.clock.mark()
        if self.drill.fault.cable is not None:
            assert self.target.cable is not None
            self.fault.sent = time.monotonic()
            self.target.cable(router, interface, False)
            self.fault.done = time.monotonic()
            self.fault.injected = True
            kinds: tuple[str, ...] = ("link-down",)
        else:
            label = f"vrpbook-{self.run_id}-fault"
            seconds = self.drill.trial_seconds()
            description = (self.ticket or f"vrpbook drill {self.drill.name}")[:60]
            self.fault.label = label
            self._record("trial", stage="fault", index=1, label=label, routers=[router])
            self.fault.sent = time.monotonic()
            outcome = run_step(self.nr, [router], _inject, "fault", commands=[f"interface {interface}", "shutdown"],
                               seconds=seconds, label=label, description=description)[router]
            self.fault.done = time.monotonic()
            if outcome.error is not None:
                # commit_trial aborts its own trial when it cannot identify it; the restore proves it
                self.fault.injected = True
                raise DrillStop("error", f"{router}: the fault could not be committed: {describe_error(outcome.error)}", ExitCode.DEVICE)
            if outcome.value is None:
                self._record("state", name=router, state="pre-run")
                raise DrillStop("error", f"{router}: {interface} is already shut down: the fault changes nothing", ExitCode.USAGE)
            self.fault.injected = True
            self.fault.commit_id = str(outcome.value)
            self._record("committed", name=router, stage="fault", label=label, commit_id=self.fault.commit_id)
            self.report.fault.update(commit_id=self.fault.commit_id, label=label, trial_seconds=seconds)
            kinds = ("config-changed",)
        self.report.fault["at"] = clock.now().isoformat(timespec="milliseconds")
        if self.clock is not None:
            self.fault.t_fault_ms = self.clock.instant(self.fault.mark_before, router, kinds)
            self.report.fault["t_ms"] = self.fault.t_fault_ms
        self.say(f"fault: {what}" + (f" (commit trial {self.fault.commit_id}, label {self.fault.label})" if self.fault.commit_id else ""))

    def _restore(self) -> None:
        """Undo the fault and prove it (called once; :meth:`_undo` calls it on every exit path)."""
        if not self.fault.injected or self.fault.restored:
            return
        self.fault.restored = True
        router, interface = self.port
        if self.clock is not None:
            self.fault.mark_restore = self.clock.mark()
        self.fault.restore_sent = time.monotonic()
        if self.drill.fault.cable is not None:
            assert self.target.cable is not None
            try:
                self.target.cable(router, interface, True)
                self.report.restore = {"undone": True, "verified": True, "how": f"cable at {router} {interface} plugged back"}
            except Exception as exc:  # any failure is recorded: the lab dies with this process
                self.report.restore = {"undone": False, "verified": False, "how": f"plugging the cable back failed: {describe_error(exc)}"}
            kinds: tuple[str, ...] = ("link-up",)
        else:
            assert self.fault.pre is not None
            pre = PreRun(commit=self.fault.pre.commit, config_sha256=self.fault.pre.config_sha256,
                         saved_sha256=self.fault.pre.saved_sha256, own_label=self.fault.pre.own_label,
                         first_label=self.fault.label or None)
            done = restore_all(self.nr, {router: pre}, "restore")[router]
            if isinstance(done, Restored):
                how = _restored(router, done)
                self.report.restore = {"undone": True, "verified": True, "how": how, "router": router}
                self._record("state", name=router, state="pre-run")
            else:
                self.report.restore = {"undone": False, "verified": False, "router": router,
                                       "how": f"NOT undone: {describe_error(done)}; the trial reverts by itself when its timer "
                                              f"expires; `vrpbook recover {self.run_id}` finishes it now"}
                self._record("state", name=router, state="unknown")
            kinds = ("config-changed",)
        self.fault.restore_done = time.monotonic()
        self.report.restore["at"] = clock.now().isoformat(timespec="milliseconds")
        if self.clock is not None:
            self.fault.t_restore_ms = self.clock.instant(self.fault.mark_restore, router, kinds)
        self.say(f"restore: {self.report.restore['how']}")

    def _undo(self) -> None:
        """On every exit path: the fault is undone (once), whatever stopped the drill."""
        if self.fault.injected and not self.fault.restored:
            try:
                self._restore()
            except Exception as exc:  # the record must still say it
                log.exception("restore failed")
                self.report.restore = {"undone": False, "verified": False, "how": f"restore failed: {describe_error(exc)}"}
        if self.fault.injected and not self.report.results:
            # stopped before the judgement (an error, a signal): the record still says whether the
            # fault was undone
            self.report.results = [self._undone_result()]
        if self.report.restore and not self.report.restore.get("verified"):
            self.report.status = "restore-failed"
            self.report.exit_code = int(ExitCode.DEVICE) if self.report.exit_code < 128 else self.report.exit_code

    def _abandon(self, signum: int) -> None:
        """A second signal while undoing: say what is left, record it, leave now."""
        router, interface = self.port
        if self.drill.fault.shutdown is not None and self.fault.injected and not self.report.restore.get("verified"):
            line = (f"{router}: {interface} left shut down in trial {self.fault.commit_id}: the router reverts it by itself when "
                    f"its trial timer expires; `vrpbook recover {self.run_id}` now")
        elif self.fault.injected and not self.report.restore.get("verified"):
            line = f"{router}: cable at {interface} left pulled (the lab stops with this process)"
        else:
            line = f"{router}: fault undone"
        try:
            self._record("abandoned", signal=signal_name(signum), routers={router: line})
            os.write(2, f"{line}\ninterrupted twice: stopped waiting\n".encode())
        finally:
            leave(signum)

    # -- recovery, judgement, record ---------------------------------------------------------------

    def _compare_snapshots(self) -> dict[str, dict[str, list[str]]]:
        """Poll the snapshot until every router equals its pre-drill one, or the deadline
        (``vrpbook.snapshots``: configuration lines and normalised state; counters never compared)."""
        deadline = time.monotonic() + self.drill.defaults.deadline
        while True:
            self.post = take_snapshots(self.nr, self.routers, "post", self.redact)
            found = restored(self.pre, self.post)
            settled = all(not d["config"] and not d["state"] and not d["unread"] for d in found.values())
            if settled or time.monotonic() >= deadline:
                return found
            self.cancel.sleep(self.drill.defaults.interval)

    def _measure(self, w: Watch, r: CheckResult, phase: str) -> Measured | None:
        f = self.fault
        if self.clock is not None:
            t0 = f.t_fault_ms if phase == "fault" else f.t_restore_ms
            if t0 is None:
                return Measured(None, None, "the fault is not in the event log", True)
            lo, hi = (f.mark_before, f.mark_after) if phase == "fault" else (f.mark_restore, len(self.clock.log))
            about = event_filter(w.scheduled.name, r.router, r.params)
            return self.clock.measure(lo, hi, t0, about, w.scheduled.name)
        sent, done = (f.sent, f.done) if phase == "fault" else (f.restore_sent, f.restore_done)
        return PollClock.measure(sent, done, w.seen_by.get(r.router), w.missed_by.get(r.router))

    def _timed(self, w: Watch, r: CheckResult, phase: str) -> CheckResult:
        m = self._measure(w, r, phase) if r.status is Status.PASS or w.within_ms is not None else None
        status, message = r.status, r.message
        evidence: dict[str, Any] = {**r.evidence, "phase": phase, "budget_ms": w.within_ms, "gate": w.gate}
        if m is not None:
            evidence.update(m.to_json(), measured=m.describe())
            if r.status is Status.PASS and w.within_ms is not None:
                status, why = m.judge(w.within_ms)
                if why:
                    message = f"{message}; {why}"
        return r.model_copy(update={"status": status, "message": message, "evidence": evidence, "source": self.source,
                                    "tags": (*r.tags, "drill", phase)})

    def _judge(self, fault: list[Watch], recovery: list[Watch], differences: Mapping[str, Mapping[str, list[str]]]) -> None:
        results = [self._timed(w, r, "fault") for w in fault for r in w.results]
        results += [self._timed(w, r, "recovery") for w in recovery for r in w.results]
        results.append(self._overall_recovery(recovery))
        results.append(self._undone_result())
        self.report.snapshot = {r: {k: [self.redact(x) for x in v] for k, v in d.items()} for r, d in differences.items()}
        for r, d in self.report.snapshot.items():
            for part, check in (("config", "drill-config-restored"), ("state", "drill-state-restored")):
                diff, unread = d[part], d["unread"] if part == "state" else []
                status = Status.FAIL if diff else Status.ERROR if unread else Status.PASS
                flapped = f"; came back after flapping: {'; '.join(d['flapped'])}" if part == "state" and d["flapped"] else ""
                message = (f"{part} differs from the pre-drill snapshot: " + "; ".join(diff[:4]) + (" …" if len(diff) > 4 else "")
                           if diff else f"{part} could not be compared: {'; '.join(unread)}" if unread
                           else f"{part} equals the pre-drill snapshot{flapped}")
                results.append(CheckResult(
                    router=r, check=check, params={}, status=status, message=message, observed=diff, expected=[],
                    evidence={"phase": "record", "flapped": d["flapped"] if part == "state" else [], "unread": unread},
                    source=self.source, tags=("drill", "record")))
        self.report.results = results
        counts = self.report.collection().counts()
        self.report.status = "failed" if counts.failed else "error" if counts.errors else "passed"
        self.report.exit_code = EXIT[self.report.status]
        bad = [r for r in results if r.status is not Status.PASS]
        if bad:
            first = bad[0]
            self.report.failure = f"{first.router} {first.check}: {first.message}"

    def _undone_result(self) -> CheckResult:
        router, _ = self.port
        restore = self.report.restore
        return CheckResult(router=router, check="drill-fault-undone", params={"fault": self.drill.fault.kind},
                           status=Status.PASS if restore.get("verified") else Status.FAIL,
                           message=str(restore.get("how", "not restored")), observed=restore.get("undone"), expected=True,
                           evidence={"phase": "record"}, source=self.source, tags=("drill", "record"))

    def _overall_recovery(self, recovery: list[Watch]) -> CheckResult:
        """How long the network took to be healthy again after the restore, against the budget."""
        router, _ = self.port
        budget = self.drill.recovery.within_ms
        healthy = all(w.passed for w in recovery)
        f = self.fault
        if self.clock is not None and f.t_restore_ms is not None:
            m = self.clock.measure(f.mark_restore, len(self.clock.log), f.t_restore_ms, None, "network")
        elif self.clock is not None:
            m = Measured(None, None, "the restore is not in the event log", True)
        else:
            last = max((w.seen for w in recovery if w.seen is not None), key=lambda s: s.end, default=None)
            lows = [w.missed for w in recovery if w.missed is not None and w.seen is not None]
            missed = max(lows, key=lambda s: s.start, default=None)
            m = PollClock.measure(f.restore_sent, f.restore_done, last, missed)
        status, why = (m.judge(budget) if healthy else (Status.FAIL, "not every recovery check passed"))
        self.report.recovery = {"healthy": healthy, "within_ms": budget, **m.to_json()}
        message = f"network healthy again {m.describe()} after the restore" if healthy else "the network did not recover"
        return CheckResult(router=router, check="drill-recovered-within", params={"within_ms": budget} if budget is not None else {},
                           status=status, message=f"{message}{'; ' + why if why and healthy else ''}", observed=m.ms, expected=budget,
                           evidence={"phase": "recovery", "budget_ms": budget, "measured": m.describe(), **m.to_json()},
                           source=self.source, tags=("drill", "recovery"))

    def _finish(self) -> None:
        self.report.finished = clock.now().isoformat(timespec="seconds")
        if self.clock is not None:
            with contextlib.suppress(VrpbookError):
                self.fault.events = self.clock.events()[self.fault.mark_before:]
        if self.locked:
            run_step(self.nr, self.locked, unlock, "unlock")
        if self.hold is not None:
            self.hold.release()
        if self.history is not None:
            self.history.finish(self.report)
        if self.journal is not None:
            router, _ = self.port
            state = "pre-run" if not self.fault.injected or self.report.restore.get("verified") else "unknown"
            try:
                self._record("end", status=self.report.status, exit_code=self.report.exit_code, end_state={router: state})
            finally:
                self.journal.close()


def restored(pre: Mapping[str, RouterSnapshot | str], post: Mapping[str, RouterSnapshot | str]) -> dict[str, dict[str, list[str]]]:
    """Per router, what keeps it from being back at its pre-drill snapshot: ``config`` lines and
    ``state`` objects that differ, and what could not be ``unread``; and what ``flapped`` (a
    session whose state is back but whose "since" moved: the fault took it down and it came
    back, which a drill expects; listed, never hidden, not a difference)."""
    routers = sorted(set(pre) | set(post))
    out: dict[str, dict[str, list[str]]] = {r: {"config": [], "state": [], "flapped": [], "unread": []} for r in routers}
    proof = compare(pre, post, {r: "" for r in routers})
    for d in [*proof.flagged, *(d for d, _why in proof.tied)]:
        if d.kind == "config":
            out[d.router]["config"].append(d.line())
        elif d.change == "changed" and all(is_since(d.before.get(f)) and is_since(d.after.get(f)) for f in d.fields):
            out[d.router]["flapped"].append(d.line())
        else:
            out[d.router]["state"].append(d.line())
    for r, why in proof.not_compared.items():
        out.setdefault(r, {"config": [], "state": [], "flapped": [], "unread": []})["unread"].extend(why)
    return out


def _restored(router: str, done: Restored) -> str:
    """``trial aborted; CE1 back at its pre-drill configuration (verified)``."""
    steps = ["trial aborted"] if done.aborted else []
    if done.action.startswith("rolled back"):
        steps.append(done.action)
    if done.saved:
        steps.append("saved again")
    return f"{'; '.join(steps) or 'nothing to undo'}; {router} back at its pre-drill configuration (verified)"
