"""Scenario 3's ceiling: a bare script committing the rows sochat commits for one message.

Per message, in one transaction: UPDATE the session (status, last message, idle and
updated times), INSERT the chat_message row and, when the schema has an event table
(``chat_event``, the real-time outbox), one event row: the same rows ``AddChatMessage``
writes, through the same driver with the same durability settings.

* SQLite: aiosqlite, one writer connection (sochat's writer is a pool of one) shared by the
  32 tasks through a lock, ``BEGIN IMMEDIATE``, WAL, ``synchronous=NORMAL``.
* PostgreSQL: asyncpg, a pool of 10 connections (sochat's pool size), READ COMMITTED,
  the server's default ``synchronous_commit``.

Prints one JSON line: commits, seconds, commits/s, CPU seconds, p50/p99 commit latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, Table

from sochat.storage import schema


def _event_table() -> Table | None:
    for name, table in schema.metadata.tables.items():
        if "event" in name:
            return table
    return None


def _value_for(column: Any, session_id: int, now: Any, n: int) -> Any:
    if column.name in ("session_id", "chat_session_id"):
        return session_id
    if isinstance(column.type, DateTime):
        return now
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 1
    return f"bench-{n}"


def _event_insert(paramstyle: str) -> tuple[str, list[Any]] | None:
    table = _event_table()
    if table is None:
        return None
    cols = [
        c
        for c in table.columns
        if not c.primary_key or not isinstance(c.type, Integer)
        if not (c.nullable and c.server_default is None) or c.name in ("session_id", "chat_session_id")
    ]
    marks = ", ".join("?" if paramstyle == "qmark" else f"${i + 1}" for i in range(len(cols)))
    sql = f"INSERT INTO {table.name} ({', '.join(c.name for c in cols)}) VALUES ({marks})"
    return sql, cols


UPDATE_SQLITE = (
    "UPDATE chat_session SET status = 5, last_message = ?, when_idle = ?, updated_at = ? WHERE id = ?"
)
INSERT_SQLITE = (
    "INSERT INTO chat_message (session_id, message, author, type, special_type, special_param,"
    " read_by_customer, created_by, when_posted) VALUES (?, ?, '', 2, 0, '', 0, -1, ?)"
)
UPDATE_PG = (
    "UPDATE chat_session SET status = 5, last_message = $1, when_idle = $2, updated_at = $3 WHERE id = $4"
)
INSERT_PG = (
    "INSERT INTO chat_message (session_id, message, author, type, special_type, special_param,"
    " read_by_customer, created_by, when_posted) VALUES ($1, $2, '', 2, 0, '', false, -1, $3)"
)
TEXT = "Hello, I have a question about my order (benchmark message)."


async def _sqlite_committer(
    url: str,
) -> tuple[Callable[[int, int], Awaitable[None]], Callable[[], Awaitable[None]]]:
    import aiosqlite

    conn = await aiosqlite.connect(url.split("///", 1)[1], isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000", "foreign_keys=ON"):
        await conn.execute(f"PRAGMA {pragma}")
    lock = asyncio.Lock()
    event = _event_insert("qmark")

    async def commit(session_id: int, n: int) -> None:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        async with lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                await conn.execute(UPDATE_SQLITE, (TEXT, now, now, session_id))
                await conn.execute(INSERT_SQLITE, (session_id, TEXT, now))
                if event is not None:
                    sql, cols = event
                    await conn.execute(sql, [_value_for(c, session_id, now, n) for c in cols])
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise

    return commit, conn.close


async def _pg_committer(
    url: str,
) -> tuple[Callable[[int, int], Awaitable[None]], Callable[[], Awaitable[None]]]:
    import asyncpg

    pool = await asyncpg.create_pool(url, min_size=10, max_size=10)
    event = _event_insert("numeric")

    async def commit(session_id: int, n: int) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        async with pool.acquire() as conn, conn.transaction(isolation="read_committed"):
            await conn.execute(UPDATE_PG, TEXT, now, now, session_id)
            await conn.execute(INSERT_PG, session_id, TEXT, now)
            if event is not None:
                sql, cols = event
                await conn.execute(sql, *[_value_for(c, session_id, now, n) for c in cols])

    return commit, pool.close


async def run(url: str, session_ids: list[int], tasks: int, warmup: float, duration: float) -> dict[str, Any]:
    make = _sqlite_committer if url.startswith("sqlite") else _pg_committer
    commit, close = await make(url)
    latencies: list[float] = []
    counter = 0
    measuring = False
    stop = False

    async def worker(k: int) -> None:
        nonlocal counter
        i = k
        while not stop:
            sid = session_ids[i % len(session_ids)]
            i += tasks
            t0 = time.perf_counter()
            await commit(sid, i)
            if measuring:
                latencies.append(time.perf_counter() - t0)
                counter += 1

    workers = [asyncio.create_task(worker(k)) for k in range(tasks)]
    await asyncio.sleep(warmup)
    cpu0 = sum(os.times()[:2])
    t0 = time.perf_counter()
    measuring = True
    await asyncio.sleep(duration)
    measuring = False
    elapsed = time.perf_counter() - t0
    cpu = sum(os.times()[:2]) - cpu0
    commits = counter
    stop = True
    await asyncio.gather(*workers)
    await close()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "commits": commits,
        "seconds": elapsed,
        "rps": commits / elapsed,
        "cpu_seconds": cpu,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "event_table": (_event_table().name if _event_table() is not None else None),  # type: ignore[union-attr]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--sessions", required=True, help="comma-separated session ids")
    parser.add_argument("--tasks", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    ids = [int(x) for x in args.sessions.split(",")]
    coro = run(args.database, ids, args.tasks, args.warmup, args.duration)
    try:
        import uvloop  # the loop uvicorn picks for sochat

        result = uvloop.run(coro)
    except ImportError:
        result = asyncio.run(coro)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
