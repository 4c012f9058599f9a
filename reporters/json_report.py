"""The machine-readable report: one JSON document per run, with a published schema.

The document is defined by the pydantic models below; ``report.schema.json``
beside this module is their JSON Schema (regenerate with
``python -c "import vrpbook.reporters.json_report as j; j.SCHEMA_FILE.write_text(j.json_schema_text())"``;
a test keeps it in sync). Consumers should check ``schema`` (``vrpbook.report/1``): fields are
only ever added within a major version.

Shape::

    {"schema": "vrpbook.report/1",
     "run":     {run_id, kind, what, inventory, hosts, started_at, finished_at,
                 duration_s, vrpbook_version, verdict, exit_code, waived},
     "counts":  {pass, fail, error, changing, total},
     "routers": [{router, worst, counts}],               # worst first
     "results": [{name, router, check, params, params_key, status, message,
                  differences, observed, expected, evidence, source,
                  started_at, finished_at, elapsed_s, polls, tags}]}  # failures first

Times are ISO 8601 with a time zone (UTC as the results carry them).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vrpbook.results import SEVERITY, CheckResult, Results, Status, params_key

from .evidence import result_differences
from .files import write_atomic
from .header import RunHeader, RunKind, Verdict

SCHEMA_ID = "vrpbook.report/1"
SCHEMA_FILE = Path(__file__).with_name("report.schema.json")


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class CountsDoc(_Doc):
    """Every count, always present (zero included)."""

    passed: int = Field(alias="pass")
    failed: int = Field(alias="fail")
    errors: int = Field(alias="error")
    changing: int
    total: int


class WaivedDoc(_Doc):
    check: str
    routers: list[str]
    reason: str


class RunDoc(_Doc):
    run_id: str
    kind: RunKind
    what: str
    inventory: str
    hosts: list[str]
    started_at: AwareDatetime
    finished_at: AwareDatetime
    duration_s: float
    vrpbook_version: str
    verdict: Verdict
    exit_code: int = Field(description="0 pass, 1 any check failed, 2 any could not be checked (or none was)")
    waived: list[WaivedDoc] = Field(default_factory=list,
                                    description="checks a catalog waived: not run, not counted (added in 1.1)")


class RouterDoc(_Doc):
    router: str
    worst: Status
    counts: CountsDoc


class ResultDoc(_Doc):
    name: str = Field(description="unique, stable name: 'ROUTER · CHECK' plus a parameter digest")
    router: str
    check: str
    params: dict[str, Any]
    params_key: str = Field(description="canonical JSON of params; (router, check, params_key) is the identity")
    status: Status
    message: str
    differences: list[str] = Field(description="observed vs expected, one line per difference")
    observed: Any = None
    expected: Any = None
    evidence: dict[str, Any]
    source: str
    started_at: AwareDatetime
    finished_at: AwareDatetime
    elapsed_s: float
    polls: int
    tags: list[str]


class ReportDoc(_Doc):
    """The whole ``--json`` document."""

    schema_id: str = Field(alias="schema", default=SCHEMA_ID)
    run: RunDoc
    counts: CountsDoc
    routers: list[RouterDoc]
    results: list[ResultDoc]


def _counts_doc(passed: int, failed: int, errors: int, changing: int) -> CountsDoc:
    # by alias: ``pass`` is a Python keyword, so the field names differ from the JSON keys
    return CountsDoc.model_validate(
        {"pass": passed, "fail": failed, "error": errors, "changing": changing,
         "total": passed + failed + errors + changing}
    )


def _counts(statuses: list[Status]) -> CountsDoc:
    c = Counter(statuses)
    return _counts_doc(c[Status.PASS], c[Status.FAIL], c[Status.ERROR], c[Status.CHANGING])


def _result(r: CheckResult) -> ResultDoc:
    return ResultDoc(
        name=r.name, router=r.router, check=r.check, params=r.params, params_key=params_key(r.params),
        status=r.status, message=r.message, differences=result_differences(r),
        observed=r.observed, expected=r.expected, evidence=r.evidence, source=r.source,
        started_at=r.started_at, finished_at=r.finished_at, elapsed_s=r.elapsed, polls=r.polls,
        tags=list(r.tags),
    )


def build(header: RunHeader, results: Results) -> ReportDoc:
    """The report document for *results* under *header*."""
    routers = []
    for router in results.routers():
        statuses = [r.status for r in results.for_router(router)]
        worst = min(statuses, key=SEVERITY.__getitem__)
        routers.append(RouterDoc(router=router, worst=worst, counts=_counts(statuses)))
    routers.sort(key=lambda d: (SEVERITY[d.worst], d.router))
    c = header.counts
    return ReportDoc(
        run=RunDoc(
            run_id=header.run_id, kind=header.kind, what=header.what, inventory=header.inventory,
            hosts=list(header.hosts), started_at=header.started_at, finished_at=header.finished_at,
            duration_s=round(header.duration, 3), vrpbook_version=header.vrpbook_version,
            verdict=header.verdict, exit_code=header.verdict.exit_code,
            waived=[WaivedDoc(check=w.check, routers=list(w.routers), reason=w.reason) for w in header.waived],
        ),
        counts=_counts_doc(c.passed, c.failed, c.errors, c.changing),
        routers=routers,
        results=[_result(r) for r in results.failures_first()],
    )


def render(header: RunHeader, results: Results) -> str:
    """The JSON text of the report (indented, keys as documented)."""
    return build(header, results).model_dump_json(by_alias=True, indent=2) + "\n"


def write(path: str | Path, header: RunHeader, results: Results) -> Path:
    return write_atomic(path, render(header, results))


def json_schema_text() -> str:
    """The JSON Schema of the document, as shipped in ``report.schema.json``."""
    import json

    schema = ReportDoc.model_json_schema(by_alias=True, mode="serialization")
    schema["$id"] = SCHEMA_ID
    schema["title"] = "vrpbook report"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"

