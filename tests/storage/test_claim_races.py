"""Claiming queued sessions under real concurrency, on both engines; row locks on PostgreSQL.

PostgreSQL: every claimer has a connection of its own (a pool as large as the crowd) and
all their transactions are open at once before anyone claims (a barrier; distinct backend
pids prove it). The winner holds its row lock a moment before committing, so the others'
UPDATEs queue on it and must re-check ``status = InQueue`` against the committed row
(READ COMMITTED), which is what makes the single conditional UPDATE safe.

SQLite: several ``SqlDatabase`` objects on one file, like several server processes, with
several tasks each; their writers meet at SQLite's file lock (BEGIN IMMEDIATE).

The PostgreSQL-only tests at the end watch the lock waits themselves (pg_stat_activity):
a claim waiting on another, ``get(for_update=True)``, and deleting a topic while a session
is being added to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from sochat.domain.enums import ChatSessionStatus
from sochat.domain.session import ChatSession
from sochat.domain.topic import ChatTopic
from sochat.storage.database import SqlDatabase, SqlUnitOfWork
from sochat.storage.errors import MissingReferenceError

from .factories import BASE_TIME, associate

pytestmark = pytest.mark.anyio

CLAIMERS = 20
QUEUED = 5
SQLITE_PROCESSES = 4
HOLD = 0.05  # seconds a winner keeps its row lock before committing


@dataclass
class Outcome:
    claimer: int
    claimed: int | None
    pid: int | None
    started: float  # monotonic time of the first claim attempt
    committed: float | None = None


@asynccontextmanager
async def _crowd(db: SqlDatabase, db_url: str) -> AsyncIterator[Callable[[int], SqlDatabase]]:
    """Which database each claimer writes through (see the module docstring)."""
    if db.dialect == "postgresql":
        shared = await SqlDatabase.open(db_url, pool_size=CLAIMERS)
        try:
            yield lambda _i: shared
        finally:
            await shared.close()
    else:
        processes = [await SqlDatabase.open(db_url) for _ in range(SQLITE_PROCESSES)]
        try:
            yield lambda i: processes[i % SQLITE_PROCESSES]
        finally:
            for p in processes:
                await p.close()


async def _setup(db: SqlDatabase, queued: int) -> tuple[int, list[int], list[int]]:
    """A topic, CLAIMERS agents, and ``queued`` sessions in the topic's queue."""
    async with db.write() as uow:
        topic = await uow.topics.add(ChatTopic(name="Support"))
        agents = [
            (await uow.associates.add(associate(f"agent{i}"), "h")).associate_id for i in range(CLAIMERS)
        ]
        sessions = [
            (
                await uow.sessions.add(
                    ChatSession(
                        topic_id=topic.topic_id,
                        status=ChatSessionStatus.InQueue,
                        when_requested=BASE_TIME + timedelta(seconds=i),
                    )
                )
            ).chat_session_id
            for i in range(queued)
        ]
        await uow.commit()
    return topic.topic_id, agents, sessions


