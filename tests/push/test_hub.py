"""``PushHub`` and ``EventCursor`` over a real database (SQLite and PostgreSQL).

Two ``SqlDatabase`` objects with a hub each and a shared in-memory bus stand for two
server processes; the cross-process tests (test_cross_process.py) do the same with real
processes and brokers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from sochat.domain.crm import Associate
from sochat.domain.events import ChatEvent, EventName
from sochat.push.broker import MemoryBroker, MemoryBus
from sochat.push.hub import PAGE, EventCursor, PushHub
from sochat.services.event_feed import EventFeed, Subscription
from sochat.services.ports import Database
from sochat.storage.database import SqlDatabase

pytestmark = pytest.mark.anyio

ADMIN = Associate(associate_id=1, name="adm", is_chat_agent=True, is_chat_admin=True)
ALL = Subscription(caller=ADMIN)
WAIT = 5.0


def event(topic_id: int = 1, session_id: int = 1, key_hash: str = "") -> ChatEvent:
    return ChatEvent(
        name=EventName.CHANGED,
        session_id=session_id,
        topic_id=topic_id,
        changed_by=1,
        created_at=datetime.now(UTC),
        uid=str(uuid.uuid4()),
        session_key_hash=key_hash,
    )


async def write(db: Database, *events: ChatEvent) -> list[int]:
    async with db.write() as uow:
        ids = [(await uow.events.add(e)).event_id for e in events]
        await uow.commit()
    return ids


def feed_for(db: Database) -> EventFeed:
    # Only the outbox part of the feed is used here (no chat service needed).
    return EventFeed(db, None)  # type: ignore[arg-type]


@pytest.fixture
async def hub(db: SqlDatabase) -> AsyncIterator[PushHub]:
    h = PushHub(db, MemoryBroker(), poll_seconds=30)  # no polling: pokes must do it
    db.on_events_committed(h.committed)
    await h.start()
    try:
        yield h
    finally:
        await h.close()


async def collect(cursor: EventCursor, count: int) -> list[int]:
    got: list[int] = []
    while len(got) < count:
        batch = await cursor.next(WAIT)
        assert batch, f"timed out after {got}"
        got.extend(e.event_id for e in batch)
    return got


async def test_a_commit_wakes_the_stream_at_once(db: SqlDatabase, hub: PushHub) -> None:
    async with EventCursor(hub, feed_for(db), ALL, hub.cursor) as cursor:
        ids = await write(db, event(), event())
        assert await asyncio.wait_for(collect(cursor, 2), 2) == ids
        assert cursor.position == ids[-1]


async def test_resume_after_a_cursor_gives_exactly_the_rest(db: SqlDatabase, hub: PushHub) -> None:
    ids = await write(db, *(event() for _ in range(7)))
    await hub.read_new()
    async with EventCursor(hub, feed_for(db), ALL, ids[2]) as cursor:
        assert await collect(cursor, 4) == ids[3:]
        assert await cursor.next(0.05) == []


async def test_an_old_cursor_pages_through_the_database(db: SqlDatabase) -> None:
    # A window smaller than the backlog: the stream must read the older part from the database.
    h = PushHub(db, MemoryBroker(), poll_seconds=30, window=PAGE * 2)
    await h.start()
    db.on_events_committed(h.committed)
    try:
        ids = await write(db, *(event() for _ in range(PAGE * 3 + 7)))
        await h.read_new()
        assert h.base > ids[0]  # the window no longer reaches back to the start
        async with EventCursor(h, feed_for(db), ALL, 0) as cursor:
            got = await collect(cursor, len(ids))
        assert got == ids
    finally:
        await h.close()


async def test_only_the_streams_an_event_concerns_are_woken(db: SqlDatabase, hub: PushHub) -> None:
    topic2 = Subscription(caller=ADMIN, topic_ids=frozenset({2}))
    async with EventCursor(hub, feed_for(db), topic2, hub.cursor) as quiet:
        listener = quiet._listener
        assert listener is not None
        await write(db, event(topic_id=1, session_id=4))
        await hub.read_new()
        assert not listener.wake.is_set()
        assert await quiet.next(0.05) == []
        assert quiet.position == hub.cursor  # moved past what did not concern it
        ids = await write(db, event(topic_id=2, session_id=4))
        await hub.read_new()
        assert listener.wake.is_set()
        assert [e.event_id for e in await quiet.next(WAIT)] == ids


async def test_filtered_streams_get_only_their_events(db: SqlDatabase, hub: PushHub) -> None:
    start = hub.cursor
    feed = feed_for(db)
    subs = {
        "topic2": Subscription(caller=ADMIN, topic_ids=frozenset({2})),
        "session5": Subscription(caller=ADMIN, session_id=5),
        "visitor": Subscription(caller=None, session_id=5, key_hash="k" * 64),
    }
    events = [
        event(topic_id=1, session_id=4),
        event(topic_id=2, session_id=5, key_hash="k" * 64),
        event(topic_id=2, session_id=6),
        event(topic_id=1, session_id=5, key_hash="x" * 64),  # same session id, another key
    ]
    ids = await write(db, *events)
    expected = {
        "topic2": [ids[1], ids[2]],
        "session5": [ids[1], ids[3]],
        "visitor": [ids[1]],
    }
    for name, sub in subs.items():
        async with EventCursor(hub, feed, sub, start) as cursor:
            assert await collect(cursor, len(expected[name])) == expected[name], name
            assert await cursor.next(0.05) == []


async def test_another_process_notifies_through_the_broker(db: SqlDatabase, db_url: str) -> None:
    bus = MemoryBus()
    other = await SqlDatabase.open(db_url, pool_size=2)
    here = PushHub(db, MemoryBroker(bus), poll_seconds=30)
    there = PushHub(other, MemoryBroker(bus), poll_seconds=30)
    other.on_events_committed(there.committed)
    try:
        await here.start()
        await there.start()
        async with EventCursor(here, feed_for(db), ALL, here.cursor) as cursor:
            ids = await write(other, event(), event())
            assert await asyncio.wait_for(collect(cursor, 2), 2) == ids
    finally:
        await here.close()
        await there.close()
        await other.close()


async def test_polling_finds_events_nobody_announced(db: SqlDatabase) -> None:
    h = PushHub(db, MemoryBroker(), poll_seconds=0.05)  # no commit listener at all
    await h.start()
    try:
        async with EventCursor(h, feed_for(db), ALL, h.cursor) as cursor:
            ids = await write(db, event())
            assert await asyncio.wait_for(collect(cursor, 1), 2) == ids
    finally:
        await h.close()


async def test_resync_after_a_broker_reconnect_rereads(db: SqlDatabase) -> None:
    broker = MemoryBroker()
    h = PushHub(db, broker, poll_seconds=30)
    await h.start()
    await asyncio.sleep(0.1)  # the first connection's resync has been read
    try:
        ids = await write(db, event())  # committed while "disconnected": nobody was told
        await asyncio.sleep(0.05)
        assert h.cursor < ids[0]
        await broker.close()
        await broker.start(h._notified, h._poke.set)  # what a reconnecting broker does
        for _ in range(100):
            if h.cursor == ids[0]:
                break
            await asyncio.sleep(0.01)
        assert h.cursor == ids[0]
    finally:
        await h.close()


async def test_a_timeout_returns_nothing_and_counts_streams(db: SqlDatabase, hub: PushHub) -> None:
    assert hub.streams == 0
    async with EventCursor(hub, feed_for(db), ALL, hub.cursor) as cursor:
        assert hub.streams == 1
        assert await cursor.next(0.02) == []
    assert hub.streams == 0
