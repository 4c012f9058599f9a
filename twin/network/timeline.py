"""When protocol state changes: "eligible since" bookkeeping for every adjacency.

Why: real sessions do not come up the instant their configuration allows it.
Each adjacency (OSPF neighbour, LDP session, BGP peer, BFD session) has a key;
while its preconditions hold it is *eligible*, and it is up once it has been
eligible for its bring-up delay. The engine evaluates the network only at
discrete times (a configuration change, a cable pull, or the next pending
transition), so an adjacency that becomes eligible because another one came
up gets the exact time of that transition as its start, not the time somebody
next looked.

BFD adds the opposite direction: an Up session that loses its preconditions
stays Up until its detection time has elapsed (``hold``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: Identity of one adjacency, e.g. ``("ospf", router, process, interface)``.
Key = tuple[object, ...]


@dataclass
class Timeline:
    """Memory of eligibility and up-times across evaluations."""

    since: dict[Key, float] = field(default_factory=dict)
    up_at: dict[Key, float] = field(default_factory=dict)
    lost_at: dict[Key, float] = field(default_factory=dict)
    now: float = 0.0
    next_t: float = math.inf
    _seen: set[Key] = field(default_factory=set)

    def begin(self, t: float) -> None:
        """Start one evaluation at time *t*."""
        self.now = t
        self.next_t = math.inf
        self._seen = set()

    def ready(self, key: Key, eligible: bool, delay: float, hold: float = 0.0) -> bool:
        """Is the adjacency *key* up at the current evaluation time?

        *delay* is the bring-up time once eligible; *hold* keeps an Up
        adjacency up for that long after it stops being eligible (BFD
        detection time). Schedules the next transition time when one is pending.
        """
        t = self.now
        self._seen.add(key)
        if eligible:
            self.lost_at.pop(key, None)
            start = self.since.setdefault(key, t)
            if key in self.up_at:
                return True
            if t >= start + delay:
                self.up_at[key] = start + delay
                return True
            self.next_t = min(self.next_t, start + delay)
            return False
        self.since.pop(key, None)
        if key in self.up_at and hold > 0:
            lost = self.lost_at.setdefault(key, t)
            if t < lost + hold:
                self.next_t = min(self.next_t, lost + hold)
                return True
        self.lost_at.pop(key, None)
        self.up_at.pop(key, None)
        return False

    def end(self) -> None:
        """Forget adjacencies that no longer exist in any configuration."""
        for store in (self.since, self.up_at, self.lost_at):
            for key in [k for k in store if k not in self._seen]:
                del store[key]

    def pending_since(self, key: Key) -> float | None:
        """When *key* became eligible (None when it is not)."""
        return self.since.get(key)

    def lost(self, key: Key) -> float | None:
        """When an Up adjacency lost its preconditions (BFD detection running)."""
        return self.lost_at.get(key)
