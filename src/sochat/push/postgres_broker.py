"""``PostgresBroker``: LISTEN/NOTIFY on a dedicated asyncpg connection.

The connection is the process's own, outside the SQLAlchemy pool (a pooled connection
would lose its LISTEN when returned). Publishing is ``SELECT pg_notify(channel, cursor)``
on the same connection, serialised with a lock. A lost connection (server restart,
``pg_terminate_backend``, a half-open socket found by the keep-alive query) is replaced
with backoff; after each new LISTEN the hub re-reads from its cursor (``resync``), so
events committed while no one listened are still delivered. NOTIFY is per database: every
sochat process on the same database hears every other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from sochat.push.broker import Broker, Notify, Resync, sleep_backoff

log = logging.getLogger("sochat.push")

KEEPALIVE_SECONDS = 5.0
QUERY_TIMEOUT = 5.0
FIRST_CONNECT_WAIT = 5.0
STABLE_SECONDS = 30.0  # a connection that lived this long resets the backoff


class PostgresBroker(Broker):
    name = "postgres"

    def __init__(self, dsn: str, channel: str) -> None:
        self._dsn = dsn
        self._channel = channel
        self._conn: Any = None  # asyncpg.Connection while connected
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._notify: Notify | None = None
        self._resync: Resync | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None

    async def start(self, notify: Notify, resync: Resync) -> None:
        self._notify = notify
        self._resync = resync
        self._task = asyncio.create_task(self._run(), name="sochat-push-postgres")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), FIRST_CONNECT_WAIT)

    def _on_notification(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            cursor = int(payload)
        except ValueError:
            return
        if self._notify is not None:
            self._notify(cursor)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            began = loop.time()
            try:
                await self._listen(restored=self._ready.is_set())
                log.warning("push: LISTEN connection closed; reconnecting")
            except Exception as exc:
                # Whatever broke the connection: the loop must survive it and reconnect.
                log.warning("push: LISTEN connection lost (%s); reconnecting", type(exc).__name__)
            if loop.time() - began > STABLE_SECONDS:
                attempt = 0
            await sleep_backoff(attempt)
            attempt += 1

    async def _listen(self, *, restored: bool) -> None:
        """One connection's life: LISTEN, resync, then keep it alive until it is lost."""
        lost = asyncio.Event()
        conn = await asyncpg.connect(self._dsn, timeout=QUERY_TIMEOUT)
        try:
            conn.add_termination_listener(lambda _c: lost.set())
            await conn.add_listener(self._channel, self._on_notification)
            self._conn = conn
            self._ready.set()
            if restored:
                log.info("push: LISTEN %s restored", self._channel)
            if self._resync is not None:
                self._resync()
            # The termination listener is not called for every kind of loss (a FATAL
            # message from pg_terminate_backend, say): look at the connection every second
            # too, and send a query now and then to find half-open sockets.
            idle = 0.0
            while not lost.is_set() and not conn.is_closed():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), 1.0)
                idle += 1.0
                if idle >= KEEPALIVE_SECONDS and not lost.is_set() and not conn.is_closed():
                    idle = 0.0
                    async with self._lock:
                        await conn.execute("SELECT 1", timeout=QUERY_TIMEOUT)
        finally:
            self._conn = None
            conn.terminate()

    async def publish(self, cursor: int) -> None:
        conn = self._conn
        if conn is None:
            return  # the other processes' hubs poll; nothing is lost
        try:
            async with self._lock:
                await conn.execute(
                    "SELECT pg_notify($1, $2)", self._channel, str(cursor), timeout=QUERY_TIMEOUT
                )
        except Exception as exc:
            log.warning("push: NOTIFY failed (%s)", type(exc).__name__)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._notify = None
