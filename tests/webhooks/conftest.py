"""Webhook fixtures: a settable clock, the store and service over ``db``, event helpers, and
the API (the app as bootstrap builds it, on demo data)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sochat.api.app import create_app
from sochat.auth.passwords import hash_password
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.domain.crm import Associate
from sochat.domain.events import ChatEvent, EventName
from sochat.domain.webhooks import DeliveryStatus, Webhook
from sochat.services.webhooks import WebhookDispatcher, WebhookService
from sochat.storage import schema
from sochat.storage.archive import SqlArchive
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from sochat.storage.webhooks import SqlWebhookStore

ADMIN = Associate(associate_id=1, name="admin", is_chat_agent=True, is_chat_admin=True)
AGENT = Associate(associate_id=2, name="agent", is_chat_agent=True)
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = timedelta(hours=1)  # past every backoff the tests configure


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta = LATER) -> None:
        self.current += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db: SqlDatabase) -> SqlWebhookStore:
    return SqlWebhookStore(db)


@pytest.fixture
def service(store: SqlWebhookStore, clock: FakeClock) -> WebhookService:
    # The receivers run on loopback, which only --demo (allow_loopback) or an allow-list opens.
    return WebhookService(store, clock, allow_loopback=True)


def make_dispatcher(store: SqlWebhookStore, clock: Any, **kw: Any) -> WebhookDispatcher:
    options: dict[str, Any] = {
        "retry_base": 1.0,
        "timeout": 5.0,
        "lease_seconds": 60.0,
        "poll_interval": 0.02,
        "jitter": lambda: 0.0,
        "allow_loopback": True,
    }
    options.update(kw)
    return WebhookDispatcher(store, clock, **options)


async def register(service: WebhookService, url: str, **kw: Any) -> Webhook:
    fields: dict[str, Any] = {"name": "My hook", "events": ("chatsession.*",), "target_url": url}
    fields.update(kw)
    return (await service.save(ADMIN, Webhook(webhook_id=0, **fields))).hook


async def add_event(
    db: SqlDatabase,
    when: datetime,
    *,
    name: EventName = EventName.CREATED,
    session_id: int = 41,
    topic_id: int = 7,
    changes: tuple[str, ...] = (),
    changed_by: int = 1,
    message_id: int | None = None,
) -> ChatEvent:
    async with db.write() as uow:
        event = await uow.events.add(
            ChatEvent(
                name=name,
                session_id=session_id,
                topic_id=topic_id,
                changed_by=changed_by,
                created_at=when,
                message_id=message_id,
                changes=changes,
                uid=str(uuid.uuid4()),
            )
        )
        await uow.commit()
    return event


async def delivery_rows(db: SqlDatabase) -> list[dict[str, Any]]:
    d = schema.webhook_delivery
    async with db.read() as uow:
        result = await uow.connection.execute(select(d).order_by(d.c.id))
        return [dict(row._mapping) for row in result]


async def pending(db: SqlDatabase) -> int:
    d = schema.webhook_delivery
    async with db.read() as uow:
        stmt = select(func.count()).where(d.c.status == int(DeliveryStatus.PENDING))
        return int((await uow.connection.execute(stmt)).scalar_one())


# ---------------------------------------------------------------------------
# The API: the app as bootstrap builds it, with demo data

TJE0 = {"Authorization": "Basic dGplMDpUamUw", "Accept": "application/json"}  # chat administrator
ADM0 = {"Authorization": "Basic YWRtMDpBZG0w", "Accept": "application/json"}  # no chat licence
REST = "/api/v1/Webhook"
AGENT_PATH = "/api/v1/Agents/Webhook/"


class Api:
    def __init__(self, client: httpx.AsyncClient, dispatcher: WebhookDispatcher) -> None:
        self.client = client
        self.dispatcher = dispatcher

    async def call(
        self, verb: str, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        if body is not None:
            kw["json"] = body
        return await self.client.request(verb, path, headers=headers or TJE0, **kw)

    async def ok(self, verb: str, path: str, body: Any = None, status: int = 200, **kw: Any) -> Any:
        r = await self.call(verb, path, body, **kw)
        assert r.status_code == status, r.text
        return r.json() if r.content else None


@pytest.fixture
async def api(db: SqlDatabase) -> AsyncIterator[Api]:
    await load_demo(db, hash_password)
    settings = Settings.from_env(
        {}, max_body_bytes=65536, webhook_allowed_hosts=("hooks.internal", "127.0.0.1")
    )
    services = build_services(settings, db, SqlArchive(db))
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://sochat.test") as client:
        # The app's own dispatcher is not running here; this one has test timings.
        yield Api(client, make_dispatcher(SqlWebhookStore(db), services.clock))
