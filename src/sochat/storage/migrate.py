"""Schema migrations: bring any database to the newest Alembic revision, programmatically.

The Alembic environment ships inside the package (``migrations/``); no alembic.ini is
needed. ``upgrade(url)`` is idempotent and safe when several processes start at once:

* PostgreSQL: the whole upgrade runs in one transaction (PostgreSQL DDL is
  transactional) after ``pg_advisory_xact_lock``; a second process waits for the lock,
  then finds the database at head and does nothing.
* SQLite: the whole upgrade runs in one ``BEGIN IMMEDIATE`` transaction (SQLite DDL is
  transactional too), so the file's write lock does the same job; the waiting process
  gets a long busy timeout. Migration connections keep ``foreign_keys`` off, as Alembic's
  batch mode (copy table, drop, rename) needs: dropping a parent table with foreign keys
  on would cascade into its children.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from sochat.storage.url import is_sqlite, normalize_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key: "sochat" in ASCII, as a bigint.
PG_MIGRATION_LOCK = 0x736F63686174

# Seconds a second SQLite migrator waits for the first one's write lock.
SQLITE_MIGRATION_TIMEOUT = 120


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migration_engine(url: str) -> AsyncEngine:
    """A one-connection engine for migrations (SQLite: autocommit driver + BEGIN IMMEDIATE)."""
    parsed = normalize_url(url)
    if not is_sqlite(parsed):
        return create_async_engine(parsed, poolclass=NullPool, hide_parameters=True)
    engine = create_async_engine(
        parsed,
        poolclass=NullPool,
        connect_args={"timeout": SQLITE_MIGRATION_TIMEOUT},
        hide_parameters=True,  # parameters can hold secrets: never log them
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def run_locked(connection: Connection, action: Callable[[Connection], None]) -> None:
    """Run ``action`` in one transaction holding the migration lock, then commit."""
    connection.begin()  # BEGIN IMMEDIATE on SQLite (see migration_engine)
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
    action(connection)
    connection.commit()


async def _run(url: str, action: Callable[[Connection], None]) -> None:
    engine = migration_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(run_locked, action)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: the newest)."""
    await _run(url, lambda conn: command.upgrade(alembic_config(conn), revision))


async def downgrade(url: str, revision: str) -> None:
    """Take the database back to ``revision`` ("base" = empty). For development and tests."""
    await _run(url, lambda conn: command.downgrade(alembic_config(conn), revision))


async def reset(url: str) -> None:
    """Empty the database: every migration undone (all of sochat's tables dropped), then
    redone. Nothing else in the database is touched."""
    await downgrade(url, "base")
    await upgrade(url)


async def current_revision(url: str) -> str | None:
    """The revision the database is at; None for an unmigrated database."""
    heads: list[str | None] = []
    await _run(url, lambda conn: heads.append(MigrationContext.configure(conn).get_current_revision()))
    return heads[0]


def upgrade_sync(url: str, revision: str = "head") -> None:
    """``upgrade`` for synchronous callers (CLI); not from inside a running event loop."""
    asyncio.run(upgrade(url, revision))