async def _run_claimers(
    db: SqlDatabase,
    db_url: str,
    attempt: Callable[[SqlUnitOfWork, int], Awaitable[int | None]],
) -> list[Outcome]:
    """CLAIMERS concurrent write units of work, each running ``attempt`` once and committing."""
    postgresql = db.dialect == "postgresql"
    barrier = asyncio.Barrier(CLAIMERS)

    async def claimer(i: int, database: SqlDatabase) -> Outcome:
        async with database.write() as uow:
            pid = None
            if postgresql:
                pid = (await uow.connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                await barrier.wait()  # every transaction is open before anyone claims
            outcome = Outcome(i, None, pid, time.monotonic())
            assert isinstance(uow, SqlUnitOfWork)
            outcome.claimed = await attempt(uow, i)
            if outcome.claimed is not None:
                await asyncio.sleep(HOLD)  # hold the row lock while the others queue on it
            await uow.commit()
            outcome.committed = time.monotonic()
            return outcome

    async with _crowd(db, db_url) as database_of, asyncio.timeout(60):
        return await asyncio.gather(*(claimer(i, database_of(i)) for i in range(CLAIMERS)))


async def test_many_claimers_one_session_exactly_one_wins(db: SqlDatabase, db_url: str) -> None:
    _topic_id, agents, (session_id,) = await _setup(db, queued=1)
    when = BASE_TIME + timedelta(minutes=1)

    async def attempt(uow: SqlUnitOfWork, i: int) -> int | None:
        won = await uow.sessions.claim(session_id, agents[i], when, 1)
        return session_id if won else None

    outcomes = await _run_claimers(db, db_url, attempt)
    winners = [o for o in outcomes if o.claimed is not None]
    assert len(winners) == 1
    (winner,) = winners
    if db.dialect == "postgresql":
        assert len({o.pid for o in outcomes}) == CLAIMERS  # all ran in parallel transactions
        assert winner.committed is not None
        # The losers asked while the winner still held the lock: they waited and re-checked.
        assert all(o.started < winner.committed for o in outcomes)
    async with db.read() as uow:
        stored = await uow.sessions.get(session_id)
    assert stored is not None
    assert stored.status is ChatSessionStatus.UserLast
    assert stored.user_id == agents[winner.claimer]


async def test_pick_up_first_claims_every_session_at_most_once(db: SqlDatabase, db_url: str) -> None:
    topic_id, agents, sessions = await _setup(db, queued=QUEUED)
    when = BASE_TIME + timedelta(minutes=1)

    async def pick_up_first(uow: SqlUnitOfWork, i: int) -> int | None:
        # What the pick-up-first use case does: walk the queue, take the first one left.
        for candidate in await uow.sessions.queue([topic_id]):
            rank = min({1, 2, 3} - await uow.sessions.active_ranks(agents[i]))
            if await uow.sessions.claim(candidate.chat_session_id, agents[i], when, rank):
                wait = int((when - (candidate.when_requested or when)).total_seconds())
                await uow.topics.record_accept(topic_id, when, wait)
                return candidate.chat_session_id
        return None

    outcomes = await _run_claimers(db, db_url, pick_up_first)
    claimed = [o.claimed for o in outcomes if o.claimed is not None]
    assert sorted(claimed) == sorted(sessions)  # each exactly once: more claimers than sessions
    assert sum(o.claimed is None for o in outcomes) == CLAIMERS - QUEUED
    if db.dialect == "postgresql":
        assert len({o.pid for o in outcomes}) == CLAIMERS
    async with db.read() as uow:
        assert await uow.sessions.queue([topic_id]) == []
        assert await uow.sessions.queue_length(topic_id) == 0
        for o in outcomes:
            if o.claimed is not None:
                stored = await uow.sessions.get(o.claimed)
                assert stored is not None
                assert (stored.user_id, stored.status) == (agents[o.claimer], ChatSessionStatus.UserLast)
        assert await uow.sessions.ongoing_counts() == {agents[o.claimer]: 1 for o in outcomes if o.claimed}
        topic = await uow.topics.get(topic_id)
    # The concurrent single-statement record_accept lost no pick-up. (The mean of the
    # waits, 60 s down to 56 s, is rounded at each step, so its last digit depends on order.)
    assert topic is not None
    assert topic.accept_count == QUEUED
    assert 60 - QUEUED < topic.seconds_pr_accept <= 60


# ---------------------------------------------------------------------------
# PostgreSQL only: the lock waits themselves, observed.


async def _wait_event(observer: SqlDatabase, pid: int) -> str | None:
    async with observer.read() as uow:
        result = await uow.connection.execute(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
        value: str | None = result.scalar_one_or_none()
        return value


async def _pid(uow: SqlUnitOfWork) -> int:
    return int((await uow.connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _blocked(observer: SqlDatabase, pid: int, task: asyncio.Task[Any]) -> bool:
    """True once ``pid`` waits on a lock (and ``task`` has not finished), within 5 s."""
    for _ in range(100):
        if task.done():
            return False
        if await _wait_event(observer, pid) == "Lock":
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
async def test_a_second_claim_waits_for_the_first_and_rechecks(db: SqlDatabase, first_commits: bool) -> None:
    _topic_id, agents, (session_id,) = await _setup(db, queued=1)
    async with db.write() as first:
        assert await first.sessions.claim(session_id, agents[0], BASE_TIME, 1)
        second_pid: list[int] = []

        async def second_claim() -> bool:
            async with db.write() as second:
                second_pid.append(await _pid(second))
                won = await second.sessions.claim(session_id, agents[1], BASE_TIME, 1)
                await second.commit()
                return won

        task = asyncio.create_task(second_claim())
        while not second_pid:
            await asyncio.sleep(0.01)
        assert await _blocked(db, second_pid[0], task)
        if first_commits:
            await first.commit()
    # Committed: the re-checked WHERE no longer matches. Rolled back: the second one wins.
    assert await asyncio.wait_for(task, 10) is not first_commits
    async with db.read() as uow:
        stored = await uow.sessions.get(session_id)
    assert stored is not None
    assert stored.user_id == agents[0 if first_commits else 1]


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
async def test_get_for_update_locks_the_row_until_the_unit_of_work_ends(db: SqlDatabase) -> None:
    _topic_id, agents, (session_id,) = await _setup(db, queued=1)
    async with db.write() as first:
        locked = await first.sessions.get(session_id, for_update=True)
        assert locked is not None
        second_pid: list[int] = []

        async def second_lock() -> ChatSession | None:
            async with db.write() as second:
                second_pid.append(await _pid(second))
                return await second.sessions.get(session_id, for_update=True)

        task = asyncio.create_task(second_lock())
        while not second_pid:
            await asyncio.sleep(0.01)
        assert await _blocked(db, second_pid[0], task)
        # A plain read is not blocked by the lock.
        async with db.read() as reader:
            assert await reader.sessions.get(session_id) == locked
        locked.user_id = agents[0]
        assert await first.sessions.update(locked)
        await first.commit()
    seen = await asyncio.wait_for(task, 10)
    assert seen is not None
    assert seen.user_id == agents[0]  # the second one read the row as committed


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
async def test_a_session_added_while_its_topic_is_deleted_is_refused(db: SqlDatabase) -> None:
    topic_id, _agents, _sessions = await _setup(db, queued=1)
    async with db.write() as deleting:
        assert await deleting.topics.delete(topic_id)  # holds the topic's row lock
        adder_pid: list[int] = []

        async def add_session() -> None:
            async with db.write() as adding:
                adder_pid.append(await _pid(adding))
                await adding.sessions.add(ChatSession(topic_id=topic_id))
                await adding.commit()

        task = asyncio.create_task(add_session())
        while not adder_pid:
            await asyncio.sleep(0.01)
        assert await _blocked(db, adder_pid[0], task)
        await deleting.commit()
    with pytest.raises(MissingReferenceError):
        await asyncio.wait_for(task, 10)
    async with db.read() as uow:
        assert await uow.topics.get(topic_id) is None
        assert await uow.sessions.queue([topic_id]) == []


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
async def test_deleting_a_topic_waits_for_a_session_being_added_and_takes_it_along(db: SqlDatabase) -> None:
    topic_id, _agents, _sessions = await _setup(db, queued=1)
    async with db.write() as adding:
        await adding.sessions.add(ChatSession(topic_id=topic_id))  # not committed yet
        deleter_pid: list[int] = []

        async def delete_topic() -> bool:
            async with db.write() as deleting:
                deleter_pid.append(await _pid(deleting))
                deleted = await deleting.topics.delete(topic_id)
                await deleting.commit()
                return deleted

        task = asyncio.create_task(delete_topic())
        while not deleter_pid:
            await asyncio.sleep(0.01)
        assert await _blocked(db, deleter_pid[0], task)
        await adding.commit()
    # Without the topic lock the delete would miss the new session and fail its foreign key.
    assert await asyncio.wait_for(task, 10)
    async with db.read() as uow:
        assert await uow.topics.get(topic_id) is None
        count = await uow.connection.execute(text("SELECT count(*) FROM chat_session"))
        assert count.scalar_one() == 0
