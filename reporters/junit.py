"""JUnit XML for CI dashboards: one ``<testcase>`` per (router, check, params).

Suites are **per router**: an operator reads a compliance report as "which
routers are off", an unreachable router shows as one suite of errors instead
of one error scattered into every check's suite, and the suites line up with
the HTML page's per-router tables.

Test-case names are :attr:`CheckResult.name` (``PE1 · bfd-sessions-up``,
plus a parameter digest when there are parameters): unique within a run
(the result keys are) and identical from run to run, so dashboards track
each case's history instead of collapsing repeats. The classname is
``vrpbook.<kind>.<router>`` with dots in the router name turned into ``_``
(Jenkins reads dots as packages).

``fail`` → ``<failure>``, ``error`` → ``<error>``, ``changing`` →
``<skipped>`` with the reason; the message is the result's one line, the
body the differences and the observed / expected / evidence values.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from vrpbook.results import CheckResult, Results, Status

from .evidence import pretty, result_differences
from .files import write_atomic
from .header import RunHeader

#: Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    """*text* with characters XML 1.0 forbids replaced (a router's garbage must not
    make the whole report unreadable)."""
    return _NOT_XML.sub("\ufffd", text)


def _body(r: CheckResult) -> str:
    lines = result_differences(r)
    parts = ["\n".join(lines)] if lines else []
    parts.append(f"observed: {pretty(r.observed)}")
    parts.append(f"expected: {pretty(r.expected)}")
    if r.evidence:
        parts.append(f"evidence: {pretty(r.evidence)}")
    return _xml("\n".join(parts))


def _case(suite: ET.Element, r: CheckResult, classname: str) -> None:
    case = ET.SubElement(suite, "testcase", name=_xml(r.name), classname=classname, time=f"{r.elapsed:.3f}")
    if r.status is Status.FAIL:
        ET.SubElement(case, "failure", message=_xml(r.message), type="fail").text = _body(r)
    elif r.status is Status.ERROR:
        ET.SubElement(case, "error", message=_xml(r.message), type="error").text = _body(r)
    elif r.status is Status.CHANGING:
        ET.SubElement(case, "skipped", message=_xml(f"changing: {r.message}"))
    else:
        ET.SubElement(case, "system-out").text = _xml(r.message)


def build(header: RunHeader, results: Results) -> ET.Element:
    """The ``<testsuites>`` element for *results* under *header*."""
    c = header.counts
    root = ET.Element(
        "testsuites", name=f"vrpbook {header.kind}: {header.what}", tests=str(c.total),
        failures=str(c.failed), errors=str(c.errors), skipped=str(c.changing),
        time=f"{header.duration:.3f}", timestamp=header.started_at.isoformat(),
    )
    for router in results.routers():
        rows = sorted(results.for_router(router), key=lambda r: r.key)
        counts = Results(rows).counts()
        suite = ET.SubElement(
            root, "testsuite", name=_xml(router), tests=str(counts.total), failures=str(counts.failed),
            errors=str(counts.errors), skipped=str(counts.changing),
            time=f"{sum(r.elapsed for r in rows):.3f}", timestamp=header.started_at.isoformat(),
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("run_id", header.run_id), ("inventory", header.inventory),
            ("vrpbook_version", header.vrpbook_version), ("verdict", str(header.verdict)),
        ):
            ET.SubElement(props, "property", name=key, value=value)
        classname = _xml(f"vrpbook.{header.kind}.{router.replace('.', '_')}")
        for r in rows:
            _case(suite, r, classname)
    return root


def render(header: RunHeader, results: Results) -> str:
    root = build(header, results)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(path: str | Path, header: RunHeader, results: Results) -> Path:
    return write_atomic(path, render(header, results))
