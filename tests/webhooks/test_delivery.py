"""Delivery end to end, on SQLite and PostgreSQL, against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import anyio
import pytest

from sochat.domain.enums import ChatSessionStatus
from sochat.domain.events import EventName
from sochat.domain.session import ChatSession
from sochat.domain.webhooks import DeliveryStatus, Webhook, WebhookState
from sochat.errors import Forbidden, InvalidInput
from sochat.services.webhooks import WebhookService
from sochat.storage.database import SqlDatabase
from sochat.storage.webhooks import SqlWebhookStore
from tests.webhooks.conftest import (
    ADMIN,
    AGENT,
    FakeClock,
    add_event,
    delivery_rows,
    make_dispatcher,
    pending,
    register,
)
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.anyio

SECRET = "s3cr3t-Ünïcode"


async def test_receiver_failing_twice_gets_the_same_signed_delivery_the_third_time(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock
) -> None:
    async with Receiver([500, 503]) as rx:
        hook = await register(service, rx.url, secret=SECRET, events=("chatsession.changed",))
        event = await add_event(db, clock.now(), name=EventName.CHANGED, changes=("status", "userId"))
        dispatcher = make_dispatcher(store, clock)

        await dispatcher.run_once()
        assert len(rx.requests) == 1
        await dispatcher.run_once()  # backing off: nothing is due yet
        assert len(rx.requests) == 1
        clock.advance()
        await dispatcher.run_once()
        assert len(rx.requests) == 2
        clock.advance()
        await dispatcher.run_once()
        assert len(rx.requests) == 3
        clock.advance()
        await dispatcher.run_once()
        assert len(rx.requests) == 3  # delivered: never again

    first = rx.requests[0]
    assert all(r.body == first.body for r in rx.requests)
    assert {r.headers["x-superoffice-eventid"] for r in rx.requests} == {event.uid}
    for r in rx.requests:
        assert r.method == "POST"
        assert r.path == "/hook"
        assert r.signature_ok(SECRET)
        assert not r.signature_ok("wrong")
        assert r.headers["x-superoffice-event"] == "chatsession.changed"
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        assert r.headers["user-agent"].startswith("sochat-Webhook/")
        assert "x-hook-test" not in r.headers
    body = first.json()
    assert body["EventId"] == event.uid
    assert body["Event"] == "chatsession.changed"
    assert body["Entity"] == "chatsession"
    assert body["PrimaryKey"] == 41
    assert body["Changes"] == ["status", "userId"]
    assert body["ContextIdentifier"] == "Default"
    assert body["ChangedByAssociateId"] == 1
    assert body["WebhookName"] == "My hook"
    assert body["Timestamp"] == "2026-11-25T12:00:00.0000000Z"
    assert body["FieldValues"]["TopicId"] == 7

    stored = (await service.get(ADMIN, hook.webhook_id)).hook
    assert (stored.total_calls, stored.total_errors, stored.consecutive_errors) == (3, 2, 0)
    assert stored.state == WebhookState.Active
    # A loopback target: the status line only (issue 16 item 1), never its headers or body.
    assert stored.last_error == "HTTP/1.1 503 Service Unavailable"
    (row,) = await delivery_rows(db)
    assert row["status"] == DeliveryStatus.DELIVERED
    assert row["attempts"] == 3
    assert row["last_status"] == 200


async def test_the_running_dispatcher_retries_on_its_own(db: SqlDatabase, store: SqlWebhookStore) -> None:
    """The same story with the real clock and ``run()``: backoff in milliseconds."""
    from sochat.bootstrap import SystemClock

    clock = SystemClock()
    service = WebhookService(store, clock, allow_loopback=True)
    async with Receiver([500, 500]) as rx:
        await register(service, rx.url, secret=SECRET)
        await add_event(db, clock.now())
        dispatcher = make_dispatcher(store, clock, retry_base=0.02, poll_interval=0.01)
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run, stop)
            with anyio.fail_after(15):
                while len(rx.requests) < 3:
                    await anyio.sleep(0.01)
            await anyio.sleep(0.1)
            stop.set()
    assert len(rx.requests) == 3
    assert len({r.body for r in rx.requests}) == 1
    assert all(r.signature_ok(SECRET) for r in rx.requests)
    assert await pending(db) == 0


async def test_too_many_errors_parks_deliveries_until_reactivated(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock
) -> None:
    async with Receiver(then=500) as rx:
        hook = await register(service, rx.url)
        await add_event(db, clock.now())
        dispatcher = make_dispatcher(store, clock, max_consecutive_errors=3)
        for _ in range(6):
            await dispatcher.run_once()
            clock.advance()
        assert len(rx.requests) == 3
        stored = (await service.get(ADMIN, hook.webhook_id)).hook
        assert stored.state == WebhookState.TooManyErrors
        assert stored.consecutive_errors == 3

        # New events still queue up for it (parked), nothing is sent.
        await add_event(db, clock.now(), name=EventName.MESSAGE, message_id=5)
        for _ in range(3):
            await dispatcher.run_once()
            clock.advance()
        assert len(rx.requests) == 3
        assert await pending(db) == 2

        # Another save that leaves State alone keeps it parked ...
        await service.save(ADMIN, Webhook(**{**_fields(stored), "description": "edited"}))
        await dispatcher.run_once()
        assert len(rx.requests) == 3

        # ... re-activating resumes delivery, oldest first, without waiting for a backoff.
        rx.then = 200
        view = await service.save(ADMIN, Webhook(**{**_fields(stored), "state": WebhookState.Active}))
        assert view.hook.consecutive_errors == 0
        await dispatcher.run_once()
    assert [r.headers["x-superoffice-event"] for r in rx.requests[3:]] == [
        "chatsession.created",
        "chatsession.message",
    ]
    assert rx.requests[4].json()["FieldValues"]["ChatMessageId"] == 5
    assert await pending(db) == 0


def _fields(hook: Webhook) -> dict[str, object]:
    return {f: getattr(hook, f) for f in hook.__dataclass_fields__}


async def test_stopped_webhooks_get_no_new_deliveries_and_keep_pending_ones(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock
) -> None:
    async with Receiver() as rx:
        hook = await register(service, rx.url)
        dispatcher = make_dispatcher(store, clock)
        await add_event(db, clock.now())
        await dispatcher.fan_out()
        assert await pending(db) == 1
        await service.save(ADMIN, Webhook(**{**_fields(hook), "state": WebhookState.Stopped}))
        await add_event(db, clock.now())
        await dispatcher.run_once()
        assert rx.requests == []
        assert await pending(db) == 1  # the one queued before the stop, parked
        await service.save(ADMIN, Webhook(**{**_fields(hook), "state": WebhookState.Active}))
        await dispatcher.run_once()
    assert len(rx.requests) == 1
    assert await pending(db) == 0


async def test_a_claim_of_a_dead_process_comes_back_after_its_lease(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock
) -> None:
    async with Receiver() as rx:
        await register(service, rx.url)
        event = await add_event(db, clock.now())
        dispatcher = make_dispatcher(store, clock, lease_seconds=60)
        await dispatcher.fan_out()
        # A process claims the delivery and dies before it records anything.
        async with store.write() as uow:
            claimed = await uow.hooks.claim(clock.now(), 10, clock.now() + timedelta(seconds=60), "dead")
            await uow.commit()
        assert [d.event_uid for d in claimed] == [event.uid]
        await dispatcher.run_once()
        assert rx.requests == []  # still leased
        clock.advance(timedelta(seconds=59))
        await dispatcher.run_once()
        assert rx.requests == []
        clock.advance(timedelta(seconds=2))
        await dispatcher.run_once()
        # The dead process's late result cannot overwrite the new one.
        async with store.write() as uow:
            assert not await uow.hooks.delivered(claimed[0].delivery_id, "dead", clock.now(), 200)
            await uow.commit()
    assert len(rx.requests) == 1
    (row,) = await delivery_rows(db)
    assert row["status"] == DeliveryStatus.DELIVERED
    assert row["attempts"] == 2  # the lost attempt counts


@pytest.mark.parametrize("status", [400, 404, 429, 302])
async def test_non_2xx_answers_are_errors_and_retried(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock, status: int
) -> None:
    async with Receiver([status]) as rx:
        hook = await register(service, rx.url)
        await add_event(db, clock.now())
        dispatcher = make_dispatcher(store, clock)
        await dispatcher.run_once()
        stored = (await service.get(ADMIN, hook.webhook_id)).hook
        assert stored.total_errors == 1
        assert stored.last_error.startswith(f"HTTP/1.1 {status} ")
        clock.advance()
        await dispatcher.run_once()
    assert len(rx.requests) == 2  # a redirect is not followed: both went to /hook
    assert {r.path for r in rx.requests} == {"/hook"}
    assert await pending(db) == 0


async def test_unreachable_target_and_giving_up_after_max_attempts(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    hook = await register(service, f"http://127.0.0.1:{port}/hook")
    await add_event(db, clock.now())
    dispatcher = make_dispatcher(store, clock, max_attempts=2, max_consecutive_errors=50)
    for _ in range(4):
        await dispatcher.run_once()
        clock.advance()
    stored = (await service.get(ADMIN, hook.webhook_id)).hook
    assert stored.total_calls == 2
    assert stored.state == WebhookState.Active
    assert "ConnectError" in stored.last_error
    (row,) = await delivery_rows(db)
    assert row["status"] == DeliveryStatus.FAILED
    assert row["attempts"] == 2


async def test_one_failure_holds_back_the_rest_of_that_webhook_only(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock
) -> None:
    async with Receiver([500]) as bad, Receiver() as good:
        await register(service, bad.url, name="bad")
        await register(service, good.url, name="good")
        for _ in range(3):
            await add_event(db, clock.now())
        dispatcher = make_dispatcher(store, clock)
        await dispatcher.run_once()
        assert len(bad.requests) == 1  # the first failed; the two behind it wait
        assert len(good.requests) == 3
        clock.advance()
        await dispatcher.run_once()
    assert len(bad.requests) == 4
    assert [r.json()["EventId"] for r in bad.requests[1:]] == [r.json()["EventId"] for r in good.requests]
    assert await pending(db) == 0


async def test_subscriptions_registration_time_properties_headers_and_field_values(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock
) -> None:
    async with db.write() as uow:
        topic_id = await uow.seed.add_topic("Support")
        s = await uow.seed.add_session(
            ChatSession(
                topic_id=topic_id,
                customer_alias="Anna",
                status=ChatSessionStatus.InQueue,
                alert_level=2,
                rating=4,
                customer_consented=True,
            )
        )
        await uow.commit()
    await add_event(db, clock.now() - timedelta(seconds=1), session_id=s.chat_session_id)  # before: not sent
    async with Receiver() as rx:
        await register(
            service,
            rx.url,
            events=("chatsession.message",),
            headers={"Authorization": "Bearer abc", "X-Tenant": "acme"},
            properties={"Tenant": "acme", "Answer": 42},
        )
        await add_event(db, clock.now(), session_id=s.chat_session_id)  # created: not subscribed
        message = await add_event(
            db,
            clock.now(),
            name=EventName.MESSAGE,
            session_id=s.chat_session_id,
            topic_id=topic_id,
            message_id=9,
        )
        await make_dispatcher(store, clock).run_once()
    (r,) = rx.requests
    assert r.headers["authorization"] == "Bearer abc"
    assert r.headers["x-tenant"] == "acme"
    body = r.json()
    assert body["EventId"] == message.uid
    assert body["Tenant"] == "acme"
    assert body["Answer"] == 42
    assert body["FieldValues"] == {
        "AlertLevel": 2,
        "ChatbotIsactive": False,
        "Consented": True,
        "ContactId": 0,
        "CustomerAlias": "Anna",
        "CustomerId": 0,
        "ProjectId": 0,
        "Rating": 4,
        "SaleId": 0,
        "Status": "InQueue",
        "TicketId": 0,
        "TopicId": topic_id,
        "UserId": 0,
        "ChatMessageId": 9,
    }


async def test_signalled_events(
    db: SqlDatabase, store: SqlWebhookStore, service: WebhookService, clock: FakeClock
) -> None:
    async with Receiver() as rx:
        await register(service, rx.url, events=("myapp.*",), secret=SECRET)
        await register(service, rx.url, name="chat only", events=("chatsession.*",))
        count = await service.signal(ADMIN, "MyApp.Order.Shipped", 1234, {"Carrier": "Posten", "Weight": 1.5})
        assert count == 1
        assert await service.signal(ADMIN, "other.thing", 1, {}) == 0
        await make_dispatcher(store, clock).run_once()
    (r,) = rx.requests
    assert r.signature_ok(SECRET)
    assert r.headers["x-superoffice-event"] == "myapp.order.shipped"
    body = r.json()
    assert body["Event"] == "myapp.order.shipped"
    assert body["Entity"] == "myapp"
    assert body["PrimaryKey"] == 1234
    assert body["FieldValues"] == {"Carrier": "Posten", "Weight": 1.5}
    with pytest.raises(InvalidInput):
        await service.signal(ADMIN, "bad name", 1, {})
    with pytest.raises(Forbidden):
        await service.signal(AGENT, "myapp.x", 1, {})


async def test_test_call(db: SqlDatabase, service: WebhookService) -> None:
    async with Receiver() as rx:
        hook = Webhook(
            0, name="t", target_url=rx.url, secret=SECRET, headers={"X-A": "1"}, properties={"P": 1}
        )
        result = await service.test(ADMIN, hook)
        assert result.success
        # A loopback target's answer is not shown, only its status line (issue 16 item 1).
        assert result.message == "HTTP/1.1 200 OK"
        rx.then = 500
        failed = await service.test(ADMIN, hook)
        assert not failed.success
        assert "500 Internal Server Error" in failed.message
    r = rx.requests[0]
    assert r.headers["x-hook-test"] == "true"
    assert r.headers["x-superoffice-event"] == "test"
    assert r.headers["x-a"] == "1"
    assert r.signature_ok(SECRET)
    body = r.json()
    assert (body["Event"], body["Entity"], body["PrimaryKey"], body["Changes"]) == ("test", "test", 0, [])
    assert body["EventId"] == r.headers["x-superoffice-eventid"]
    assert body["P"] == 1
    # Nothing was stored or counted.
    assert await service.list(ADMIN) == []
    with pytest.raises(InvalidInput):
        await service.test(ADMIN, Webhook(0, target_url="http://example.com/hook"))
    closed = await service.test(ADMIN, Webhook(0, target_url="http://127.0.0.1:9/nothing"))
    assert not closed.success
    assert closed.message


async def test_secrets_never_reach_the_logs(
    db: SqlDatabase,
    store: SqlWebhookStore,
    service: WebhookService,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "TOPSECRET-4711"
    token = "HDRSECRET-0815"
    async with Receiver([500]) as rx:
        url = rx.url + "?key=URLSECRET-42"
        hook = await register(service, url, secret=secret, headers={"Authorization": f"Bearer {token}"})
        await add_event(db, clock.now())
        dispatcher = make_dispatcher(store, clock)
        await dispatcher.run_once()
        clock.advance()
        await dispatcher.run_once()
        await service.test(ADMIN, hook)
        await service.signal(ADMIN, "x.y", 1, {})
        await service.save(ADMIN, Webhook(**{**_fields(hook), "state": WebhookState.Stopped}))
    assert len(rx.requests) == 3
    # Everything at DEBUG: sochat, httpx/httpcore, SQLAlchemy. Not the SQLite driver's own
    # statement trace (aiosqlite logs every parameter at DEBUG; see docs/webhooks.md).
    records = [r for r in caplog.records if not r.name.startswith("aiosqlite")]
    assert {r.name for r in records} >= {"sochat.webhooks", "httpcore.http11"}
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in records)
    for needle in (secret, token, "URLSECRET"):
        assert needle not in logged


async def test_admins_only(service: WebhookService) -> None:
    with pytest.raises(Forbidden) as info:
        await service.list(AGENT)
    assert info.value.msgid == "SR_WEBHOOK_ADMIN_ONLY"
    for call in (
        service.default(AGENT),
        service.get(AGENT, 1),
        service.delete(AGENT, 1),
        service.last_error(AGENT, 1),
        service.save(AGENT, Webhook(0)),
        service.test(AGENT, Webhook(0)),
    ):
        with pytest.raises(Forbidden):
            await call


async def test_wake_starts_a_pass_at_once_and_signal_calls_on_queued(
    db: SqlDatabase, store: SqlWebhookStore
) -> None:
    from sochat.bootstrap import SystemClock

    clock = SystemClock()
    async with Receiver() as rx:
        dispatcher = make_dispatcher(store, clock, poll_interval=30)
        service = WebhookService(store, clock, allow_loopback=True, on_queued=dispatcher.wake)
        await register(service, rx.url, events=("chatsession.*", "myapp.*"))
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run, stop)
            await anyio.sleep(0.1)  # the first pass found nothing; the next is 30 s away
            await add_event(db, clock.now())
            dispatcher.wake()  # what db.on_events_committed(...) does in the app
            with anyio.fail_after(5):
                while len(rx.requests) < 1:
                    await anyio.sleep(0.01)
            await service.signal(ADMIN, "myapp.x", 1, {})
            with anyio.fail_after(5):
                while len(rx.requests) < 2:
                    await anyio.sleep(0.01)
            stop.set()  # ends the 30 s wait at once
    assert [r.headers["x-superoffice-event"] for r in rx.requests] == ["chatsession.created", "myapp.x"]
