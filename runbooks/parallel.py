"""Run one function on many routers at once with Nornir's threaded runner.

Each router's outcome comes back as (value, exception) so the engine can decide
per router; a router that failed an earlier step is still run (``on_failed``),
because rollback and verification must reach every router the run touched.
"""

from __future__ import annotations

from typing import Any, Callable

from nornir.core import Nornir
from nornir.core.task import Result, Task


def run_each(nr: Nornir, hosts: list[str], fn: Callable[[Task], Any], name: str) -> dict[str, tuple[Any, BaseException | None]]:
    """Run *fn* on *hosts* at once (threaded runner); map host → (value, exception)."""
    if not hosts:
        return {}

    def task(task: Task) -> Result:
        return Result(host=task.host, result=fn(task))

    agg = nr.filter(filter_func=lambda h: h.name in hosts).run(task=task, name=name, on_failed=True)
    out: dict[str, tuple[Any, BaseException | None]] = {}
    for host in hosts:
        multi = agg.get(host)
        if multi is None:
            out[host] = (None, RuntimeError("no result"))
            continue
        res = multi[0]
        exc = res.exception if res.failed else None
        if res.failed and exc is None:
            exc = RuntimeError(str(res.result))
        out[host] = (res.result if not res.failed else None, exc)
    return out


