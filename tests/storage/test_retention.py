"""Retention: deleted sessions always go, ended ones after the configured days, with their messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sochat.domain.enums import ChatMessageType
from sochat.domain.enums import ChatSessionStatus as S
from sochat.domain.session import ChatSession
from sochat.services.retention import purge
from sochat.storage.database import SqlDatabase
from sochat.storage.retention import SqlRetention

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


async def _setup(db: SqlDatabase) -> dict[str, int]:
    ids: dict[str, int] = {}
    async with db.write() as uow:
        topic = await uow.seed.add_topic("Retention")  # type: ignore[attr-defined]
        rows = {
            "deleted": ChatSession(topic_id=topic, status=S.Deleted),
            "old_closed": ChatSession(topic_id=topic, status=S.Closed, when_ended=NOW - timedelta(days=40)),
            "old_finished": ChatSession(
                topic_id=topic, status=S.Finished, when_ended=NOW - timedelta(days=31)
            ),
            "recent_closed": ChatSession(topic_id=topic, status=S.Closed, when_ended=NOW - timedelta(days=2)),
            "active": ChatSession(topic_id=topic, status=S.UserLast, when_started=NOW - timedelta(days=90)),
        }
        for name, session in rows.items():
            stored = await uow.seed.add_session(session)  # type: ignore[attr-defined]
            ids[name] = stored.chat_session_id
            for i in range(2):
                await uow.seed.add_message(  # type: ignore[attr-defined]
                    stored.chat_session_id,
                    type=ChatMessageType.ToUser,
                    message=f"m{i}",
                    author="",
                    created_by=-1,
                    when_posted=NOW,
                )
        await uow.commit()
    return ids


async def _remaining(db: SqlDatabase, ids: dict[str, int]) -> set[str]:
    async with db.read() as uow:
        return {name for name, sid in ids.items() if await uow.sessions.get(sid) is not None}


async def test_dry_run_counts_and_changes_nothing(db: SqlDatabase) -> None:
    ids = await _setup(db)
    report = await purge(SqlRetention(db), NOW, keep_days=30, dry_run=True)
    assert (report.deleted_sessions, report.ended_sessions, report.messages) == (1, 2, 6)
    assert await _remaining(db, ids) == set(ids)


async def test_purge_removes_sessions_and_their_messages(db: SqlDatabase) -> None:
    ids = await _setup(db)
    report = await purge(SqlRetention(db), NOW, keep_days=30)
    assert (report.deleted_sessions, report.ended_sessions, report.messages) == (1, 2, 6)
    assert await _remaining(db, ids) == {"recent_closed", "active"}
    async with db.read() as uow:
        assert len(await uow.messages.list(ids["recent_closed"])) == 2
        assert await uow.messages.list(ids["old_closed"]) == []
    again = await purge(SqlRetention(db), NOW, keep_days=30)
    assert (again.deleted_sessions, again.ended_sessions, again.messages) == (0, 0, 0)


async def test_zero_days_keeps_ended_sessions(db: SqlDatabase) -> None:
    ids = await _setup(db)
    report = await purge(SqlRetention(db), NOW, keep_days=0)
    assert (report.deleted_sessions, report.ended_sessions) == (1, 0)
    assert await _remaining(db, ids) == set(ids) - {"deleted"}
    with pytest.raises(ValueError, match="negative"):
        await purge(SqlRetention(db), NOW, keep_days=-1)
