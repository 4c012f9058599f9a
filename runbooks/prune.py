"""``--keep-artifacts N``: keep the newest N run directories, remove the older ones.

Only directories that are vrpbook runs are touched: a name in the run-ID form
(``20261125T020501Z-<runbook>-<hex>``, which sorts by start time) holding a
``report.json``. The current run is always kept; so is a run whose journal
says it needs recovery (its artifacts are the evidence ``recover`` reports on).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .journal import find_run

RUN_DIR = re.compile(r"^\d{8}T\d{6}Z-[a-z][a-z0-9\-]*-[0-9a-f]{4}$")


def prune_runs(artifacts: Path, keep: int, current: str | None = None, journal_dir: Path | None = None) -> list[Path]:
    """Remove all but the newest *keep* run directories under *artifacts*; return what was removed."""
    if keep < 0 or not artifacts.is_dir():
        return []
    runs = sorted(p for p in artifacts.iterdir() if p.is_dir() and RUN_DIR.match(p.name) and (p / "report.json").exists())
    removed: list[Path] = []
    for old in runs[: max(0, len(runs) - keep)]:
        if old.name == current:
            continue
        rec = find_run(old.name, journal_dir)
        if rec is not None and (rec.needs_recovery or rec.in_progress):
            continue
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed
