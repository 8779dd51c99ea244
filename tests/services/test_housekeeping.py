"""Background duties: idle sessions close, unanswered chats raise their alert level."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sochat.domain.enums import ChatMessageSpecialType
from sochat.domain.enums import ChatSessionStatus as S
from sochat.domain.session import ChatSession
from sochat.i18n import translator
from sochat.services.chat import ChatService
from sochat.storage.database import SqlDatabase

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now_ = T0

    def now(self) -> datetime:
        return self.now_


def service(db: SqlDatabase, clock: Clock) -> ChatService:
    return ChatService(db, clock, zone_for=lambda _: UTC, translator_for=lambda _: translator("en"))


async def add(db: SqlDatabase, *sessions: ChatSession) -> list[int]:
    async with db.write() as uow:
        ids = [(await uow.sessions.add(s)).chat_session_id for s in sessions]
        await uow.commit()
    return ids


async def test_close_idle(db: SqlDatabase) -> None:
    clock = Clock()
    async with db.write() as uow:
        topic = await uow.seed.add_topic("Idle")  # type: ignore[attr-defined]
        await uow.commit()
    stale = T0 - timedelta(minutes=10)
    fresh = T0 - timedelta(minutes=1)
    queued, active, alive, never = await add(
        db,
        ChatSession(topic_id=topic, status=S.InQueue, when_fetched=stale, when_requested=stale),
        ChatSession(topic_id=topic, status=S.UserLast, when_fetched=stale, when_requested=stale),
        ChatSession(topic_id=topic, status=S.UserLast, when_fetched=fresh, when_requested=stale),
        ChatSession(topic_id=topic, status=S.InQueue, when_requested=stale),
    )
    assert await service(db, clock).close_idle(timedelta(minutes=5)) == 2
    async with db.read() as uow:
        status = {sid: (await uow.sessions.get(sid)).status for sid in (queued, active, alive, never)}  # type: ignore[union-attr]
        notes = [m.special_type for m in await uow.messages.list(active)]
        ended = await uow.sessions.get(active)
    assert status == {queued: S.ClosedFromQueue, active: S.Finished, alive: S.UserLast, never: S.InQueue}
    assert notes == [ChatMessageSpecialType.ClosedByIdle]
    assert ended is not None
    assert ended.when_ended == T0
    assert await service(db, clock).close_idle(timedelta(minutes=5)) == 0


async def test_alert_levels_rise_once(db: SqlDatabase) -> None:
    clock = Clock()
    async with db.write() as uow:
        topic_id = await uow.seed.add_topic("Alerts")  # type: ignore[attr-defined]
        topic = await uow.topics.get(topic_id)
        assert topic is not None
        await uow.topics.update(replace(topic, warn_new_chat_minutes=2, warn_manager_new_chat_minutes=5))
        await uow.commit()
    (sid,) = await add(db, ChatSession(topic_id=topic_id, status=S.InQueue, when_requested=T0))
    svc = service(db, clock)

    async def level() -> int:
        async with db.read() as uow:
            s = await uow.sessions.get(sid)
            assert s is not None
            return s.alert_level

    clock.now_ = T0 + timedelta(minutes=1)
    assert (await svc.raise_alerts(), await level()) == (0, 0)
    clock.now_ = T0 + timedelta(minutes=3)
    assert (await svc.raise_alerts(), await level()) == (1, 1)
    assert await svc.raise_alerts() == 0  # once per level
    clock.now_ = T0 + timedelta(minutes=6)
    assert (await svc.raise_alerts(), await level()) == (1, 2)
