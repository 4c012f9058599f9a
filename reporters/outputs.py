"""Write every requested report file, each on its own.

The check command calls :func:`write_reports` *before* it touches the history
database, and one file failing (a full disk, a directory that is not there)
never stops the others: each failure comes back as a :class:`ReportError`
with one line to print, and the caller decides the exit code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vrpbook.results import Results

from . import html_report, json_report, junit, metrics
from .diagram import Diagram
from .header import RunHeader


class ReportError(Exception):
    """A report file that could not be written; ``str()`` is one line naming it."""

    def __init__(self, kind: str, path: Path, reason: str) -> None:
        super().__init__(f"cannot write the {kind} report {path}: {reason}")
        self.kind = kind
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ReportTargets:
    """Which files to write (``None``: not asked for)."""

    json: Path | None = None
    junit: Path | None = None
    html: Path | None = None
    metrics: Path | None = None
    metrics_per_router: bool = False


def write_reports(
    header: RunHeader, results: Results, targets: ReportTargets, diagram: Diagram | None = None,
) -> tuple[list[Path], list[ReportError]]:
    """Write each requested report; return the paths written and the failures (never raises
    for an unwritable file)."""
    jobs: list[tuple[str, Path | None, Callable[[Path], Path]]] = [
        ("JSON", targets.json, lambda p: json_report.write(p, header, results)),
        ("JUnit", targets.junit, lambda p: junit.write(p, header, results)),
        ("HTML", targets.html, lambda p: html_report.write(p, header, results, diagram)),
        ("metrics", targets.metrics,
         lambda p: metrics.write(p, header, results, per_router=targets.metrics_per_router)),
    ]
    written: list[Path] = []
    errors: list[ReportError] = []
    for kind, path, write in jobs:
        if path is None:
            continue
        try:
            written.append(write(path))
        except OSError as exc:
            errors.append(ReportError(kind, path, exc.strerror or str(exc)))
    return written, errors
