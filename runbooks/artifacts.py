"""The run's artifacts directory: everything a run saw and decided, redacted.

Layout (``artifacts/<run-id>/``)::

    report.json                         machine-readable outcome
    run.log                             the run's log
    runbook.yaml, intent.json           what was asked
    hosts/<HOST>/pre-config.txt         running config before the run (no ! header)
    hosts/<HOST>/post-config.txt        ... and after
    hosts/<HOST>/pre-commit-list.txt    commit list before the run
    hosts/<HOST>/plan.diff              device-computed diff of every stage together
    hosts/<HOST>/pre-state/, post-state/  every display the gates read (raw .txt, parsed .json)
    hosts/<HOST>/transcript.txt         the whole CLI dialogue
    stages/<NN-stage>/<HOST>/rendered.txt, push.txt, candidate.diff, commit.json
    stages/<NN-stage>/gates/<gate>/<HOST>/<command>.txt|.json   last observation
    stages/<NN-stage>/gates/<gate>/result.json
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from vrpbook.events import EventBus
from vrpbook.tasks.collect import Observation

from . import events as ev
from .redact import RedactingFormatter, Redactor
from .report import report_json


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("_") or "_"


class Artifacts:
    """Writes under one run directory; every write is redacted."""

    def __init__(self, root: Path, redactor: Redactor) -> None:
        self.root = root
        self.redact = redactor
        root.mkdir(parents=True, exist_ok=True)

    def path(self, *parts: str) -> Path:
        p = self.root.joinpath(*(_safe(x) for x in parts))
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def write_text(self, parts: tuple[str, ...], text: str) -> Path:
        p = self.path(*parts)
        p.write_text(self.redact(text if text.endswith("\n") or not text else text + "\n"))
        return p

    def write_json(self, parts: tuple[str, ...], obj: Any) -> Path:
        p = self.path(*parts)
        p.write_text(self.redact(json.dumps(obj, indent=2, default=_default, sort_keys=False)) + "\n")
        return p

    def replace_json(self, parts: tuple[str, ...], obj: Any) -> Path:
        """Write atomically (temporary file, fsync, rename): a reader — or a crash — never
        sees half a file. For ``report.json``, rewritten at start and at every end."""
        p = self.path(*parts)
        tmp = p.with_name(f".{p.name}.tmp")
        with tmp.open("w") as fh:
            fh.write(self.redact(json.dumps(obj, indent=2, default=_default, sort_keys=False)) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(p)
        return p

    def log_handler(self) -> logging.Handler:
        h = logging.FileHandler(self.root / "run.log")
        h.setFormatter(RedactingFormatter(self.redact))
        h.setLevel(logging.DEBUG)
        return h


class ArtifactsWriter:
    """Subscribes to a run's events and writes each one where the layout above says."""

    def __init__(self, art: Artifacts) -> None:
        self.art = art

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(self.rendered, ev.Rendered)
        bus.subscribe(self.prepared, ev.HostPrepared)
        bus.subscribe(self.planned, ev.PlanComputed)
        bus.subscribe(self.pushed, ev.HostPushed)
        bus.subscribe(self.committed, ev.HostCommitted)
        bus.subscribe(self.gate_done, ev.GateDone)
        bus.subscribe(self.saved, ev.HostSaved)
        bus.subscribe(self.state, ev.StateObserved)
        bus.subscribe(self.config_after, ev.ConfigAfter)
        bus.subscribe(self.transcript, ev.Transcript)
        bus.subscribe(self.started, ev.RunStarted)
        bus.subscribe(self.finished, ev.RunFinished)

    def _text(self, rel: str, text: str) -> None:
        self.art.write_text(tuple(rel.split("/")), text)

    def rendered(self, e: ev.Rendered) -> None:
        self._text(f"{e.folder}/{e.host}/rendered.txt", "\n".join(e.commands))

    def prepared(self, e: ev.HostPrepared) -> None:
        self._text(f"hosts/{e.host}/pre-config.txt", e.config)
        self._text(f"hosts/{e.host}/pre-commit-list.txt", e.commit_list)

    def planned(self, e: ev.PlanComputed) -> None:
        self._text(f"hosts/{e.host}/plan.diff", e.diff or "(no change)")

    def pushed(self, e: ev.HostPushed) -> None:
        self._text(f"{e.folder}/{e.host}/push.txt", "\n".join(e.transcript))
        if e.diff is not None:
            self._text(f"{e.folder}/{e.host}/candidate.diff", e.diff or "(empty)")

    def committed(self, e: ev.HostCommitted) -> None:
        self.art.write_json(
            (*e.folder.split("/"), e.host, "commit.json"),
            {"commit_id": e.commit_id, "label": e.label, "trial_seconds": e.trial_seconds, "description": e.description},
        )

    def gate_done(self, e: ev.GateDone) -> None:
        for host, cmds in e.observed.items():
            for obs in cmds.values():
                self._observation(f"{e.folder}/gates/{e.outcome.gate}/{host}", obs)
        self.art.write_json((*e.folder.split("/"), "gates", e.outcome.gate, "result.json"), e.outcome.to_json())

    def saved(self, e: ev.HostSaved) -> None:
        self._text(f"{e.folder}/{e.host}/save.txt", e.output)

    def state(self, e: ev.StateObserved) -> None:
        self._observation(f"hosts/{e.host}/{e.tag}-state", e.observation)

    def config_after(self, e: ev.ConfigAfter) -> None:
        self._text(f"hosts/{e.host}/post-config.txt", e.config)

    def transcript(self, e: ev.Transcript) -> None:
        self._text(f"hosts/{e.host}/transcript.txt", "\n".join(e.lines))

    def started(self, e: ev.RunStarted) -> None:
        self.art.replace_json(("report.json",), report_json(e.report))

    def finished(self, e: ev.RunFinished) -> None:
        self.art.replace_json(("report.json",), report_json(e.report))

    def _observation(self, folder: str, obs: Observation) -> None:
        """The raw display and its parsed form (or why it could not be parsed)."""
        slug = obs.command.replace(" ", "_")
        self._text(f"{folder}/{slug}.txt", obs.raw)
        parsed = obs.parsed.model_dump(mode="json") if obs.parsed is not None else None
        self.art.write_json((*folder.split("/"), f"{slug}.json"), {"command": obs.command, "error": obs.error, "parsed": parsed})


def _default(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    return str(obj)
