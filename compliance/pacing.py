"""Login pacing: at most R new SSH logins per second across a sweep.

A sweep of hundreds of routers would otherwise open every session in the same
instant, and the AAA server behind them (TACACS+/RADIUS) sees a burst of
authentications it may throttle or lock out. Workers call :meth:`LoginPacer.wait`
before each login; each gets the next free slot, ``1/R`` seconds after the
previous one (no burst allowance). The number of sessions open at once is
bounded separately, by the number of workers (``--max-sessions``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class LoginPacer:
    """Hand out login slots ``1/rate`` seconds apart (``rate <= 0``: no pacing); thread-safe."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> float:
        """Block until this caller's slot; return how long it waited."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay
