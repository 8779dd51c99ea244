"""Migrations: idempotent, concurrent-safe, reversible, and equal to ``schema.metadata``."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, DefaultClause, MetaData, String, inspect, text

from sochat.domain.enums import ChatSessionStatus
from sochat.domain.topic import ChatTopic, ListRef
from sochat.storage.database import SqlDatabase
from sochat.storage.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    migration_engine,
    upgrade,
    upgrade_sync,
)
from sochat.storage.schema import metadata

pytestmark = pytest.mark.anyio

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _inspect(url: str, fn: Any) -> Any:
    engine = migration_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _unquoted(default: str | None) -> str | None:
    if default is None:
        return None
    while default.startswith("(") and default.endswith(")"):
        default = default[1:-1]
    return default[1:-1] if len(default) >= 2 and default[0] == default[-1] == "'" else default


def _same_default(
    _context: Any, _inspected: Any, _column: Any, inspected: str | None, _default: Any, rendered: str | None
) -> bool | None:
    # SQLite reflects '' as "('')", which Alembic's own comparison misreads; equal after
    # unquoting means equal, anything else is left to Alembic (None = "decide yourself").
    if _unquoted(inspected) == _unquoted(rendered):
        return False
    return None


def _diffs(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": _same_default}
    )
    return list(compare_metadata(context, metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _indexes(conn: Connection) -> dict[str, tuple[tuple[str, ...], bool]]:
    insp = inspect(conn)
    return {
        ix["name"]: (tuple(c for c in ix["column_names"] if c), bool(ix["unique"]))
        for table in insp.get_table_names()
        for ix in insp.get_indexes(table)
        if ix["name"]
    }


class TestUpgrade:
    async def test_brings_an_empty_database_to_head_and_is_idempotent(self, db_url: str) -> None:
        await downgrade(db_url, "base")
        assert await current_revision(db_url) is None
        await upgrade(db_url)
        await upgrade(db_url)
        assert await current_revision(db_url) == HEAD
        assert _tables_expected() <= await _inspect(db_url, _tables)

    async def test_migrated_schema_equals_metadata(self, db_url: str) -> None:
        await downgrade(db_url, "base")
        await upgrade(db_url)
        assert await _inspect(db_url, _diffs) == []

    async def test_downgrade_to_base_removes_everything(self, db_url: str) -> None:
        await upgrade(db_url)
        await downgrade(db_url, "base")
        assert await _inspect(db_url, _tables) <= {"alembic_version"}
        await upgrade(db_url)
        assert await _inspect(db_url, _diffs) == []

    async def test_concurrent_upgrades_from_scratch_all_succeed(self, db_url: str) -> None:
        await downgrade(db_url, "base")
        await asyncio.gather(*(upgrade(db_url) for _ in range(4)))
        assert await current_revision(db_url) == HEAD
        assert await _inspect(db_url, _diffs) == []

    async def test_indexes(self, db_url: str) -> None:
        await upgrade(db_url)
        indexes = await _inspect(db_url, _indexes)
        assert indexes["ix_associate_user_name_key"] == (("user_name_key",), True)
        assert indexes["ix_chat_session_status_topic_id_id"] == (("status", "topic_id", "id"), False)
        assert indexes["ix_chat_message_session_id_id"] == (("session_id", "id"), False)
        assert indexes["ix_chat_session_topic_id_status_when_requested"] == (
            ("topic_id", "status", "when_requested"),
            False,
        )
        assert indexes["ix_chat_session_user_id_status"] == (("user_id", "status"), False)
        # Replaced by the two above, which lead with the same column.
        assert "ix_chat_session_topic_id" not in indexes
        assert "ix_chat_session_user_id" not in indexes
        for name in (
            "ix_chat_session_person_id",
            "ix_chat_session_transfer_to_id",
            "ix_chat_session_when_ended",
            "ix_chat_session_session_key",
            "ix_chat_topic_user_topic_id",
            "ix_chat_topic_user_associate_id",
            "ix_issued_ticket_associate_id",
        ):
            assert name in indexes

    async def test_comparison_sees_differences(self, db_url: str) -> None:
        # Guards the equality test against a comparison that finds nothing at all.
        await upgrade(db_url)
        changed = MetaData(naming_convention=metadata.naming_convention)
        for table in metadata.sorted_tables:
            table.to_metadata(changed)
        changed.tables["associate"].append_column(Column("nickname", String(40)))
        changed.tables["chat_session"].c.customer_alias.server_default = DefaultClause("anon")

        def diffs(conn: Connection) -> list[Any]:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": _same_default}
            )
            return list(compare_metadata(context, changed))

        kinds = {(d[0][0] if isinstance(d, list) else d[0]) for d in await _inspect(db_url, diffs)}
        assert kinds == {"add_column", "modify_default"}

    async def test_0002_keeps_existing_rows_and_they_load(self, db_url: str) -> None:
        await downgrade(db_url, "base")
        await upgrade(db_url, "0001")
        rows = text(
            "INSERT INTO chat_topic (name, language_id, ticket_category_id, seconds_pr_accept, flags) "
            "VALUES ('Old', 3, 4, 42, 5);"
        )
        session = text("INSERT INTO chat_session (topic_id, status, session_key) VALUES (1, 4, 'k')")

        def fill(conn: Connection) -> None:
            conn.execute(rows)
            conn.execute(session)
            conn.commit()

        await _inspect(db_url, fill)
        await upgrade(db_url)
        db = await SqlDatabase.open(db_url)
        try:
            async with db.read() as uow:
                topic = await uow.topics.get(1)
                queued = await uow.sessions.get_by_key("k")
        finally:
            await db.close()
        assert topic == ChatTopic(
            topic_id=1,
            name="Old",
            language=ListRef(3),
            ticket_category=ListRef(4),
            seconds_pr_accept=42,
            accept_count=0,
            flags=5,
        )
        assert queued is not None
        assert queued.status is ChatSessionStatus.InQueue
        # And back: the downgrade (a table rebuild on SQLite) keeps the rows.
        await downgrade(db_url, "0001")
        assert await current_revision(db_url) == "0001"
        names = await _inspect(
            db_url, lambda conn: conn.execute(text("SELECT name, language_id FROM chat_topic")).all()
        )
        assert [tuple(r) for r in names] == [("Old", 3)]

    async def test_sqlite_file_is_in_wal_mode(self, sqlite_url: str) -> None:
        db = await SqlDatabase.open(sqlite_url)
        try:
            async with db.read() as uow:
                mode = await uow.connection.exec_driver_sql("PRAGMA journal_mode")
                assert mode.scalar() == "wal"
        finally:
            await db.close()


def test_upgrade_sync_for_synchronous_callers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    # In a thread of its own: it runs an event loop, and must not touch the tests' one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(upgrade_sync, url).result()
        assert pool.submit(asyncio.run, current_revision(url)).result() == HEAD


def _tables_expected() -> set[str]:
    return set(metadata.tables) | {"alembic_version"}
