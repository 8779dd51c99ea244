"""One contract for every broker: notifications reach the other processes' brokers (and
their own), ``resync`` follows every (re)connection, and a broken connection heals.

Two broker objects stand for two processes. PostgreSQL uses this module's fresh database;
Redis uses 127.0.0.1:6379 with a channel of its own (skipped when Redis is not running).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from sochat.push.broker import Broker, MemoryBroker, MemoryBus
from sochat.push.postgres_broker import PostgresBroker
from sochat.push.redis_broker import RedisBroker

pytestmark = pytest.mark.anyio

REDIS_URL = "redis://127.0.0.1:6379/0"
WAIT = 10.0


@dataclass
class Ear:
    """What one broker heard."""

    cursors: list[int] = field(default_factory=list)
    resyncs: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self, cursor: int) -> None:
        self.cursors.append(cursor)
        self.changed.set()

    def resync(self) -> None:
        self.resyncs += 1
        self.changed.set()

    async def until(self, check: Callable[[], bool]) -> None:
        async def wait() -> None:
            while not check():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), WAIT)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _redis_up() -> bool:
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", 6379), 2)
    except (OSError, TimeoutError):
        return False
    writer.close()
    await writer.wait_closed()
    return True


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.pg), "redis"])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, Broker, Broker]]:
    channel = f"sochat_test_{uuid.uuid4().hex[:10]}"
    kind: str = request.param
    brokers: list[Broker]
    if kind == "memory":
        bus = MemoryBus()
        brokers = [MemoryBroker(bus), MemoryBroker(bus)]
    elif kind == "postgres":
        url: str = request.getfixturevalue("pg_module_url")
        brokers = [PostgresBroker(_dsn(url), channel), PostgresBroker(_dsn(url), channel)]
    else:
        if not await _redis_up():
            pytest.skip("Redis not reachable at 127.0.0.1:6379")
        brokers = [RedisBroker(REDIS_URL, channel), RedisBroker(REDIS_URL, channel)]
    try:
        yield kind, brokers[0], brokers[1]
    finally:
        for b in brokers:
            await b.close()


async def test_notifications_reach_every_process(pair: tuple[str, Broker, Broker]) -> None:
    _kind, a, b = pair
    heard_a, heard_b = Ear(), Ear()
    await a.start(heard_a.notify, heard_a.resync)
    await b.start(heard_b.notify, heard_b.resync)
    assert heard_a.resyncs == heard_b.resyncs == 1  # the first connection counts too
    for cursor in (3, 7, 12):
        await a.publish(cursor)
    await heard_b.until(lambda: 12 in heard_b.cursors)
    await heard_a.until(lambda: 12 in heard_a.cursors)
    assert heard_b.cursors == [3, 7, 12]


async def test_closed_brokers_hear_nothing_more(pair: tuple[str, Broker, Broker]) -> None:
    _kind, a, b = pair
    heard_a, heard_b = Ear(), Ear()
    await a.start(heard_a.notify, heard_a.resync)
    await b.start(heard_b.notify, heard_b.resync)
    await b.close()
    await a.publish(5)
    await heard_a.until(lambda: 5 in heard_a.cursors)
    await asyncio.sleep(0.1)
    assert heard_b.cursors == []


@pytest.mark.pg
async def test_postgres_listener_reconnects_and_resyncs(pg_module_url: str) -> None:
    channel = f"sochat_test_{uuid.uuid4().hex[:10]}"
    listener = PostgresBroker(_dsn(pg_module_url), channel)
    sender = PostgresBroker(_dsn(pg_module_url), channel)
    heard = Ear()
    try:
        await listener.start(heard.notify, heard.resync)
        await sender.start(lambda _c: None, lambda: None)
        admin = await asyncpg.connect(_dsn(pg_module_url))
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND query LIKE 'LISTEN%' AND datname = current_database()"
            )
        finally:
            await admin.close()
        assert killed >= 1
        # The broker notices, reconnects with backoff, LISTENs again and asks for a resync.
        await heard.until(lambda: heard.resyncs >= 2)
        # The sender was cut off too; a publish while it is away is dropped (hubs poll).
        for _ in range(100):
            if sender.connected:
                break
            await asyncio.sleep(0.05)
        await sender.publish(41)
        await heard.until(lambda: 41 in heard.cursors)
    finally:
        await listener.close()
        await sender.close()


async def test_redis_subscriber_resubscribes_after_a_kill() -> None:
    if not await _redis_up():
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    from redis.asyncio import Redis

    channel = f"sochat_test_{uuid.uuid4().hex[:10]}"
    listener = RedisBroker(REDIS_URL, channel)
    sender = RedisBroker(REDIS_URL, channel)
    heard = Ear()
    admin = Redis.from_url(REDIS_URL)
    try:
        await listener.start(heard.notify, heard.resync)
        assert await admin.client_kill_filter(_type="pubsub") >= 1
        await heard.until(lambda: heard.resyncs >= 2)
        await sender.publish(77)
        await heard.until(lambda: 77 in heard.cursors)
    finally:
        await admin.aclose()
        await listener.close()
        await sender.close()


async def test_a_broker_that_cannot_connect_keeps_trying_without_failing_start() -> None:
    # Port 9 (discard) on loopback: nothing listens. start() returns after its short wait.
    broker = RedisBroker("redis://127.0.0.1:9/0", "sochat_nowhere")
    heard = Ear()
    try:
        await asyncio.wait_for(broker.start(heard.notify, heard.resync), 15)
        assert not broker.connected
        await broker.publish(1)  # best effort: logged, never raised
    finally:
        await broker.close()
    assert heard.resyncs == 0
