"""Splitting an inventory into shards: by a stable hash (``--shard i/N``) and into Celery tasks per queue.

``--shard i/N`` lets several controllers, or several instances of one systemd
timer (``vrpbook-check@1`` … ``@N``), each take a share of one inventory with
no broker and no coordination: a router belongs to shard
``sha256(name) mod N + 1``. The hash is of the router's name only, so a
router stays in its shard whatever else the inventory holds (adding routers
never moves the others), and every process computes the same partition:
the N shards are disjoint and together hold every router exactly once.

``vrpbook check --distributed`` forms its Celery tasks here too: routers are
grouped by their queue (``data.queue`` on the host, a group or the defaults,
so workers sit next to the management network they can reach), and each
queue's routers are dealt round-robin, in hash order, into
``ceil(routers / shard_size)`` shards of nearly equal size (one task per
shard, never one per router).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nornir.core import Nornir

from vrpbook.errors import InventoryError, UsageError

#: The queue of routers whose inventory names none.
DEFAULT_QUEUE = "vrpbook"

#: What a queue name may be: it becomes a Redis key and a ``-Q`` argument.
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")


def router_hash(name: str) -> int:
    """A stable 64-bit hash of a router's name (the same in every process and on every host)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


@dataclass(frozen=True)
class ShardSpec:
    """``--shard i/N``: the i-th of N disjoint shares of an inventory (1-based)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> ShardSpec:
        """``"2/4"`` → ``ShardSpec(2, 4)``; anything else is one line (exit 2)."""
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if m is None:
            raise UsageError(f"--shard {text!r}: expected i/N, e.g. 1/4")
        index, count = int(m.group(1)), int(m.group(2))
        if count < 1 or not 1 <= index <= count:
            raise UsageError(f"--shard {text!r}: i must be between 1 and N (N ≥ 1)")
        return cls(index, count)

    def holds(self, router: str) -> bool:
        return router_hash(router) % self.count == self.index - 1

    def select(self, routers: Iterable[str]) -> list[str]:
        """The routers of *routers* in this shard, in their order."""
        return [r for r in routers if self.holds(r)]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


_QUEUE_RULE = "letters, digits, '_', '.', ':', '-'; at most 100"


def queue_name(name: str) -> str:
    """*name* if it can be a queue (``vrpbook worker --queues``), else one line (exit 2)."""
    if not _QUEUE_NAME.match(name):
        raise UsageError(f"queue {name!r} is not a queue name ({_QUEUE_RULE})")
    return name


def queue_of(nr: Nornir, router: str) -> str:
    """The Celery queue that checks *router*: ``data.queue`` from its host, groups or defaults."""
    host = nr.inventory.hosts[router]
    value = host.get("queue", None)
    if value is None:
        return DEFAULT_QUEUE
    if not isinstance(value, str) or not _QUEUE_NAME.match(value):
        raise InventoryError(f"host {router}: data.queue {value!r} is not a queue name ({_QUEUE_RULE})")
    return value


@dataclass(frozen=True)
class Shard:
    """One Celery task's routers: all on one queue."""

    queue: str
    index: int
    count: int
    routers: tuple[str, ...]

    @property
    def name(self) -> str:
        """``mgmt-east 2/3``: the queue and the shard's place among that queue's shards."""
        return f"{self.queue} {self.index}/{self.count}"


def plan_shards(nr: Nornir, routers: Sequence[str], shard_size: int) -> list[Shard]:
    """Group *routers* by queue and deal each queue's routers into shards of at most *shard_size*."""
    if shard_size < 1:
        raise UsageError("--shard-size must be at least 1")
    by_queue: dict[str, list[str]] = {}
    for r in routers:
        by_queue.setdefault(queue_of(nr, r), []).append(r)
    shards: list[Shard] = []
    for queue in sorted(by_queue):
        members = sorted(by_queue[queue], key=lambda r: (router_hash(r), r))
        count = math.ceil(len(members) / shard_size)
        for k in range(count):
            shards.append(Shard(queue, k + 1, count, tuple(members[k::count])))
    return shards
