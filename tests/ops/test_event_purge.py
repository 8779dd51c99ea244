"""chat_event rows go once every webhook has delivered or parked them and the resume window passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from sochat.domain.webhooks import DeliveryStatus, WebhookState
from sochat.storage import schema
from sochat.storage.database import SqlDatabase
from sochat.storage.operations import purge_events

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
OLD = (NOW - timedelta(hours=30)).replace(tzinfo=None)
NEW = (NOW - timedelta(hours=1)).replace(tzinfo=None)


async def _events_left(db: SqlDatabase) -> list[int]:
    async with db.read() as uow:
        rows = await uow.connection.execute(select(schema.chat_event.c.id).order_by(schema.chat_event.c.id))
        return [r[0] for r in rows]


async def _setup(db: SqlDatabase, *, cursor: int) -> None:
    e, w, d = schema.chat_event, schema.webhook, schema.webhook_delivery
    async with db.write() as uow:
        conn = uow.connection
        for i in range(1, 9):  # events 1-6 are old, 7-8 inside the resume window
            await conn.execute(
                insert(e).values(
                    id=i,
                    uid=f"u{i}",
                    name="chatsession.created",
                    session_id=1,
                    topic_id=1,
                    changes="[]",
                    created_at=OLD if i <= 6 else NEW,
                )
            )
        for hook_id, state in ((1, WebhookState.Active), (2, WebhookState.TooManyErrors)):
            await conn.execute(
                insert(w).values(
                    id=hook_id,
                    name=f"h{hook_id}",
                    target_url="https://example.invalid/",
                    secret="s",
                    state=int(state),
                    headers="{}",
                    properties="{}",
                )
            )
        deliveries = [
            (1, 1, DeliveryStatus.DELIVERED),
            (1, 2, DeliveryStatus.FAILED),
            (1, 4, DeliveryStatus.PENDING),  # Active webhook still owes event 4
            (2, 3, DeliveryStatus.PENDING),  # parked: the webhook is TooManyErrors
        ]
        for hook_id, event_id, status in deliveries:
            await conn.execute(
                insert(d).values(
                    webhook_id=hook_id,
                    event_uid=f"u{event_id}",
                    event_name="chatsession.created",
                    event_id=event_id,
                    body="{}",
                    status=int(status),
                    created_at=OLD,
                    due_at=OLD,
                )
            )
        await conn.execute(delete(schema.webhook_cursor))  # the migration's row, if any
        await conn.execute(insert(schema.webhook_cursor).values(id=1, position=cursor))
        await uow.commit()


async def test_purge_keeps_what_webhooks_and_resumes_need(db: SqlDatabase) -> None:
    await _setup(db, cursor=5)
    window = NOW - timedelta(hours=24)
    assert await purge_events(db, window, dry_run=True) == 3
    assert await _events_left(db) == list(range(1, 9))
    # 1-3 go: delivered, given up, parked. 4 is owed to an Active webhook, so it and
    # everything after stay; 6 was never fanned out; 7-8 are in the resume window.
    assert await purge_events(db, window) == 3
    assert await _events_left(db) == [4, 5, 6, 7, 8]
    # The delivery of 4 succeeds and the fan-out passes 6: now 4-6 go, 7-8 still stay.
    async with db.write() as uow:
        d = schema.webhook_delivery
        await uow.connection.execute(
            update(d).where(d.c.event_id == 4).values(status=int(DeliveryStatus.DELIVERED))
        )
        await uow.connection.execute(update(schema.webhook_cursor).values(position=8))
        await uow.commit()
    assert await purge_events(db, window) == 3
    assert await _events_left(db) == [7, 8]
    # Once the window has passed for them too, they go.
    assert await purge_events(db, NOW) == 2
    assert await _events_left(db) == []


async def test_no_fan_out_yet_means_no_purge(db: SqlDatabase) -> None:
    await _setup(db, cursor=0)
    assert await purge_events(db, NOW) == 0
