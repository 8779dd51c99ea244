"""The SQL store: round trips, the cursor lock, claims with SKIP LOCKED, duplicates, purging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sochat.domain.webhooks import DeliveryStatus, Webhook, WebhookState
from sochat.services.webhooks import NewDelivery
from sochat.storage import schema
from sochat.storage.database import SqlDatabase
from sochat.storage.migrate import upgrade
from sochat.storage.webhooks import SqlWebhookStore
from tests.webhooks.conftest import START, add_event, delivery_rows

pytestmark = pytest.mark.anyio

FULL = Webhook(
    webhook_id=0,
    name="Everything",
    events=("chatsession.message", "myapp.*"),
    target_url="https://example.com/hook?x=1",
    secret="sécret",
    state=WebhookState.Stopped,
    headers={"Authorization": "Bearer t", "X-Ünï": "v"},
    properties={"Tenant": "acme", "n": 1.5, "list": [1, "a", None], "obj": {"k": True}},
    registered_at=START,
    registered_by=3,
    updated_at=START + timedelta(minutes=5),
    updated_by=4,
    errors_email="ops@example.com",
    error_emails=("a@example.com", "b@example.com"),
    error_associate_ids=(3, 4),
    description="Långt\nmed radbrytning",
    notify_via=3,
    notify_when=2,
    total_calls=10,
    total_errors=4,
    consecutive_errors=2,
    last_error="HTTP/1.1 500 Oops",
    retry_at=START + timedelta(seconds=30),
)


async def test_webhook_round_trip(store: SqlWebhookStore) -> None:
    async with store.write() as uow:
        added = await uow.hooks.add(FULL)
        await uow.commit()
    assert added.webhook_id > 0
    async with store.read() as uow:
        loaded = await uow.hooks.get(added.webhook_id)
        assert await uow.hooks.get_many([added.webhook_id, 999]) == {added.webhook_id: loaded}
        assert await uow.hooks.list() == [loaded]
        assert await uow.hooks.subscribed() == []  # Stopped
    assert loaded == added
    changed = Webhook(
        **{**{f: getattr(added, f) for f in added.__dataclass_fields__}, "state": WebhookState.Active}
    )
    async with store.write() as uow:
        assert await uow.hooks.update(changed)
        assert not await uow.hooks.update(Webhook(webhook_id=999))
        await uow.commit()
    async with store.read() as uow:
        assert await uow.hooks.subscribed() == [changed]
    async with store.write() as uow:
        assert await uow.hooks.delete(added.webhook_id)
        assert not await uow.hooks.delete(added.webhook_id)
        await uow.commit()


def _delivery(webhook_id: int, uid: str, minutes: int = 0) -> NewDelivery:
    return NewDelivery(
        webhook_id, uid, "e.x", 1, '{"EventId":"' + uid + '"}', START + timedelta(minutes=minutes)
    )


async def test_duplicate_deliveries_are_ignored_and_deleting_a_webhook_deletes_them(
    db: SqlDatabase, store: SqlWebhookStore
) -> None:
    async with store.write() as uow:
        hook = await uow.hooks.add(Webhook(0, name="h", events=("*",), target_url="https://x/"))
        await uow.hooks.add_deliveries([_delivery(hook.webhook_id, "a"), _delivery(hook.webhook_id, "b")])
        await uow.hooks.add_deliveries([_delivery(hook.webhook_id, "a")])
        assert await uow.hooks.pending_count(hook.webhook_id) == 2
        await uow.commit()
    async with store.write() as uow:
        await uow.hooks.delete(hook.webhook_id)
        await uow.commit()
    assert await delivery_rows(db) == []


async def test_claim_lease_release_and_results(db: SqlDatabase, store: SqlWebhookStore) -> None:
    async with store.write() as uow:
        hook = await uow.hooks.add(Webhook(0, name="h", events=("*",), target_url="https://x/"))
        await uow.hooks.add_deliveries(
            [_delivery(hook.webhook_id, u, m) for u, m in (("b", 1), ("a", 0), ("c", 9))]
        )
        await uow.commit()
    now = START + timedelta(minutes=5)
    until = now + timedelta(minutes=1)
    async with store.write() as uow:
        assert await uow.hooks.any_due(now)
        claimed = await uow.hooks.claim(now, 10, until, "L1")
        await uow.commit()
    assert [(d.event_uid, d.attempts, d.lease) for d in claimed] == [("a", 1, "L1"), ("b", 1, "L1")]
    async with store.write() as uow:
        assert not await uow.hooks.any_due(now)  # leased
        assert await uow.hooks.claim(now, 10, until, "L2") == []
        assert await uow.hooks.delivered(claimed[0].delivery_id, "L1", now, 204)
        assert not await uow.hooks.delivered(claimed[1].delivery_id, "other", now, 204)
        await uow.hooks.release([claimed[1].delivery_id], "L1", now)
        await uow.commit()
    async with store.write() as uow:
        again = await uow.hooks.claim(now, 10, until, "L3")
        assert [(d.event_uid, d.attempts) for d in again] == [("b", 1)]  # the release un-counted it
        assert await uow.hooks.retry_later(again[0].delivery_id, "L3", now, 500, "boom", give_up=True)
        await uow.commit()
    rows = {r["event_uid"]: r for r in await delivery_rows(db)}
    assert rows["a"]["status"] == DeliveryStatus.DELIVERED
    assert rows["a"]["last_status"] == 204
    assert rows["b"]["status"] == DeliveryStatus.FAILED
    assert rows["b"]["last_error"] == "boom"
    assert rows["c"]["status"] == DeliveryStatus.PENDING
    async with store.write() as uow:
        assert await uow.hooks.purge(now + timedelta(seconds=1)) == 2
        await uow.commit()
    assert [r["event_uid"] for r in await delivery_rows(db)] == ["c"]


async def test_counters_and_tripping(store: SqlWebhookStore) -> None:
    async with store.write() as uow:
        hook = await uow.hooks.add(Webhook(0, name="h", events=("*",), target_url="https://x/"))
        results = [await uow.hooks.count_failure(hook.webhook_id, f"e{i}", 3) for i in range(4)]
        await uow.hooks.back_off(hook.webhook_id, START)
        assert await uow.hooks.count_failure(999, "x", 3) is None
        await uow.commit()
    assert results == [
        (1, WebhookState.Active),
        (2, WebhookState.Active),
        (3, WebhookState.TooManyErrors),
        (4, WebhookState.TooManyErrors),
    ]
    async with store.write() as uow:
        await uow.hooks.count_success(hook.webhook_id)
        await uow.commit()
    async with store.read() as uow:
        stored = await uow.hooks.get(hook.webhook_id)
    assert stored is not None
    assert (stored.total_calls, stored.total_errors, stored.consecutive_errors) == (5, 4, 0)
    assert stored.last_error == "e3"
    assert stored.retry_at is None
    assert stored.state == WebhookState.TooManyErrors  # only an administrator re-activates


async def test_cursor_is_recreated_when_the_tables_were_emptied(
    db: SqlDatabase, store: SqlWebhookStore
) -> None:
    async with store.write() as uow:
        await uow.connection.execute(schema.webhook_cursor.delete())
        await uow.commit()
    async with store.read() as uow:
        assert await uow.hooks.cursor() == 0
    async with store.write() as uow:
        assert await uow.hooks.lock_cursor() == 0
        await uow.hooks.set_cursor(5, START)
        await uow.commit()
    async with store.read() as uow:
        assert await uow.hooks.cursor() == 5


@pytest.mark.pg
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_postgresql_cursor_and_claims_skip_locked_rows(db: SqlDatabase, store: SqlWebhookStore) -> None:
    async with store.write() as uow:
        hook = await uow.hooks.add(Webhook(0, name="h", events=("*",), target_url="https://x/"))
        await uow.hooks.add_deliveries([_delivery(hook.webhook_id, str(i)) for i in range(6)])
        assert await uow.hooks.lock_cursor() == 0  # (re)creates the row the fixture emptied
        await uow.commit()
    now = START + timedelta(minutes=1)
    async with store.write() as first, store.write() as second:
        assert await first.hooks.lock_cursor() is not None
        assert await second.hooks.lock_cursor() is None  # skipped, not waited for
        a = await first.hooks.claim(now, 4, now + timedelta(minutes=1), "A")
        b = await second.hooks.claim(now, 4, now + timedelta(minutes=1), "B")
        await second.commit()
        await first.commit()
    assert len(a) == 4
    assert len(b) == 2
    assert not {d.delivery_id for d in a} & {d.delivery_id for d in b}


async def test_migration_starts_the_cursor_after_existing_events(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    await upgrade(url, "0003")
    db = await SqlDatabase.open(url)
    try:
        for _ in range(3):
            await add_event(db, START)
    finally:
        await db.close()
    await upgrade(url)
    db = await SqlDatabase.open(url)
    try:
        store = SqlWebhookStore(db)
        async with store.read() as uow:
            assert await uow.hooks.cursor() == 3
            rows = (
                await uow.connection.execute(select(func.count()).select_from(schema.webhook_cursor))
            ).scalar()
            assert rows == 1
    finally:
        await db.close()
