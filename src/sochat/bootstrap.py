"""Composition root: the one place that picks concrete adapters and wires them together."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import anyio
from starlette.applications import Starlette

from sochat import housekeeping, logredact
from sochat.api.app import create_app
from sochat.api.context import TimeZoneResolver
from sochat.api.http import Services, VisitorLimits
from sochat.api.timezones import base_zone, location_by_id
from sochat.auth.authenticator import Authenticator
from sochat.auth.oidc import JwtVerifier
from sochat.config import Settings
from sochat.domain.files import FilePolicy
from sochat.i18n import Translator, translator
from sochat.mail import SmtpMailer
from sochat.push.broker import Broker, MemoryBroker
from sochat.push.hub import PushHub
from sochat.services.archive import ArchivePage, ArchiveQuery
from sochat.services.chat import ChatService
from sochat.services.event_feed import EventFeed
from sochat.services.ports import ArchiveSearch, Database, UnitOfWork
from sochat.services.ratelimit import MemoryRateLimiter
from sochat.services.topics import TopicService
from sochat.services.visitor import VisitorService, VisitorSettings
from sochat.services.webhooks import WebhookDispatcher, WebhookService
from sochat.storage.files import DiskFileStore
from sochat.storage.retention import SqlRetention
from sochat.storage.webhooks import SqlWebhookStore

log = logging.getLogger("sochat")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class LazyDatabase:
    """The database the app will open in its lifespan; routes are built before that."""

    def __init__(self) -> None:
        self._db: Database | None = None

    def attach(self, db: Database) -> None:
        self._db = db

    @property
    def inner(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is not open yet")
        return self._db

    def read(self) -> AbstractAsyncContextManager[UnitOfWork]:
        return self.inner.read()

    def write(self) -> AbstractAsyncContextManager[UnitOfWork]:
        return self.inner.write()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None


class LazyArchive:
    """The archive search over the database the lifespan opens."""

    def __init__(self) -> None:
        self._inner: ArchiveSearch | None = None

    def attach(self, inner: ArchiveSearch) -> None:
        self._inner = inner

    async def chat_sessions(self, query: ArchiveQuery, topic_ids: Sequence[int] | None) -> ArchivePage:
        if self._inner is None:
            raise RuntimeError("the database is not open yet")
        return await self._inner.chat_sessions(query, topic_ids)


def make_broker(settings: Settings) -> Broker:
    """The push broker ``SOCHAT_PUSH_BACKEND`` names (auto: postgres on PostgreSQL, else memory)."""
    kind = settings.push_broker
    if kind == "postgres":
        if settings.is_sqlite:
            raise ValueError("push_backend postgres needs a postgresql:// database")
        from sochat.push.postgres_broker import PostgresBroker
        from sochat.storage.url import normalize_url

        dsn = normalize_url(settings.database_url).set(drivername="postgresql")
        return PostgresBroker(dsn.render_as_string(hide_password=False), settings.push_channel)
    if kind == "redis":
        from sochat.push.redis_broker import RedisBroker

        return RedisBroker(settings.redis_url, settings.push_channel)
    return MemoryBroker()


def build_services(
    settings: Settings, db: Database, archive: ArchiveSearch, *, broker: Broker | None = None
) -> Services:
    verifier = None
    if settings.oidc_issuer:
        verifier = JwtVerifier(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            jwks_file=settings.oidc_jwks_file,
            jwks_url=settings.oidc_jwks_url,
        )
    clock = SystemClock()
    base = base_zone(settings.base_timezone)

    def zone_for(location_id: int) -> tzinfo:
        """A topic's opening-hours zone; 0 or an unknown id means the server's base zone."""
        location = location_by_id(location_id) if location_id else None
        return ZoneInfo(location.iana) if location else base.zone

    def translator_for(language: str | None) -> Translator:
        """Texts written into a chat: the widget's language when sochat speaks it."""
        try:
            return translator(language or settings.default_language)
        except ValueError:
            return translator(settings.default_language)

    chat = ChatService(db, clock, zone_for=zone_for, translator_for=translator_for)
    store = SqlWebhookStore(db)
    dispatcher = WebhookDispatcher(
        store,
        clock,
        allowed_hosts=settings.webhook_allowed_hosts,
        max_consecutive_errors=settings.webhook_max_consecutive_errors,
    )
    visitor = VisitorService(
        db,
        clock,
        chat,
        SmtpMailer(settings),
        DiskFileStore(settings.files_path),
        VisitorSettings(
            files=FilePolicy(
                enabled=settings.files_enabled,
                max_bytes=settings.files_max_bytes,
                allowed_types=settings.files_allowed_types,
            ),
            max_message_chars=settings.visitor_max_message_chars,
            grace=timedelta(seconds=settings.visitor_grace_seconds),
        ),
    )
    # In-process limits. The integration point for a shared, cross-process RateLimiter:
    # replace these three MemoryRateLimiter(limit, window) with the shared backend's.
    limits = VisitorLimits(
        requests=MemoryRateLimiter(settings.visitor_requests_per_second, 1.0),
        sessions=MemoryRateLimiter(settings.visitor_sessions_per_address_hour, 3600.0),
        messages=MemoryRateLimiter(settings.visitor_messages_per_minute, 60.0),
    )
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        auth=Authenticator(settings, db, clock, verifier),
        tz=TimeZoneResolver(base),
        chat=chat,
        topics=TopicService(db, clock, zone_for=zone_for),
        archive=archive,
        hub=PushHub(db, broker or make_broker(settings), poll_seconds=settings.push_poll_seconds),
        feed=EventFeed(db, chat),
        webhooks=WebhookService(
            store, clock, allowed_hosts=settings.webhook_allowed_hosts, on_queued=dispatcher.wake
        ),
        dispatcher=dispatcher,
        retention=SqlRetention(db),
        visitor=visitor,
        limits=limits,
    )


def build_app(settings: Settings) -> Starlette:
    """The production app: opens the database when the server starts, closes it at the end."""
    # Each worker process configures its own logging (uvicorn spawns them fresh).
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logredact.install()
    from sochat.storage.archive import SqlArchive
    from sochat.storage.database import SqlDatabase

    lazy = LazyDatabase()
    archive = LazyArchive()
    services = build_services(settings, lazy, archive)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = await SqlDatabase.open(settings.database_url)
        lazy.attach(db)
        archive.attach(SqlArchive(db))
        # Every commit that wrote events pokes this process's streams and the broker.
        db.on_events_committed(services.hub.committed)
        # ...and wakes the webhook dispatcher, so deliveries do not wait for its poll.
        db.on_events_committed(lambda _cursor: services.dispatcher.wake())
        await services.hub.start()
        log.info("sochat %s serving on %s", os.getpid(), _redact(settings.database_url))
        stop = anyio.Event()
        try:
            async with anyio.create_task_group() as tasks:
                # Background duties: webhook delivery from the outbox, idle sessions, alerts, purge.
                tasks.start_soon(services.dispatcher.run, stop)
                tasks.start_soon(
                    housekeeping.run,
                    settings,
                    services.chat,
                    services.retention,
                    services.clock,
                    services.visitor.sweep_files,
                )
                try:
                    yield
                finally:
                    stop.set()
                    tasks.cancel_scope.cancel()
        finally:
            await services.hub.close()
            await lazy.close()

    return create_app(services, lifespan=lifespan)


def app_from_env() -> Starlette:
    """Factory for ``uvicorn --factory`` worker processes: settings come from SOCHAT_*."""
    return build_app(Settings.from_env())


def _redact(url: str) -> str:
    """A database URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url
