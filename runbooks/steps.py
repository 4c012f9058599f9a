"""Run one Nornir task on some routers at once and read each router's outcome.

Every engine step is a real task function of :mod:`vrpbook.tasks` (or a small
grouped task built from them with ``task.run``) run through Nornir's threaded
runner. A router that failed an earlier step is still run (``on_failed``),
because rollback and verification must reach every router the run touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nornir.core import Nornir
from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import MultiResult, Result

from vrpbook.errors import DeviceError


@dataclass
class Outcome:
    """One router's outcome of a step: its results (task first, then subtasks) or its error."""

    results: list[Result] = field(default_factory=list)
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def value(self) -> Any:
        return self.results[0].result if self.results else None

    def sub(self, name: str) -> Result | None:
        """The (last) subtask result named *name*, failed or not."""
        found = [r for r in self.results[1:] if r.name == name]
        return found[-1] if found else None


def root_cause(multi: MultiResult) -> BaseException:
    """The exception that failed a router: the innermost subtask's, not Nornir's wrapper."""
    for res in reversed(multi):
        if res.exception is not None and not isinstance(res.exception, NornirSubTaskError):
            return res.exception
    exc = multi.exception
    if isinstance(exc, NornirSubTaskError):
        return root_cause(exc.result)
    return exc or DeviceError(str(multi[0].result) if len(multi) else "task failed without a result")


def run_step(nr: Nornir, hosts: Sequence[str], task: Callable[..., Result], name: str, **kwargs: Any) -> dict[str, Outcome]:
    """Run *task* on *hosts* at once; map every host to its :class:`Outcome`."""
    if not hosts:
        return {}
    wanted = set(hosts)
    agg = nr.filter(filter_func=lambda h: h.name in wanted).run(task=task, name=name, on_failed=True, **kwargs)
    out: dict[str, Outcome] = {}
    for host in hosts:
        multi = agg.get(host)
        if multi is None:
            out[host] = Outcome(error=DeviceError("no result", router=host))
        elif multi.failed:
            out[host] = Outcome(list(multi), root_cause(multi))
        else:
            out[host] = Outcome(list(multi))
    return out
