"""The runbook engine: it only orchestrates. Stage by stage: push → diff → commit trial → gates → confirm.

A run:

1. renders every stage for every router from the intent (before connecting);
2. registers in the run journal (:mod:`.journal`): a router that an unfinished
   run (or one in progress) touched is refused, naming that run;
3. preflight (:mod:`.preflight`), on every router at once: lock the
   configuration, read the router as it is (pending trial, lock holder,
   commits, running and saved configuration) and refuse a busy router naming
   holder and time left (or wait, ``--wait-lock``); record each router's
   pre-run commit and snapshot in the journal (fsynced) before any change;
   then the one dry run (:func:`.plan.dry_run`): a router whose total diff is
   empty already matches the intent and gets no push at all;
4. per stage, on all its routers at once: push and diff, ``commit trial`` if
   the diff is not empty (announced in the journal first), poll the stage's
   gates (:mod:`vrpbook.checks`), then confirm — only after proving the trial
   is still pending with time to spare, and proving afterwards that it took
   (:mod:`vrpbook.tasks.confirm`) — or ``abort trial`` on failure;
5. on failure the stage's policy applies (``rollback-run``: every router goes
   back to its pre-run configuration and is verified, :mod:`.recovery`;
   ``rollback-stage``: the aborted trial is all);
6. a ``save`` stage saves every router whose saved configuration differs from
   its running one.

Policies live in their own modules and are plugged in by the caller: the
history lock table (:mod:`.locking`, taken before the journal), the change
window (:mod:`.window`: no stage starts that could not end, rollback included,
before it closes; a window that closes mid-stage aborts it), canary batches
(:mod:`.rollout`), and the hooks of :mod:`.hooks` (the approved-diff check of
a change file, the pre/post snapshots).

SIGINT/SIGTERM/SIGHUP (:mod:`.signals`) stop the run at the next safe point;
it is then undone like a failure and recorded ``interrupted`` (exit 130, 143,
129). Named fault points (:mod:`.faults`) let the fault suite stop a real run
exactly where it wants. What happens is published as typed events
(:mod:`.events`); the progress display and the artifacts writer subscribe.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import Result, Task

from vrpbook import clock
from vrpbook.checks.polling import ScheduledCheck
from vrpbook.errors import (
    CommitError,
    ConnectionFailed,
    ExitCode,
    IntentError,
    Interrupted,
    PushError,
    RouterBusy,
    UsageError,
    WindowClosed,
    describe_error,
    exit_code_for_signal,
    signal_name,
)
from vrpbook.events import Event, EventBus
from vrpbook.intent import NetworkIntent
from vrpbook.inventory import select_hosts
from vrpbook.tasks import abort_trial, commit_trial, confirm, push_config, save_if_unsaved, unlock
from vrpbook.tasks.abort_trial import NO_TRIAL
from vrpbook.tasks.channel import CONNECTION
from vrpbook.tasks.push_config import Pushed

from . import events as ev
from . import faults, gating, journal, record
from .hooks import PlanCheck, Snapshotter
from .locking import LockTableError, RouterHold
from .plan import dry_run, rejected_stage
from .preflight import prepare
from .recovery import PreRun, restore_all
from .recovery import describe as describe_restored
from .render import render_commands
from .report import Failure, GateOutcome, HostStage, RunFacts, RunReport, StageReport
from .rollout import Budget, plan_batches
from .schema import Runbook, Stage
from .signals import Interruption, leave
from .stage_commands import stage_commands
from .steps import Outcome, run_step
from .window import WindowGuard, stage_budget

log = logging.getLogger(__name__)


@dataclass
class HostState:
    """What the engine knows about one router across the run."""

    pre_config: str = ""
    pre_sha: str = ""
    pre_saved_sha: str = ""
    pre_commit: str | None = None  # newest commit ID before the run (None: no history)
    converged: bool = False
    committed: bool = False  # at least one confirmed commit by this run
    in_trial: bool = False
    saved: bool = False  # this run saved it
    first_label: str | None = None  # the label of the first trial announced for it
    plan_diff: str = ""  # the router's own diff of the whole run (preflight's dry run)
    state: str = "pre-run"  # pre-run | changing | post-run | partial | unknown


@dataclass(frozen=True)
class StageChange:
    """What a push stage did on one router: the push, and the trial commit if there was a change."""

    pushed: Pushed
    commit_id: str | None


class StageFailed(Exception):
    """Internal signal: the stage failed; ``failure`` and ``code`` say how."""

    def __init__(self, failure: Failure, code: ExitCode) -> None:
        super().__init__(failure.message)
        self.failure, self.code = failure, code


def _change(task: Task, commands: dict[str, list[str]], seconds: int, label: str, description: str,
            point: str, drop: Callable[[Iterable[str]], None]) -> Result:
    """Grouped task: push and diff; trial-commit only when the router's diff shows a change."""
    pushed = task.run(task=push_config, commands=commands[task.host.name]).result
    if not pushed.changed:
        return Result(host=task.host, result=StageChange(pushed, None), diff=pushed.diff, changed=False)
    faults.reached(point, drop)
    cid = task.run(task=commit_trial, seconds=seconds, label=label, description=description).result
    return Result(host=task.host, result=StageChange(pushed, cid), diff=pushed.diff, changed=True)


class Engine:
    """Runs one runbook over one Nornir inventory. Not reusable across runs."""

    def __init__(
        self,
        runbook: Runbook,
        intents: NetworkIntent,
        nr: Nornir,
        bus: EventBus,
        *,
        run_id: str,
        ticket: str | None = None,
        hosts: list[str] | None = None,
        stage: str | None = None,
        cancel: Interruption | None = None,
        journal_dir: Path | None = None,
        facts: RunFacts | None = None,
        redact: Callable[[str], str] = lambda text: text,
        wait_lock: float = 0.0,
        hold: RouterHold | None = None,
        window: WindowGuard | None = None,
        plan_check: PlanCheck | None = None,
        snapshots: Snapshotter | None = None,
    ) -> None:
        self.rb = runbook
        self.intents = intents
        self.nr = nr
        self.bus = bus
        self.run_id = run_id
        self.ticket = ticket
        self.host_filter = hosts
        self.only_stage = stage
        self.cancel = cancel or Interruption()
        self.journal_dir = journal_dir
        self.journal: journal.Journal | None = None
        self.redact = redact
        self.wait_lock = wait_lock
        self.hold = hold  # the history lock table's hold (None: not taken)
        self.window = window
        self.plan_check = plan_check
        self.snapshots = snapshots
        self.state: dict[str, HostState] = {}
        self.locked: list[str] = []  # routers whose configuration lock this run took
        self.unreachable: set[str] = set()  # routers no session could be opened to
        self.current: tuple[int, Stage, StageReport] | None = None
        self.rendered: dict[str, dict[str, list[str]]] = {}
        self.stage_started = 0.0
        self.report = RunReport(run_id, runbook.name, clock.now().isoformat(), facts=facts or RunFacts(ticket=ticket))
        missing = sorted(set(nr.inventory.hosts) - set(intents))
        if missing:
            raise IntentError(f"hosts without intent: {missing}")

    # -- helpers --------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        self.bus.publish(event)

    def _record(self, kind: str, **values: object) -> None:
        """A journal record, durable before the engine goes on (a failure here stops the run)."""
        if self.journal is not None:
            self.journal.append(kind, **values)

    def _stages(self) -> list[tuple[int, Stage]]:
        stages = list(enumerate(self.rb.stages, 1))
        if self.only_stage:
            self.rb.stage(self.only_stage)  # raises with the list of stages
            stages = [(i, s) for i, s in stages if s.name == self.only_stage]
        return stages

    def _targets(self, selectors: list[str]) -> list[str]:
        hosts = select_hosts(selectors, self.nr)
        if self.host_filter:
            hosts = [h for h in hosts if h in self.host_filter]
        return hosts

    def _address(self, host: str) -> str:
        h = self.nr.inventory.hosts[host]
        return f"{h.hostname}:{h.port or 22}"

    def _trial_seconds(self, stage: Stage) -> int:
        if self.rb.defaults.trial_seconds:
            return self.rb.defaults.trial_seconds
        total = sum(g.deadline or self.rb.defaults.gate_deadline for g in stage.gates)
        return int(min(65535, max(60, math.ceil(total) + 60)))

    def _description(self) -> str:
        return (self.ticket or f"vrpbook {self.rb.name}")[:60]

    def _label(self, idx: int, stage: Stage) -> str:
        return f"vrpbook-{self.run_id}-{idx:02d}-{stage.name}"

    def _drop(self, names: Iterable[str]) -> None:
        """Fault injection: cut these routers' sessions under the run (as a lost line does)."""
        for name in names:
            conn = self.nr.inventory.hosts[name].connections.get(CONNECTION)
            chan = conn.connection if conn is not None else None
            ssh = getattr(getattr(chan, "conn", None), "remote_conn", None)
            transport = ssh.get_transport() if ssh is not None else None
            sock = getattr(transport, "sock", None)
            faults.cut_socket(sock if isinstance(sock, socket.socket) else None)

    # -- the run --------------------------------------------------------------

    def run(self) -> RunReport:
        t0 = time.monotonic()
        self.cancel.on_abandon = self._abandon
        self._emit(ev.RunStarted(report=self.report))
        try:
            self._run()
        except StageFailed as exc:
            self._fail(exc.failure, exc.code)
        except Interrupted as exc:
            self._interrupted(exc)
        except UsageError as exc:
            # Runbook/inventory mismatch found while rendering: nothing was connected to.
            self._fail(Failure("render", "usage", None, None, describe_error(exc)), ExitCode.USAGE)
        except Exception as exc:  # a bug: record it, and leave the network as it was
            log.exception("internal error")
            self._fail(Failure("internal", "internal", None, None, f"{type(exc).__name__}: {describe_error(exc)}"), ExitCode.INTERNAL)
            self._recover()
        finally:
            self._finish(t0)
        return self.report

    def _run(self) -> None:
        stages = self._stages()
        rendered = self._render(stages)
        self._hold_routers()
        self._register()
        self.cancel.check()
        self._preflight(stages, rendered)
        self._observe_state("pre")
        self._snapshot("pre")
        for idx, stage in stages:
            self.cancel.check()
            sr = StageReport(stage.name, idx)
            self.report.stages.append(sr)
            self.current = (idx, stage, sr)
            t = self.stage_started = time.monotonic()
            self._emit(ev.StageStarted(stage=stage.name, index=idx))
            failed: StageFailed | None = None
            try:
                self._window_before(stage, rendered.get(stage.name, {}))
                if stage.action == "save":
                    self._save_stage(idx, stage, sr)
                else:
                    self._push_stage(idx, stage, sr, rendered.get(stage.name, {}))
            except StageFailed as exc:
                failed = exc
                self._fail(exc.failure, exc.code)
            sr.status = "failed" if failed else "passed"
            sr.seconds = round(time.monotonic() - t, 3)
            self.current = None
            self._emit(ev.StageFinished(stage=stage.name, index=idx, report=sr))
            if failed:
                self._on_failure(stage)
                return
        self.report.status = "ok"
        self.report.exit_code = int(ExitCode.OK)
        tolerated = {h for hosts in self.report.tolerated.values() for h in hosts}
        for h, st in self.state.items():
            # a canary router whose failure the budget absorbed had its trial aborted: still pre-run
            st.state = "pre-run" if h in tolerated and not st.committed else "post-run"

    def _on_failure(self, stage: Stage) -> None:
        """The failure policy; ``rollback-stage`` needs nothing more (its trial was aborted)."""
        policy = stage.on_failure or self.rb.defaults.on_failure
        if policy == "rollback-run":
            self._rollback_run()

    def _fail(self, failure: Failure, code: ExitCode | int) -> None:
        self.report.failure = failure
        self.report.exit_code = int(code)
        self.report.status = "failed"
        log.error("stage %s failed (%s) on %s: %s", failure.stage, failure.kind, failure.host or "-", failure.message)
        self._emit(ev.RunFailed(failure=failure))

    def _recover(self) -> None:
        """After an internal error: abort pending trials, then roll the run back (best effort;
        a trial nobody confirms also reverts by itself when its timer expires)."""
        pending = [h for h, st in self.state.items() if st.in_trial]
        if pending:
            try:
                self._abort(0, "internal", StageReport("internal", 0, hosts={h: HostStage(h) for h in pending}), pending)
            except Exception:  # pragma: no cover
                log.exception("abort after internal error failed")
        if self.rb.defaults.on_failure == "rollback-run" and any(st.state != "pre-run" for st in self.state.values()):
            try:
                self._rollback_run()
            except Exception:  # pragma: no cover
                log.exception("rollback after internal error failed")
        self.report.exit_code = int(ExitCode.INTERNAL)

    # -- interrupted: SIGINT / SIGTERM / SIGHUP ------------------------------------------

    def _interrupted(self, exc: Interrupted) -> None:
        """Stopped at a safe point: abort pending trials, roll back per policy, verify, record."""
        where = self.current[1].name if self.current else "preflight"
        self._fail(Failure(where, "interrupted", None, None, f"interrupted by {signal_name(exc.signum)} during {where}"), exc.status)
        pending = [h for h, st in self.state.items() if st.in_trial]
        if self.current is not None:
            idx, stage, sr = self.current
            if pending:
                self._abort(idx, stage.name, sr, pending)  # only the current stage can be in trial
            sr.status = "interrupted"
            sr.seconds = round(time.monotonic() - self.stage_started, 3)
            self.current = None
            self._emit(ev.StageFinished(stage=stage.name, index=idx, report=sr))
        elif pending:  # pragma: no cover - a trial outside a stage does not happen
            self._abort(0, "interrupted", StageReport("interrupted", 0, hosts={h: HostStage(h) for h in pending}), pending)
        changed = any(st.state != "pre-run" for st in self.state.values())
        if changed and self.rb.defaults.on_failure == "rollback-run":
            self._rollback_run()
        self.report.status = "interrupted"
        self.report.exit_code = exc.status

    def _abandon(self, signum: int) -> None:
        """A second signal while undoing: stop waiting, say what is left, record it, leave now."""
        lines: dict[str, str] = {}
        for h, st in self.state.items():
            if st.in_trial:
                lines[h] = "left in trial: the router reverts it by itself when its trial timer expires"
            elif st.state not in journal.KNOWN_STATES:
                lines[h] = f"confirmed changes of this run remain: run `vrpbook recover {self.run_id}`"
            if h in lines:
                st.state = "unknown"
        self.report.status = "interrupted"
        self.report.exit_code = int(exit_code_for_signal(signum))
        self.report.outcome.update(lines)
        self.report.end_state = {h: st.state for h, st in self.state.items()}
        self.report.finished = clock.now().isoformat()
        try:
            self._record("abandoned", signal=signal_name(signum), routers=lines)  # no end record: recover finds it
            self._emit(ev.RunFinished(report=self.report))
            for h, line in lines.items():
                os.write(2, f"{h}: {line}\n".encode())
            os.write(2, f"interrupted twice: stopped waiting ({len(lines)} router(s) not back at pre-run)\n".encode())
        finally:
            leave(signum)

    def _finish(self, t0: float) -> None:
        if self.report.rollback.get("errors") and self.report.exit_code in (int(ExitCode.GATE), int(ExitCode.WINDOW)):
            # An abort or rollback failed: the network may not be back where it was.
            self.report.exit_code = int(ExitCode.DEVICE)
        for h, st in self.state.items():
            if st.state == "changing":
                # Not rolled back: confirmed stages remain (rollback-stage policy), or unverified.
                st.state = "partial" if st.committed and not st.in_trial else "unknown"
            self.report.end_state[h] = st.state
            self.report.outcome.setdefault(h, st.state)
        self.report.seconds = round(time.monotonic() - t0, 3)
        self.report.finished = clock.now().isoformat()
        record.config_after(self.nr, [h for h in self._targets(["all"]) if h not in self.unreachable], self._emit)
        if self.state:
            self._observe_state("post")
            self._snapshot("post")
        run_step(self.nr, self.locked, unlock, "unlock")
        if self.hold is not None:
            self.hold.release()
        record.transcripts(self.nr, self._emit)
        if self.journal is not None:
            try:
                self._record("end", status=self.report.status, exit_code=self.report.exit_code, end_state=self.report.end_state)
            finally:
                self.journal.close()
        self._emit(ev.RunFinished(report=self.report))

    # -- journal, render & preflight -----------------------------------------------------

    def _register(self) -> None:
        """Refuse routers another run is changing or left unfinished; open this run's journal."""
        if self.journal_dir is None:
            return
        routers = {h: self._address(h) for h in self._targets(["all"])}
        facts = self.report.facts
        header = {"runbook": self.rb.name, "runbook_sha256": facts.runbook_sha256, "inventory": facts.inventory,
                  "ticket": facts.ticket, "operator": facts.operator, "vrpbook_version": facts.vrpbook_version,
                  "pid": os.getpid(), "machine": socket.gethostname(), "started": self.report.started,
                  "on_failure": self.rb.defaults.on_failure, "artifacts": facts.artifacts}
        try:
            opened, found = journal.register(self.journal_dir, self.run_id, routers, header,
                                             wait=self.wait_lock, sleep=self.cancel.sleep)
        except OSError as exc:  # nothing is changed without a durable record of it
            raise StageFailed(Failure("preflight", "journal", None, None,
                                      f"cannot write the run journal in {self.journal_dir}: {describe_error(exc)}"),
                              ExitCode.USAGE) from exc
        if opened is None:
            per_router = {r: c.message() for c in found for r in c.routers}
            first = next(iter(per_router))
            raise StageFailed(Failure("preflight", "busy", first, None, per_router[first], routers=per_router), ExitCode.DEVICE)
        self.journal = opened
        self.report.facts.journal = str(opened.path)

    def _render(self, stages: list[tuple[int, Stage]]) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for idx, stage in stages:
            if stage.action != "push":
                continue
            out[stage.name] = {}
            for h in self._targets(stage.hosts):
                cmds = render_commands(stage.templates, self.intents[h], h, self.intents, self.rb.template_dirs())
                if cmds:
                    out[stage.name][h] = cmds
                    self._emit(ev.Rendered(stage=stage.name, index=idx, host=h, commands=tuple(cmds)))
        # The gates read back the stage's *rendered* lines (config-lines-present); the commands
        # pushed also carry the scope's removals and additions (preflight), which are not lines
        # the running configuration must hold: the gates keep their own copy.
        self.rendered = {stage: dict(per_host) for stage, per_host in out.items()}
        return out

    def _preflight(self, stages: list[tuple[int, Stage]], rendered: dict[str, dict[str, list[str]]]) -> None:
        """Lock and read every router, refuse busy ones, record the pre-run facts, then the
        whole change as one device-computed diff per router."""
        hosts = self._targets(["all"])
        self._emit(ev.PreflightStarted(hosts=tuple(hosts)))
        found = prepare(self.nr, hosts, wait=self.wait_lock, sleep=self.cancel.sleep)
        self.locked, self.unreachable, self.report.waited = found.locked, found.unreachable, found.waited
        for h, seen in found.states.items():
            self.state[h] = HostState(pre_config=seen.config, pre_sha=journal.sha256(seen.config),
                                      pre_saved_sha=journal.sha256(seen.saved),
                                      pre_commit=seen.commits[0].commit_id if seen.commits else None)
            listing = "\n".join(f"{c.commit_id} {c.label or '-'} {c.type or ''}" for c in seen.commits) or "(empty)"
            self._emit(ev.HostPrepared(host=h, config=seen.config, commit_list=listing))
            if seen.unsaved:
                self.report.unsaved_before.append(h)
        if found.errors:
            raise StageFailed(_failure_of("preflight", found.errors, "read"), ExitCode.DEVICE)
        if found.busy:
            waited = f" (waited {found.waited:g} s)" if self.wait_lock else ""
            busy = {h: f"{why}{waited}" for h, why in found.busy.items()}
            first = next(iter(busy))
            raise StageFailed(Failure("preflight", "busy", first, None, busy[first], routers=busy), ExitCode.DEVICE)
        for h, st in self.state.items():
            self._record("router", name=h, address=self._address(h), pre_commit=st.pre_commit,
                         pre_config_sha256=st.pre_sha, pre_saved_sha256=st.pre_saved_sha, pre_config=self.redact(st.pre_config))
        faults.reached("preflight", self._drop)
        self.cancel.check()

        # Replace within the managed scope: each stage's commands from its templates plus the
        # removals (and intended lines no template writes) its sections need on this router,
        # from the running configuration just read (the run's pre-run configuration).
        scoped = stage_commands(self.rb, self.intents, {s.name: self._targets(s.hosts) for s in self.rb.stages},
                                {h: st.pre_config for h, st in self.state.items()})
        rendered.update({s.name: scoped[s.name] for _i, s in stages if s.action == "push"})

        per_host: dict[str, dict[str, list[str]]] = {h: {} for h in hosts}
        for _i, s in stages:
            if s.action == "push":
                for h, cmds in rendered.get(s.name, {}).items():
                    per_host[h][s.name] = cmds
        plans = dry_run(self.nr, {h: [c for cmds in per_host[h].values() for c in cmds] for h in hosts})
        failures: dict[str, BaseException] = {}
        for h in hosts:
            d = plans[h]
            if d.error is not None:
                failures[h] = d.error
                continue
            self.state[h].converged = not d.changed
            self.state[h].plan_diff = d.diff if d.changed else ""
            self._emit(ev.PlanComputed(host=h, diff=d.diff if per_host[h] else None))
            if not d.changed:
                self.report.converged_before.append(h)
        self._emit(ev.PreflightDone(converged=tuple(self.report.converged_before)))
        if failures:
            first, exc = next(iter(failures.items()))
            if isinstance(exc, PushError):
                # Name the stage the rejected line belongs to: the run stops before any commit.
                msg = (f"{first}: {exc.command!r} rejected: {exc.message} (found while loading every stage "
                       "before the run; candidate discarded, nothing committed)")
                raise StageFailed(Failure(rejected_stage(exc, per_host[first]), "push", first, None, msg,
                                          routers=_messages(failures)), ExitCode.DEVICE)
            raise StageFailed(_failure_of("preflight", failures, "read"), ExitCode.DEVICE)
        if self.plan_check is not None:
            # Under the locks, before any change: the change file's approved diffs (changes/).
            refused = dict(self.plan_check({h: self.state[h].plan_diff for h in hosts}))
            if refused:
                first = next(iter(refused))
                raise StageFailed(Failure("preflight", "drift", first, None, refused[first], routers=refused), ExitCode.REFUSED)

    # -- push stages ------------------------------------------------------------------

    def _push_hosts(self, stage: Stage, rendered: dict[str, list[str]]) -> tuple[list[str], list[str]]:
        """The stage's routers, and those of them it pushes to (rendered and not already converged)."""
        targets = self._targets(stage.hosts)
        return targets, [h for h in targets if rendered.get(h) and not self.state[h].converged]

    def _push_stage(self, idx: int, stage: Stage, sr: StageReport, rendered: dict[str, list[str]]) -> None:
        targets, push_hosts = self._push_hosts(stage, rendered)
        for h in targets:
            sr.hosts[h] = HostStage(h, commands=len(rendered.get(h, [])))
            if h not in push_hosts:
                sr.hosts[h].status = "skipped" if not rendered.get(h) else "unchanged"
        if stage.rollout is None:
            self._batch(idx, stage, sr, targets, push_hosts, rendered)
            return
        # Canary (rollout.py): batch by batch, each gated on its own routers; the routers that
        # need no change carry no risk and are verified with the first batch.
        budget = Budget(stage.rollout.max_failures)
        batches = plan_batches(stage.rollout, push_hosts) or [[]]
        quiet = [h for h in targets if h not in push_hosts]
        for n, batch in enumerate(batches, 1):
            if n > 1:
                self._checkpoint(f"before batch {n} of stage {stage.name}")
            self._emit(ev.BatchStarted(stage=stage.name, index=idx, batch=n, of=len(batches), hosts=tuple(batch)))
            gated = [h for h in targets if h in batch or (n == 1 and h in quiet)]
            self._batch(idx, stage, sr, gated, batch, rendered, budget=budget, where=f"batch {n} of {len(batches)}")

    def _batch(self, idx: int, stage: Stage, sr: StageReport, gated: list[str], push_hosts: list[str],
               rendered: dict[str, list[str]], budget: Budget | None = None, where: str = "") -> None:
        """Push and trial-commit *push_hosts*, gate *gated*, confirm (the whole stage, or one canary batch)."""
        trial = self._push(idx, stage, sr, push_hosts, rendered)
        faults.reached(f"stage:{idx}:trial", self._drop)
        try:
            self._checkpoint(f"before the gates of stage {stage.name}")
            tolerated = self._gates(idx, stage, sr, gated, budget, where)
            if tolerated:
                self._abort(idx, stage.name, sr, [h for h in tolerated if self.state[h].in_trial])
                trial = [h for h in trial if h not in tolerated]
                self.report.tolerated.setdefault(stage.name, []).extend(tolerated)
                self._emit(ev.BatchTolerated(stage=stage.name, index=idx, batch=len(self.report.tolerated[stage.name]),
                                             hosts=tuple(tolerated)))
            faults.reached(f"stage:{idx}:confirm", self._drop)
            self._checkpoint(f"before confirming stage {stage.name}")
            self._confirm(idx, stage, sr, trial)
            faults.reached(f"stage:{idx}:confirmed", self._drop)
        except StageFailed:
            self._abort(idx, stage.name, sr, [h for h in trial if self.state[h].in_trial])
            raise

    # -- policies: locks, window, snapshots ---------------------------------------------

    def _hold_routers(self) -> None:
        """Take the history lock table's locks on every router of the run (or wait for them)."""
        if self.hold is None:
            return

        def waiting(held: Mapping[str, object]) -> None:
            self._emit(ev.LockWaiting(holders={r: str(getattr(lk, "holder", lk)) for r, lk in held.items()}))

        try:
            self.hold.take(wait=self.wait_lock, on_wait=waiting, sleep=self.cancel.sleep)
        except RouterBusy as exc:
            first = next(iter(exc.routers))
            raise StageFailed(Failure("preflight", "busy", first, None, exc.routers[first], routers=exc.routers),
                              ExitCode.DEVICE) from None
        except LockTableError as exc:  # nothing is changed without the lock
            raise StageFailed(Failure("preflight", "locks", None, None, exc.message), ExitCode.USAGE) from None
        self.report.facts.lock_holder = self.hold.holder

    def _checkpoint(self, where: str) -> None:
        """A safe point: a stop request, or a change window that closed, ends the stage here."""
        self.cancel.check()
        if self.window is None:
            return
        try:
            self.window.check(where)
        except WindowClosed as exc:
            stage = self.current[1].name if self.current else "preflight"
            raise StageFailed(Failure(stage, "window", None, None, exc.message), ExitCode.WINDOW) from None

    def _gate_sleep(self, seconds: float) -> None:
        """Between two gate polls: the window is checked, then a stop request ends the wait."""
        self._checkpoint("while the gates polled")
        self.cancel.sleep(seconds)

    def _window_before(self, stage: Stage, rendered: dict[str, list[str]]) -> None:
        """No stage starts whose gates plus a rollback could end after the window closes."""
        if self.window is None:
            return
        batches = 1
        if stage.rollout is not None:
            batches = max(1, len(plan_batches(stage.rollout, self._push_hosts(stage, rendered)[1])))
        try:
            self.window.before(f"stage {stage.name}", stage_budget(self.rb, stage, batches))
        except WindowClosed as exc:
            raise StageFailed(Failure(stage.name, "window", None, None, exc.message), ExitCode.WINDOW) from None

    def _snapshot(self, phase: str) -> None:
        """The touched routers' configuration and state before / after (best effort: never breaks a run)."""
        if self.snapshots is None:
            return
        hosts = [h for h, st in self.state.items() if not st.converged and h not in self.unreachable]
        if not hosts:
            return  # nothing touched: nothing to snapshot or prove
        try:
            if phase == "pre":
                self.snapshots.pre(self.nr, hosts)
            else:
                meant = {h: self.state[h].plan_diff if self.state[h].state in ("post-run", "partial") else "" for h in hosts}
                self.report.proof = self.snapshots.post(self.nr, hosts, meant)
        except Exception:
            log.exception("%s-change snapshot failed", phase)

    def _push(self, idx: int, stage: Stage, sr: StageReport, hosts: list[str], rendered: dict[str, list[str]]) -> list[str]:
        """Push + diff + trial commit on every router at once; return the routers in trial."""
        label = self._label(idx, stage)
        seconds, description = self._trial_seconds(stage), self._description()
        self._emit(ev.Pushing(stage=stage.name, index=idx, hosts=tuple(hosts)))
        if hosts:
            # Announced before any commit: a controller killed from here on leaves a journal
            # that says these routers may hold a trial (or more) of this run.
            self._record("trial", stage=stage.name, index=idx, label=label, routers=hosts)
            for h in hosts:
                self.state[h].first_label = self.state[h].first_label or label
        outcomes = run_step(self.nr, hosts, _change, f"push {stage.name}", commands=rendered,
                            seconds=seconds, label=label, description=description,
                            point=f"stage:{idx}:push", drop=self._drop)
        failed: dict[str, BaseException] = {}
        for h, o in outcomes.items():
            self._record_push(idx, stage, h, o)
            hs = sr.hosts[h]
            if o.error is not None:
                hs.status, hs.error = "failed", describe_error(o.error)
                failed[h] = o.error  # a failed commit_trial discarded or aborted its own trial
                continue
            change = o.value
            assert isinstance(change, StageChange)
            hs.diff = change.pushed.diff
            if change.commit_id is None:
                hs.status = "unchanged"
            else:
                hs.status, hs.commit_id = "trial", change.commit_id
                self.state[h].in_trial = True
                self.state[h].state = "changing"
                self._record("committed", name=h, stage=stage.name, label=label, commit_id=change.commit_id)
                self._emit(ev.HostCommitted(stage=stage.name, index=idx, host=h, commit_id=change.commit_id, label=label,
                                            trial_seconds=seconds, description=description))
            self._emit(ev.HostStatus(stage=stage.name, index=idx, host=h, status=hs.status))
        trial = [h for h in hosts if sr.hosts[h].status == "trial"]
        if failed:
            self._abort(idx, stage.name, sr, trial)
            first, exc = next(iter(failed.items()))
            kind = "push" if isinstance(exc, PushError) else "commit" if isinstance(exc, CommitError) else "read"
            raise StageFailed(Failure(stage.name, kind, first, None, describe_error(exc), routers=_messages(failed)), ExitCode.DEVICE)
        return trial

    def _record_push(self, idx: int, stage: Stage, host: str, o: Outcome) -> None:
        """Publish what the push did (or how far it got) for the record."""
        pushed = o.sub("push_config")
        if pushed is not None and not pushed.failed:
            p = pushed.result
            self._emit(ev.HostPushed(stage=stage.name, index=idx, host=host, transcript=p.transcript, diff=p.diff))
        elif isinstance(o.error, PushError):
            self._emit(ev.HostPushed(stage=stage.name, index=idx, host=host, transcript=tuple(o.error.transcript), diff=None))

    def _confirm(self, idx: int, stage: Stage, sr: StageReport, trial: list[str]) -> None:
        """Confirm, never blind: each router proves its trial is pending and ours, with time left,
        and afterwards that the confirmation took (``vrpbook.tasks.confirm``)."""
        outcomes = run_step(self.nr, trial, confirm, f"confirm {stage.name}",
                            label=self._label(idx, stage), margin=self.rb.defaults.confirm_margin)
        failed: dict[str, BaseException] = {}
        for h, o in outcomes.items():
            if o.error is not None:
                sr.hosts[h].status, sr.hosts[h].error = "failed", describe_error(o.error)
                failed[h] = o.error
                continue
            self.state[h].in_trial = False
            self.state[h].committed = True  # confirmed: the rollback must cover it
            self._record("confirmed", name=h, stage=stage.name, commit_id=o.value)
            sr.hosts[h].status = "confirmed"
            if h not in self.report.changed_hosts:
                self.report.changed_hosts.append(h)
            self._emit(ev.HostStatus(stage=stage.name, index=idx, host=h, status="confirmed"))
        if failed:
            first, exc = next(iter(failed.items()))
            raise StageFailed(Failure(stage.name, "confirm", first, None, describe_error(exc), routers=_messages(failed)), ExitCode.DEVICE)

    def _abort(self, idx: int, stage: str, sr: StageReport, trial: list[str]) -> None:
        """``abort trial`` where this stage's trial commit is pending: the routers revert it."""
        for h, o in run_step(self.nr, trial, abort_trial, f"abort {stage}").items():
            st = self.state[h]
            st.in_trial = False
            if o.ok:
                sr.hosts[h].status = "aborted" if o.value != NO_TRIAL else "reverted-by-router"
                if not st.committed and st.state == "changing":
                    st.state = "pre-run"  # its only change was this trial, and the router reverted it
            else:
                sr.hosts[h].status = "abort-failed"
                sr.hosts[h].error = describe_error(o.error) if o.error else None
                self.report.rollback.setdefault("errors", {})[h] = f"abort trial: {describe_error(o.error) if o.error else '?'}"
                st.state = "unknown"
            self._emit(ev.HostStatus(stage=stage, index=idx, host=h, status=sr.hosts[h].status))

    # -- gates -------------------------------------------------------------------------

    def _schedule(self, stage: Stage, stage_hosts: list[str], source: str = "") -> list[ScheduledCheck]:
        return gating.schedule(self.rb, stage, stage_hosts, self._targets, self.rendered.get(stage.name), source)

    def _gates(self, idx: int, stage: Stage, sr: StageReport, targets: list[str],
               budget: Budget | None = None, where: str = "") -> list[str]:
        """Poll the stage's gates on *targets*. A failure stops the stage — unless a canary
        *budget* absorbs the failed routers: they are returned (to be aborted) and the rest go on."""
        checks = self._schedule(stage, targets, source=f"run:{self.run_id}/{stage.name}")
        outcomes = gating.poll_gates(self.nr, self.intents, idx, stage, checks, self._emit, self._gate_sleep,
                                     on_verdict=lambda: faults.reached(f"stage:{idx}:gates", self._drop))
        sr.gates.extend(outcomes)
        bad = [g for g in outcomes if not g.passed]
        if not bad:
            return []
        failed = [h for h in targets if any(r.router == h for g in bad for r in g.failing())]
        if budget is not None and budget.absorbs(failed):
            return failed
        raise self._gate_failure(stage, bad, f"{where}: {budget.describe(failed)}: " if budget is not None else "")

    @staticmethod
    def _gate_failure(stage: Stage, bad: list[GateOutcome], prefix: str) -> StageFailed:
        first = bad[0]
        error = first.status == "error"
        code = ExitCode.DEVICE if error else ExitCode.GATE
        evidence = {r.router: r.observed for r in first.failing()}
        routers = {r.router: r.message for g in bad for r in g.failing()}
        return StageFailed(Failure(stage.name, "read" if error else "gate", None, first.gate, prefix + first.message,
                                   evidence, routers), code)

    # -- save ------------------------------------------------------------------------------

    def _save_stage(self, idx: int, stage: Stage, sr: StageReport) -> None:
        """Save every router whose saved configuration differs from its running one — not only
        the routers this run committed on (a run killed between confirm and save, then re-run,
        must still save)."""
        targets = [h for h in self._targets(stage.hosts) if h in self.state]
        for h in targets:
            sr.hosts[h] = HostStage(h)
        self._record("saving", routers=targets)
        faults.reached("save", self._drop)
        self.cancel.check()
        failed: dict[str, BaseException] = {}
        for h, o in run_step(self.nr, targets, save_if_unsaved, "save").items():
            if o.error is not None:
                sr.hosts[h].status, sr.hosts[h].error = "failed", describe_error(o.error)
                failed[h] = o.error
                continue
            if not o.value:
                sr.hosts[h].status = "unchanged"  # saved configuration already equals the running one
                continue
            self.state[h].saved = True
            self._record("saved", name=h)
            sr.hosts[h].status = "saved"
            self._emit(ev.HostSaved(stage=stage.name, index=idx, host=h, output=str(o.value)))
            self._emit(ev.HostStatus(stage=stage.name, index=idx, host=h, status="saved"))
        if failed:
            first, exc = next(iter(failed.items()))
            raise StageFailed(Failure(stage.name, "save", first, None, describe_error(exc), routers=_messages(failed)), ExitCode.DEVICE)

    # -- rollback ---------------------------------------------------------------------------

    def _rollback_run(self) -> None:
        """Every router goes back to its pre-run configuration and is verified (:mod:`.recovery`):
        routers this run committed on are rolled back to their pre-run commit; the others are
        proven unchanged."""
        touched = [h for h, st in self.state.items() if st.committed]
        self._emit(ev.RollbackStarted(hosts=tuple(touched)))
        errors: dict[str, str] = dict(self.report.rollback.get("errors", {}))
        verified: list[str] = []
        targets = {h: PreRun(commit=st.pre_commit, config_sha256=st.pre_sha, saved_sha256=st.pre_saved_sha, resave=st.saved,
                             first_label=st.first_label) for h, st in self.state.items()}
        for h, done in restore_all(self.nr, targets).items():
            st = self.state[h]
            if isinstance(done, BaseException):
                errors[h] = describe_error(done)
                st.state = "unknown"
                self.report.outcome[h] = f"unknown: {errors[h]}"
                continue
            errors.pop(h, None)  # an abort that failed earlier is superseded by a verified restore
            verified.append(h)
            st.state, st.in_trial = "pre-run", False
            self.report.outcome[h] = describe_restored(done)
        self.report.rollback = {"rolled_back": touched, "verified": sorted(verified), "errors": errors}
        self.report.status = "rolled-back" if not errors else "rollback-failed"
        self._emit(ev.RollbackDone(rolled_back=tuple(touched), verified=tuple(sorted(verified)), errors=errors))

    # -- the record: state, configuration and dialogue around the run -----------------------

    def _observe_state(self, tag: str) -> None:
        """The protocol state the change met and left, as the gates read it (best effort)."""
        checks = [c for _i, stage in self._stages() for c in self._schedule(stage, self._targets(stage.hosts))]
        record.observe_state(self.nr, self.intents, checks, self.unreachable, tag, self._emit)


def _messages(errors: dict[str, BaseException]) -> dict[str, str]:
    return {h: describe_error(e) for h, e in errors.items()}


def _failure_of(stage: str, errors: dict[str, BaseException], kind: str) -> Failure:
    """One failure naming every router it hit (the first router is the headline)."""
    first, exc = next(iter(errors.items()))
    if all(isinstance(e, ConnectionFailed) for e in errors.values()):
        kind = "connect"
    return Failure(stage, kind, first, None, describe_error(exc), routers=_messages(errors))
