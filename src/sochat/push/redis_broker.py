"""``RedisBroker``: Redis pub/sub (redis-py asyncio), for deployments that already run Redis.

One pub/sub connection subscribes to the channel; publishing goes through the client's
connection pool. When the subscription breaks (Redis restarted, ``CLIENT KILL``), the
loop resubscribes with backoff and then asks the hub to re-read from its cursor
(``resync``): pub/sub keeps nothing for absent subscribers, the database does. The
channel name is a setting: deployments sharing one Redis need different channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis

from sochat.push.broker import Broker, Notify, Resync, sleep_backoff

log = logging.getLogger("sochat.push")

FIRST_CONNECT_WAIT = 5.0
SOCKET_TIMEOUT = 5.0
HEALTH_CHECK_SECONDS = 10
STABLE_SECONDS = 30.0  # a subscription that lived this long resets the backoff


class RedisBroker(Broker):
    name = "redis"

    def __init__(self, url: str, channel: str) -> None:
        self._url = url
        self._channel = channel
        self._client: Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._subscribed = False
        self._notify: Notify | None = None
        self._resync: Resync | None = None

    @property
    def connected(self) -> bool:
        return self._subscribed

    def _redis(self) -> Redis:
        if self._client is None:
            self._client = Redis.from_url(
                self._url,
                socket_connect_timeout=SOCKET_TIMEOUT,
                health_check_interval=HEALTH_CHECK_SECONDS,
            )
        return self._client

    async def start(self, notify: Notify, resync: Resync) -> None:
        self._notify = notify
        self._resync = resync
        self._task = asyncio.create_task(self._run(), name="sochat-push-redis")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), FIRST_CONNECT_WAIT)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            began = loop.time()
            try:
                await self._listen(restored=self._ready.is_set())
            except Exception as exc:
                # Whatever broke the subscription: the loop must survive it and resubscribe.
                log.warning("push: Redis subscription lost (%s); resubscribing", type(exc).__name__)
            if loop.time() - began > STABLE_SECONDS:
                attempt = 0
            await sleep_backoff(attempt)
            attempt += 1

    async def _listen(self, *, restored: bool) -> None:
        """One subscription's life: SUBSCRIBE, resync, then deliver until it breaks."""
        pubsub = self._redis().pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
            self._subscribed = True
            self._ready.set()
            if restored:
                log.info("push: SUBSCRIBE %s restored", self._channel)
            if self._resync is not None:
                self._resync()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None and message.get("type") == "message":
                    self._deliver(message.get("data"))
        finally:
            self._subscribed = False
            with contextlib.suppress(Exception):
                await asyncio.shield(pubsub.aclose())  # type: ignore[no-untyped-call]

    def _deliver(self, data: object) -> None:
        try:
            cursor = int(data.decode() if isinstance(data, bytes) else str(data))
        except ValueError:
            return
        if self._notify is not None:
            self._notify(cursor)

    async def publish(self, cursor: int) -> None:
        try:
            await self._redis().publish(self._channel, str(cursor))
        except Exception as exc:
            log.warning("push: PUBLISH failed (%s)", type(exc).__name__)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._notify = None
