"""One self-contained HTML page: the network diagram, then every router's evidence.

Self-contained means it opens from a mail attachment or a CI artifact with no
network: CSS and SVG are inline, there is no script, and a
Content-Security-Policy forbids the page any fetch at all. Routers are listed
worst first and, within a router, failures first, each row with what was
observed against what was expected and the full values one click away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from vrpbook.results import SEVERITY, CheckResult, Results, Status, params_key

from .diagram import Diagram, build_diagram
from .evidence import pretty, result_differences
from .files import write_atomic
from .header import RunHeader
from .svg import HEALTH_COLOUR, STATUS_COLOUR, anchor, render_svg

_env = Environment(
    loader=PackageLoader("vrpbook.reporters", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class _Row:
    result: CheckResult
    params: str
    differences: list[str]
    observed: str
    expected: str
    evidence: str


@dataclass(frozen=True)
class _RouterSection:
    name: str
    anchor: str
    worst: Status
    rows: list[_Row]
    failed: int
    errors: int
    changing: int
    passed: int


def _sections(results: Results) -> list[_RouterSection]:
    out = []
    for router in results.routers():
        rs = sorted(results.for_router(router), key=lambda r: (SEVERITY[r.status], r.check, params_key(r.params)))
        c = Results(rs).counts()
        rows = [
            _Row(r, params_key(r.params) if r.params else "", result_differences(r),
                 pretty(r.observed), pretty(r.expected), pretty(r.evidence) if r.evidence else "")
            for r in rs
        ]
        out.append(_RouterSection(router, anchor(router), rs[0].status, rows, c.failed, c.errors, c.changing, c.passed))
    out.sort(key=lambda s: (SEVERITY[s.worst], s.name))
    return out


def render(header: RunHeader, results: Results, diagram: Diagram | None = None) -> str:
    """The page. Without a *diagram*, one is built from the results alone (routers, no links)."""
    if diagram is None:
        diagram = build_diagram({}, results)
    template = _env.get_template("report.html.j2")
    return template.render(
        header=header,
        verdict=header.verdict.value,
        # render_svg escapes every value it embeds, so its markup is trusted as is
        svg=Markup(render_svg(diagram)),
        diagram=diagram,
        sections=_sections(results),
        problems=[r for r in results.failures_first() if r.status is not Status.PASS],
        status_colour={(s.value if s else "unchecked"): c for s, c in STATUS_COLOUR.items()},
        health_colour=HEALTH_COLOUR,
        anchor=anchor,
    )


def write(path: str | Path, header: RunHeader, results: Results, diagram: Diagram | None = None) -> Path:
    return write_atomic(path, render(header, results, diagram))
