"""Brute-force protection: failed logins are counted per user name and per client address.

A sliding window per key: after ``limit`` failures within ``window`` seconds further
attempts are refused (429) until the oldest failure leaves the window, whether or not the
password would have been right, so guessing cannot go faster than the limit. Counters live
in the process (each worker counts on its own); keys are bounded in number.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_KEYS = 50_000


class FailureWindow:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        cutoff = self._clock() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str) -> float:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        if self.limit <= 0:
            return 0.0
        times = self._recent(key)
        if times is None or len(times) < self.limit:
            return 0.0
        return max(times[0] + self.window - self._clock(), 0.001)

    def fail(self, key: str) -> None:
        if self.limit <= 0:
            return
        times = self._recent(key)
        if times is None:
            times = self._failures[key] = deque(maxlen=self.limit)
        times.append(self._clock())
        self._failures.move_to_end(key)
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def succeed(self, key: str) -> None:
        self._failures.pop(key, None)
