"""Shared counters for ``services.ratelimit.SharedRateLimiter``: a database table or Redis.

Keys are stored as SHA-256 digests: a counter table must not become a list of user names
and addresses, and digests fit any key length.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from sochat.services.ports import Database
from sochat.storage import schema
from sochat.storage.database import SqlUnitOfWork

PURGE_EVERY = 300.0


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _upsert(dialect: str) -> Any:
    t = schema.rate_limit
    insert = pg_dialect.insert(t) if dialect == "postgresql" else sqlite_dialect.insert(t)
    stmt = insert.values(
        key=bindparam("key"), window=bindparam("window"), count=bindparam("cost"), expires_at=bindparam("exp")
    )
    # One statement, atomic under concurrency: the row of another window restarts at cost.
    return stmt.on_conflict_do_update(
        index_elements=[t.c.key],
        set_={
            "count": _case_count(stmt),
            "window": stmt.excluded.window,
            "expires_at": stmt.excluded.expires_at,
        },
    ).returning(t.c.count)


def _case_count(stmt: Any) -> Any:
    from sqlalchemy import case

    t = schema.rate_limit
    return case(
        (t.c.window == stmt.excluded.window, t.c.count + stmt.excluded.count), else_=stmt.excluded.count
    )


_PEEK = select(schema.rate_limit.c.count).where(
    schema.rate_limit.c.key == bindparam("key"), schema.rate_limit.c.window == bindparam("window")
)
_DELETE = delete(schema.rate_limit).where(schema.rate_limit.c.key == bindparam("key"))
_PURGE = delete(schema.rate_limit).where(schema.rate_limit.c.expires_at < bindparam("now"))
_UPSERTS = {name: _upsert(name) for name in ("postgresql", "sqlite")}


class SqlWindowStore:
    """Counters in the ``rate_limit`` table: shared by every process using the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._purged = 0.0

    @staticmethod
    def _sql(uow: object) -> SqlUnitOfWork:
        if not isinstance(uow, SqlUnitOfWork):
            raise TypeError(f"SqlWindowStore needs SqlDatabase units of work, not {type(uow).__name__}")
        return uow

    async def add(self, key: str, window: int, cost: int, expires_at: float) -> int:
        params = {"key": _digest(key), "window": window}
        if cost == 0:
            async with self._db.read() as ro:
                found = (await self._sql(ro).connection.execute(_PEEK, params)).scalar()
            return int(found or 0)
        async with self._db.write() as rw:
            uow = self._sql(rw)
            count = (
                await uow.connection.execute(
                    _UPSERTS[uow.dialect], {**params, "cost": cost, "exp": expires_at}
                )
            ).scalar_one()
            now = time.time()
            if now - self._purged > PURGE_EVERY:
                self._purged = now
                await uow.connection.execute(_PURGE, {"now": now})
            await uow.commit()
        return int(count)

    async def delete(self, key: str) -> None:
        async with self._db.write() as rw:
            uow = self._sql(rw)
            await uow.connection.execute(_DELETE, {"key": _digest(key)})
            await uow.commit()


class RedisWindowStore:
    """Counters in Redis (``INCRBY`` on a per-window key that expires with its window)."""

    def __init__(self, url: str, prefix: str = "sochat:rl:") -> None:
        from redis.asyncio import Redis

        self._client = Redis.from_url(url, socket_timeout=5.0)
        self._prefix = prefix

    async def add(self, key: str, window: int, cost: int, expires_at: float) -> int:
        name = f"{self._prefix}{_digest(key)}:{window}"
        if cost == 0:
            found = await self._client.get(name)
            return int(found or 0)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incrby(name, cost)
            pipe.expireat(name, int(expires_at) + 1)
            count, _ = await pipe.execute()
        return int(count)

    async def delete(self, key: str) -> None:
        pattern = f"{self._prefix}{_digest(key)}:*"
        async for name in self._client.scan_iter(match=pattern, count=100):
            await self._client.delete(name)

    async def aclose(self) -> None:
        await self._client.aclose()
