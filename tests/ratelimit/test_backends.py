"""The ``RateLimiter`` port's backends count alike: memory, the database, Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from sochat.services.ports import RateLimiter
from sochat.services.ratelimit import MemoryRateLimiter, SharedRateLimiter
from sochat.storage.database import SqlDatabase
from sochat.storage.ratelimit import RedisWindowStore, SqlWindowStore

pytestmark = pytest.mark.anyio

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _redis_up() -> bool:
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", 6379), 2)
    except (OSError, TimeoutError):
        return False
    writer.close()
    await writer.wait_closed()
    return True


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "database", "redis"])
async def limiter_and_clock(
    request: pytest.FixtureRequest, db: SqlDatabase
) -> AsyncIterator[tuple[str, RateLimiter, Clock]]:
    """Each backend (the database one on SQLite and PostgreSQL, as ``db`` is)."""
    clock = Clock()
    kind: str = request.param
    if kind == "memory":
        yield kind, MemoryRateLimiter(3, 60, clock), clock
    elif kind == "database":
        yield kind, SharedRateLimiter(SqlWindowStore(db), 3, 60, clock), clock
    else:
        if not await _redis_up():
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 (Debian's redis-server)")
        store = RedisWindowStore(REDIS_URL, prefix=f"sochat-test:{uuid.uuid4().hex}:")
        try:
            yield kind, SharedRateLimiter(store, 3, 60, clock), clock
        finally:
            await store.aclose()


async def test_hits_count_within_a_window_per_key(limiter_and_clock: tuple[str, RateLimiter, Clock]) -> None:
    _kind, limiter, clock = limiter_and_clock
    assert (await limiter.hit("k", 0)).remaining == 3  # looking costs nothing
    decisions = [await limiter.hit("k") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert 0 < decisions[-1].retry_after <= 60
    assert (await limiter.hit("other")).remaining == 2  # per key
    assert (await limiter.hit("k", 0)).remaining == 0
    clock.now += 60  # the next window starts afresh
    assert (await limiter.hit("k", 0)).remaining == 3
    await limiter.hit("k", 2)
    await limiter.reset("k")
    assert (await limiter.hit("k", 0)).remaining == 3


async def test_concurrent_hits_are_all_counted(limiter_and_clock: tuple[str, RateLimiter, Clock]) -> None:
    _kind, limiter, _clock = limiter_and_clock
    results = await asyncio.gather(*(limiter.hit("burst") for _ in range(10)))
    assert sum(d.allowed for d in results) == 3
