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

Reads on SQLite run on the event loop's thread through a plain pysqlite pool
(``_InlineSqliteConnection``): aiosqlite's thread round trips cost more than the indexed
lookups themselves (measured in docs/benchmarks.md); ad-hoc SELECTs (the archive) still go
to a worker thread. Writes keep aiosqlite: BEGIN IMMEDIATE may wait for another process.

PostgreSQL (asyncpg): one pooled engine with pre-ping at READ COMMITTED; ``read()`` runs
``BEGIN ... READ ONLY`` (asyncpg starts the transaction with the flag, no extra round trip).

Commit listeners (``on_events_committed``): after a write unit of work that added events
commits, each listener is called with the newest cursor it wrote. The push hub uses this
to tell its own streams and the other processes at once (sochat/push).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Select, TextClause, create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, QueuePool

from sochat.services.ports import (
    AssociateRepository,
    CrmRepository,
    EventRepository,
    IdempotencyRepository,
    MessageRepository,
    SessionRepository,
    TicketRepository,
    TopicRepository,
    VisitorRepository,
)
from sochat.storage.errors import UnitOfWorkError
from sochat.storage.events import EVENT_STATEMENTS, SqlEventRepository
from sochat.storage.idempotency import SqlIdempotencyRepository
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
from sochat.storage.visitor import SqlVisitorRepository

if TYPE_CHECKING:
    from sochat.services.ports import Database

SQLITE_BUSY_TIMEOUT_MS = 5000

log = logging.getLogger("sochat.storage")

CommitListener = Callable[[int], None]


class SqlUnitOfWork:
    """One transaction on one connection, with the repositories bound to it.

    Rolls back when its ``async with`` block ends unless ``commit()`` was called.
    ``seed`` holds storage-only inserts (demo data, tests); ``connection`` is for the
    storage package itself.
    """

    __slots__ = (
        "_committed",
        "_event_log",
        "_listeners",
        "associates",
        "connection",
        "crm",
        "dialect",
        "events",
        "idempotency",
        "messages",
        "read_only",
        "seed",
        "sessions",
        "tickets",
        "topics",
        "visitor",
    )

    # Typed as the ports' protocols: a UnitOfWork's attributes are settable, which makes
    # them invariant, so the concrete classes would not satisfy the protocol.
    associates: AssociateRepository
    topics: TopicRepository
    sessions: SessionRepository
    messages: MessageRepository
    events: EventRepository
    idempotency: IdempotencyRepository
    visitor: VisitorRepository
    tickets: TicketRepository
    crm: CrmRepository

    def __init__(
        self,
        connection: AsyncConnection,
        *,
        read_only: bool,
        listeners: Sequence[CommitListener] = (),
    ) -> None:
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
        self._event_log = SqlEventRepository(connection, EVENT_STATEMENTS[dialect], writable=writable)
        self.events = self._event_log
        self.idempotency = SqlIdempotencyRepository(connection, writable=writable)
        self.visitor = SqlVisitorRepository(connection, writable=writable)
        self._listeners = listeners
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
        newest = self._event_log.newest
        if newest:
            for listener in self._listeners:
                try:
                    listener(newest)
                except Exception:
                    # The commit stands; streams catch up by polling (sochat/push).
                    log.exception("a commit listener failed")


class _UnitOfWorkScope(AbstractAsyncContextManager[SqlUnitOfWork]):
    """``async with``: check out a connection, BEGIN, yield the unit of work, roll back."""

    __slots__ = ("_conn", "_engine", "_inline", "_listeners", "_read_only")

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        read_only: bool,
        listeners: Sequence[CommitListener] = (),
        inline: Engine | None = None,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._listeners = listeners
        self._inline = inline
        self._conn: AsyncConnection | _InlineSqliteConnection | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._conn is not None:
            raise UnitOfWorkError("a unit of work scope cannot be entered twice")
        if self._inline is not None:
            # SQLite reads run on the event loop's thread (see _InlineSqliteConnection);
            # the connection is checked out and BEGIN sent with the first statement.
            inline = self._conn = _InlineSqliteConnection(self._inline)
            return SqlUnitOfWork(cast(AsyncConnection, inline), read_only=self._read_only)
        conn = await self._engine.connect()
        self._conn = conn
        try:
            await conn.begin()
        except BaseException:
            await asyncio.shield(self._release(conn))
            raise
        return SqlUnitOfWork(conn, read_only=self._read_only, listeners=self._listeners)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        if isinstance(conn, _InlineSqliteConnection) and conn.release_now():
            return
        if conn is not None:
            # Shielded: a cancelled request must still roll back and hand the connection
            # back, or the SQLite writer (a pool of one) would stay locked for good.
            await asyncio.shield(self._release(conn))

    @staticmethod
    async def _release(conn: AsyncConnection | _InlineSqliteConnection) -> None:
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()


# Prebuilt statements (repositories, events) are point lookups on indexes: they run inline.
_INLINE_STATEMENTS = frozenset(
    id(value)
    for statements in (STATEMENTS["sqlite"], EVENT_STATEMENTS["sqlite"])
    for attr in vars(statements).values()
    for value in (attr.values() if isinstance(attr, dict) else (attr,))
)


