"""What a person reads while a run goes: one line per stage without a terminal, a summary table;
a wide run (hundreds of routers) gives counts per status and names only routers in trouble."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from vrpbook.runbooks import events as ev
from vrpbook.runbooks.progress import WIDE, Progress, print_summary, routers_text
from vrpbook.runbooks.report import HostStage, RunReport, StageReport
from vrpbook.runbooks.schema import load_runbook


def _stage(statuses: dict[str, str]) -> StageReport:
    return StageReport(name="ospf", index=1, status="failed" if "failed" in statuses.values() else "passed",
                       hosts={h: HostStage(host=h, status=st) for h, st in statuses.items()}, seconds=1.25)


def test_a_few_routers_are_named_with_their_status():
    assert routers_text({"PE1": "confirmed", "CE1": "skipped", "PE2": "failed"}) == "confirmed PE1 failed PE2"


def test_a_wide_run_counts_and_names_only_routers_in_trouble():
    statuses = {f"PE{i}": "confirmed" for i in range(1, 301)} | {"CE7": "failed", "CE9": "failed", "CE1": "skipped"}
    assert len(statuses) > WIDE
    assert routers_text(statuses, ", ") == "confirmed 300, failed 2: CE7 CE9"


def test_stage_lines_without_a_terminal(tmp_path: Path):
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=False)
    progress = Progress(console, load_runbook("bfd-static-vpn"))
    narrow = _stage({"PE1": "confirmed", "CE1": "skipped", "PE2": "confirmed"})
    progress.on_event(ev.StageFinished(stage="ospf", index=1, report=narrow))
    wide = _stage({f"R{i}": "confirmed" for i in range(400)} | {"R400": "failed"})
    progress.on_event(ev.StageFinished(stage="ospf", index=1, report=wide))
    first, second = out.getvalue().splitlines()
    assert first == "stage 01 ospf: passed (1.2 s) PE1=confirmed PE2=confirmed "
    assert second == "stage 01 ospf: failed (1.2 s) confirmed 400, failed 1: R400 "  # one line, however wide


def test_the_summary_of_a_wide_run_has_counts_not_hundreds_of_names(tmp_path: Path):
    out = io.StringIO()
    report = RunReport(run_id="r", runbook="bfd-static-vpn", started="2026-11-30T00:00:00+00:00", status="ok", exit_code=0,
                       stages=[_stage({f"R{i}": "confirmed" for i in range(500)})])
    print_summary(Console(file=out, width=120, force_terminal=False), report, tmp_path)
    text = out.getvalue()
    assert "confirmed 500" in text and "R499" not in text
