"""``SqlDatabase``: the ports' ``Database`` over SQLAlchemy's asyncio engines.

SQLite (aiosqlite): two engines on the same file.

* The writer engine has exactly one connection. ``write()`` checks it out (so writers in
  this process queue on the pool, in order) and opens ``BEGIN IMMEDIATE``, which takes
  SQLite's write lock at once; writers in other processes wait for it through
  ``busy_timeout``. A deferred ``BEGIN`` would instead fail with "database is locked"
  when two read-then-write transactions try to upgrade their locks, which busy_timeout
  cannot help with.
* The reader engine has a small pool; ``read()`` opens a deferred ``BEGIN`` (a consistent
  WAL snapshot across statements) on connections with ``query_only`` set.

Both turn the driver's own transaction handling off (``isolation_level = None``) and emit
BEGIN themselves, the SQLAlchemy recipe for pysqlite/aiosqlite. Every connection gets
WAL, ``synchronous=NORMAL``, ``busy_timeout=5000`` and ``foreign_keys=ON``.

PostgreSQL (asyncpg): one pooled engine with pre-ping at READ COMMITTED; ``read()`` runs
``BEGIN ... READ ONLY`` (asyncpg starts the transaction with the flag, no extra round trip).
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from sochat.services.ports import (
    AssociateRepository,
    CrmRepository,
    MessageRepository,
    SessionRepository,
    TicketRepository,
    TopicRepository,
)
from sochat.storage.errors import UnitOfWorkError
from sochat.storage.repositories import (
    STATEMENTS,
    SqlAssociateRepository,
    SqlCrmRepository,
    SqlMessageRepository,
    SqlSeeder,
    SqlSessionRepository,
    SqlTicketRepository,
    SqlTopicRepository,
)
from sochat.storage.url import is_sqlite, normalize_url

if TYPE_CHECKING:
    from sochat.services.ports import Database

SQLITE_BUSY_TIMEOUT_MS = 5000


class SqlUnitOfWork:
    """One transaction on one connection, with the repositories bound to it.

    Rolls back when its ``async with`` block ends unless ``commit()`` was called.
    ``seed`` holds storage-only inserts (demo data, tests); ``connection`` is for the
    storage package itself.
    """

    __slots__ = (
        "_committed",
        "associates",
        "connection",
        "crm",
        "dialect",
        "messages",
        "read_only",
        "seed",
        "sessions",
        "tickets",
        "topics",
    )

    # Typed as the ports' protocols: a UnitOfWork's attributes are settable, which makes
    # them invariant, so the concrete classes would not satisfy the protocol.
    associates: AssociateRepository
    topics: TopicRepository
    sessions: SessionRepository
    messages: MessageRepository
    tickets: TicketRepository
    crm: CrmRepository

    def __init__(self, connection: AsyncConnection, *, read_only: bool) -> None:
        dialect = connection.dialect.name
        sql = STATEMENTS[dialect]
        writable = not read_only
        self.connection = connection
        self.dialect = dialect
        self.read_only = read_only
        self.associates = SqlAssociateRepository(connection, sql, writable=writable)
        self.topics = SqlTopicRepository(connection, sql, writable=writable)
        self.sessions = SqlSessionRepository(connection, sql, writable=writable)
        self.messages = SqlMessageRepository(connection, sql, writable=writable)
        self.tickets = SqlTicketRepository(connection, sql, writable=writable)
        self.crm = SqlCrmRepository(connection, sql, writable=writable)
        self.seed = SqlSeeder(connection, sql, writable=writable)
        self._committed = False

    @property
    def committed(self) -> bool:
        return self._committed

    async def commit(self) -> None:
        if self._committed:
            raise UnitOfWorkError("this unit of work is already committed")
        await self.connection.commit()
        self._committed = True


class _UnitOfWorkScope(AbstractAsyncContextManager[SqlUnitOfWork]):
    """``async with``: check out a connection, BEGIN, yield the unit of work, roll back."""

    __slots__ = ("_conn", "_engine", "_read_only")

    def __init__(self, engine: AsyncEngine, *, read_only: bool) -> None:
        self._engine = engine
        self._read_only = read_only
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._conn is not None:
            raise UnitOfWorkError("a unit of work scope cannot be entered twice")
        conn = await self._engine.connect()
        self._conn = conn
        try:
            await conn.begin()
        except BaseException:
            await asyncio.shield(self._release(conn))
            raise
        return SqlUnitOfWork(conn, read_only=self._read_only)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        if conn is not None:
            # Shielded: a cancelled request must still roll back and hand the connection
            # back, or the SQLite writer (a pool of one) would stay locked for good.
            await asyncio.shield(self._release(conn))

    @staticmethod
    async def _release(conn: AsyncConnection) -> None:
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()


def _sqlite_pragmas(dbapi_connection: Any, *, writer: bool) -> None:
    # Driver-level autocommit: we emit BEGIN ourselves (see the "begin" listeners).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        if writer:
            # Persistent in the file; set by the writer so readers never race to change it.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if not writer:
            cursor.execute("PRAGMA query_only=ON")
    finally:
        cursor.close()


def _sqlite_engine(url: URL, *, writer: bool, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=1 if writer else pool_size,
        max_overflow=0,
    )
    begin_sql = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, writer=writer)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_sql)

    return engine


class SqlDatabase:
    """The ``Database`` port on SQLite or PostgreSQL. Create with ``await SqlDatabase.open(url)``."""

    __slots__ = ("_engines", "_reader", "_writer", "dialect")

    def __init__(self, writer: AsyncEngine, reader: AsyncEngine, engines: tuple[AsyncEngine, ...]) -> None:
        self._writer = writer
        self._reader = reader
        self._engines = engines
        self.dialect = writer.dialect.name

    @classmethod
    async def open(cls, url: str, *, pool_size: int = 10) -> SqlDatabase:
        """Connect (fails fast on a bad URL or server). Does not migrate: see ``migrate.upgrade``.

        On PostgreSQL ``pool_size`` is how many units of work run in parallel (read and
        write alike); more wait for a connection. SQLite always has one writer.
        """
        parsed = normalize_url(url)
        if is_sqlite(parsed):
            writer = _sqlite_engine(parsed, writer=True, pool_size=1)
            reader = _sqlite_engine(parsed, writer=False, pool_size=pool_size)
            db = cls(writer, reader, (writer, reader))
        else:
            engine = create_async_engine(
                parsed,
                pool_size=pool_size,
                max_overflow=0,
                pool_pre_ping=True,
                isolation_level="READ COMMITTED",
            )
            db = cls(engine, engine.execution_options(postgresql_readonly=True), (engine,))
        try:
            # The first writer connection also switches a new SQLite file to WAL.
            async with db._writer.connect():
                pass
        except BaseException:
            await db.close()
            raise
        return db

    def read(self) -> _UnitOfWorkScope:
        """A read-only unit of work: writes raise ReadOnlyError (and the database refuses them too)."""
        return _UnitOfWorkScope(self._reader, read_only=True)

    def write(self) -> _UnitOfWorkScope:
        """A write unit of work; do not nest one inside another (the SQLite writer is a single connection)."""
        return _UnitOfWorkScope(self._writer, read_only=False)

    async def close(self) -> None:
        for engine in self._engines:
            await engine.dispose()


if TYPE_CHECKING:

    def _conforms(db: SqlDatabase) -> Database:
        return db
