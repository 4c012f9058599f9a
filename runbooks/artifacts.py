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
import re
from pathlib import Path
from typing import Any

from .redact import Redactor, RedactingFormatter


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

    def log_handler(self) -> logging.Handler:
        h = logging.FileHandler(self.root / "run.log")
        h.setFormatter(RedactingFormatter(self.redact))
        h.setLevel(logging.DEBUG)
        return h


def _default(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    return str(obj)
