"""Rate limits behind one port (``RateLimiter`` in ports.py), counted in fixed windows.

``MemoryRateLimiter`` counts in this process (right for SQLite, which one process serves);
storage/ratelimit.py counts in the database or in Redis, so that ``--workers N`` or several
machines share one count instead of each allowing the limit. ``WindowStore`` is what a
shared backend implements: an atomic "add to this key's count in this window".
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from sochat.services.ports import Decision

MAX_KEYS = 50_000


class WindowStore(Protocol):
    async def add(self, key: str, window: int, cost: int, expires_at: float) -> int:
        """Add ``cost`` to ``key``'s count in ``window`` (a new window starts at 0) and return
        the count; atomic across processes."""
        ...

    async def delete(self, key: str) -> None: ...


def _window(now: float, length: float) -> tuple[int, float]:
    """The current window's number and the seconds until it ends."""
    number = math.floor(now / length)
    return number, max((number + 1) * length - now, 0.001)


class MemoryRateLimiter:
    """Counts in this process; a bounded number of keys (the oldest are forgotten)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._counts: OrderedDict[str, tuple[int, int]] = OrderedDict()

    async def hit(self, key: str, cost: int = 1) -> Decision:
        if self.limit <= 0:
            return Decision(True, 1, 0.0)
        number, left = _window(self._clock(), self.window)
        seen, count = self._counts.get(key, (number, 0))
        count = (count if seen == number else 0) + cost
        if cost or key in self._counts:
            self._counts[key] = (number, count)
            self._counts.move_to_end(key)
            while len(self._counts) > MAX_KEYS:
                self._counts.popitem(last=False)
        return Decision(count <= self.limit, max(self.limit - count, 0), left)

    async def reset(self, key: str) -> None:
        self._counts.pop(key, None)


class SharedRateLimiter:
    """Counts in a ``WindowStore`` shared by processes (the database or Redis)."""

    def __init__(
        self, store: WindowStore, limit: int, window: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.limit = limit
        self.window = window
        self._clock = clock

    async def hit(self, key: str, cost: int = 1) -> Decision:
        if self.limit <= 0:
            return Decision(True, 1, 0.0)
        now = self._clock()
        number, left = _window(now, self.window)
        count = await self.store.add(key, number, cost, now + left)
        return Decision(count <= self.limit, max(self.limit - count, 0), left)

    async def reset(self, key: str) -> None:
        await self.store.delete(key)
