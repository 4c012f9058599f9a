"""The runbook engine: it only orchestrates. Stage by stage: push → diff → commit trial → gates → confirm.

A run:

1. renders every stage for every router from the intent (before connecting);
2. preflight, on every router at once: lock the configuration
   (``configuration exclusive``), snapshot the running configuration and the
   commit list, then the one dry run (:func:`.plan.dry_run`): all stages in
   the candidate, the router's own diff, discarded. A router whose total diff
   is empty already matches the intent and gets no push at all;
3. per stage, on all its routers at once: push and diff, ``commit trial`` if
   the diff is not empty, poll the stage's gates (:mod:`vrpbook.checks`), then
   confirm on success or ``abort trial`` on failure;
4. on failure the stage's policy applies (``rollback-run``: every router this
   run committed on goes back to its pre-run commit and is compared with its
   pre-run snapshot; ``rollback-stage``: the aborted trial is all);
5. a ``save`` stage saves every router the run changed.

Each step is a small method running real Nornir tasks (:mod:`vrpbook.tasks`).
What happens is published as typed events (:mod:`.events`); the progress
display and the artifacts writer subscribe. Stage order is the only
serialisation.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from nornir.core import Nornir
from nornir.core.task import Result, Task

from vrpbook.checks.polling import Observed, ScheduledCheck, command_plan, poll, read_all
from vrpbook.checks.registry import CHECKS
from vrpbook.errors import (
    CommitError,
    ConnectionFailed,
    DeviceError,
    ExitCode,
    IntentError,
    PushError,
    UsageError,
    describe_error,
)
from vrpbook.events import Event, EventBus, ResultRecorded
from vrpbook.intent import NetworkIntent
from vrpbook.inventory import select_hosts
from vrpbook.results import CheckResult
from vrpbook.tasks import abort_trial, commit_list, commit_trial, confirm, lock, push_config, rollback, save, snapshot, unlock
from vrpbook.tasks.channel import CONNECTION, VrpChannel
from vrpbook.tasks.push_config import Pushed

from . import events as ev
from .plan import dry_run, rejected_stage
from .render import render_commands
from .report import Failure, GateOutcome, HostStage, RunReport, StageReport
from .schema import Runbook, Stage
from .stage_commands import stage_commands
from .steps import Outcome, run_step

log = logging.getLogger(__name__)


@dataclass
class HostState:
    """What the engine knows about one router across the run."""

    pre_config: str = ""
    pre_commit: str | None = None  # newest commit ID before the run (None: no history)
    converged: bool = False
    committed: bool = False  # at least one confirmed commit by this run
    in_trial: bool = False


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


def _prepare(task: Task) -> Result:
    """Grouped task: lock first (so no other session commits between our snapshot and our
    run; VRP8.md §3.8), then the snapshot and the commit list."""
    task.run(task=lock)
    config = task.run(task=snapshot).result
    commits = task.run(task=commit_list).result
    return Result(host=task.host, result=(config, commits))


def _change(task: Task, commands: dict[str, list[str]], seconds: int, label: str, description: str) -> Result:
    """Grouped task: push and diff; trial-commit only when the router's diff shows a change."""
    pushed = task.run(task=push_config, commands=commands[task.host.name]).result
    if not pushed.changed:
        return Result(host=task.host, result=StageChange(pushed, None), diff=pushed.diff, changed=False)
    cid = task.run(task=commit_trial, seconds=seconds, label=label, description=description).result
    return Result(host=task.host, result=StageChange(pushed, cid), diff=pushed.diff, changed=True)


def _roll_back(task: Task, to_commit: dict[str, str | None], pre_config: dict[str, str]) -> Result:
    """Grouped task: roll back, then verify the configuration equals the pre-run snapshot."""
    out = task.run(task=rollback, to_commit=to_commit[task.host.name])
    after = task.run(task=snapshot).result
    if after != pre_config[task.host.name]:
        raise DeviceError("configuration after rollback differs from the pre-run snapshot", router=task.host.name)
    return Result(host=task.host, result=out.result, changed=out.changed)


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
    ) -> None:
        self.rb = runbook
        self.intents = intents
        self.nr = nr
        self.bus = bus
        self.run_id = run_id
        self.ticket = ticket
        self.host_filter = hosts
        self.only_stage = stage
        self.state: dict[str, HostState] = {}
        self.locked: list[str] = []  # routers whose configuration lock this run took
        self.unreachable: set[str] = set()  # routers no session could be opened to
        self.report = RunReport(run_id, runbook.name, datetime.now(UTC).isoformat())
        missing = sorted(set(nr.inventory.hosts) - set(intents))
        if missing:
            raise IntentError(f"hosts without intent: {missing}")

    # -- helpers --------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        self.bus.publish(event)

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

    def _trial_seconds(self, stage: Stage) -> int:
        if self.rb.defaults.trial_seconds:
            return self.rb.defaults.trial_seconds
        total = sum(g.deadline or self.rb.defaults.gate_deadline for g in stage.gates)
        return int(min(65535, max(60, math.ceil(total) + 60)))

    def _description(self) -> str:
        return (self.ticket or f"vrpbook {self.rb.name}")[:60]

    # -- the run --------------------------------------------------------------

    def run(self) -> RunReport:
        t0 = time.monotonic()
        try:
            self._run()
        except StageFailed as exc:
            self._fail(exc.failure, exc.code)
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
        self._preflight(stages, rendered)
        self._observe_state("pre")
        for idx, stage in stages:
            sr = StageReport(stage.name, idx)
            self.report.stages.append(sr)
            t = time.monotonic()
            self._emit(ev.StageStarted(stage=stage.name, index=idx))
            failed: StageFailed | None = None
            try:
                if stage.action == "save":
                    self._save_stage(idx, stage, sr)
                else:
                    self._push_stage(idx, stage, sr, rendered.get(stage.name, {}))
            except StageFailed as exc:
                failed = exc
                self._fail(exc.failure, exc.code)
            sr.status = "failed" if failed else "passed"
            sr.seconds = round(time.monotonic() - t, 3)
            self._emit(ev.StageFinished(stage=stage.name, index=idx, report=sr))
            if failed:
                self._on_failure(stage)
                return
        self.report.status = "ok"
        self.report.exit_code = int(ExitCode.OK)

    def _on_failure(self, stage: Stage) -> None:
        """The failure policy; ``rollback-stage`` needs nothing more (its trial was aborted)."""
        policy = stage.on_failure or self.rb.defaults.on_failure
        if policy == "rollback-run":
            self._rollback_run()

    def _fail(self, failure: Failure, code: ExitCode) -> None:
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
        if self.rb.defaults.on_failure == "rollback-run" and any(st.committed for st in self.state.values()):
            try:
                self._rollback_run()
            except Exception:  # pragma: no cover
                log.exception("rollback after internal error failed")
        self.report.exit_code = int(ExitCode.INTERNAL)

    def _finish(self, t0: float) -> None:
        if self.report.rollback.get("errors") and self.report.exit_code == int(ExitCode.GATE):
            # An abort or rollback failed: the network may not be back where it was.
            self.report.exit_code = int(ExitCode.DEVICE)
        self.report.seconds = round(time.monotonic() - t0, 3)
        self.report.finished = datetime.now(UTC).isoformat()
        self._config_after()
        if self.state:
            self._observe_state("post")
        run_step(self.nr, self.locked, unlock, "unlock")
        self._transcripts()
        self._emit(ev.RunFinished(report=self.report))

    # -- render & preflight ------------------------------------------------------

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
        return out

    def _preflight(self, stages: list[tuple[int, Stage]], rendered: dict[str, dict[str, list[str]]]) -> None:
        """Lock, snapshot, commit list, and the whole change as one device-computed diff, per router."""
        hosts = self._targets(["all"])
        self._emit(ev.PreflightStarted(hosts=tuple(hosts)))
        prepared = run_step(self.nr, hosts, _prepare, "prepare")
        errors = {h: o.error for h, o in prepared.items() if o.error is not None}
        for h, o in prepared.items():
            took = o.sub("lock")
            if took is not None and not took.failed:
                self.locked.append(h)
            if isinstance(o.error, ConnectionFailed):
                self.unreachable.add(h)
            if o.error is None:
                config, commits = o.value
                self.state[h] = HostState(pre_config=config, pre_commit=commits[0].commit_id if commits else None)
                listing = "\n".join(f"{c.commit_id} {c.label or '-'} {c.type or ''}" for c in commits) or "(empty)"
                self._emit(ev.HostPrepared(host=h, config=config, commit_list=listing))
        if errors:
            raise StageFailed(_failure_of("preflight", errors, "read"), ExitCode.DEVICE)

        # Replace within the managed scope: each stage's commands from its templates plus the
        # removals (and intended lines no template writes) its sections need on this router.
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

    # -- push stages ------------------------------------------------------------------

    def _push_stage(self, idx: int, stage: Stage, sr: StageReport, rendered: dict[str, list[str]]) -> None:
        targets = self._targets(stage.hosts)
        for h in targets:
            sr.hosts[h] = HostStage(h, commands=len(rendered.get(h, [])))
        push_hosts = [h for h in targets if rendered.get(h) and not self.state[h].converged]
        for h in targets:
            if h not in push_hosts:
                sr.hosts[h].status = "skipped" if not rendered.get(h) else "unchanged"
        trial = self._push(idx, stage, sr, push_hosts, rendered)
        try:
            self._gates(idx, stage, sr, targets)
            self._confirm(idx, stage, sr, trial)
        except StageFailed:
            self._abort(idx, stage.name, sr, [h for h in trial if self.state[h].in_trial])
            raise

    def _push(self, idx: int, stage: Stage, sr: StageReport, hosts: list[str], rendered: dict[str, list[str]]) -> list[str]:
        """Push + diff + trial commit on every router at once; return the routers in trial."""
        label = f"vrpbook-{self.run_id}-{idx:02d}-{stage.name}"
        seconds, description = self._trial_seconds(stage), self._description()
        self._emit(ev.Pushing(stage=stage.name, index=idx, hosts=tuple(hosts)))
        outcomes = run_step(self.nr, hosts, _change, f"push {stage.name}", commands=rendered,
                            seconds=seconds, label=label, description=description)
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
        outcomes = run_step(self.nr, trial, confirm, f"confirm {stage.name}")
        failed: dict[str, BaseException] = {}
        for h, o in outcomes.items():
            if o.error is not None:
                sr.hosts[h].status, sr.hosts[h].error = "failed", describe_error(o.error)
                failed[h] = o.error
                continue
            self.state[h].in_trial = False
            self.state[h].committed = True  # confirmed: the rollback must cover it
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
            self.state[h].in_trial = False
            sr.hosts[h].status = "aborted" if o.ok else "abort-failed"
            if o.error is not None:
                sr.hosts[h].error = describe_error(o.error)
                self.report.rollback.setdefault("errors", {})[h] = f"abort trial: {describe_error(o.error)}"
            self._emit(ev.HostStatus(stage=stage, index=idx, host=h, status=sr.hosts[h].status))

    # -- gates -------------------------------------------------------------------------

    def _schedule(self, stage: Stage, stage_hosts: list[str], source: str = "") -> list[ScheduledCheck]:
        return [
            ScheduledCheck(
                name=spec.check,
                check=CHECKS[spec.check],
                params=CHECKS[spec.check].parse_params(spec.params),  # validated at load time too
                routers=self._targets(spec.hosts) if spec.hosts else stage_hosts,
                deadline=spec.deadline or self.rb.defaults.gate_deadline,
                interval=spec.interval or self.rb.defaults.gate_interval,
                source=source,
            )
            for spec in stage.gates
        ]

    def _gates(self, idx: int, stage: Stage, sr: StageReport, targets: list[str]) -> None:
        sr.gates = self._poll_gates(idx, stage, targets)
        bad = [g for g in sr.gates if not g.passed]
        if bad:
            first = bad[0]
            error = first.status == "error"
            code = ExitCode.DEVICE if error else ExitCode.GATE
            evidence = {r.router: r.observed for r in first.failing()}
            routers = {r.router: r.message for g in bad for r in g.failing()}
            raise StageFailed(Failure(stage.name, "read" if error else "gate", None, first.gate, first.message, evidence, routers), code)

    def _poll_gates(self, idx: int, stage: Stage, stage_hosts: list[str]) -> list[GateOutcome]:
        """Poll every gate of the stage until it passes, errors, or its deadline passes."""
        checks = self._schedule(stage, stage_hosts, source=f"run:{self.run_id}/{stage.name}")
        for c in checks:
            self._emit(ev.GatePolling(stage=stage.name, index=idx, gate=c.name))

        def done(c: ScheduledCheck, results: list[CheckResult], observed: Observed) -> None:
            for r in results:
                self._emit(ResultRecorded(result=r))
            seen = {
                h: {cmd: observed[h][cmd] for cmd in cmds if cmd in observed.get(h, {})}
                for h, cmds in c.commands(self.intents).items()
            }
            self._emit(ev.GateDone(stage=stage.name, index=idx, outcome=GateOutcome.of(c.name, results), observed=seen))

        polled = poll(self.nr, self.intents, checks, done)
        return [GateOutcome.of(c.name, results) for c, results in zip(checks, polled, strict=True)]

    # -- save ------------------------------------------------------------------------------

    def _save_stage(self, idx: int, stage: Stage, sr: StageReport) -> None:
        targets = self._targets(stage.hosts)
        hosts = [h for h in targets if self.state[h].committed]
        for h in targets:
            sr.hosts[h] = HostStage(h, status="pending" if h in hosts else "unchanged")
        failed: dict[str, BaseException] = {}
        for h, o in run_step(self.nr, hosts, save, "save").items():
            if o.error is not None:
                sr.hosts[h].status, sr.hosts[h].error = "failed", describe_error(o.error)
                failed[h] = o.error
                continue
            sr.hosts[h].status = "saved"
            self._emit(ev.HostSaved(stage=stage.name, index=idx, host=h, output=str(o.value)))
            self._emit(ev.HostStatus(stage=stage.name, index=idx, host=h, status="saved"))
        if failed:
            first, exc = next(iter(failed.items()))
            raise StageFailed(Failure(stage.name, "save", first, None, describe_error(exc), routers=_messages(failed)), ExitCode.DEVICE)

    # -- rollback ---------------------------------------------------------------------------

    def _rollback_run(self) -> None:
        """Every router this run committed on goes back to its pre-run commit, then is verified;
        every other router is verified to be at its pre-run configuration."""
        touched = [h for h, st in self.state.items() if st.committed]
        self._emit(ev.RollbackStarted(hosts=tuple(touched)))
        errors: dict[str, str] = dict(self.report.rollback.get("errors", {}))
        verified: list[str] = []
        outcomes = run_step(self.nr, touched, _roll_back, "rollback",
                            to_commit={h: self.state[h].pre_commit for h in touched},
                            pre_config={h: self.state[h].pre_config for h in touched})
        for h, o in outcomes.items():
            if o.error is not None:
                errors[h] = describe_error(o.error)
            else:
                verified.append(h)
        untouched = [h for h, st in self.state.items() if not st.committed]
        for h, o in run_step(self.nr, untouched, snapshot, "verify").items():
            if o.error is not None:
                errors[h] = describe_error(o.error)
            elif o.value != self.state[h].pre_config:
                errors[h] = "configuration differs from the pre-run snapshot"
            else:
                verified.append(h)
        self.report.rollback = {"rolled_back": touched, "verified": sorted(verified), "errors": errors}
        self.report.status = "rolled-back" if not errors else "rollback-failed"
        self._emit(ev.RollbackDone(rolled_back=tuple(touched), verified=tuple(sorted(verified)), errors=errors))

    # -- the record: state, configuration and dialogue around the run -----------------------

    def _observe_state(self, tag: str) -> None:
        """Read every display the runbook's gates read, per router, before and after the run,
        so the record shows the protocol state the change met and left (best effort)."""
        checks = [c for _i, stage in self._stages() for c in self._schedule(stage, self._targets(stage.hosts))]
        plan = {h: cmds for h, cmds in command_plan(checks, self.intents).items() if h not in self.unreachable}
        try:
            observed = read_all(self.nr, plan)
        except Exception as exc:  # pragma: no cover - the record must not break a run
            log.warning("%s state snapshot failed: %s", tag, exc)
            return
        for h, cmds in observed.items():
            for obs in cmds.values():
                self._emit(ev.StateObserved(host=h, tag=tag, observation=obs))

    def _config_after(self) -> None:
        hosts = [h for h in self._targets(["all"]) if h not in self.unreachable]
        for h, o in run_step(self.nr, hosts, snapshot, "post-snapshot").items():
            if o.error is None:
                self._emit(ev.ConfigAfter(host=h, config=str(o.value)))

    def _transcripts(self) -> None:
        for name, host in self.nr.inventory.hosts.items():
            conn = host.connections.get(CONNECTION)
            chan = conn.connection if conn is not None else None
            if isinstance(chan, VrpChannel):
                self._emit(ev.Transcript(host=name, lines=tuple(chan.transcript)))


def _messages(errors: dict[str, BaseException]) -> dict[str, str]:
    return {h: describe_error(e) for h, e in errors.items()}


def _failure_of(stage: str, errors: dict[str, BaseException], kind: str) -> Failure:
    """One failure naming every router it hit (the first router is the headline)."""
    first, exc = next(iter(errors.items()))
    if all(isinstance(e, ConnectionFailed) for e in errors.values()):
        kind = "connect"
    return Failure(stage, kind, first, None, describe_error(exc), routers=_messages(errors))
