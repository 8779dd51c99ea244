"""Two dispatchers on one database, each with its own engine and connection pool (as two
processes would have), share the outbox: every delivery reaches a counting receiver exactly
once. On PostgreSQL this exercises the cursor's and the claims' ``FOR UPDATE SKIP LOCKED``;
on SQLite the exclusive write transactions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import anyio
import pytest

from sochat.bootstrap import SystemClock
from sochat.services.webhooks import Answer, HttpxTransport, TargetRule, WebhookDispatcher, WebhookService
from sochat.storage.database import SqlDatabase
from sochat.storage.webhooks import SqlWebhookStore
from tests.webhooks.conftest import add_event, make_dispatcher, pending, register
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.anyio

EVENTS = 60
HOOKS = 3


class Counting(HttpxTransport):
    def __init__(self) -> None:
        super().__init__(timeout=5, guard=TargetRule(allow_loopback=True))
        self.calls = 0

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        self.calls += 1
        return await super().post(url, headers, body)


async def test_two_dispatchers_deliver_every_event_exactly_once(db: SqlDatabase, db_url: str) -> None:
    clock = SystemClock()
    other = await SqlDatabase.open(db_url, pool_size=4)
    try:
        stores = [SqlWebhookStore(db), SqlWebhookStore(other)]
        service = WebhookService(stores[0], clock, allow_loopback=True)
        async with Receiver(delay=0.002) as rx:
            for i in range(HOOKS):
                await register(service, f"{rx.url}?hook={i}", name=f"hook {i}")
            transports = [Counting(), Counting()]
            dispatchers = [
                make_dispatcher(s, clock, batch_size=7, concurrency=4, transport=t)
                for s, t in zip(stores, transports, strict=True)
            ]

            async def writer() -> None:
                for _ in range(EVENTS):
                    await add_event(db, clock.now())

            async def work(d: WebhookDispatcher) -> None:
                while len(rx.requests) < EVENTS * HOOKS:
                    await d.run_once()
                    await anyio.sleep(0)

            with anyio.fail_after(120):
                async with anyio.create_task_group() as tg:
                    tg.start_soon(writer)
                    for d in dispatchers:
                        tg.start_soon(work, d)
                # Both go on a little longer: nothing more may arrive.
                for _ in range(3):
                    for d in dispatchers:
                        await d.run_once()
        seen = Counter((r.path, r.headers["x-superoffice-eventid"]) for r in rx.requests)
        assert len(seen) == EVENTS * HOOKS
        assert max(seen.values()) == 1
        assert await pending(db) == 0
        assert all(t.calls > 0 for t in transports)  # both took part
        assert sum(t.calls for t in transports) == EVENTS * HOOKS
        for t in transports:
            await t.aclose()
    finally:
        await other.close()
