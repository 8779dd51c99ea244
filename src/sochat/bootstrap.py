"""Composition root: the one place that picks concrete adapters and wires them together."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import anyio
from starlette.applications import Starlette

from sochat import housekeeping, logs, metrics
from sochat.api.app import create_app
from sochat.api.context import TimeZoneResolver
from sochat.api.http import Services
from sochat.api.routes.operations import sample_process
from sochat.api.timezones import base_zone, location_by_id
from sochat.auth.authenticator import Authenticator, LoginLimits
from sochat.auth.oidc import JwtVerifier
from sochat.config import Settings
from sochat.i18n import Translator, translator
from sochat.push.broker import Broker, MemoryBroker
from sochat.push.hub import PushHub
from sochat.services.archive import ArchivePage, ArchiveQuery
from sochat.services.chat import ChatService
from sochat.services.event_feed import EventFeed
from sochat.services.ports import ArchiveSearch, Database, UnitOfWork
from sochat.services.topics import TopicService
from sochat.services.webhooks import WebhookDispatcher, WebhookService
from sochat.storage.identities import SqlIdentityStore
from sochat.storage.operations import purge_events
from sochat.storage.retention import SqlRetention
from sochat.storage.webhooks import SqlWebhookStore

log = logging.getLogger("sochat")

METRICS_SAMPLE_SECONDS = 5.0


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


def make_limits(settings: Settings, db: Database) -> LoginLimits:
    """Failed-login counters where ``SOCHAT_RATE_LIMIT_BACKEND`` says (auto: Redis with the
    Redis push backend, the database on PostgreSQL, process memory on SQLite)."""
    kind = settings.rate_limits
    if kind == "memory":
        return LoginLimits.in_memory(settings)
    from sochat.services.ratelimit import SharedRateLimiter, WindowStore
    from sochat.storage.ratelimit import RedisWindowStore, SqlWindowStore

    store: WindowStore = RedisWindowStore(settings.redis_url) if kind == "redis" else SqlWindowStore(db)
    window = settings.login_failure_window_seconds
    return LoginLimits(
        SharedRateLimiter(store, settings.login_failures_per_user, window),
        SharedRateLimiter(store, 1, settings.login_slowdown_seconds),
        SharedRateLimiter(store, settings.login_failures_per_address, window),
    )


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
        allow_loopback=settings.demo,
        max_consecutive_errors=settings.webhook_max_consecutive_errors,
    )
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        auth=Authenticator(
            settings,
            db,
            clock,
            verifier,
            make_limits(settings, db),
            SqlIdentityStore(db) if verifier else None,
        ),
        tz=TimeZoneResolver(base),
        chat=chat,
        topics=TopicService(db, clock, zone_for=zone_for),
        archive=archive,
        hub=PushHub(db, broker or make_broker(settings), poll_seconds=settings.push_poll_seconds),
        feed=EventFeed(db, chat),
        webhooks=WebhookService(
            store,
            clock,
            allowed_hosts=settings.webhook_allowed_hosts,
            allow_loopback=settings.demo,
            on_queued=dispatcher.wake,
        ),
        dispatcher=dispatcher,
        retention=SqlRetention(db),
    )


def build_app(settings: Settings) -> Starlette:
    """The production app: opens the database when the server starts, closes it at the end."""
    # Each worker process configures its own logging (uvicorn spawns them fresh).
    logs.configure(settings.log_level, settings.log_format)
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
                    services.db,
                    lambda before: purge_events(lazy, before),
                )
                if settings.metrics_token:
                    tasks.start_soon(_sample_metrics, services)
                try:
                    yield
                finally:
                    stop.set()
                    tasks.cancel_scope.cancel()
        finally:
            await services.hub.close()
            await lazy.close()
            metrics.process_exit()

    return create_app(services, lifespan=lifespan)


async def _sample_metrics(services: Services) -> None:
    """Keep this process's gauges current for scrapes answered by another worker."""
    while True:
        sample_process(services)
        await anyio.sleep(METRICS_SAMPLE_SECONDS)


def app_from_env() -> Starlette:
    """Factory for ``uvicorn --factory`` worker processes: settings come from SOCHAT_*."""
    return build_app(Settings.from_env())


def _redact(url: str) -> str:
    """A database URL without its password (in the user part or the query), for logs."""
    from sochat.storage.url import redact_url

    return redact_url(url)
