"""SqlDatabase and SqlUnitOfWork: transactions, read-only units, SQLite write serialisation."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from sochat.domain.topic import TopicMembership
from sochat.storage import schema
from sochat.storage.database import SqlDatabase, SqlUnitOfWork
from sochat.storage.errors import ReadOnlyError, UnitOfWorkError

from .factories import associate

pytestmark = pytest.mark.anyio


async def _count_associates(db: SqlDatabase) -> int:
    async with db.read() as uow:
        return len(await uow.associates.list())


class TestUnitOfWork:
    async def test_exposes_the_repositories(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            assert isinstance(uow, SqlUnitOfWork)
            assert not uow.read_only
            for name in ("associates", "topics", "tickets", "crm", "seed"):
                assert getattr(uow, name) is not None
        async with db.read() as uow:
            assert uow.read_only

    async def test_commit_makes_changes_visible(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            await uow.associates.add(associate("ann"), "h")
            await uow.commit()
            assert uow.committed
        assert await _count_associates(db) == 1

    async def test_no_commit_rolls_back(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            await uow.associates.add(associate("ann"), "h")
            await uow.seed.add_topic("Sales")
        assert await _count_associates(db) == 0
        async with db.read() as uow:
            topics = await uow.connection.execute(select(schema.chat_topic.c.id))
            assert topics.all() == []

    async def test_exception_rolls_back_and_propagates(self, db: SqlDatabase) -> None:
        async def fail() -> None:
            async with db.write() as uow:
                await uow.associates.add(associate("ann"), "h")
                raise KeyError("boom")

        with pytest.raises(KeyError):
            await fail()
        assert await _count_associates(db) == 0

    async def test_commit_twice_is_an_error(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            await uow.commit()
            with pytest.raises(UnitOfWorkError, match="already committed"):
                await uow.commit()

    async def test_a_scope_cannot_be_entered_twice(self, db: SqlDatabase) -> None:
        scope = db.read()
        async with scope:
            with pytest.raises(UnitOfWorkError):
                async with scope:
                    pass

    async def test_foreign_keys_are_enforced(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            with pytest.raises(IntegrityError):
                await uow.seed.add_membership(
                    TopicMembership(topic_id=999, associate_id=999, can_respond=True)
                )

    async def test_cancelled_writer_releases_its_connection(self, db: SqlDatabase) -> None:
        entered = asyncio.Event()

        async def hang() -> None:
            async with db.write() as uow:
                await uow.associates.add(associate("ann"), "h")
                entered.set()
                await asyncio.sleep(60)

        task = asyncio.create_task(hang())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with asyncio.timeout(10), db.write() as uow:
            await uow.associates.add(associate("bob"), "h")
            await uow.commit()
        async with db.read() as uow:
            assert [a.user_name for a in await uow.associates.list()] == ["bob"]


class TestReadOnly:
    async def test_repository_writes_are_refused(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            ann = await uow.associates.add(associate("ann"), "h")
            await uow.commit()
        async with db.read() as uow:
            with pytest.raises(ReadOnlyError):
                await uow.associates.add(associate("bob"), "h")
            with pytest.raises(ReadOnlyError):
                await uow.associates.set_password(ann.associate_id, "h2")
            with pytest.raises(ReadOnlyError):
                await uow.tickets.revoke_all(ann.associate_id)
            with pytest.raises(ReadOnlyError):
                await uow.seed.add_topic("Sales")

    async def test_the_database_refuses_writes_too(self, db: SqlDatabase) -> None:
        async with db.read() as uow:
            with pytest.raises(DBAPIError):
                await uow.connection.execute(insert(schema.chat_topic).values(name="Sales"))
        async with db.read() as uow:
            assert (await uow.connection.execute(select(schema.chat_topic.c.id))).all() == []

    @pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
    async def test_postgresql_transaction_modes(self, db: SqlDatabase) -> None:
        async with db.read() as uow:
            assert (await uow.connection.exec_driver_sql("SHOW transaction_read_only")).scalar() == "on"
            assert (
                await uow.connection.exec_driver_sql("SHOW transaction_isolation")
            ).scalar() == "read committed"
        async with db.write() as uow:
            assert (await uow.connection.exec_driver_sql("SHOW transaction_read_only")).scalar() == "off"
            assert (
                await uow.connection.exec_driver_sql("SHOW transaction_isolation")
            ).scalar() == "read committed"

    @pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
    async def test_read_only_does_not_stick_to_a_pooled_connection(
        self, db: SqlDatabase, db_url: str
    ) -> None:
        single = await SqlDatabase.open(db_url, pool_size=1)
        try:
            async with single.read() as uow:
                assert (await uow.connection.exec_driver_sql("SHOW transaction_read_only")).scalar() == "on"
            async with single.write() as uow:
                assert (await uow.connection.exec_driver_sql("SHOW transaction_read_only")).scalar() == "off"
                await uow.associates.add(associate("ann"), "h")
                await uow.commit()
            async with single.read() as uow:
                assert (await uow.connection.exec_driver_sql("SHOW transaction_read_only")).scalar() == "on"
                assert len(await uow.associates.list()) == 1
        finally:
            await single.close()


class TestSqliteConnections:
    async def test_pragmas(self, sqlite_url: str) -> None:
        db = await SqlDatabase.open(sqlite_url)
        try:
            for scope, query_only in ((db.write(), 0), (db.read(), 1)):
                async with scope as uow:

                    async def pragma(name: str, uow: SqlUnitOfWork = uow) -> object:
                        return (await uow.connection.exec_driver_sql(f"PRAGMA {name}")).scalar()

                    assert await pragma("journal_mode") == "wal"
                    assert await pragma("synchronous") == 1  # NORMAL
                    assert await pragma("busy_timeout") == 5000
                    assert await pragma("foreign_keys") == 1
                    assert await pragma("query_only") == query_only
        finally:
            await db.close()

    async def test_readers_are_not_blocked_by_an_open_write(self, sqlite_url: str) -> None:
        db = await SqlDatabase.open(sqlite_url)
        try:
            async with db.write() as writer:
                await writer.associates.add(associate("ann"), "h")
                # WAL: a reader runs while the write lock is held and sees the last commit.
                async with asyncio.timeout(2):
                    assert await _count_associates(db) == 0
                await writer.commit()
            assert await _count_associates(db) == 1
        finally:
            await db.close()


class TestSqliteWriteSerialisation:
    """Read-then-write transactions: BEGIN IMMEDIATE makes them queue instead of failing."""

    ROUNDS = 25

    @staticmethod
    async def _increment(db: SqlDatabase, associate_id: int, rounds: int) -> None:
        table = schema.associate
        for _ in range(rounds):
            async with db.write() as uow:
                current = (
                    await uow.connection.execute(select(table.c.rank).where(table.c.id == associate_id))
                ).scalar_one()
                await asyncio.sleep(0)  # let the other writer run between read and write
                await uow.connection.execute(
                    update(table).where(table.c.id == associate_id).values(rank=current + 1)
                )
                await uow.commit()

    async def _run(self, dbs: list[SqlDatabase]) -> None:
        async with dbs[0].write() as uow:
            ann = await uow.associates.add(associate("ann", rank=0), "h")
            await uow.commit()
        await asyncio.gather(*(self._increment(db, ann.associate_id, self.ROUNDS) for db in dbs))
        async with dbs[0].read() as uow:
            counted = await uow.associates.get(ann.associate_id)
        assert counted is not None
        assert counted.rank == self.ROUNDS * len(dbs)

    async def test_two_tasks_one_database(self, sqlite_url: str) -> None:
        db = await SqlDatabase.open(sqlite_url)
        try:
            await self._run([db, db])
        finally:
            await db.close()

    async def test_two_databases_on_one_file_like_two_processes(self, sqlite_url: str) -> None:
        # Separate writer connections: only SQLite's file lock (BEGIN IMMEDIATE plus
        # busy_timeout) keeps them apart. A deferred BEGIN fails here with "database is locked".
        first = await SqlDatabase.open(sqlite_url)
        second = await SqlDatabase.open(sqlite_url)
        try:
            await self._run([first, second])
        finally:
            await first.close()
            await second.close()

    async def test_deferred_begin_would_fail(self, sqlite_url: str) -> None:
        # The control experiment: the same workload over plain deferred transactions.
        path = sqlite_url.removeprefix("sqlite:///")
        a = sqlite3.connect(path, isolation_level=None, timeout=5)
        b = sqlite3.connect(path, isolation_level=None, timeout=5)
        try:
            a.execute("INSERT INTO chat_topic (name) VALUES ('x')")
            a.execute("BEGIN")
            b.execute("BEGIN")
            a.execute("SELECT count(*) FROM chat_topic").fetchone()
            b.execute("SELECT count(*) FROM chat_topic").fetchone()
            a.execute("UPDATE chat_topic SET flags = 1")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                b.execute("UPDATE chat_topic SET flags = 2")
        finally:
            a.close()
            b.close()


async def test_open_fails_fast_on_unreachable_postgresql() -> None:
    with pytest.raises((OSError, DBAPIError)):
        await SqlDatabase.open("postgresql://nobody@127.0.0.1:1/none")


async def test_close_disposes_and_text_query_works(db: SqlDatabase) -> None:
    async with db.read() as uow:
        assert (await uow.connection.execute(text("SELECT 1"))).scalar() == 1
