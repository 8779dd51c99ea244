"""Composition root: the one place that picks concrete adapters and wires them together."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

from starlette.applications import Starlette

from sochat.api.app import create_app
from sochat.api.context import TimeZoneResolver
from sochat.api.http import Services
from sochat.api.timezones import base_zone
from sochat.auth.authenticator import Authenticator
from sochat.auth.oidc import JwtVerifier
from sochat.config import Settings
from sochat.services.ports import Database, UnitOfWork

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


def build_services(settings: Settings, db: Database) -> Services:
    verifier = None
    if settings.oidc_issuer:
        verifier = JwtVerifier(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            jwks_file=settings.oidc_jwks_file,
            jwks_url=settings.oidc_jwks_url,
        )
    clock = SystemClock()
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        auth=Authenticator(settings, db, clock, verifier),
        tz=TimeZoneResolver(base_zone(settings.base_timezone)),
    )


def build_app(settings: Settings) -> Starlette:
    """The production app: opens the database when the server starts, closes it at the end."""
    from sochat.storage.database import SqlDatabase

    lazy = LazyDatabase()
    services = build_services(settings, lazy)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        lazy.attach(await SqlDatabase.open(settings.database_url))
        log.info("sochat %s serving on %s", os.getpid(), _redact(settings.database_url))
        try:
            yield
        finally:
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
