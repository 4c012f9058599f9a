"""The terminal summary: per router × check, failures first, observed against expected.

One table. Every result that is not a pass gets its own row with what was
observed against what was expected (the differences, not whole values); the
passes of a router are folded into one row naming the checks, unless
``show_passed`` asks for every row. The header line always carries the fail
and error counts (and changing, pass, total), so a person reading a cron mail
sees both at a glance.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from vrpbook.results import CheckResult, Results, Status, params_key

from .evidence import compact, result_differences
from .header import RunHeader, Verdict

STYLE: dict[Status, str] = {
    Status.FAIL: "bold red", Status.ERROR: "bold magenta", Status.CHANGING: "cyan", Status.PASS: "green",
}
VERDICT_STYLE: dict[Verdict, str] = {Verdict.FAIL: "bold red", Verdict.ERROR: "bold magenta", Verdict.PASS: "bold green"}


def counts_line(header: RunHeader) -> Text:
    """``FAIL · 2 failed · 1 error · 0 changing · 9 passed · 12 checked`` (every count, always)."""
    c = header.counts
    line = Text()
    line.append(header.verdict.value.upper(), style=VERDICT_STYLE[header.verdict])
    line.append("  ")
    line.append(f"{c.failed} failed", style=STYLE[Status.FAIL] if c.failed else "")
    line.append(" · ")
    line.append(f"{c.errors} error{'s' if c.errors != 1 else ''}", style=STYLE[Status.ERROR] if c.errors else "")
    line.append(f" · {c.changing} changing · {c.passed} passed · {c.total} checked")
    return line


def observed_vs_expected(r: CheckResult) -> str:
    """The differences, one per line; or both values when they cannot be compared."""
    diffs = result_differences(r)
    if diffs:
        return "\n".join(diffs)
    if r.status is Status.ERROR:
        return "could not check"
    if r.observed is None and r.expected is None:
        return ""
    return f"observed {compact(r.observed, 100)}\nexpected {compact(r.expected, 100)}"


def table(header: RunHeader, results: Results, *, show_passed: bool = False) -> Table:
    """The summary table: every non-pass result, failures first, then each router's passes."""
    t = Table(title=f"{header.kind} {escape(header.what)} · {escape(header.inventory)} · {header.duration:.1f} s")
    t.add_column("router", no_wrap=True)
    t.add_column("check", overflow="fold")
    t.add_column("status", no_wrap=True)
    t.add_column("message", overflow="fold")
    t.add_column("observed vs expected", overflow="fold")

    for r in results.failures_first():
        if r.status is Status.PASS:
            continue
        label = r.check + (f" {params_key(r.params)}" if r.params else "")
        t.add_row(r.router, escape(label), Text(r.status.value, style=STYLE[r.status]), escape(r.message),
                  escape(observed_vs_expected(r)))
    for router in results.routers():
        passed = [r for r in results.for_router(router) if r.status is Status.PASS]
        if show_passed:
            for r in sorted(passed, key=lambda r: (r.check, params_key(r.params))):
                label = r.check + (f" {params_key(r.params)}" if r.params else "")
                t.add_row(router, escape(label), Text("pass", style=STYLE[Status.PASS]), escape(r.message), "")
        elif passed:
            names = ", ".join(sorted({r.check for r in passed}))
            t.add_row(router, escape(names), Text("pass", style=STYLE[Status.PASS]), f"{len(passed)} passed", "")
    return t


def render(console: Console, header: RunHeader, results: Results, *, show_passed: bool = False) -> None:
    """Print the summary table and the counts line on *console*."""
    console.print(table(header, results, show_passed=show_passed))
    for w in header.waived:
        console.print(f"waived: {escape(w.check)} on {escape(', '.join(w.routers))} — {escape(w.reason)}",
                      highlight=False)
    console.print(counts_line(header))
