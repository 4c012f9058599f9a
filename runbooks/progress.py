"""Live progress (per router, per stage, per gate) and the final summary, with rich."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from vrpbook.events import Event, EventBus

from . import events as ev
from .plan import HostPlan
from .report import RunReport
from .schema import Runbook

#: Gate outcome marks in the summary (the legend is printed under the table).
_MARK = {"pass": "✓", "fail": "✗", "error": "!"}

#: Beyond this many routers the live table has no column per router and the stage lines and
#: summary give counts per status (naming only routers in trouble): a 500-column table reads
#: as nothing, and rich re-wrapping it on every event cost a 250-router run a quarter of its CPU.
WIDE = 12

#: Router statuses that need no name in a wide run's lines.
_QUIET = frozenset({"confirmed", "saved", "unchanged", "skipped", "pushing", "trial"})

_STYLE = {
    "confirmed": "green", "saved": "green", "passed": "green", "pass": "green",
    "unchanged": "dim", "skipped": "dim", "trial": "yellow", "polling": "yellow", "pushing": "yellow",
    "failed": "red", "fail": "red", "error": "red", "aborted": "magenta", "abort-failed": "red",
}


def _grouped(statuses: dict[str, str]) -> dict[str, list[str]]:
    """Routers by status, in first-seen order (skipped routers left out)."""
    out: dict[str, list[str]] = {}
    for h, st in statuses.items():
        if st != "skipped":
            out.setdefault(st, []).append(h)
    return out


def routers_text(statuses: dict[str, str], sep: str = " ") -> str:
    """``confirmed PE1 PE2``; beyond :data:`WIDE` routers ``confirmed 248, failed 2: CE7 CE9``."""
    groups = _grouped(statuses)
    if len(statuses) <= WIDE:
        return sep.join(f"{st} {' '.join(hs)}" for st, hs in groups.items())
    return sep.join(f"{st} {len(hs)}" + ("" if st in _QUIET else f": {' '.join(hs)}") for st, hs in groups.items())


class Progress:
    """Subscribes to a run's events and redraws one table: stages × routers, plus gates.

    Without a terminal (CI, a pipe) it prints one line per finished stage, failure
    and rollback instead of redrawing.
    """

    def __init__(self, console: Console, rb: Runbook) -> None:
        self.console = console
        self.rb = rb
        self.cells: dict[tuple[str, str], str] = {}
        self.gates: dict[tuple[str, str], str] = {}
        self.hosts: list[str] = []
        self.note = ""
        self.live = Live(self._render(), console=console, refresh_per_second=8, transient=False) if console.is_terminal else None

    def __enter__(self) -> Progress:
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self.live.update(self._render())
            self.live.__exit__(None, None, None)

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(self.on_event)

    def on_event(self, e: Event) -> None:
        """Update the table from one event (and print the line a plain console gets)."""
        if isinstance(e, ev.PreflightStarted):
            self.hosts = list(e.hosts)
            self.note = "preflight: snapshots, commit lists, whole-change diff"
        elif isinstance(e, ev.PreflightDone):
            self.note = f"already matching the intent: {', '.join(e.converged) or 'none'}"
        elif isinstance(e, ev.Pushing):
            for h in e.hosts:
                self.cells[(e.stage, h)] = "pushing"
        elif isinstance(e, ev.HostStatus):
            self.cells[(e.stage, e.host)] = e.status
        elif isinstance(e, ev.GatePolling):
            self.gates[(e.stage, e.gate)] = "polling"
        elif isinstance(e, ev.GateDone):
            self.gates[(e.stage, e.outcome.gate)] = e.outcome.status
        elif isinstance(e, ev.StageFinished):
            for h, hs in e.report.hosts.items():
                self.cells[(e.stage, h)] = hs.status
        elif isinstance(e, ev.LockWaiting):
            self.note = "waiting for routers held by another change: " + "; ".join(f"{r}: {w}" for r, w in e.holders.items())
        elif isinstance(e, ev.BatchStarted):
            self.note = f"stage {e.stage}: batch {e.batch} of {e.of}: {', '.join(e.hosts) or '(no router to change)'}"
        elif isinstance(e, ev.BatchTolerated):
            self.note = f"stage {e.stage}: failed within the budget, trial aborted: {', '.join(e.hosts)}"
        elif isinstance(e, ev.RollbackStarted):
            self.note = f"rolling back: {', '.join(e.hosts) or 'nothing committed'}"
        elif isinstance(e, ev.RunFailed):
            self.note = f"FAILED at {e.failure.stage}: {e.failure.message}"
        elif isinstance(e, ev.RollbackDone):
            self.note = f"rolled back: {', '.join(e.rolled_back) or 'nothing'}; errors: {e.errors or 'none'}"
        else:
            return
        if self.live:
            self.live.update(self._render())
        else:
            self._plain(e)

    def _plain(self, e: Event) -> None:
        if isinstance(e, (ev.LockWaiting, ev.BatchStarted, ev.BatchTolerated)):
            self.console.print(self.note, highlight=False, markup=False, soft_wrap=True)
        elif isinstance(e, ev.StageFinished):
            r = e.report
            statuses = {h: hs.status for h, hs in r.hosts.items()}
            if len(statuses) <= WIDE:
                hosts = " ".join(f"{h}={st}" for h, st in statuses.items() if st != "skipped")
            else:
                hosts = routers_text(statuses, ", ")
            gates = " ".join(f"{g.gate}={g.status}" for g in r.gates)
            line = f"stage {r.index:02d} {r.name}: {r.status} ({r.seconds:.1f} s) {hosts} {gates}"
            self.console.print(line, highlight=False, markup=False, soft_wrap=True)
        elif isinstance(e, ev.RunFailed):
            for line in e.failure.lines():
                self.console.print(f"FAILED: {line}", highlight=False, markup=False, soft_wrap=True)
        elif isinstance(e, ev.RollbackDone):
            rollback = {"rolled_back": list(e.rolled_back), "verified": list(e.verified), "errors": e.errors}
            self.console.print(f"rollback: {rollback}", highlight=False, markup=False)

    def _render(self) -> Group:
        table = Table(title=f"vrpbook run {self.rb.name}", expand=False)
        table.add_column("stage")
        wide = len(self.hosts) > WIDE
        if wide:
            table.add_column(f"routers ({len(self.hosts)})", overflow="fold")
        else:
            for h in self.hosts:
                table.add_column(h)
        table.add_column("gates")
        for st in self.rb.stages:
            row: list[str | Text] = [st.name]
            if wide:
                seen = {h: self.cells[(st.name, h)] for h in self.hosts if (st.name, h) in self.cells}
                row.append(Text(routers_text(seen, ", ")))
            for h in ([] if wide else self.hosts):
                s = self.cells.get((st.name, h), "")
                row.append(Text(s, style=_STYLE.get(s, "")))
            gates = Text()
            for g in st.gates:
                s = self.gates.get((st.name, g.check), "")
                gates.append(f"{g.check}:{s or '-'} ", style=_STYLE.get(s, "dim"))
            row.append(gates)
            table.add_row(*row)
        return Group(table, Text(self.note))


def print_summary(console: Console, report: RunReport, artifacts: Path) -> None:
    table = Table(title=f"{report.runbook} — {report.status} (exit {report.exit_code}) in {report.seconds:.1f} s")
    # Gate names are what an operator reads first: never cut them; let the
    # router lists wrap instead on a narrow terminal.
    table.add_column("stage", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("routers", overflow="fold", min_width=11)
    table.add_column("gates", no_wrap=True)
    table.add_column("s", no_wrap=True, justify="right")
    for s in report.stages:
        hosts = Text(routers_text({h: hs.status for h, hs in s.hosts.items()}, "\n"))
        gates = Text()
        for g in s.gates:
            gates.append(f"{_MARK.get(g.status, g.status)} ", style=_STYLE.get(g.status, ""))
            gates.append(f"{g.gate}\n")
        gates.rstrip()
        table.add_row(s.name, Text(s.status, style=_STYLE.get(s.status, "")), hosts, gates, f"{s.seconds:.1f}")
    if report.stages:
        console.print(table)
        console.print("gates: ✓ pass  ✗ fail  ! could not read (fails closed); s = seconds", highlight=False)
    else:
        console.print(f"{report.runbook} — {report.status} (exit {report.exit_code}) in {report.seconds:.1f} s", highlight=False)
    if report.failure:
        f = report.failure
        parts = (f"stage {f.stage}", f"router {f.host}" if f.host and not f.routers else "", f"gate {f.gate}" if f.gate else "")
        where = ", ".join(x for x in parts if x)
        for line in f.lines():
            console.print(f"[red]failed[/red] ({where}): {escape(line)}", highlight=False, soft_wrap=True)
        if f.evidence:
            console.print(f"observed: {f.evidence}", highlight=False, markup=False, soft_wrap=True)
    if report.rollback:
        console.print(f"rollback: {report.rollback}", highlight=False, markup=False)
    if report.converged_before:
        console.print(f"already matching the intent (nothing pushed): {', '.join(report.converged_before)}", highlight=False)
    if report.tolerated:
        for stage, left in report.tolerated.items():
            console.print(f"canary {stage}: failed within its budget, left at pre-run: {', '.join(left)}", highlight=False)
    if report.proof:
        # the post-change proof (vrpbook.snapshots): what differs on the touched routers, and why
        console.print(str(report.proof.get("summary", "")), highlight=False, markup=False, soft_wrap=True)
        for d in report.proof.get("flagged", []):
            console.print(f"  flagged: {d['line']}", highlight=False, markup=False, soft_wrap=True)
        for line in report.proof.get("missing", []):
            console.print(f"  missing: {line}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"artifacts: {artifacts}", highlight=False, markup=False, soft_wrap=True)


def print_plan(console: Console, plans: dict[str, HostPlan], offline: bool) -> None:
    for h, p in plans.items():
        if offline:
            head = f"[bold]{h}[/bold] (offline: rendered commands only; removals need the running configuration)"
        elif p.error:
            head = f"[bold]{h}[/bold] [red]error: {escape(p.error)}[/red]"
        else:
            head = f"[bold]{h}[/bold] " + ("[yellow]changes[/yellow]" if p.changed or p.scope else "[green]no change[/green]")
        console.print(head)
        for note in p.notes:
            console.print(f"  [yellow]note:[/yellow] {escape(note)}", highlight=False, soft_wrap=True)
        if p.scope:
            removals = sum(len(d.unexpected) for d in p.scope)
            additions = sum(len(d.missing) for d in p.scope)
            console.print(f"  [cyan]managed scope[/cyan]: {removals} removal(s), {additions} addition(s)")
            for line in p.scope_lines:
                style = "red" if line.startswith("-") else "green"
                console.print(f"    [{style}]{escape(line)}[/{style}]", highlight=False, soft_wrap=True)
        if offline or p.changed:
            for stage, cmds in p.stages.items():
                console.print(f"  [cyan]{stage}[/cyan] ({len(cmds)} commands)")
                for c in cmds:
                    console.print(f"    {c}", markup=False, highlight=False, soft_wrap=True)
        if p.diff is not None and p.changed:
            console.print("  [cyan]device-computed difference (all stages):[/cyan]")
            for line in p.diff.splitlines():
                console.print(f"    {line}", markup=False, highlight=False, soft_wrap=True)
    changed = [h for h, p in plans.items() if p.changed]
    if not offline:
        console.print(f"plan: {len(changed)} router(s) would change: {', '.join(changed) or 'none'}", highlight=False)