class _InlineSqliteConnection:
    """What the repositories use of an ``AsyncConnection``, over a plain (pysqlite) connection
    of the SQLite reader pool, for read units of work.

    aiosqlite runs every call (cursor, execute, fetch, close, BEGIN, ROLLBACK) in its
    connection's thread, about four thread round trips per statement, each costing more than
    an indexed lookup in a WAL snapshot, which never waits for a lock. So the statements the
    repositories prebuild run right here on the event loop's thread. Any other SELECT or
    text statement (the archive's dynamic queries, which may scan) runs in a worker thread
    and comes back fully fetched, so a long query does not hold up other requests. The pool
    never blocks the loop: beyond its size it opens extra connections (max_overflow -1).
    """

    __slots__ = ("_conn", "_engine", "_pending", "dialect")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._pending: asyncio.Future[Any] | None = None
        self.dialect = engine.dialect

    def _open(self) -> Connection:
        conn = self._conn
        if conn is None:
            conn = self._engine.connect()
            try:
                conn.begin()
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return conn

    async def execute(self, statement: Any, parameters: Any = None, **kw: Any) -> Any:
        conn = self._open()
        if id(statement) in _INLINE_STATEMENTS or not isinstance(statement, Select | TextClause):
            return conn.execute(statement, parameters, **kw)
        self._pending = asyncio.ensure_future(
            asyncio.to_thread(lambda: conn.execute(statement, parameters, **kw).freeze())
        )
        try:
            frozen = await self._pending
        finally:
            if self._pending.done():
                self._pending = None
        return frozen()

    async def exec_driver_sql(self, statement: str, parameters: Any = None, **kw: Any) -> Any:
        return self._open().exec_driver_sql(statement, parameters, **kw)

    async def run_sync(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return fn(self._open(), *args, **kw)

    def in_transaction(self) -> bool:
        return self._conn is not None and self._conn.in_transaction()

    async def _settle(self) -> None:
        # A cancelled request may leave a statement running in a worker thread: let it end
        # before the connection is rolled back and returned.
        if self._pending is not None:
            await asyncio.wait([self._pending])
            self._pending = None

    async def commit(self) -> None:
        await self._settle()
        if self._conn is not None:
            self._conn.commit()

    async def rollback(self) -> None:
        await self._settle()
        if self._conn is not None:
            self._conn.rollback()

    async def close(self) -> None:
        await self._settle()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def release_now(self) -> bool:
        """Roll back and return the connection at once (no task, so the pool is not
        outrun by the requests behind); False while a worker-thread statement is running."""
        if self._pending is not None:
            return False
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                if conn.in_transaction():
                    conn.rollback()
            finally:
                conn.close()
        return True


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
        hide_parameters=True,  # parameters can hold secrets: never log them
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


def _sqlite_inline_reader(url: URL, *, pool_size: int) -> Engine:
    """The reader pool for ``_InlineSqliteConnection``: pysqlite, same pragmas, never blocking."""
    engine = create_engine(
        url.set(drivername="sqlite+pysqlite"),
        hide_parameters=True,  # parameters can hold secrets: never log them
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=-1,
        connect_args={"check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, writer=False)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


class SqlDatabase:
    """The ``Database`` port on SQLite or PostgreSQL. Create with ``await SqlDatabase.open(url)``."""

    __slots__ = ("_engines", "_inline_reader", "_listeners", "_reader", "_writer", "dialect")

    def __init__(
        self,
        writer: AsyncEngine,
        reader: AsyncEngine,
        engines: tuple[AsyncEngine, ...],
        inline_reader: Engine | None = None,
    ) -> None:
        self._writer = writer
        self._reader = reader
        self._engines = engines
        self._inline_reader = inline_reader
        self._listeners: list[CommitListener] = []
        self.dialect = writer.dialect.name

    @classmethod
    async def open(cls, url: str, *, pool_size: int = 10) -> SqlDatabase:
        """Connect (fails fast on a bad URL or server). Does not migrate: see ``migrate.upgrade``.

        On PostgreSQL ``pool_size`` is how many units of work run in parallel (read and
        write alike); more wait for a connection. SQLite always has one writer.
        """
        parsed = normalize_url(url)
        if is_sqlite(parsed):
            # aiosqlite logs every call with its SQL parameters at DEBUG, and parameters can
            # hold secrets (webhook secrets, password hashes): keep that logger at INFO.
            quiet = logging.getLogger("aiosqlite")
            if quiet.level < logging.INFO:  # its own level, so a DEBUG root cannot lower it
                quiet.setLevel(logging.INFO)
            writer = _sqlite_engine(parsed, writer=True, pool_size=1)
            reader = _sqlite_engine(parsed, writer=False, pool_size=pool_size)
            inline = _sqlite_inline_reader(parsed, pool_size=pool_size)
            db = cls(writer, reader, (writer, reader), inline)
        else:
            engine = create_async_engine(
                parsed,
                hide_parameters=True,  # parameters can hold secrets: never log them
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
        return _UnitOfWorkScope(self._reader, read_only=True, inline=self._inline_reader)

    def write(self) -> _UnitOfWorkScope:
        """A write unit of work; do not nest one inside another (the SQLite writer is a single connection)."""
        return _UnitOfWorkScope(self._writer, read_only=False, listeners=self._listeners)

    def on_events_committed(self, listener: CommitListener) -> None:
        """Call ``listener(newest_cursor)`` after every commit of a write unit of work that
        added events. It runs in the committing task: it must not block or raise."""
        self._listeners.append(listener)

    async def close(self) -> None:
        for engine in self._engines:
            await engine.dispose()
        if self._inline_reader is not None:
            self._inline_reader.dispose()


if TYPE_CHECKING:

    def _conforms(db: SqlDatabase) -> Database:
        return db
