"""Rate limits for the public visitor API, behind one small interface.

``RateLimiter.hit(key)`` counts one event for ``key`` and answers 0.0 when it is allowed,
else the seconds until it would be (the ``Retry-After``). A limiter is one rule: at most
``limit`` events per ``window`` seconds per key, in a sliding window. ``MemoryRateLimiter``
counts in this process; a deployment with several processes can plug in a shared backend
with the same shape (see ``bootstrap.build_services``).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol

MAX_KEYS = 100_000


class RateLimiter(Protocol):
    async def hit(self, key: str) -> float:
        """Count one event; 0.0 = allowed, else seconds to wait (the event is not counted)."""
        ...


class MemoryRateLimiter:
    """Sliding window per key, in process memory; keys bounded (oldest forgotten first)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    async def hit(self, key: str) -> float:
        return self.hit_now(key)

    def hit_now(self, key: str) -> float:
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        times = self._hits.get(key)
        if times is None:
            times = self._hits[key] = deque(maxlen=self.limit)
        cutoff = now - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        self._hits.move_to_end(key)
        if len(times) >= self.limit:
            return max(times[0] + self.window - now, 0.001)
        times.append(now)
        while len(self._hits) > MAX_KEYS:
            self._hits.popitem(last=False)
        return 0.0
