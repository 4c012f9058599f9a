"""The runbook engine: stage by stage, push → diff → commit trial → gates → confirm.

A run:
1. renders every stage for every router from the intent (before connecting);
2. preflight, on every router at once: lock the configuration
   (``configuration exclusive``), snapshot the running configuration and the
   commit list, then load *all* stages into the candidate, read the
   router's own diff and discard it. A router whose total diff is empty already
   matches the intent and gets no push at all (a second run commits nothing);
3. per stage, on all its routers at once: push (any ``Error:`` → discard, fail),
   read the diff, ``commit trial`` if it is not empty, poll the stage's gates,
   then confirm (``commit``) on success or ``abort trial`` on failure;
4. on failure (default ``rollback-run``) every router this run committed on is
   rolled back to the commit it had before the run and compared with its
   pre-run snapshot;
5. a ``save`` stage saves every router the run changed.
Stage order is the only serialisation.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from nornir.core import Nornir
from nornir.core.task import Task

from vrpbook.tasks.channel import channel_for
from vrpbook.tasks.collect import Observation
from vrpbook.tasks.commit import CommitError, abort_trial, commit_trial, confirm_trial, read_commit_list
from vrpbook.tasks.diff import diff_is_empty, dry_run_diff, read_diff
from vrpbook.tasks.discard import discard
from vrpbook.tasks.lock import lock, unlock
from vrpbook.tasks.push import PushError, push_lines
from vrpbook.tasks.render import RenderError, render_commands
from vrpbook.tasks.rollback import rollback
from vrpbook.tasks.save import save
from vrpbook.tasks.snapshot import snapshot

from .artifacts import Artifacts
from .parallel import run_each
from .polling import Observed, ScheduledGate, collect, command_plan, poll
from .report import Emit, ExitCode, Failure, HostStage, RunReport, StageReport, describe_error
from .gates import GATES, GateResult
from .intent import HostIntent, IntentError
from .inventory import InventoryError, select_hosts
from .schema import Runbook, RunbookError, Stage

log = logging.getLogger(__name__)


@dataclass
class HostState:
    """What the engine knows about one router across the run."""

    pre_config: str = ""
    pre_commit: str | None = None  # newest commit ID before the run (None: no history)
    plan_diff: str = ""
    converged: bool = False
    committed: bool = False  # at least one confirmed commit by this run
    in_trial: bool = False


class Engine:
    """Runs one runbook over one Nornir inventory. Not reusable across runs."""

    def __init__(
        self,
        runbook: Runbook,
        intents: dict[str, HostIntent],
        nr: Nornir,
        artifacts: Artifacts,
        *,
        run_id: str,
        ticket: str | None = None,
        hosts: list[str] | None = None,
        stage: str | None = None,
        emit: Emit | None = None,
    ) -> None:
        self.rb = runbook
        self.intents = intents
        self.nr = nr
        self.art = artifacts
        self.run_id = run_id
        self.ticket = ticket
        self.host_filter = hosts
        self.only_stage = stage
        self.emit: Emit = emit or (lambda *_a, **_k: None)
        self.state: dict[str, HostState] = {}
        self.report = RunReport(run_id, runbook.name, datetime.now(timezone.utc).isoformat())
        missing = sorted(set(nr.inventory.hosts) - set(intents))
        if missing:
            raise IntentError(f"hosts without intent: {missing}")

    # -- helpers --------------------------------------------------------------

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

    def _all_hosts(self) -> list[str]:
        return self._targets(["all"])

    def _stage_dir(self, idx: int, stage: Stage) -> str:
        return f"stages/{idx:02d}-{stage.name}"

    def _write(self, rel: str, text: str) -> None:
        self.art.write_text(tuple(rel.split("/")), text)

    def _trial_seconds(self, stage: Stage) -> int:
        if self.rb.defaults.trial_seconds:
            return self.rb.defaults.trial_seconds
        total = sum(g.deadline or self.rb.defaults.gate_deadline for g in stage.gates)
        return int(min(65535, max(60, math.ceil(total) + 60)))

    def _description(self) -> str:
        text = self.ticket or f"vrpbook {self.rb.name}"
        return text[:60]

    # -- the run --------------------------------------------------------------

    def run(self) -> RunReport:
        t0 = time.monotonic()
        try:
            self._run()
        except (InventoryError, RenderError, RunbookError, IntentError) as exc:
            # Runbook/inventory mismatch found while rendering: nothing was connected to.
            self._fail(Failure("render", "usage", None, None, describe_error(exc)), ExitCode.USAGE)
        except Exception as exc:  # a bug: record it, and leave the network as it was
            log.exception("internal error")
            self._fail(Failure("internal", "internal", None, None, f"{type(exc).__name__}: {describe_error(exc)}"), ExitCode.INTERNAL)
            self._recover()
        finally:
            if self.report.rollback.get("errors") and self.report.exit_code == int(ExitCode.GATE):
                # An abort or rollback failed: the network may not be back where it was.
                self.report.exit_code = int(ExitCode.DEVICE)
            self.report.seconds = round(time.monotonic() - t0, 3)
            self.report.finished = datetime.now(timezone.utc).isoformat()
            self._post_snapshots()
            if self.state:
                self._state_snapshot("post")
            run_each(self.nr, list(self.state), lambda task: unlock(channel_for(task)), "unlock")
            self._write_transcripts()
            self.art.write_json(("report.json",), self.report)
            self.emit("done", report=self.report)
        return self.report

    def _recover(self) -> None:
        """After an internal error: abort pending trials, then roll the run back (best effort;
        a trial nobody confirms also reverts by itself when its timer expires)."""
        pending = [h for h, st in self.state.items() if st.in_trial]
        if pending:
            sr = StageReport("internal", 0, hosts={h: HostStage(h) for h in pending})
            try:
                self._abort(Stage(name="internal", action="save"), sr, pending)
            except Exception:  # pragma: no cover
                log.exception("abort after internal error failed")
        if self.rb.defaults.on_failure == "rollback-run" and any(st.committed for st in self.state.values()):
            try:
                self._rollback_run()
            except Exception:  # pragma: no cover
                log.exception("rollback after internal error failed")
        self.report.exit_code = int(ExitCode.INTERNAL)

    def _fail(self, failure: Failure, code: ExitCode) -> None:
        self.report.failure = failure
        self.report.exit_code = int(code)
        self.report.status = "failed"
        log.error("stage %s failed (%s) on %s: %s", failure.stage, failure.kind, failure.host or "-", failure.message)
        self.emit("failure", failure=failure)

    def _run(self) -> None:
        stages = self._stages()
        hosts = self._all_hosts()
        rendered = self._render(stages, hosts)
        if not self._preflight(stages, hosts, rendered):
            return
        self._state_snapshot("pre")
        for idx, stage in stages:
            sr = StageReport(stage.name, idx)
            self.report.stages.append(sr)
            t = time.monotonic()
            self.emit("stage-start", stage=stage, index=idx)
            if stage.action == "save":
                ok = self._save_stage(idx, stage, sr)
            else:
                ok = self._push_stage(idx, stage, sr, rendered.get(stage.name, {}))
            sr.seconds = round(time.monotonic() - t, 3)
            self.emit("stage-end", stage=stage, report=sr)
            if not ok:
                policy = stage.on_failure or self.rb.defaults.on_failure
                if policy == "rollback-run":
                    self._rollback_run()
                return
        self.report.status = "ok"
        self.report.exit_code = int(ExitCode.OK)

    # -- render & preflight ------------------------------------------------------

    def _render(self, stages: list[tuple[int, Stage]], hosts: list[str]) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for idx, stage in stages:
            if stage.action != "push":
                continue
            out[stage.name] = {}
            for h in self._targets(stage.hosts):
                cmds = render_commands(stage.templates, self.intents[h], h, self.intents, self.rb.template_dirs())
                if cmds:
                    out[stage.name][h] = cmds
                    self._write(f"{self._stage_dir(idx, stage)}/{h}/rendered.txt", "\n".join(cmds))
        return out

    def _preflight(self, stages: list[tuple[int, Stage]], hosts: list[str], rendered: dict[str, dict[str, list[str]]]) -> bool:
        """Snapshot, commit list, and the whole change as one device-computed diff, per router."""
        self.emit("preflight", hosts=hosts)

        def before(task: Task) -> dict[str, Any]:
            chan = channel_for(task)
            # Lock first, so no other session commits between our snapshot and our run
            # (VRP8.md §3.8; released by `undo configuration exclusive` or at logout).
            lock(chan)
            return {"pre": snapshot(chan), "commits": read_commit_list(chan)}

        def whole_change(task: Task) -> str | None:
            cmds = [c for _i, s in stages if s.action == "push" for c in rendered.get(s.name, {}).get(task.host.name, [])]
            if not cmds:
                return None
            return dry_run_diff(channel_for(task), cmds)

        snaps = run_each(self.nr, hosts, before, "pre-snapshot")
        for h in hosts:
            value, exc = snaps[h]
            if exc is not None:
                self._fail(Failure("preflight", "read", h, None, describe_error(exc)), ExitCode.DEVICE)
                return False
            st = HostState(pre_config=value["pre"])
            st.pre_commit = value["commits"][0].commit_id if value["commits"] else None
            self.state[h] = st
            self._write(f"hosts/{h}/pre-config.txt", value["pre"])
            self._write(f"hosts/{h}/pre-commit-list.txt", "\n".join(f"{c.commit_id} {c.label or '-'} {c.type or ''}" for c in value["commits"]) or "(empty)")

        diffs = run_each(self.nr, hosts, whole_change, "plan")
        for h in hosts:
            diff, exc = diffs[h]
            if exc is None:
                self.state[h].plan_diff = diff or ""
                self.state[h].converged = diff is None or diff_is_empty(diff)
                self._write(f"hosts/{h}/plan.diff", diff or "(no change)")
                if self.state[h].converged:
                    self.report.converged_before.append(h)
                continue
            if self.report.failure:
                continue
            if isinstance(exc, PushError):
                # Name the stage the rejected line belongs to: the run stops before any commit.
                stage_name, n = "preflight", exc.index
                for _i, s in stages:
                    cmds = rendered.get(s.name, {}).get(h, []) if s.action == "push" else []
                    if n < len(cmds):
                        stage_name = s.name
                        break
                    n -= len(cmds)
                msg = f"{h}: {exc.command!r} rejected: {exc.message} (found while loading every stage before the run; candidate discarded, nothing committed)"
                self._fail(Failure(stage_name, "push", h, None, msg), ExitCode.DEVICE)
            else:
                self._fail(Failure("preflight", "read", h, None, describe_error(exc)), ExitCode.DEVICE)
        self.emit("preflight-done", converged=list(self.report.converged_before))
        return self.report.failure is None

    # -- push stages ------------------------------------------------------------------

    def _push_stage(self, idx: int, stage: Stage, sr: StageReport, rendered: dict[str, list[str]]) -> bool:
        sdir = self._stage_dir(idx, stage)
        targets = self._targets(stage.hosts)
        for h in targets:
            sr.hosts[h] = HostStage(h, commands=len(rendered.get(h, [])))
        push_hosts = [h for h in targets if rendered.get(h) and not self.state[h].converged]
        for h in targets:
            if h not in push_hosts:
                sr.hosts[h].status = "skipped" if not rendered.get(h) else "unchanged"
        label = f"vrpbook-{self.run_id}-{idx:02d}-{stage.name}"
        seconds = self._trial_seconds(stage)
        description = self._description()
        self.emit("push", stage=stage, hosts=push_hosts)

        def work(task: Task) -> dict[str, Any]:
            chan = channel_for(task)
            start = len(chan.transcript)
            try:
                push_lines(chan, rendered[task.host.name])
            finally:
                self._write(f"{sdir}/{task.host.name}/push.txt", "\n".join(chan.transcript[start:]))
            try:
                diff = read_diff(chan)
                self._write(f"{sdir}/{task.host.name}/candidate.diff", diff or "(empty)")
                empty = diff_is_empty(diff)
            except Exception:
                discard(chan)  # never leave a half-judged candidate behind
                raise
            if empty:
                discard(chan)
                return {"changed": False, "diff": diff}
            cid = commit_trial(chan, seconds, label, description)
            self.state[task.host.name].in_trial = True
            self.art.write_json(
                (*sdir.split("/"), task.host.name, "commit.json"),
                {"commit_id": cid, "label": label, "trial_seconds": seconds, "description": description},
            )
            return {"changed": True, "diff": diff, "commit_id": cid}

        results = run_each(self.nr, push_hosts, work, f"push {stage.name}")
        failed: Failure | None = None
        for h in push_hosts:
            value, exc = results[h]
            hs = sr.hosts[h]
            if exc is not None:
                hs.status, hs.error = "failed", describe_error(exc)
                kind = "push" if isinstance(exc, PushError) else "commit" if isinstance(exc, CommitError) else "read"
                failed = failed or Failure(stage.name, kind, h, None, describe_error(exc))
                continue
            hs.diff = value["diff"]
            if value["changed"]:
                hs.status, hs.commit_id = "trial", value["commit_id"]
            else:
                hs.status = "unchanged"
            self.emit("host", stage=stage, host=h, status=hs.status)
        trial_hosts = [h for h in push_hosts if sr.hosts[h].status == "trial"]
        if failed:
            sr.status = "failed"
            self._abort(stage, sr, trial_hosts)
            self._fail(failed, ExitCode.DEVICE)
            return False

        gate_results = self._poll_gates(idx, stage, targets)
        sr.gates = gate_results
        bad = [g for g in gate_results if not g.passed]
        if bad:
            sr.status = "failed"
            self._abort(stage, sr, trial_hosts)
            first = bad[0]
            code = ExitCode.DEVICE if first.status == "error" else ExitCode.GATE
            self._fail(Failure(stage.name, "gate" if first.status == "fail" else "read", None, first.gate, first.message, first.evidence), code)
            return False

        confirm = run_each(self.nr, trial_hosts, lambda task: confirm_trial(channel_for(task)), f"confirm {stage.name}")
        unconfirmed: Failure | None = None
        for h in trial_hosts:
            _v, exc = confirm[h]
            if exc is not None:
                sr.hosts[h].status, sr.hosts[h].error = "failed", describe_error(exc)
                unconfirmed = unconfirmed or Failure(stage.name, "confirm", h, None, describe_error(exc))
                continue
            self.state[h].in_trial = False
            self.state[h].committed = True  # confirmed: the rollback must cover it
            sr.hosts[h].status = "confirmed"
            if h not in self.report.changed_hosts:
                self.report.changed_hosts.append(h)
            self.emit("host", stage=stage, host=h, status="confirmed")
        if unconfirmed:
            sr.status = "failed"
            self._abort(stage, sr, [h for h in trial_hosts if self.state[h].in_trial])
            self._fail(unconfirmed, ExitCode.DEVICE)
            return False
        sr.status = "passed"
        return True

    def _abort(self, stage: Stage, sr: StageReport, trial_hosts: list[str]) -> None:
        """``abort trial`` where this stage's trial commit is pending: the routers revert it."""
        res = run_each(self.nr, trial_hosts, lambda task: abort_trial(channel_for(task)), f"abort {stage.name}")
        for h in trial_hosts:
            _v, exc = res[h]
            self.state[h].in_trial = False
            sr.hosts[h].status = "aborted" if exc is None else "abort-failed"
            if exc is not None:
                sr.hosts[h].error = describe_error(exc)
                self.report.rollback.setdefault("errors", {})[h] = f"abort trial: {describe_error(exc)}"
            self.emit("host", stage=stage, host=h, status=sr.hosts[h].status)

    # -- gates -------------------------------------------------------------------------

    def _schedule(self, stage: Stage, stage_hosts: list[str]) -> list[ScheduledGate]:
        out = []
        for spec in stage.gates:
            gate = GATES[spec.check]
            out.append(ScheduledGate(
                name=spec.check,
                gate=gate,
                hosts=self._targets(spec.hosts) if spec.hosts else stage_hosts,
                params=gate.params_model.model_validate(spec.params),  # validated at load time too
                deadline=spec.deadline or self.rb.defaults.gate_deadline,
                interval=spec.interval or self.rb.defaults.gate_interval,
            ))
        return out

    def _poll_gates(self, idx: int, stage: Stage, stage_hosts: list[str]) -> list[GateResult]:
        """Poll every gate of the stage until it passes, errors, or its deadline passes."""
        sdir = self._stage_dir(idx, stage)
        gates = self._schedule(stage, stage_hosts)
        for g in gates:
            self.emit("gate", stage=stage, gate=g.name, status="polling")

        def done(g: ScheduledGate, res: GateResult, observed: Observed) -> None:
            for h, cmds in g.commands(self.intents).items():
                for cmd in cmds:
                    obs = observed.get(h, {}).get(cmd)
                    if obs is not None:
                        self._observation(f"{sdir}/gates/{g.name}/{h}", obs)
            self.art.write_json((*sdir.split("/"), "gates", g.name, "result.json"), res)
            self.emit("gate", stage=stage, gate=g.name, status=res.status, result=res)

        return poll(self.nr, self.intents, gates, done)

    def _observation(self, folder: str, obs: Observation) -> None:
        """The raw display and its parsed form (or why it could not be parsed)."""
        slug = obs.command.replace(" ", "_")
        self._write(f"{folder}/{slug}.txt", obs.raw)
        self.art.write_json((*folder.split("/"), f"{slug}.json"), {"command": obs.command, "error": obs.error, "parsed": obs.parsed})

    # -- save ------------------------------------------------------------------------------

    def _save_stage(self, idx: int, stage: Stage, sr: StageReport) -> bool:
        hosts = [h for h in self._targets(stage.hosts) if self.state[h].committed]
        for h in self._targets(stage.hosts):
            sr.hosts[h] = HostStage(h, status="pending" if h in hosts else "unchanged")
        res = run_each(self.nr, hosts, lambda task: save(channel_for(task)), "save")
        for h in hosts:
            value, exc = res[h]
            if exc is not None:
                sr.hosts[h].status, sr.hosts[h].error = "failed", describe_error(exc)
                sr.status = "failed"
                self._fail(Failure(stage.name, "save", h, None, describe_error(exc)), ExitCode.DEVICE)
                return False
            sr.hosts[h].status = "saved"
            self._write(f"{self._stage_dir(idx, stage)}/{h}/save.txt", value)
            self.emit("host", stage=stage, host=h, status="saved")
        sr.status = "passed"
        return True

    # -- rollback ---------------------------------------------------------------------------

    def _rollback_run(self) -> None:
        """Every router this run committed on goes back to its pre-run commit, then is verified."""
        touched = [h for h, st in self.state.items() if st.committed]
        self.emit("rollback", hosts=touched)
        errors: dict[str, str] = dict(self.report.rollback.get("errors", {}))

        def work(task: Task) -> str:
            st = self.state[task.host.name]
            out = rollback(channel_for(task), st.pre_commit)
            after = snapshot(channel_for(task))
            if after != st.pre_config:
                raise RuntimeError("configuration after rollback differs from the pre-run snapshot")
            return out

        res = run_each(self.nr, touched, work, "rollback")
        verified = []
        for h in touched:
            _v, exc = res[h]
            if exc is not None:
                errors[h] = describe_error(exc)
            else:
                verified.append(h)
        # Routers whose stage was aborted: check they are back to their pre-run state too.
        aborted = [h for h, st in self.state.items() if not st.committed]
        checks = run_each(self.nr, aborted, lambda task: snapshot(channel_for(task)), "verify")
        for h in aborted:
            value, exc = checks[h]
            if exc is not None:
                errors[h] = describe_error(exc)
            elif value != self.state[h].pre_config:
                errors[h] = "configuration differs from the pre-run snapshot"
            else:
                verified.append(h)
        self.report.rollback = {"rolled_back": touched, "verified": sorted(verified), "errors": errors}
        self.report.status = "rolled-back" if not errors else "rollback-failed"
        self.emit("rollback-done", rollback=self.report.rollback)

    # -- state snapshots ------------------------------------------------------------------------

    def _state_snapshot(self, tag: str) -> None:
        """Record every display the runbook's gates read, per router, before and after the run
        (raw and parsed), so the artifacts show the protocol state the change met and left."""
        gates = [g for _i, stage in self._stages() for g in self._schedule(stage, self._targets(stage.hosts))]
        try:
            observed = collect(self.nr, command_plan(gates, self.intents))
        except Exception as exc:  # pragma: no cover - artifacts must not break a run
            log.warning("%s state snapshot failed: %s", tag, exc)
            return
        for h, cmds in observed.items():
            for obs in cmds.values():
                self._observation(f"hosts/{h}/{tag}-state", obs)

    # -- end of run ---------------------------------------------------------------------------

    def _post_snapshots(self) -> None:
        hosts = self._all_hosts()
        try:
            res = run_each(self.nr, hosts, lambda task: snapshot(channel_for(task)), "post-snapshot")
        except Exception as exc:  # pragma: no cover - artifacts are best effort at the very end
            log.warning("post snapshots failed: %s", exc)
            return
        for h, (value, exc) in res.items():
            if exc is None:
                self._write(f"hosts/{h}/post-config.txt", value)

    def _write_transcripts(self) -> None:
        for name, host in self.nr.inventory.hosts.items():
            conn = host.connections.get("netmiko")
            chan = getattr(getattr(conn, "connection", None), "_vrpbook_channel", None)
            if chan is not None:
                self._write(f"hosts/{name}/transcript.txt", "\n".join(chan.transcript))
