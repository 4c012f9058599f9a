"""Canary rollout: a stage's routers pushed, trial-committed and gated batch by batch.

For routers that change independently — the same lines on many CEs — pushing
every router at once means one bad line breaks all of them at once. A stage
with ``rollout: {batches: [1, "25%", rest], max_failures: N}`` is run one batch
at a time: the batch is pushed, committed in trial, gated *on its own routers*,
and confirmed before the next batch is touched.

Failures are counted per router (a router whose gate result is not ``pass``,
``error`` included: it cannot be confirmed on what was not seen). Up to
``max_failures`` over the whole stage are tolerated: those routers' trials are
aborted (they stay as they were) and the batch's others are confirmed. One
more and the run stops: the whole failing batch's trial is aborted (it is back
where it was), the routers of later batches are never touched, and the earlier,
confirmed batches go per the stage's ``on_failure`` (``rollback-run``: every
router of the run back to pre-run, verified; ``rollback-stage``: they stay).

This module plans the batches and keeps the failure budget; the engine pushes
and gates (``engine.py``), so a batch is exactly a stage on fewer routers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .schema import Rollout


def batch_size(size: int | str, total: int, left: int) -> int:
    """Routers in one batch of *size* (``1``, ``"25%"``, ``"rest"``) out of *total*, *left* remaining."""
    if isinstance(size, int):
        n = size
    elif size == "rest":
        n = left
    else:
        n = math.ceil(float(size.rstrip("%")) / 100 * total)
    return max(1, min(n, left))


def plan_batches(spec: Rollout, routers: Sequence[str]) -> list[list[str]]:
    """*routers* (in order) cut into the spec's batches; the last size repeats until all are placed."""
    todo = list(routers)
    out: list[list[str]] = []
    n = 0
    while todo:
        size = spec.batches[min(n, len(spec.batches) - 1)]
        k = batch_size(size, len(routers), len(todo))
        out.append(todo[:k])
        todo = todo[k:]
        n += 1
    return out


@dataclass
class Budget:
    """The failures a stage may still absorb."""

    max_failures: int
    failed: list[str] = field(default_factory=list)

    def absorbs(self, routers: Sequence[str]) -> bool:
        """Whether these failed routers fit in the budget (then they are counted)."""
        if len(self.failed) + len(routers) > self.max_failures:
            return False
        self.failed.extend(routers)
        return True

    def describe(self, more: Sequence[str]) -> str:
        before = f"{len(self.failed)} earlier failure(s) ({', '.join(self.failed)}), " if self.failed else ""
        return (f"{len(more)} router(s) failed ({', '.join(more)}); {before}budget max_failures={self.max_failures} "
                "exceeded")


__all__ = ["Budget", "batch_size", "plan_batches"]
