"""Alembic environment for sochat (SQLite and PostgreSQL).

Normally run through ``sochat.storage.migrate``, which passes a connection (already in
a transaction holding the migration lock) in ``config.attributes["connection"]``. The
``alembic`` command line works too, with ``-c src/sochat/storage/alembic.ini`` and the
URL from ``-x url=...`` or ``sqlalchemy.url``; it then goes through the same locking.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from sochat.storage.migrate import migration_engine, run_locked
from sochat.storage.schema import metadata

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table ("move and copy").
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database URL: pass -x url=... or set sqlalchemy.url")
    return url


async def _run_cli(url: str) -> None:
    engine = migration_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(run_locked, _configure)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
    else:
        asyncio.run(_run_cli(_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
