"""Reporters: every way a set of results leaves vrpbook, each reading only the result model.

A reporter takes a :class:`~vrpbook.reporters.header.RunHeader` (what was
checked, when, how long, which inventory, which vrpbook, the counts) and a
:class:`~vrpbook.results.Results`, and nothing else: no engine, no Nornir, no
parser internals. That is what lets ``check``, ``run`` and drills share them.

One module per format: ``json_report`` (machine-readable, schema'd),
``junit`` (CI dashboards), ``html_report`` (one self-contained page with a
network diagram), ``metrics`` (Prometheus textfile), ``terminal`` (rich).
``write_reports`` writes the requested files independently of one another and
of the history database, so one unwritable file never costs the others.
"""

from __future__ import annotations

from .header import RunHeader, Verdict
from .outputs import ReportError, ReportTargets, write_reports

__all__ = ["ReportError", "ReportTargets", "RunHeader", "Verdict", "write_reports"]
